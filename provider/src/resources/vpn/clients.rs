//! Cloud clients for one VPN operation, built from the provider settings and the site's own
//! project, subscription or region, bounded by the operation's timeout and Terraform's cancel.

use std::time::Duration;

use tfplugin::{Ctx, Diagnostic, Diagnostics};

use crate::ProviderConfig;
use crate::clients::azure::Network;
use crate::clients::ec2::Ec2;
use crate::clients::gcp::Compute;

pub async fn ec2(
    ctx: &Ctx<ProviderConfig>,
    region: &str,
    timeout: Duration,
) -> Result<Ec2, Diagnostics> {
    let settings = ctx.data()?.aws("ec2");
    Ok(Ec2::connect(&settings, Some(region))
        .await?
        .with_cancel(ctx.cancel.clone())
        .with_deadline(timeout))
}

pub fn compute(
    ctx: &Ctx<ProviderConfig>,
    project: &str,
    timeout: Duration,
) -> Result<Compute, Diagnostics> {
    let s = ctx.data()?.gcp();
    let token = s
        .access_token
        .require("gcp.access_token", &["GOOGLE_OAUTH_ACCESS_TOKEN"])?;
    let c = Compute::new(s.endpoint.get(), token, project)
        .map_err(|e| Diagnostic::error("Cannot build the GCP client", e.to_string()))?;
    Ok(c.with_cancel(ctx.cancel.clone()).with_deadline(timeout))
}

pub fn network(
    ctx: &Ctx<ProviderConfig>,
    subscription: &str,
    timeout: Duration,
) -> Result<Network, Diagnostics> {
    let s = ctx.data()?.azure();
    let token = s
        .access_token
        .require("azure.access_token", &["ARM_ACCESS_TOKEN"])?;
    let c = Network::new(s.endpoint.get(), token, subscription)
        .map_err(|e| Diagnostic::error("Cannot build the Azure client", e.to_string()))?;
    // Operation polls wait as long as Azure asks (Retry-After, retry-after-ms).
    Ok(c.with_cancel(ctx.cancel.clone()).with_deadline(timeout))
}
