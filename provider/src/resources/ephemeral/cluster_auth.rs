//! `ephemeral "multicloud_cluster_auth"`: short-lived credentials for a Kubernetes cluster, so
//! that helm and kubernetes providers can be configured per cluster with nothing secret in state
//! (the multi-cloud counterpart of `aws_eks_cluster_auth` + `data "aws_eks_cluster"`).
//!
//! EKS: the endpoint and CA from DescribeCluster; the token is a presigned STS
//! GetCallerIdentity URL for the cluster (valid 15 minutes), renewed before it expires.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use base64::Engine;
use serde::Deserialize;
use tfplugin::framework::{
    EphemeralAbilities, EphemeralResource, OpenRequest, OpenResponse, Private, Renew, RenewRequest,
    RenewResponse, ValidateRequest,
};
use tfplugin::validators::OneOf;
use tfplugin::{Attribute, Block, Ctx, Diagnostic, Diagnostics, Path, Schema, Type, Value, typed};

use crate::ProviderConfig;
use crate::clients::eks;

pub struct ClusterAuth;

/// Renewed this long before the token expires.
const RENEW_MARGIN: Duration = Duration::from_secs(60);

#[derive(Deserialize, serde::Serialize)]
struct Config {
    cloud: Option<String>,
    name: Option<String>,
    region: Option<String>,
}

fn schema() -> Schema {
    Schema::new(
        0,
        Block::new(
            "Short-lived credentials for one Kubernetes cluster, for the helm and kubernetes providers' configuration, \
             never stored in plan or state (Terraform 1.10+). EKS today: a token of the cluster's IAM authenticator, \
             renewed before its 15 minutes end.",
        )
        .attr(
            Attribute::new("cloud", Type::String)
                .required()
                .validate(OneOf(&["aws"]))
                .describe("`aws` (EKS)."),
        )
        .attr(Attribute::new("name", Type::String).required().describe("The cluster's name."))
        .attr(
            Attribute::new("region", Type::String)
                .optional()
                .computed()
                .describe("The cluster's AWS region. Default: the provider's `aws.region`."),
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
                .describe("When the token stops being accepted (RFC 3339)."),
        ),
    )
}

fn rfc3339(t: SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The PEM inside EKS's base64 certificate authority.
fn pem(ca_base64: &str, cluster: &str) -> Result<String, Diagnostics> {
    base64::engine::general_purpose::STANDARD
        .decode(ca_base64.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .filter(|p| p.contains("-----BEGIN CERTIFICATE-----"))
        .ok_or_else(|| {
            Diagnostic::error(
                "Unreadable cluster certificate",
                format!("The certificate authority EKS gives for {cluster} is not base64 of a PEM certificate."),
            )
            .into()
        })
}

impl ClusterAuth {
    fn region(&self, ctx: &Ctx<ProviderConfig>, c: &Config) -> Result<String, Diagnostics> {
        let settings = ctx.data()?.aws("eks");
        let region = crate::clients::aws_sdk::region_or(&settings, c.region.as_deref())
            .map_err(Diagnostics::from)?;
        c.region
            .clone()
            .or(region.map(str::to_string))
            .ok_or_else(|| {
                Diagnostic::error(
                    "No region",
                    "Set region, or aws.region in the provider block (or AWS_REGION).",
                )
                .at(Path::root().attr("region"))
                .into()
            })
    }
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
        if let Ok(Config { name: Some(n), .. }) = typed::decode::<Config>(req.config)
            && n.is_empty()
        {
            diags.error_at(
                Path::root().attr("name"),
                "Empty name",
                "name must name a cluster.",
            );
        }
    }

    async fn open(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: OpenRequest<'_>,
        resp: &mut OpenResponse,
    ) -> Result<(), Diagnostics> {
        let c: Config = typed::decode(req.config)?;
        let name = c.name.clone().unwrap_or_default();
        let region = self.region(ctx, &c)?;
        let settings = ctx.data()?.aws("eks");
        let cluster = eks::describe_cluster(&settings, &region, &name).await?;
        let (token, expires) = eks::token(&ctx.data()?.aws("sts"), &region, &name).await?;
        let mut result = req.config.clone();
        result.set_attr("region", Value::string(&region));
        result.set_attr("host", Value::string(&cluster.endpoint));
        result.set_attr(
            "cluster_ca_certificate",
            Value::string(pem(&cluster.ca_base64, &name)?),
        );
        result.set_attr("token", Value::string(token));
        result.set_attr("expires_at", Value::string(rfc3339(expires)));
        resp.result = result;
        resp.renew_at = Some(expires - RENEW_MARGIN);
        // What a renewal needs: the token is re-signed for the same cluster.
        resp.private.set(
            "cluster",
            &Config {
                region: Some(region),
                ..c
            },
        );
        tracing::debug!(cluster = %name, "opened EKS cluster credentials");
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
        let c: Config = req.private.get("cluster").ok_or_else(|| {
            Diagnostics::from(Diagnostic::error(
                "Nothing to renew",
                "The cluster credentials were opened without a record of the cluster.",
            ))
        })?;
        let (name, region) = (c.name.clone().unwrap_or_default(), self.region(ctx, &c)?);
        let (_, expires) = eks::token(&ctx.data()?.aws("sts"), &region, &name).await?;
        resp.renew_at = Some(expires - RENEW_MARGIN);
        let mut private = Private::default();
        private.set("cluster", &c);
        resp.private = private;
        Ok(())
    }
}
