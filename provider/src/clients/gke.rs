//! Google Kubernetes Engine (container v1): what a Kubernetes client needs to reach a cluster,
//! read with `projects.locations.clusters.get`. Same transport, retries and error envelope as the
//! Compute client ([`super::gcp`]); the access token never appears in logs or `Debug`.
//!
//! Reference: <https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters/get>,
//! <https://cloud.google.com/kubernetes-engine/docs/how-to/api-server-authentication> (an OAuth 2.0
//! access token is the bearer token; `masterAuth.clusterCaCertificate` is base64 of the PEM).

use std::fmt;

use reqwest::{Method, Url};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::auth::Credentials;
use super::gcp::{self, GcpError, Policy};
use super::http::{Http, Request};

pub const DEFAULT_ENDPOINT: &str = "https://container.googleapis.com";

/// The parts of a cluster a Kubernetes client needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// The public endpoint: an IP address (GKE gives no scheme).
    pub endpoint: String,
    /// `privateClusterConfig.privateEndpoint`, for a private cluster.
    pub private_endpoint: Option<String>,
    /// As GKE gives it: base64 of the PEM.
    pub ca_base64: String,
    pub status: String,
}

#[derive(Clone)]
pub struct Container {
    http: Http<Policy>,
    /// `{endpoint}/v1`
    base: Url,
}

impl fmt::Debug for Container {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Container")
            .field("base", &self.base.as_str())
            .field("token", &"<redacted>")
            .finish()
    }
}

impl Container {
    /// `endpoint` defaults to https://container.googleapis.com.
    pub fn new(endpoint: Option<&str>, access_token: &str) -> Result<Container, GcpError> {
        Container::with_credentials(endpoint, gcp::fixed_token(access_token)?)
    }

    /// [`Container::new`] with tokens from `auth`, asked for at every request.
    pub fn with_credentials(
        endpoint: Option<&str>,
        auth: Credentials,
    ) -> Result<Container, GcpError> {
        let (base, http) = gcp::connect("GKE", endpoint, DEFAULT_ENDPOINT, "v1", auth)?;
        Ok(Container { http, base })
    }

    pub fn with_cancel(mut self, cancel: CancellationToken) -> Container {
        self.http = self.http.with_cancel(cancel);
        self
    }

    /// The cluster, or None when GKE has no such cluster. `location` is a region or a zone.
    pub async fn get_cluster(
        &self,
        project: &str,
        location: &str,
        name: &str,
    ) -> Result<Option<Cluster>, GcpError> {
        for (what, part) in [("project", project), ("location", location), ("name", name)] {
            if part.is_empty() || part.contains(['/', '?', '#']) {
                return Err(gcp::invalid(format!("invalid GKE cluster {what} {part:?}")));
            }
        }
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| gcp::invalid("bad GKE endpoint"))?
            .pop_if_empty()
            .extend(["projects", project, "locations", location, "clusters", name]);
        tracing::debug!(
            operation = "clusters.get",
            project,
            location,
            cluster = name,
            "gke call"
        );
        let outcome = self
            .http
            .send(Request::new(Method::GET, &url), &self.http.budget())
            .await;
        let body = match gcp::json_of("GKE", outcome.result) {
            Err(e) if e.is_not_found() => return Ok(None),
            other => other?,
        };
        Ok(Some(read_cluster(&body)))
    }
}

fn read_cluster(v: &Value) -> Cluster {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    Cluster {
        endpoint: text(&v["endpoint"]),
        private_endpoint: v["privateClusterConfig"]["privateEndpoint"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        ca_base64: text(&v["masterAuth"]["clusterCaCertificate"]),
        status: text(&v["status"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_endpoints_and_the_ca() {
        let c = read_cluster(&json!({
            "endpoint": "34.1.2.3",
            "status": "RUNNING",
            "masterAuth": {"clusterCaCertificate": "Q0E="},
            "privateClusterConfig": {"privateEndpoint": "10.0.0.2"}
        }));
        assert_eq!(c.endpoint, "34.1.2.3");
        assert_eq!(c.private_endpoint.as_deref(), Some("10.0.0.2"));
        assert_eq!(c.ca_base64, "Q0E=");
        let public_only = read_cluster(&json!({"endpoint": "34.1.2.3"}));
        assert_eq!(public_only.private_endpoint, None);
        assert_eq!(public_only.ca_base64, "");
    }

    #[test]
    fn refuses_bad_endpoints_tokens_and_path_parts() {
        assert!(Container::new(Some("ftp://x"), "t").is_err());
        assert!(Container::new(None, " ").is_err());
        assert!(Container::new(None, "a\nb").is_err());
        let c = Container::new(Some("http://127.0.0.1:1/v1/"), "t").unwrap();
        assert_eq!(c.base.as_str(), "http://127.0.0.1:1/v1");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let err = rt
            .block_on(c.get_cluster("p", "us-central1/../x", "c"))
            .unwrap_err();
        assert_eq!(err.reason, "invalidArgument");
        assert!(format!("{c:?}").contains("<redacted>"));
    }
}
