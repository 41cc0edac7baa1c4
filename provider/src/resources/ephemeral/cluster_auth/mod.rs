//! `ephemeral "multicloud_cluster_auth"`: short-lived credentials for a Kubernetes cluster, so
//! that helm and kubernetes providers can be configured per cluster with nothing secret in state
//! (the multi-cloud counterpart of `aws_eks_cluster_auth` + `data "aws_eks_cluster"` and
//! `google_client_config` + `data "google_container_cluster"`).
//!
//! This file is the ephemeral resource; each cloud is one [`ClusterCloud`] in its own file
//! ([`eks`], [`gke`]), listed in [`CLOUDS`]. A new cloud is one more file and one more entry.

mod eks;
mod gke;

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use base64::Engine;
use serde::{Deserialize, Serialize};
use tfplugin::framework::{
    EphemeralAbilities, EphemeralResource, OpenRequest, OpenResponse, Private, Renew, RenewRequest,
    RenewResponse, ValidateRequest,
};
use tfplugin::typed::Field;
use tfplugin::validators::OneOf;
use tfplugin::{Attribute, Block, Ctx, Diagnostic, Diagnostics, Path, Schema, Type, Value, typed};

use crate::ProviderConfig;

/// Where a cluster's credentials come from, for one cloud.
#[async_trait]
pub trait ClusterCloud: Send + Sync {
    /// The `cloud` value that selects it.
    fn cloud(&self) -> &'static str;

    /// The cloud-specific attributes it reads (of [`CLOUD_SPECIFIC`]); the others are refused.
    fn own_attributes(&self) -> &'static [&'static str];

    /// Fills in what the configuration left to the provider's settings (region, project).
    fn resolve(&self, ctx: &Ctx<ProviderConfig>, target: Target) -> Result<Target, Diagnostics>;

    async fn open(
        &self,
        ctx: &Ctx<ProviderConfig>,
        target: &Target,
    ) -> Result<Credentials, Diagnostics>;

    /// A fresh token for the same cluster and when it expires; None when the cloud's token
    /// cannot be renewed here.
    async fn renew(
        &self,
        ctx: &Ctx<ProviderConfig>,
        target: &Target,
    ) -> Result<Option<SystemTime>, Diagnostics>;
}

/// Every cloud the resource knows, by `cloud` value.
const CLOUDS: &[&dyn ClusterCloud] = &[&eks::Eks, &gke::Gke];
/// `cloud` values, for the schema's validator (the same as [`CLOUDS`]; a unit test holds them
/// together).
const CLOUD_NAMES: &[&str] = &["aws", "gcp"];
/// Attributes that only some clouds read.
const CLOUD_SPECIFIC: &[&str] = &["project", "private_endpoint"];

/// The cluster, as configured and then resolved. Kept in private state for renewals.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Target {
    pub cloud: Option<String>,
    pub name: Option<String>,
    pub region: Option<String>,
    pub project: Option<String>,
    pub private_endpoint: Option<bool>,
}

impl Target {
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }
}

/// What Kubernetes clients need.
pub struct Credentials {
    /// `https://…`
    pub host: String,
    pub ca_pem: String,
    pub token: String,
    /// None when the token's lifetime is not known here.
    pub expires: Option<SystemTime>,
}

pub struct ClusterAuth;

/// Renewed this long before the token expires.
const RENEW_MARGIN: Duration = Duration::from_secs(60);

fn schema() -> Schema {
    Schema::new(
        0,
        Block::new(
            "Short-lived credentials for one Kubernetes cluster, for the helm and kubernetes providers' configuration, \
             never stored in plan or state (Terraform 1.10+). EKS: a token of the cluster's IAM authenticator, \
             renewed before its 15 minutes end. GKE: the provider's Google access token, which GKE accepts as it is.",
        )
        .attr(
            Attribute::new("cloud", Type::String)
                .required()
                .validate(OneOf(CLOUD_NAMES))
                .describe("`aws` (EKS) or `gcp` (GKE)."),
        )
        .attr(Attribute::new("name", Type::String).required().describe("The cluster's name."))
        .attr(
            Attribute::new("region", Type::String)
                .optional()
                .computed()
                .describe(
                    "EKS: the cluster's AWS region (default: the provider's `aws.region`). \
                     GKE: the cluster's location, a region or, for a zonal cluster, a zone (required).",
                ),
        )
        .attr(
            Attribute::new("project", Type::String)
                .optional()
                .computed()
                .describe("GKE only: the cluster's project. Default: the provider's `gcp.project`."),
        )
        .attr(
            Attribute::new("private_endpoint", Type::Bool)
                .optional()
                .describe(
                    "GKE only: `true` gives the private cluster's internal endpoint \
                     (`privateClusterConfig.privateEndpoint`) as `host`, for runs inside its network.",
                ),
        )
        .attr(
            Attribute::new("host", Type::String)
                .computed()
                .describe("The API server's URL (`https://…`)."),
        )
        .attr(
            Attribute::new("cluster_ca_certificate", Type::String)
                .computed()
                .describe("The cluster's certificate authority (PEM), for `cluster_ca_certificate`."),
        )
        .attr(
            Attribute::new("token", Type::String)
                .computed()
                .sensitive()
                .describe("A bearer token for the API server."),
        )
        .attr(
            Attribute::new("expires_at", Type::String)
                .computed()
                .describe(
                    "When the token stops being accepted (RFC 3339); null when the provider cannot know \
                     (GKE with a token given as `gcp.access_token`).",
                ),
        ),
    )
}

fn rfc3339(t: SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The PEM inside a certificate authority given as base64 (EKS and GKE both do).
pub fn pem(ca_base64: &str, what: &str) -> Result<String, Diagnostics> {
    base64::engine::general_purpose::STANDARD
        .decode(ca_base64.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .filter(|p| p.contains("-----BEGIN CERTIFICATE-----"))
        .ok_or_else(|| {
            Diagnostic::error(
                "Unreadable cluster certificate",
                format!(
                    "The certificate authority given for {what} is not base64 of a PEM certificate."
                ),
            )
            .into()
        })
}

fn cloud_of(name: Option<&str>) -> Result<&'static dyn ClusterCloud, Diagnostics> {
    CLOUDS
        .iter()
        .copied()
        .find(|c| Some(c.cloud()) == name)
        .ok_or_else(|| {
            Diagnostic::error(
                "Unsupported cloud",
                format!("cloud must be one of {}.", CLOUD_NAMES.join(", ")),
            )
            .at(Path::root().attr("cloud"))
            .into()
        })
}

/// What validation reads before the values are all known.
#[derive(Deserialize)]
struct Known {
    #[serde(default)]
    cloud: Field<String>,
    #[serde(default)]
    name: Field<String>,
}

#[async_trait]
impl EphemeralResource<ProviderConfig> for ClusterAuth {
    fn name(&self) -> &'static str {
        "multicloud_cluster_auth"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, req: ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Ok(c) = typed::decode::<Known>(req.config) else {
            return;
        };
        if c.name.known().is_some_and(|n| n.is_empty()) {
            diags.error_at(
                Path::root().attr("name"),
                "Empty name",
                "name must name a cluster.",
            );
        }
        let Some(cloud) = c.cloud.known().and_then(|n| cloud_of(Some(n)).ok()) else {
            return;
        };
        for attr in CLOUD_SPECIFIC {
            // Set, or unknown until apply: either way given for this cloud.
            let given = req.config.get(attr).is_some_and(|v| !v.is_null());
            if given && !cloud.own_attributes().contains(attr) {
                let readers: Vec<&str> = CLOUDS
                    .iter()
                    .filter(|o| o.own_attributes().contains(attr))
                    .map(|o| o.cloud())
                    .collect();
                diags.error_at(
                    Path::root().attr(attr),
                    "Attribute for another cloud",
                    format!(
                        "{attr} is read only for cloud {}; this cluster's cloud is {}.",
                        readers.join(", "),
                        cloud.cloud()
                    ),
                );
            }
        }
    }

    async fn open(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: OpenRequest<'_>,
        resp: &mut OpenResponse,
    ) -> Result<(), Diagnostics> {
        let configured: Target = typed::decode(req.config)?;
        let cloud = cloud_of(configured.cloud.as_deref())?;
        let target = cloud.resolve(ctx, configured)?;
        let creds = cloud.open(ctx, &target).await?;
        let mut result = req.config.clone();
        result.set_attr(
            "region",
            Value::string(target.region.as_deref().unwrap_or("")),
        );
        if let Some(project) = &target.project {
            result.set_attr("project", Value::string(project));
        }
        result.set_attr("host", Value::string(&creds.host));
        result.set_attr("cluster_ca_certificate", Value::string(&creds.ca_pem));
        result.set_attr("token", Value::string(creds.token));
        result.set_attr(
            "expires_at",
            creds
                .expires
                .map(|t| Value::string(rfc3339(t)))
                .unwrap_or(Value::Null),
        );
        resp.result = result;
        if let Some(expires) = creds.expires {
            resp.renew_at = Some(expires - RENEW_MARGIN);
            // What a renewal needs: the token is made again for the same cluster.
            resp.private.set("cluster", &target);
        }
        tracing::debug!(
            cloud = cloud.cloud(),
            cluster = target.name(),
            "opened cluster credentials"
        );
        Ok(())
    }

    fn abilities(&self) -> EphemeralAbilities<'_, ProviderConfig> {
        EphemeralAbilities {
            renew: Some(self),
            close: None,
        }
    }
}

#[async_trait]
impl Renew<ProviderConfig> for ClusterAuth {
    /// A new token for the same cluster. Terraform keeps the opened result; the renewal keeps the
    /// credentials behind it valid for a run that outlasts them (a long helm install).
    async fn renew(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: RenewRequest<'_>,
        resp: &mut RenewResponse,
    ) -> Result<(), Diagnostics> {
        let target: Target = req.private.get("cluster").ok_or_else(|| {
            Diagnostics::from(Diagnostic::error(
                "Nothing to renew",
                "The cluster credentials were opened without a record of the cluster.",
            ))
        })?;
        let cloud = cloud_of(target.cloud.as_deref())?;
        if let Some(expires) = cloud.renew(ctx, &target).await? {
            resp.renew_at = Some(expires - RENEW_MARGIN);
            let mut private = Private::default();
            private.set("cluster", &target);
            resp.private = private;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cloud_is_named_once_in_the_schema() {
        let names: Vec<&str> = CLOUDS.iter().map(|c| c.cloud()).collect();
        assert_eq!(names, CLOUD_NAMES);
        for c in CLOUDS {
            for a in c.own_attributes() {
                assert!(CLOUD_SPECIFIC.contains(a), "{a}");
                assert!(
                    schema().block.attributes.iter().any(|x| &x.name == a),
                    "{a}"
                );
            }
        }
    }

    #[test]
    fn the_ca_must_be_base64_of_a_pem() {
        let pem_text = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let b64 = base64::engine::general_purpose::STANDARD.encode(pem_text);
        assert_eq!(pem(&b64, "c").unwrap(), pem_text);
        assert!(pem("not base64!", "c").is_err());
        assert!(pem(&base64::engine::general_purpose::STANDARD.encode("x"), "c").is_err());
    }
}
