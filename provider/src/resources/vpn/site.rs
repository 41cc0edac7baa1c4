//! One cloud's half of the VPN resources behind one trait. `multicloud_vpn_gateway` and
//! `multicloud_vpn_connection` ask [`site`] for the cloud's [`VpnSite`] and call it the same way
//! whichever cloud it is, so another cloud is one more implementation (and one more arm in
//! [`site`]) rather than one more arm at every place a resource talks to a cloud.
//!
//! Where the clouds differ in a way the resources must know about, the difference is a property
//! of the site ([`VpnSite::learns_addresses_on_create`], [`VpnSite::records_layout`],
//! [`VpnSite::key_readback`]) rather than a test of which cloud it is.

use std::collections::BTreeSet;
use std::time::Duration;

use async_trait::async_trait;
use tfplugin::{Ctx, Diagnostic, Diagnostics};

use super::aws_site::AwsSite;
use super::azure_site::AzureSite;
use super::gateway_model::Gateway;
use super::gcp_site::GcpSite;
use super::rules::Cloud;
use super::side::{CloudIds, Found, InUse, SideJob, SiteFacts, TunnelReport};
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

/// How a side gives back a tunnel's pre-shared key when a connection is imported, best first: an
/// import takes each key from the side with the better copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyReadback {
    /// The key as it was set (Azure's shared key).
    Exact,
    /// From the tunnel's options, else from the configuration document the cloud generates
    /// (AWS).
    Recovered,
    /// Never: the cloud keeps only a hash (GCP).
    HashOnly,
}

/// A site block as the cloud sees it: defaults filled in, names spelled the way the cloud compares
/// them, held as a gateway with only that block set. Two configurations with the same key
/// describe the same gateway, so an imported state (which holds what the cloud reports) and a
/// configuration that leaves defaults out do not force a replacement.
#[derive(Debug, PartialEq)]
pub struct SiteKey(pub Gateway);

/// One cloud's half of the VPN resources: its gateway (the site), and its side of each
/// connection. Every operation takes the same arguments and returns the same shape for every
/// cloud; a cloud with nothing to say returns the empty value (see each method).
#[async_trait]
pub trait VpnSite: Send + Sync {
    fn cloud(&self) -> Cloud;

    // --- how this cloud differs -----------------------------------------------------------

    /// Whether each tunnel gets its own outside address when this side creates it (AWS: every VPN
    /// connection brings two), instead of using the gateway's fixed public addresses. Such a side
    /// is built first and the far side is then built towards the addresses [`Self::ensure`]
    /// returns; the far side sees one interface per tunnel; and the gateway's `public_ips` say
    /// nothing about the tunnels, so their addresses are unknown until the apply.
    fn learns_addresses_on_create(&self) -> bool;

    /// Whether this side records a connection's layout exactly (tunnel count, inside CIDRs and
    /// IKE version: GCP's router interfaces, Azure's custom APIPA addresses), so that an import
    /// can read it back from here. AWS echoes inside CIDRs only in some API versions.
    fn records_layout(&self) -> bool;

    fn key_readback(&self) -> KeyReadback;

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

    // --- a connection's side ----------------------------------------------------------------

    /// The inside /30s that something other than connection `own` uses on this gateway, for a
    /// plan to avoid (what the cloud would refuse, or silently break on).
    async fn inside_cidrs_in_use(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
        own: &str,
        timeout: Duration,
    ) -> Result<Vec<InUse>, Diagnostics>;

    /// Creates what is missing of this side, keeps what exists (so a retry resumes), recording
    /// each object in `ids` as soon as it exists. Returns this side's outside address per tunnel
    /// when it [learns them on create](Self::learns_addresses_on_create); empty otherwise (its
    /// tunnels use the gateway's public addresses, known before).
    async fn ensure(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
        ids: &mut CloudIds,
    ) -> Result<Vec<String>, Diagnostics>;

    /// Status and drift per tunnel, in `job.tunnels` order. `ids` is what the state recorded;
    /// a side that finds its objects by name may ignore it.
    async fn observe(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
        ids: &CloudIds,
    ) -> Result<Vec<TunnelReport>, Diagnostics>;

    /// Removes what `ids` records of this side, in reverse order of creation, dropping each entry
    /// once its object is gone (so a retry resumes) and tolerating objects already gone.
    async fn remove(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
        ids: &mut CloudIds,
    ) -> Result<(), Diagnostics>;

    /// What exists of connection `job.name` on `job.gateway`, for import. `job.tunnels` is the
    /// layout when it is known; it is empty when the layout is being read from a side that
    /// [records it](Self::records_layout), which finds its pieces by name alone.
    async fn discover(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
    ) -> Result<Found, Diagnostics>;

    /// The import ids of every gateway this cloud has in `scope` (its region, project or
    /// resource group), whoever made it: what `list "multicloud_vpn_gateway"` reports. Errors when
    /// the scope lacks what this cloud needs.
    async fn list_gateways(
        &self,
        ctx: &Ctx<ProviderConfig>,
        scope: &ListScope,
    ) -> Result<Vec<String>, Diagnostics>;

    /// The names of the connections on `gw` that this provider built (by its piece tags or the
    /// names it gives its objects): what `list "multicloud_vpn_connection"` finds.
    async fn connection_names(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
    ) -> Result<BTreeSet<String>, Diagnostics>;
}

/// Where a list looks, as the `list` block's cloud block gives it.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ListScope {
    pub region: Option<String>,
    pub project: Option<String>,
    pub subscription_id: Option<String>,
    pub resource_group: Option<String>,
}

impl ListScope {
    /// The value of a setting the scope must have, or an error naming it.
    pub fn needs<'a>(
        &'a self,
        cloud: Cloud,
        what: &str,
        value: &'a Option<String>,
    ) -> Result<&'a str, Diagnostics> {
        value.as_deref().filter(|v| !v.is_empty()).ok_or_else(|| {
            Diagnostic::error(
                "List scope incomplete",
                format!("The {cloud} block of the list needs {what}."),
            )
            .into()
        })
    }
}

/// The connection a piece named `{conn}{sep}{digits}` belongs to.
pub fn connection_of(piece: &str, sep: &str) -> Option<String> {
    let (conn, n) = piece.rsplit_once(sep)?;
    (!conn.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .then(|| conn.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What the per-cloud matches said before the sites had properties.
    #[test]
    fn each_site_says_how_its_cloud_differs() {
        for cloud in Cloud::ALL {
            let s = site(cloud);
            assert_eq!(s.cloud(), cloud);
            assert_eq!(
                s.learns_addresses_on_create(),
                cloud == Cloud::Aws,
                "{cloud}"
            );
            assert_eq!(s.records_layout(), cloud != Cloud::Aws, "{cloud}");
        }
        let mut by_key: Vec<(KeyReadback, Cloud)> =
            Cloud::ALL.map(|c| (site(c).key_readback(), c)).to_vec();
        by_key.sort();
        let order: Vec<Cloud> = by_key.into_iter().map(|(_, c)| c).collect();
        assert_eq!(order, [Cloud::Azure, Cloud::Aws, Cloud::Gcp]);
    }
}

#[cfg(test)]
mod list_tests {
    use super::connection_of;

    #[test]
    fn pieces_name_their_connection() {
        assert_eq!(connection_of("link-t3", "-t").as_deref(), Some("link"));
        assert_eq!(
            connection_of("prod-eu-t12", "-t").as_deref(),
            Some("prod-eu")
        );
        assert_eq!(connection_of("link/vpn0", "/vpn").as_deref(), Some("link"));
        assert_eq!(connection_of("link-tx", "-t"), None);
        assert_eq!(connection_of("-t1", "-t"), None);
        assert_eq!(connection_of("link-t", "-t"), None);
    }
}
