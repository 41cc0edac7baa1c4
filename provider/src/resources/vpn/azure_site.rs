//! The Azure half: two public IPs and an active-active, BGP-enabled virtual network gateway as the
//! site; per connection, the gateway's custom APIPA BGP addresses for its tunnels, one local
//! network gateway (the far end: address, ASN, BGP address) and one IPsec connection per tunnel.
//! Gateway operations take Azure 30+ minutes: the client logs progress and honours the timeout.

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use tfplugin::{Ctx, Diagnostic, Diagnostics};

use super::batch::{KeyedLocks, Snapshots};
use super::clients;
use super::gateway_model::{
    AZURE_DEFAULT_SKU, AzureSite as AzureBlock, Gateway, azure_public_ip_names,
};
use super::rules::{self, Cloud};
use super::side::{
    CloudIds, Found, InUse, SideJob, SiteFacts, TunnelReport, api_error, entries_of, is_own_piece,
    piece_index,
};
use super::site::{KeyReadback, ListScope, SiteKey, VpnSite, connection_of};
use crate::ProviderConfig;
use crate::clients::azure::{
    Connection, Network, NewConnection, NewVnetGateway, PublicIp, VnetGateway,
};

fn site(gw: &Gateway) -> Result<&AzureBlock, Diagnostics> {
    gw.azure
        .as_ref()
        .ok_or_else(|| Diagnostic::error("Internal error", "not an Azure gateway").into())
}

fn rg(s: &AzureBlock) -> &str {
    s.resource_group.as_deref().unwrap_or_default()
}

fn client(
    ctx: &Ctx<ProviderConfig>,
    s: &AzureBlock,
    timeout: Duration,
) -> Result<Network, Diagnostics> {
    clients::network(
        ctx,
        s.subscription_id.as_deref().unwrap_or_default(),
        timeout,
    )
}

fn facts(g: &VnetGateway, ips: Vec<String>) -> SiteFacts {
    SiteFacts {
        id: g.id.clone(),
        asn: i64::from(g.asn),
        public_ips: ips,
        bgp_peering_addresses: g
            .ip_configs
            .iter()
            .flat_map(|c| c.default_bgp_ips.iter().cloned())
            .collect(),
        missing: Vec::new(),
    }
}

/// The Azure site, as the VPN resources use it.
pub struct AzureSite;

#[async_trait]
impl VpnSite for AzureSite {
    async fn list_gateways(
        &self,
        ctx: &Ctx<ProviderConfig>,
        scope: &ListScope,
    ) -> Result<Vec<String>, Diagnostics> {
        let subscription = scope.needs(Cloud::Azure, "subscription_id", &scope.subscription_id)?;
        let rg = scope.needs(Cloud::Azure, "resource_group", &scope.resource_group)?;
        let n = clients::network(ctx, subscription, Duration::from_secs(60))?;
        let gateways = n
            .list_vnet_gateways(rg)
            .await
            .map_err(|e| api_error("Cannot list the virtual network gateways", e))?;
        Ok(gateways.into_iter().map(|g| g.id).collect())
    }

    async fn connection_names(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
    ) -> Result<BTreeSet<String>, Diagnostics> {
        let s = site(gw)?;
        let n = client(ctx, s, Duration::from_secs(60))?;
        let id = gw.id.clone().unwrap_or_default().to_ascii_lowercase();
        let connections = n
            .list_connections(rg(s))
            .await
            .map_err(|e| api_error("Cannot list the connections", e))?;
        Ok(connections
            .into_iter()
            .filter(|c| c.gateway_id.to_ascii_lowercase() == id)
            .filter_map(|c| connection_of(&c.name, "-t"))
            .collect())
    }
    fn cloud(&self) -> Cloud {
        Cloud::Azure
    }

    /// An active-active gateway's two public IPs have their addresses once the gateway exists.
    fn learns_addresses_on_create(&self) -> bool {
        false
    }

    /// The gateway's custom APIPA addresses hold each tunnel's BGP address, and with it its
    /// inside /30.
    fn records_layout(&self) -> bool {
        true
    }

    /// Azure returns a connection's shared key as it was set.
    fn key_readback(&self) -> KeyReadback {
        KeyReadback::Exact
    }

    fn configured_asn(&self, gw: &Gateway) -> Option<i64> {
        Some(
            gw.azure
                .as_ref()?
                .asn
                .unwrap_or(rules::AZURE_DEFAULT_ASN as i64),
        )
    }

    fn site_key(&self, gw: &Gateway) -> Option<SiteKey> {
        let s = gw.azure.as_ref()?;
        let lower = |s: &Option<String>| s.as_ref().map(|s| s.to_ascii_lowercase());
        Some(SiteKey(Gateway {
            azure: Some(AzureBlock {
                subscription_id: lower(&s.subscription_id),
                resource_group: lower(&s.resource_group),
                // "West Europe" and "westeurope" are one location to ARM.
                location: s
                    .location
                    .as_ref()
                    .map(|l| l.to_ascii_lowercase().replace(' ', "")),
                gateway_subnet_id: lower(&s.gateway_subnet_id),
                asn: Some(s.asn.unwrap_or(rules::AZURE_DEFAULT_ASN as i64)),
                sku: Some(
                    s.sku
                        .clone()
                        .unwrap_or_else(|| AZURE_DEFAULT_SKU.to_string()),
                ),
            }),
            ..Gateway::default()
        }))
    }

    fn import_format(&self) -> &'static str {
        "azure/SUBSCRIPTION/RESOURCE_GROUP/NAME (or the gateway's Azure resource id)"
    }

    fn parse_import_id(&self, parts: &[&str]) -> Option<Gateway> {
        let named = |subscription: &str, resource_group: &str, name: &str| Gateway {
            name: Some(name.to_string()),
            azure: Some(AzureBlock {
                subscription_id: Some(subscription.to_string()),
                resource_group: Some(resource_group.to_string()),
                ..AzureBlock::default()
            }),
            ..Gateway::default()
        };
        match parts {
            ["azure", subscription, resource_group, name] => {
                Some(named(subscription, resource_group, name))
            }
            [
                "subscriptions",
                subscription,
                rg_key,
                resource_group,
                "providers",
                provider,
                kind,
                name,
            ] if rg_key.eq_ignore_ascii_case("resourceGroups")
                && provider.eq_ignore_ascii_case("Microsoft.Network")
                && kind.eq_ignore_ascii_case("virtualNetworkGateways") =>
            {
                Some(named(subscription, resource_group, name))
            }
            _ => None,
        }
    }

    /// The gateway's resource id names its subscription and resource group.
    fn identity_region(&self, _gw: &Gateway) -> Option<String> {
        None
    }

    /// The gateway's resource id is an import id.
    fn import_id(&self, _region: Option<String>, id: String) -> Result<String, Diagnostics> {
        Ok(id)
    }

    // --- the gateway ---------------------------------------------------------------------------

    async fn create_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
        timeout: Duration,
    ) -> Result<SiteFacts, (Option<String>, Diagnostics)> {
        let s = site(gw).map_err(|d| (None, d))?;
        let net = client(ctx, s, timeout).map_err(|d| (None, d))?;
        forget_gateways(s);
        let name = gw.name.clone().unwrap_or_default();
        let location = s.location.clone().unwrap_or_default();
        let mut pip_ids = Vec::new();
        let mut ips = Vec::new();
        for pip in azure_public_ip_names(&name) {
            tracing::info!(pip, "creating Azure public IP");
            let p = net
                .put_public_ip(rg(s), &pip, &location, &[])
                .await
                .map_err(|e| {
                    (
                        // Recorded even now: destroy then removes an IP made before this one.
                        Some(gateway_arm_id(s, &name)),
                        api_error(&format!("Cannot create public IP {pip}"), e),
                    )
                })?;
            pip_ids.push(p.id.clone());
            ips.push(p.ip_address.unwrap_or_default());
        }
        tracing::info!(
            name,
            "creating Azure virtual network gateway (Azure takes 30-45 minutes)"
        );
        let g = net
            .put_vnet_gateway(
                rg(s),
                &name,
                &NewVnetGateway {
                    location,
                    sku: s.sku.clone().unwrap_or_else(|| AZURE_DEFAULT_SKU.into()),
                    gateway_subnet_id: s.gateway_subnet_id.clone().unwrap_or_default(),
                    public_ip_ids: [pip_ids[0].clone(), pip_ids[1].clone()],
                    asn: s.asn.unwrap_or(rules::AZURE_DEFAULT_ASN as i64) as u32,
                    custom_apipa: [Vec::new(), Vec::new()],
                },
            )
            .await
            .map_err(|e| {
                // The gateway's id is predictable; record it so a destroy also cleans up the IPs.
                (
                    Some(gateway_arm_id(s, &name)),
                    api_error("Cannot create the virtual network gateway", e),
                )
            })?;
        // Static public IPs get their address when the gateway uses them.
        for (i, pip) in azure_public_ip_names(&name).iter().enumerate() {
            if ips[i].is_empty()
                && let Ok(Some(p)) = net.get_public_ip(rg(s), pip).await
            {
                ips[i] = p.ip_address.unwrap_or_default();
            }
        }
        Ok(facts(&g, ips))
    }

    /// The id a create of `gw` gives its gateway, known before anything exists (ARM ids are names).
    fn known_gateway_id(&self, gw: &Gateway) -> Option<String> {
        let s = site(gw).ok()?;
        Some(gateway_arm_id(s, gw.name.as_deref()?))
    }

    /// None when the gateway or one of its public IPs is gone: the next apply re-creates the site.
    async fn read_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
    ) -> Result<Option<SiteFacts>, Diagnostics> {
        let s = site(gw)?;
        let net = client(ctx, s, Duration::from_secs(60))?;
        let name = gw.name.clone().unwrap_or_default();
        let gateways = GATEWAYS
            .get(&scope(s), || async {
                let all = net
                    .list_vnet_gateways(rg(s))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(all
                    .into_iter()
                    .map(|g| (g.name.to_lowercase(), g))
                    .collect())
            })
            .await
            .map_err(|e| api_error("Cannot list virtual network gateways", e))?;
        let pips = PUBLIC_IPS
            .get(&scope(s), || async {
                let all = net
                    .list_public_ips(rg(s))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(all
                    .into_iter()
                    .map(|p| (p.name.to_lowercase(), p))
                    .collect())
            })
            .await
            .map_err(|e| api_error("Cannot list public IPs", e))?;
        let g = gateways.get(&name.to_lowercase());
        let mut ips = Vec::new();
        let mut missing = Vec::new();
        if g.is_none() {
            missing.push(format!("virtual network gateway {name}"));
        }
        for pip in azure_public_ip_names(&name) {
            match pips.get(&pip.to_lowercase()) {
                Some(p) => ips.push(p.ip_address.clone().unwrap_or_default()),
                None => missing.push(format!("public IP {pip}")),
            }
        }
        // Nothing left: the next apply creates the site again. Something left: the facts name what
        // is gone, and the plan replaces the site rather than forget the rest.
        Ok(match g {
            None if ips.is_empty() => None,
            Some(g) => Some(SiteFacts {
                missing,
                ..facts(g, ips)
            }),
            None => Some(SiteFacts {
                id: gw.id.clone().unwrap_or_default(),
                asn: gw.asn.unwrap_or_default(),
                public_ips: gw.public_ips.clone().unwrap_or_default(),
                bgp_peering_addresses: gw.bgp_peering_addresses.clone().unwrap_or_default(),
                missing,
            }),
        })
    }

    /// The site of an existing active-active gateway whose public IPs are `NAME-pip0` and `NAME-pip1`
    /// (what a multicloud_vpn_gateway deletes with it), for import.
    async fn import_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        named: &Gateway,
    ) -> Result<Gateway, Diagnostics> {
        let s = site(named)?;
        let subscription = s.subscription_id.as_deref().unwrap_or_default();
        let resource_group = rg(s);
        let name = named.name.as_deref().unwrap_or_default();
        let net = clients::network(ctx, subscription, Duration::from_secs(60))?;
        let cannot =
            |why: String| -> Diagnostics { Diagnostic::error("Cannot import", why).into() };
        let g = net
            .get_vnet_gateway(resource_group, name)
            .await
            .map_err(|e| api_error("Cannot read the virtual network gateway", e))?
            .ok_or_else(|| {
                cannot(format!(
                    "There is no virtual network gateway {name} in resource group {resource_group}."
                ))
            })?;
        let pips = azure_public_ip_names(name);
        let ours = g.ip_configs.len() == pips.len()
            && g.ip_configs.iter().zip(&pips).all(|(c, pip)| {
                c.public_ip_id
                    .to_ascii_lowercase()
                    .ends_with(&format!("/publicipaddresses/{}", pip.to_ascii_lowercase()))
            });
        if !ours {
            return Err(cannot(format!(
                "{name} is not an active-active gateway on the public IPs {} and {}, which a multicloud_vpn_gateway owns and deletes with it.",
                pips[0], pips[1]
            )));
        }
        Ok(Gateway {
            id: Some(g.id.clone()),
            name: Some(name.to_string()),
            cloud: Some(Cloud::Azure.as_str().to_string()),
            azure: Some(AzureBlock {
                subscription_id: Some(subscription.to_string()),
                resource_group: Some(resource_group.to_string()),
                location: Some(g.location.clone()),
                gateway_subnet_id: g.ip_configs.first().map(|c| c.subnet_id.clone()),
                asn: Some(i64::from(g.asn)),
                sku: Some(g.sku.clone()),
            }),
            ..Gateway::default()
        })
    }

    /// Gateway, then its public IPs (Azure refuses to delete an IP still in use).
    async fn delete_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
        timeout: Duration,
    ) -> Result<(), Diagnostics> {
        let s = site(gw)?;
        let net = client(ctx, s, timeout)?;
        forget_gateways(s);
        let name = gw.name.clone().unwrap_or_default();
        tracing::info!(
            name,
            "deleting Azure virtual network gateway (this takes a while)"
        );
        net.delete_vnet_gateway(rg(s), &name)
            .await
            .map_err(|e| api_error("Cannot delete the virtual network gateway", e))?;
        for pip in azure_public_ip_names(&name) {
            net.delete_public_ip(rg(s), &pip)
                .await
                .map_err(|e| api_error(&format!("Cannot delete public IP {pip}"), e))?;
        }
        Ok(())
    }

    /// The inside /30s around the gateway's custom APIPA BGP addresses, except those of connection
    /// `own`'s IPsec connections (one gateway address may serve one tunnel only).
    async fn inside_cidrs_in_use(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
        own: &str,
        timeout: Duration,
    ) -> Result<Vec<InUse>, Diagnostics> {
        let s = site(gw)?;
        let net = client(ctx, s, timeout)?;
        let gw_name = gw.name.as_deref().unwrap_or_default();
        let Some(g) = net
            .get_vnet_gateway(rg(s), gw_name)
            .await
            .map_err(|e| api_error("Cannot read the virtual network gateway", e))?
        else {
            return Ok(Vec::new());
        };
        let conns = net
            .list_connections(rg(s))
            .await
            .map_err(|e| api_error("Cannot list the IPsec connections", e))?;
        let by_address = |addr: &str| -> Option<&Connection> {
            conns.iter().find(|c| {
                c.gateway_id.eq_ignore_ascii_case(&g.id)
                    && c.custom_bgp.iter().any(|(_, ip)| ip == addr)
            })
        };
        let owners = apipa_owners(&g);
        Ok(g.ip_configs
            .iter()
            .flat_map(|c| c.custom_apipa.iter())
            // The owner tag names the connection; addresses set before those tags existed are
            // traced to the IPsec connection that uses them.
            .filter_map(|addr| match (owners.get(addr), by_address(addr)) {
                (Some(o), _) if o == own => None,
                (Some(o), _) => InUse::around(addr, format!("Azure connection {o}")),
                (None, Some(c)) if is_own_piece(&c.name, own, "-t") => None,
                (None, Some(c)) => InUse::around(addr, format!("Azure connection {}", c.name)),
                (None, None) => {
                    InUse::around(addr, format!("a custom APIPA address of gateway {gw_name}"))
                }
            })
            .collect())
    }

    /// Custom APIPA addresses on the gateway → local network gateways → connections.
    async fn ensure(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
        ids: &mut CloudIds,
    ) -> Result<Vec<String>, Diagnostics> {
        let s = site(&job.gateway)?;
        let net = client(ctx, s, job.timeout)?;
        let result = ensure_with(&net, s, job, ids).await;
        CONNECTIONS.forget(&scope(s));
        // The tunnels use the gateway's public IPs, which the far side already knows.
        result.map(|()| Vec::new())
    }

    /// Drift and status from one list of the resource group's connections, shared across reads
    /// (found by name: `ids` is not needed).
    async fn observe(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
        _ids: &CloudIds,
    ) -> Result<Vec<TunnelReport>, Diagnostics> {
        let s = site(&job.gateway)?;
        let net = client(ctx, s, Duration::from_secs(60))?;
        let conns = CONNECTIONS
            .get(&scope(s), || async {
                let all = net
                    .list_connections(rg(s))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(all
                    .into_iter()
                    .map(|c| (c.name.to_lowercase(), c))
                    .collect())
            })
            .await
            .map_err(|e| api_error("Cannot list VPN connections", e))?;
        let gw_id = job.gateway.id.clone().unwrap_or_default();
        let public_ips = job.gateway.public_ips.clone().unwrap_or_default();
        Ok(job
            .tunnels
            .iter()
            .map(|t| {
                let have = conns.get(&connection_name(&job.name, t.index).to_lowercase());
                TunnelReport {
                    outside_ip: public_ips.get(t.local_interface).cloned(),
                    status: have.map(|c| c.status.clone()),
                    in_sync: have.is_some_and(|c| {
                        c.gateway_id.eq_ignore_ascii_case(&gw_id)
                            && c.ike_v2 == (t.ike_version == 2)
                            && c.enable_bgp
                            && c.custom_bgp
                                .iter()
                                .any(|(_, ip)| *ip == t.local_bgp_ip.to_string())
                            && c.local_gateway_id.to_lowercase().ends_with(
                                &format!("/{}", local_gateway_name(&job.name, t.index))
                                    .to_lowercase(),
                            )
                    }),
                }
            })
            .collect())
    }

    /// What exists of the connection on this gateway, for import: its IPsec connections (with
    /// their custom APIPA address, IKE version and shared key) and local network gateways.
    async fn discover(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
    ) -> Result<Found, Diagnostics> {
        let (gw, conn) = (&job.gateway, job.name.as_str());
        let s = site(gw)?;
        let net = client(ctx, s, Duration::from_secs(60))?;
        let gw_id = gw.id.clone().unwrap_or_default();
        let mut found = Found::default();
        let conns = net
            .list_connections(rg(s))
            .await
            .map_err(|e| api_error("Cannot list VPN connections", e))?;
        for c in conns
            .iter()
            .filter(|c| c.gateway_id.eq_ignore_ascii_case(&gw_id))
        {
            let Some(i) = piece_index(&c.name, conn, "-t") else {
                continue;
            };
            found.tunnels.insert(i);
            found.ike_version = Some(if c.ike_v2 { 2 } else { 1 });
            if let Some(ip) = c.custom_bgp.first().and_then(|(_, ip)| ip.parse().ok()) {
                found.local_bgp_ips.insert(i, ip);
            }
            let key = net
                .get_shared_key(rg(s), &c.name)
                .await
                .map_err(|e| api_error(&format!("Cannot read the shared key of {}", c.name), e))?;
            if let Some(k) = key {
                found.keys.insert(i, k);
            }
            found
                .ids
                .insert(format!("azure.connection.{i}"), c.name.clone());
            let lng = local_gateway_name(conn, i);
            if net
                .get_local_gateway(rg(s), &lng)
                .await
                .map_err(|e| api_error(&format!("Cannot read local network gateway {lng}"), e))?
                .is_some()
            {
                found.ids.insert(format!("azure.local_gateway.{i}"), lng);
            }
        }
        if !found.tunnels.is_empty() {
            // The connection's APIPA addresses are on the gateway (what a removal takes back).
            found.ids.insert(
                "azure.gateway_apipa".into(),
                gw.name.clone().unwrap_or_default(),
            );
        }
        Ok(found)
    }

    /// Connections → local network gateways → this connection's APIPA addresses on the gateway.
    async fn remove(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
        ids: &mut CloudIds,
    ) -> Result<(), Diagnostics> {
        let s = site(&job.gateway)?;
        let net = client(ctx, s, job.timeout)?;
        for kind in ["connection", "local_gateway"] {
            for (k, name) in entries_of(ids, &format!("azure.{kind}.")) {
                tracing::info!(name, "deleting Azure {kind}");
                let r = if kind == "connection" {
                    net.delete_connection(rg(s), &name).await
                } else {
                    net.delete_local_gateway(rg(s), &name).await
                };
                r.map_err(|e| api_error(&format!("Cannot delete {name}"), e))?;
                ids.remove(&k);
            }
        }
        if let Some(gw_name) = ids.get("azure.gateway_apipa").cloned() {
            sync_apipa(&net, s, &gw_name, job, false).await?;
            ids.remove("azure.gateway_apipa");
        }
        CONNECTIONS.forget(&scope(s));
        Ok(())
    }
}

fn gateway_arm_id(s: &AzureBlock, name: &str) -> String {
    format!("{}/virtualNetworkGateways/{name}", rg_id(s))
}

fn rg_id(s: &AzureBlock) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network",
        s.subscription_id.as_deref().unwrap_or_default(),
        rg(s)
    )
}

/// Reads share one list of the resource group's gateways and one of its public IPs with
/// concurrent reads (the same coalescing as connections), instead of three GETs per gateway.
static GATEWAYS: LazyLock<Snapshots<HashMap<String, VnetGateway>>> =
    LazyLock::new(Snapshots::default);
static PUBLIC_IPS: LazyLock<Snapshots<HashMap<String, PublicIp>>> =
    LazyLock::new(Snapshots::default);

/// What changes a gateway or its IPs makes the next read list them afresh.
fn forget_gateways(s: &AzureBlock) {
    GATEWAYS.forget(&scope(s));
    PUBLIC_IPS.forget(&scope(s));
}

// --- a connection's Azure side -------------------------------------------------------------------

fn local_gateway_name(conn: &str, i: usize) -> String {
    format!("{conn}-lng{i}")
}
fn connection_name(conn: &str, i: usize) -> String {
    format!("{conn}-t{i}")
}

static CONNECTIONS: LazyLock<Snapshots<HashMap<String, Connection>>> =
    LazyLock::new(Snapshots::default);
static GATEWAY_LOCKS: LazyLock<KeyedLocks> = LazyLock::new(KeyedLocks::default);

fn scope(s: &AzureBlock) -> String {
    format!(
        "{}/{}",
        s.subscription_id.as_deref().unwrap_or_default(),
        rg(s)
    )
}

/// The custom APIPA addresses per instance: the others' plus (if `add`) `ours`, given as
/// (instance, address).
fn apipa_with(g: &VnetGateway, ours: &[(usize, String)], add: bool) -> [Vec<String>; 2] {
    let mut out: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    for (k, slot) in out.iter_mut().enumerate() {
        let mut list: Vec<String> = g
            .ip_configs
            .get(k)
            .map(|c| c.custom_apipa.clone())
            .unwrap_or_default()
            .into_iter()
            .filter(|a| !ours.iter().any(|(_, o)| o == a))
            .collect();
        if add {
            list.extend(ours.iter().filter(|(i, _)| *i == k).map(|(_, a)| a.clone()));
        }
        *slot = list;
    }
    out
}

fn connection_fits(
    have: &Connection,
    job: &SideJob,
    i: usize,
    g: &VnetGateway,
    lng_id: &str,
) -> bool {
    let t = &job.tunnels[i];
    let want_bgp = custom_bgp(g, t.local_interface, &t.local_bgp_ip.to_string());
    have.gateway_id.eq_ignore_ascii_case(&g.id)
        && have.local_gateway_id.eq_ignore_ascii_case(lng_id)
        && have.ike_v2 == (t.ike_version == 2)
        && have.enable_bgp
        && have.custom_bgp.len() == want_bgp.len()
        && have
            .custom_bgp
            .iter()
            .zip(&want_bgp)
            .all(|(a, b)| a.0.eq_ignore_ascii_case(&b.0) && a.1 == b.1)
}

fn custom_bgp(g: &VnetGateway, instance: usize, ip: &str) -> Vec<(String, String)> {
    g.ip_configs
        .get(instance)
        .map(|c| vec![(c.id.clone(), ip.to_string())])
        .unwrap_or_default()
}

/// Connections record which custom APIPA addresses they hold in a tag of the gateway, written in
/// the same update as the addresses: the gateway's address list alone cannot tell two
/// connections apart, and two connections on one address break BGP without any error from Azure.
const APIPA_OWNER_TAG: &str = "multicloud-apipa-";

fn owner_tag(conn: &str) -> String {
    format!("{APIPA_OWNER_TAG}{conn}")
}

/// Address → the connection whose tag lists it.
fn apipa_owners(g: &VnetGateway) -> HashMap<String, String> {
    g.tags
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(APIPA_OWNER_TAG)?, v)))
        .flat_map(|(conn, addrs)| {
            addrs
                .split_whitespace()
                .map(move |a| (a.to_string(), conn.to_string()))
        })
        .collect()
}

/// Adds (or removes) this connection's custom APIPA addresses on the gateway, leaving other
/// connections' alone; returns the gateway as it then is, None when it is gone. An address
/// another connection holds is refused before anything changes (two connections created in one
/// apply may have planned the same block without seeing each other).
async fn sync_apipa(
    net: &Network,
    s: &AzureBlock,
    gw_name: &str,
    job: &SideJob,
    add: bool,
) -> Result<Option<VnetGateway>, Diagnostics> {
    let lock = GATEWAY_LOCKS.get(&format!("{}/{gw_name}", scope(s)));
    let _held = lock.lock().await;
    let Some(g) = net
        .get_vnet_gateway(rg(s), gw_name)
        .await
        .map_err(|e| api_error("Cannot read the virtual network gateway", e))?
    else {
        return Ok(None);
    };
    let owners = apipa_owners(&g);
    let held_by_other = |addr: &str| owners.get(addr).filter(|o| **o != job.name);
    if add {
        for t in &job.tunnels {
            if let Some(other) = held_by_other(&t.local_bgp_ip.to_string()) {
                return Err(Diagnostic::error(
                    "Inside CIDR already in use",
                    format!(
                        "Tunnel {} needs BGP address {} ({}) on Azure gateway {gw_name}, but connection {other} holds it: both were planned before either existed. Nothing was changed on the gateway. Apply again: the plan then sees {other}'s addresses and picks a free block (or set inside_cidrs).",
                        t.index, t.local_bgp_ip, t.inside_cidr
                    ),
                )
                .into());
            }
        }
    }
    // A removal never takes an address another connection holds (this one may have been refused
    // above, with the same addresses planned).
    let ours: Vec<(usize, String)> = job
        .tunnels
        .iter()
        .map(|t| (t.local_interface, t.local_bgp_ip.to_string()))
        .filter(|(_, a)| held_by_other(a).is_none())
        .collect();
    let want = apipa_with(&g, &ours, add);
    let tag = owner_tag(&job.name);
    let tag_value = add.then(|| {
        job.tunnels
            .iter()
            .map(|t| t.local_bgp_ip.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    });
    let have: Vec<Vec<String>> = g
        .ip_configs
        .iter()
        .map(|c| c.custom_apipa.clone())
        .collect();
    if have == want.to_vec() && g.tags.get(&tag) == tag_value.as_ref() {
        return Ok(Some(g));
    }
    tracing::info!(
        gateway = gw_name,
        add,
        "updating the gateway's custom APIPA BGP addresses (a gateway update takes Azure several minutes)"
    );
    net.set_gateway_custom_apipa_tagged(rg(s), gw_name, want, Some((&tag, tag_value.as_deref())))
        .await
        .map(Some)
        .map_err(|e| api_error("Cannot update the gateway's APIPA BGP addresses", e))
}

async fn ensure_with(
    net: &Network,
    s: &AzureBlock,
    job: &SideJob,
    ids: &mut CloudIds,
) -> Result<(), Diagnostics> {
    let gw_name = job.gateway.name.clone().unwrap_or_default();
    let location = s.location.clone().unwrap_or_default();
    let g = sync_apipa(net, s, &gw_name, job, true)
        .await?
        .ok_or_else(|| {
            Diagnostic::error(
                "Virtual network gateway not found",
                format!("{gw_name} does not exist; apply the gateway again."),
            )
        })?;
    ids.insert("azure.gateway_apipa".into(), gw_name.clone());

    for (i, t) in job.tunnels.iter().enumerate() {
        let lng = local_gateway_name(&job.name, t.index);
        let have_lng = net
            .get_local_gateway(rg(s), &lng)
            .await
            .map_err(|e| api_error(&format!("Cannot read local network gateway {lng}"), e))?;
        let peer_bgp = t.peer_bgp_ip.to_string();
        let lng_id = match have_lng {
            Some(l)
                if l.ip == t.peer_ip
                    && l.asn == job.peer_asn
                    && l.bgp_peering_address == peer_bgp =>
            {
                l.id
            }
            _ => {
                tracing::info!(lng, "creating Azure local network gateway");
                net.put_local_gateway(rg(s), &lng, &location, &t.peer_ip, job.peer_asn, &peer_bgp)
                    .await
                    .map_err(|e| {
                        api_error(&format!("Cannot create local network gateway {lng}"), e)
                    })?
                    .id
            }
        };
        ids.insert(format!("azure.local_gateway.{}", t.index), lng);

        let cname = connection_name(&job.name, t.index);
        let have = net
            .get_connection(rg(s), &cname)
            .await
            .map_err(|e| api_error(&format!("Cannot read connection {cname}"), e))?;
        if !have.is_some_and(|h| connection_fits(&h, job, i, &g, &lng_id)) {
            tracing::info!(connection = cname, "creating Azure VPN connection");
            net.put_connection(
                rg(s),
                &cname,
                &NewConnection {
                    location: location.clone(),
                    gateway_id: g.id.clone(),
                    local_gateway_id: lng_id.clone(),
                    shared_key: t.psk.clone(),
                    ike_v2: t.ike_version == 2,
                    enable_bgp: true,
                    custom_bgp: custom_bgp(&g, t.local_interface, &t.local_bgp_ip.to_string()),
                },
            )
            .await
            .map_err(|e| api_error(&format!("Cannot create connection {cname}"), e))?;
        }
        ids.insert(format!("azure.connection.{}", t.index), cname);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::azure::GatewayIpConfig;

    fn gateway(custom: [&[&str]; 2], tags: &[(&str, &str)]) -> VnetGateway {
        VnetGateway {
            id: "/gw".into(),
            name: "gw".into(),
            location: "westeurope".into(),
            sku: "VpnGw1AZ".into(),
            provisioning_state: "Succeeded".into(),
            asn: 65020,
            ip_configs: custom
                .iter()
                .enumerate()
                .map(|(i, ips)| GatewayIpConfig {
                    id: format!("/ipc/{i}"),
                    name: format!("c{i}"),
                    public_ip_id: String::new(),
                    subnet_id: String::new(),
                    default_bgp_ips: Vec::new(),
                    custom_apipa: ips.iter().map(|s| s.to_string()).collect(),
                    tunnel_ips: Vec::new(),
                })
                .collect(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn owners_come_from_the_connections_tags_only() {
        let g = gateway(
            [&["169.254.21.1"], &["169.254.21.5"]],
            &[
                ("multicloud-apipa-prod", "169.254.21.1 169.254.21.5"),
                ("team", "network"),
            ],
        );
        let owners = apipa_owners(&g);
        assert_eq!(owners.len(), 2);
        assert_eq!(owners["169.254.21.5"], "prod");
        assert_eq!(owner_tag("prod"), "multicloud-apipa-prod");
    }

    #[test]
    fn apipa_updates_keep_the_other_connections_addresses() {
        let g = gateway([&["169.254.21.1", "169.254.21.9"], &["169.254.21.5"]], &[]);
        let ours = [
            (0, "169.254.22.1".to_string()),
            (1, "169.254.22.5".to_string()),
        ];
        assert_eq!(
            apipa_with(&g, &ours, true),
            [
                vec!["169.254.21.1", "169.254.21.9", "169.254.22.1"],
                vec!["169.254.21.5", "169.254.22.5"]
            ]
        );
        let ours = [(0, "169.254.21.9".to_string())];
        assert_eq!(
            apipa_with(&g, &ours, false),
            [vec!["169.254.21.1"], vec!["169.254.21.5"]]
        );
        // Nothing of ours to remove (another connection holds the addresses): unchanged.
        assert_eq!(
            apipa_with(&g, &[], false),
            [vec!["169.254.21.1", "169.254.21.9"], vec!["169.254.21.5"]]
        );
    }
}
