//! EKS: the endpoint and CA from DescribeCluster; the token is a presigned STS
//! GetCallerIdentity URL for the cluster (valid 15 minutes), renewed before it expires.

use std::time::SystemTime;

use async_trait::async_trait;
use tfplugin::{Ctx, Diagnostic, Diagnostics, Path};

use super::{ClusterCloud, Credentials, Target, pem};
use crate::ProviderConfig;
use crate::clients::{aws_sdk, eks};

pub struct Eks;

#[async_trait]
impl ClusterCloud for Eks {
    fn cloud(&self) -> &'static str {
        "aws"
    }

    fn own_attributes(&self) -> &'static [&'static str] {
        &[]
    }

    fn resolve(&self, ctx: &Ctx<ProviderConfig>, target: Target) -> Result<Target, Diagnostics> {
        let settings = ctx.data()?.aws("eks");
        let default = aws_sdk::region_or(&settings, target.region.as_deref())
            .map_err(Diagnostics::from)?
            .map(str::to_string);
        let region = target.region.clone().or(default).ok_or_else(|| {
            Diagnostics::from(
                Diagnostic::error(
                    "No region",
                    "Set region, or aws.region in the provider block (or AWS_REGION).",
                )
                .at(Path::root().attr("region")),
            )
        })?;
        Ok(Target {
            region: Some(region),
            ..target
        })
    }

    async fn open(
        &self,
        ctx: &Ctx<ProviderConfig>,
        target: &Target,
    ) -> Result<Credentials, Diagnostics> {
        let (name, region) = (target.name(), target.region.as_deref().unwrap_or_default());
        let cluster = eks::describe_cluster(&ctx.data()?.aws("eks"), region, name).await?;
        let (token, expires) = eks::token(&ctx.data()?.aws("sts"), region, name).await?;
        Ok(Credentials {
            host: cluster.endpoint,
            ca_pem: pem(&cluster.ca_base64, &format!("EKS cluster {name}"))?,
            token,
            expires: Some(expires),
        })
    }

    async fn renew(
        &self,
        ctx: &Ctx<ProviderConfig>,
        target: &Target,
    ) -> Result<Option<SystemTime>, Diagnostics> {
        let region = target.region.as_deref().unwrap_or_default();
        let (_, expires) = eks::token(&ctx.data()?.aws("sts"), region, target.name()).await?;
        Ok(Some(expires))
    }
}
