//! One cloud's half of the VPN resources behind one trait. `multicloud_vpn_gateway` and
//! `multicloud_vpn_connection` ask [`site`] for the cloud's [`VpnSite`] and call it the same way
//! whichever cloud it is, so another cloud is one more implementation (and one more arm in
//! [`site`]) rather than one more arm at every place a resource talks to a cloud.

use std::time::Duration;

use async_trait::async_trait;
use tfplugin::{Ctx, Diagnostic, Diagnostics};

use super::aws_site::AwsSite;
use super::azure_site::AzureSite;
use super::gateway_model::Gateway;
use super::gcp_site::GcpSite;
use super::rules::Cloud;
use super::side::SiteFacts;
use crate::ProviderConfig;

/// The site of `cloud`: the one place that tells the clouds apart by name.
pub fn site(cloud: Cloud) -> &'static dyn VpnSite {
    match cloud {
        Cloud::Aws => &AwsSite,
        Cloud::Gcp => &GcpSite,
        Cloud::Azure => &AzureSite,
    }
}

/// Every site, in the order of [`Cloud::ALL`] (the order import formats are listed in).
pub fn sites() -> impl Iterator<Item = &'static dyn VpnSite> {
    Cloud::ALL.into_iter().map(site)
}

/// A site block as the cloud sees it: defaults filled in, names spelled the way the cloud compares
/// them, held as a gateway with only that block set. Two configurations with the same key
/// describe the same gateway, so an imported state (which holds what the cloud reports) and a
/// configuration that leaves defaults out do not force a replacement.
#[derive(Debug, PartialEq)]
pub struct SiteKey(pub Gateway);

/// One cloud's half of the VPN resources: its gateway (the site). Every operation takes the same arguments and returns the same shape for every
/// cloud; a cloud with nothing to say returns the empty value (see each method).
#[async_trait]
pub trait VpnSite: Send + Sync {
    fn cloud(&self) -> Cloud;

    // --- the gateway's configuration (pure) -----------------------------------------------

    /// The ASN the gateway speaks BGP with, from its configuration: known at plan, unless the
    /// cloud decides it (an existing AWS transit gateway).
    fn configured_asn(&self, gw: &Gateway) -> Option<i64>;

    /// The site block of `gw` as the cloud sees it (see [`SiteKey`]); None without the block.
    fn site_key(&self, gw: &Gateway) -> Option<SiteKey>;

    // --- import ids and identities (pure) -------------------------------------------------

    /// The import id forms this site accepts, for error messages ("aws/REGION/vgw-… or …").
    fn import_format(&self) -> &'static str;

    /// The gateway an import id names, as far as the id tells it (AWS: region and id; GCP:
    /// project, region and name; Azure: subscription, resource group and name); None when `parts`
    /// (the id split at `/`, outer slashes trimmed) is not one of this site's forms.
    fn parse_import_id(&self, parts: &[&str]) -> Option<Gateway>;

    /// The identity's `region`: set only where the cloud's gateway id is regional (AWS).
    fn identity_region(&self, gw: &Gateway) -> Option<String>;

    /// The import id of the gateway whose identity holds `region` and the cloud's `id`.
    fn import_id(&self, region: Option<String>, id: String) -> Result<String, Diagnostics>;

    // --- the gateway ------------------------------------------------------------------------

    /// Creates the site (or takes back what an interrupted create left). On failure, the first
    /// slot of the error is an id for Terraform to keep (tainted) when something was made that a
    /// destroy must remove.
    async fn create_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
        timeout: Duration,
    ) -> Result<SiteFacts, (Option<String>, Diagnostics)>;

    /// The id a create of `gw` gives its gateway, known before anything exists (where the cloud's
    /// ids are names), so that a create cut short leaves a partial state a destroy can act on.
    /// None where the cloud picks the id (AWS: a tag lets the next create take the gateway back).
    fn known_gateway_id(&self, gw: &Gateway) -> Option<String>;

    /// None when nothing of the site is left; pieces gone while others remain are named in
    /// [`SiteFacts::missing`].
    async fn read_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
    ) -> Result<Option<SiteFacts>, Diagnostics>;

    /// The whole site of an existing gateway, from what [`Self::parse_import_id`] made of its id.
    async fn import_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        named: &Gateway,
    ) -> Result<Gateway, Diagnostics>;

    async fn delete_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
        timeout: Duration,
    ) -> Result<(), Diagnostics>;
}

/// Every import id form, site by site (what an invalid id is told to use).
pub fn import_formats() -> String {
    sites()
        .map(|s| s.import_format())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `identity.NAME is required WHY.`
pub fn missing_identity_attribute(name: &str, why: &str) -> Diagnostics {
    Diagnostic::error(
        "Missing identity attribute",
        format!("identity.{name} is required {why}."),
    )
    .into()
}
