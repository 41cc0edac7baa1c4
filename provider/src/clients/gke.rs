//! Google Kubernetes Engine (container v1): what a Kubernetes client needs to reach a cluster,
//! read with `projects.locations.clusters.get`. Same transport, retries and error envelope as the
//! Compute client ([`super::gcp`]); the access token never appears in logs or `Debug`.
//!
//! Reference: <https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters/get>,
//! <https://cloud.google.com/kubernetes-engine/docs/how-to/api-server-authentication> (an OAuth 2.0
//! access token is the bearer token; `masterAuth.clusterCaCertificate` is base64 of the PEM).

use std::fmt;

use reqwest::header::HeaderValue;
use reqwest::{Method, Url};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::gcp::{self, GcpError, Policy};
use super::http::{Failure, Http, Request};

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
        let endpoint = endpoint
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .unwrap_or(DEFAULT_ENDPOINT)
            .trim_end_matches('/');
        let endpoint = endpoint.strip_suffix("/v1").unwrap_or(endpoint);
        let base = Url::parse(&format!("{endpoint}/v1/"))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.query().is_none())
            .ok_or_else(|| {
                gcp::invalid(format!(
                    "invalid GKE endpoint {endpoint:?}: want an http(s) URL"
                ))
            })?;
        let token = access_token.trim();
        if token.is_empty() || HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
            return Err(gcp::invalid(
                "GCP access token is empty or cannot be sent in an HTTP header",
            ));
        }
        let http = Http::new("GKE", token, Policy, true)
            .map_err(|e| gcp::invalid(format!("cannot create the GKE HTTP client: {e}")))?
            .with_retry(gcp::RETRY);
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
        let url = self
            .base
            .join(&format!(
                "projects/{project}/locations/{location}/clusters/{name}"
            ))
            .map_err(|e| gcp::invalid(format!("invalid GKE cluster path: {e}")))?;
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
        let body: Value = match outcome.result {
            Ok(reply) => serde_json::from_slice(&reply.body).map_err(|e| GcpError {
                status: Some(reply.status),
                reason: "invalidResponse".into(),
                message: format!("GKE answered with invalid JSON: {e}"),
            })?,
            Err(Failure::Status(reply)) if reply.status == 404 => return Ok(None),
            Err(Failure::Status(reply)) => return Err(gcp::parse_error(reply.status, &reply.body)),
            Err(Failure::Transport(e)) => return Err(gcp::transport_error(e)),
            Err(Failure::Stopped(stop)) => return Err(gcp::stopped(stop)),
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
        assert_eq!(c.base.as_str(), "http://127.0.0.1:1/v1/");
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
