//! GKE: the endpoint and CA from `clusters.get`; the token is the provider's Google access token,
//! which GKE's API server accepts as it is (what `google_client_config.access_token` gives the
//! kubernetes provider). `expires_at` is the token's expiry when its source says it (a service
//! account key, ADC, the metadata server...), null for a token given as `gcp.access_token`;
//! nothing is renewed (a renewal cannot change the token Terraform already handed out).

use std::time::SystemTime;

use async_trait::async_trait;
use tfplugin::{Ctx, Diagnostic, Diagnostics, Path};

use super::{ClusterCloud, Credentials, Target, pem};
use crate::ProviderConfig;
use crate::clients::gke::Container;

pub struct Gke;

#[async_trait]
impl ClusterCloud for Gke {
    fn cloud(&self) -> &'static str {
        "gcp"
    }

    fn own_attributes(&self) -> &'static [&'static str] {
        &["project", "private_endpoint"]
    }

    fn resolve(&self, ctx: &Ctx<ProviderConfig>, target: Target) -> Result<Target, Diagnostics> {
        let settings = ctx.data()?.gcp();
        let project = target
            .project
            .clone()
            .or(settings.project.get().map(str::to_string))
            .ok_or_else(|| {
                Diagnostics::from(
                    Diagnostic::error(
                        "No project",
                        "Set project, or gcp.project in the provider block (or GOOGLE_PROJECT).",
                    )
                    .at(Path::root().attr("project")),
                )
            })?;
        if target.region.as_deref().unwrap_or_default().is_empty() {
            return Err(Diagnostic::error(
                "No location",
                "Set region to the GKE cluster's location: its region, or its zone for a zonal cluster.",
            )
            .at(Path::root().attr("region"))
            .into());
        }
        Ok(Target {
            project: Some(project),
            ..target
        })
    }

    async fn open(
        &self,
        ctx: &Ctx<ProviderConfig>,
        target: &Target,
    ) -> Result<Credentials, Diagnostics> {
        let config = ctx.data()?;
        let settings = config.gcp();
        let credentials = config.gcp_credentials()?;
        let token = credentials
            .token()
            .await
            .map_err(|e| Diagnostic::error("Cannot get Google credentials", format!("{e}.")))?
            .ok_or_else(|| Diagnostic::error("Cannot get Google credentials", "No token."))?;
        let client = Container::with_credentials(settings.container_endpoint.get(), credentials)
            .map_err(|e| Diagnostic::error("Cannot build the GKE client", e.to_string()))?
            .with_cancel(ctx.cancel.clone());
        let (project, location, name) = (
            target.project.as_deref().unwrap_or_default(),
            target.region.as_deref().unwrap_or_default(),
            target.name(),
        );
        let cluster = client
            .get_cluster(project, location, name)
            .await
            .map_err(|e| Diagnostic::error("Cannot read the GKE cluster", e.to_string()))?
            .ok_or_else(|| {
                Diagnostic::error(
                    "Cannot read the GKE cluster",
                    format!("GKE has no cluster named {name} in {location} of project {project}."),
                )
            })?;
        let address = if target.private_endpoint == Some(true) {
            cluster.private_endpoint.clone().ok_or_else(|| {
                Diagnostic::error(
                    "No private endpoint",
                    format!(
                        "GKE cluster {name} is not a private cluster: it has no private endpoint."
                    ),
                )
                .at(Path::root().attr("private_endpoint"))
            })?
        } else {
            cluster.endpoint.clone()
        };
        if address.is_empty() || cluster.ca_base64.is_empty() {
            return Err(Diagnostic::error(
                "GKE cluster not ready",
                format!(
                    "Cluster {name} has no endpoint or certificate authority yet (status {}); wait until it is RUNNING.",
                    cluster.status
                ),
            )
            .into());
        }
        Ok(Credentials {
            host: format!("https://{address}"),
            ca_pem: pem(&cluster.ca_base64, &format!("GKE cluster {name}"))?,
            token: token.secret.expose().to_string(),
            expires: token.expires_at,
        })
    }

    async fn renew(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        _target: &Target,
    ) -> Result<Option<SystemTime>, Diagnostics> {
        Ok(None)
    }
}
