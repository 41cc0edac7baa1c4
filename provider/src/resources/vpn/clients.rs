//! Cloud clients for one VPN operation, built from the provider settings and the site's own
//! project, subscription or region, bounded by the operation's timeout and Terraform's cancel.
//! GCP and Azure clients share the provider configuration's credentials, so one token (refreshed
//! before it expires) serves every resource.

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
    let config = ctx.data()?;
    let s = config.gcp();
    let c = Compute::with_credentials(s.endpoint.get(), config.gcp_credentials()?, project)
        .map_err(|e| Diagnostic::error("Cannot build the GCP client", e.to_string()))?;
    Ok(c.with_cancel(ctx.cancel.clone()).with_deadline(timeout))
}

pub fn network(
    ctx: &Ctx<ProviderConfig>,
    subscription: &str,
    timeout: Duration,
) -> Result<Network, Diagnostics> {
    let config = ctx.data()?;
    let s = config.azure();
    let c = Network::with_credentials(s.endpoint.get(), config.azure_credentials()?, subscription)
        .map_err(|e| Diagnostic::error("Cannot build the Azure client", e.to_string()))?;
    // Operation polls wait as long as Azure asks (Retry-After, retry-after-ms).
    Ok(c.with_cancel(ctx.cancel.clone()).with_deadline(timeout))
}
