//! The GCP half: an HA VPN gateway and its Cloud Router as the site; per connection, one external
//! VPN gateway describing the far side's addresses, one tunnel per tunnel, and on the shared
//! Cloud Router one interface and one BGP peer per tunnel (only this connection's entries are
//! touched; a process-wide lock per router keeps concurrent connections from losing each other's
//! edits).

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use async_trait::async_trait;
use tfplugin::{Ctx, Diagnostic, Diagnostics};

use super::batch::{KeyedLocks, Snapshots};
use super::clients;
use super::gateway_model::{Gateway, GcpSite as GcpBlock, gcp_router_name};
use super::rules::Cloud;
use super::side::{
    CloudIds, Found, InUse, SideJob, SiteFacts, TunnelReport, api_error, entries_of, is_own_piece,
    piece_index,
};
use super::site::{KeyReadback, ListScope, SiteKey, VpnSite, connection_of};
use crate::ProviderConfig;
use crate::clients::gcp::{
    BgpPeer, Compute, NewTunnel, Router, RouterInterface, VpnGateway, VpnTunnel,
};

fn site(gw: &Gateway) -> Result<&GcpBlock, Diagnostics> {
    gw.gcp
        .as_ref()
        .ok_or_else(|| Diagnostic::error("Internal error", "not a GCP gateway").into())
}

fn parts(gw: &Gateway) -> Result<(&str, &str, &str), Diagnostics> {
    let s = site(gw)?;
    Ok((
        s.project.as_deref().unwrap_or_default(),
        s.region.as_deref().unwrap_or_default(),
        gw.name.as_deref().unwrap_or_default(),
    ))
}

fn gateway_id(project: &str, region: &str, name: &str) -> String {
    format!("projects/{project}/regions/{region}/vpnGateways/{name}")
}

/// The GCP site, as the VPN resources use it.
pub struct GcpSite;

#[async_trait]
impl VpnSite for GcpSite {
    async fn list_gateways(
        &self,
        ctx: &Ctx<ProviderConfig>,
        scope: &ListScope,
    ) -> Result<Vec<String>, Diagnostics> {
        let project = scope.needs(Cloud::Gcp, "project", &scope.project)?;
        let region = scope.needs(Cloud::Gcp, "region", &scope.region)?;
        let c = clients::compute(ctx, project, Duration::from_secs(60))?;
        let gateways = c
            .list_vpn_gateways(region)
            .await
            .map_err(|e| api_error("Cannot list the HA VPN gateways", e))?;
        Ok(gateways
            .into_iter()
            .map(|g| gateway_id(project, region, &g.name))
            .collect())
    }

    async fn connection_names(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
    ) -> Result<BTreeSet<String>, Diagnostics> {
        let (project, region, name) = parts(gw)?;
        let c = clients::compute(ctx, project, Duration::from_secs(60))?;
        let router = gcp_router_name(name);
        let tunnels = c
            .list_vpn_tunnels(region)
            .await
            .map_err(|e| api_error("Cannot list the VPN tunnels", e))?;
        Ok(tunnels
            .into_iter()
            .filter(|t| t.router.rsplit('/').next() == Some(router.as_str()))
            .filter_map(|t| connection_of(&t.name, "-t"))
            .collect())
    }
    fn cloud(&self) -> Cloud {
        Cloud::Gcp
    }

    /// An HA VPN gateway's two interfaces have their addresses from the start.
    fn learns_addresses_on_create(&self) -> bool {
        false
    }

    /// The Cloud Router's interfaces hold each tunnel's inside /30.
    fn records_layout(&self) -> bool {
        true
    }

    fn key_readback(&self) -> KeyReadback {
        KeyReadback::HashOnly
    }

    fn configured_asn(&self, gw: &Gateway) -> Option<i64> {
        gw.gcp.as_ref()?.asn
    }

    fn site_key(&self, gw: &Gateway) -> Option<SiteKey> {
        let s = gw.gcp.as_ref()?;
        Some(SiteKey(Gateway {
            gcp: Some(GcpBlock {
                project: s.project.clone(),
                region: s.region.clone(),
                // A name or a self link of the same network.
                network: s
                    .network
                    .as_ref()
                    .map(|n| n.rsplit('/').next().unwrap_or_default().to_string()),
                asn: s.asn,
            }),
            ..Gateway::default()
        }))
    }

    fn import_format(&self) -> &'static str {
        "gcp/PROJECT/REGION/NAME (or projects/PROJECT/regions/REGION/vpnGateways/NAME)"
    }

    fn parse_import_id(&self, parts: &[&str]) -> Option<Gateway> {
        match parts {
            ["gcp", project, region, name]
            | ["projects", project, "regions", region, "vpnGateways", name] => Some(Gateway {
                name: Some(name.to_string()),
                gcp: Some(GcpBlock {
                    project: Some(project.to_string()),
                    region: Some(region.to_string()),
                    ..GcpBlock::default()
                }),
                ..Gateway::default()
            }),
            _ => None,
        }
    }

    /// The gateway's id names its project and region.
    fn identity_region(&self, _gw: &Gateway) -> Option<String> {
        None
    }

    /// The gateway's own id (`projects/…/vpnGateways/NAME`) is an import id.
    fn import_id(&self, _region: Option<String>, id: String) -> Result<String, Diagnostics> {
        Ok(id)
    }

    /// The id a create of `gw` gives its gateway, known before anything exists (GCP ids are names).
    fn known_gateway_id(&self, gw: &Gateway) -> Option<String> {
        let (project, region, name) = parts(gw).ok()?;
        Some(gateway_id(project, region, name))
    }

    // --- the gateway ---------------------------------------------------------------------------

    async fn create_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
        timeout: Duration,
    ) -> Result<SiteFacts, (Option<String>, Diagnostics)> {
        let (project, region, name) = parts(gw).map_err(|d| (None, d))?;
        let s = site(gw).map_err(|d| (None, d))?;
        let c = clients::compute(ctx, project, timeout).map_err(|d| (None, d))?;
        let network = s.network.clone().unwrap_or_default();
        let asn = s.asn.unwrap_or_default();
        let id = gateway_id(project, region, name);
        // Adopt what an interrupted create left behind rather than failing on "already exists".
        let existing = c
            .get_vpn_gateway(region, name)
            .await
            .map_err(|e| (None, api_error("Cannot read the HA VPN gateway", e)))?;
        if existing.is_none() {
            tracing::info!(name, region, "creating GCP HA VPN gateway");
            c.insert_vpn_gateway(region, name, &network)
                .await
                .map_err(|e| (None, api_error("Cannot create the HA VPN gateway", e)))?;
        }
        let router = gcp_router_name(name);
        let have_router = c.get_router(region, &router).await.map_err(|e| {
            (
                Some(id.clone()),
                api_error("Cannot read the Cloud Router", e),
            )
        })?;
        if have_router.is_none() {
            tracing::info!(router, region, "creating GCP Cloud Router");
            c.insert_router(region, &router, &network, asn as u32)
                .await
                .map_err(|e| {
                    (
                        Some(id.clone()),
                        api_error("Cannot create the Cloud Router", e),
                    )
                })?;
        }
        let g = c
            .get_vpn_gateway(region, name)
            .await
            .map_err(|e| {
                (
                    Some(id.clone()),
                    api_error("Cannot read the HA VPN gateway", e),
                )
            })?
            .ok_or_else(|| {
                (
                    Some(id.clone()),
                    Diagnostic::error(
                        "HA VPN gateway vanished",
                        format!("{id} disappeared right after it was created."),
                    )
                    .into(),
                )
            })?;
        GATEWAYS.forget(&scope(project, region));
        ROUTERS.forget(&scope(project, region));
        Ok(SiteFacts {
            id,
            asn,
            public_ips: g.interface_ips,
            ..SiteFacts::default()
        })
    }

    /// None when both the gateway and its router are gone: the next apply creates the site again.
    /// When only one is gone, the facts name it in `missing` (so the plan replaces the site rather
    /// than forgetting the other). Reads share one list of the region's gateways and routers with
    /// concurrent reads.
    async fn read_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
    ) -> Result<Option<SiteFacts>, Diagnostics> {
        let (project, region, name) = parts(gw)?;
        let c = clients::compute(ctx, project, Duration::from_secs(60))?;
        let sc = scope(project, region);
        let gateways = listed(
            &GATEWAYS,
            &sc,
            "HA VPN gateways",
            |g| g.name.clone(),
            || c.list_vpn_gateways(region),
        )
        .await?;
        let routers = routers_of(&c, &sc, region).await?;
        let router_name = gcp_router_name(name);
        let (g, r) = (gateways.get(name), routers.get(&router_name));
        if g.is_none() && r.is_none() {
            return Ok(None);
        }
        let mut missing = Vec::new();
        if g.is_none() {
            missing.push(format!("HA VPN gateway {name}"));
        }
        if r.is_none() {
            missing.push(format!("Cloud Router {router_name}"));
        }
        Ok(Some(SiteFacts {
            id: gateway_id(project, region, name),
            asn: r.map_or(gw.asn.unwrap_or_default(), |r| i64::from(r.asn)),
            public_ips: g.map_or_else(
                || gw.public_ips.clone().unwrap_or_default(),
                |g| g.interface_ips.clone(),
            ),
            missing,
            ..SiteFacts::default()
        }))
    }

    /// The site of an existing HA VPN gateway and its Cloud Router `NAME-router`, for import.
    async fn import_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        named: &Gateway,
    ) -> Result<Gateway, Diagnostics> {
        let (project, region, name) = parts(named)?;
        let c = clients::compute(ctx, project, Duration::from_secs(60))?;
        let g = c
            .get_vpn_gateway(region, name)
            .await
            .map_err(|e| api_error("Cannot read the HA VPN gateway", e))?
            .ok_or_else(|| {
                Diagnostic::error(
                    "Cannot import",
                    format!("There is no HA VPN gateway {name} in {project}/{region}."),
                )
            })?;
        let router = gcp_router_name(name);
        let r = c
            .get_router(region, &router)
            .await
            .map_err(|e| api_error("Cannot read the Cloud Router", e))?
            .ok_or_else(|| {
                Diagnostic::error(
                    "Cannot import",
                    format!("{name} has no Cloud Router named {router} in {project}/{region}: a multicloud_vpn_gateway pairs each HA VPN gateway with a router of that name."),
                )
            })?;
        let network = g.network.rsplit('/').next().unwrap_or_default().to_string();
        Ok(Gateway {
            id: Some(gateway_id(project, region, name)),
            name: Some(name.to_string()),
            cloud: Some(Cloud::Gcp.as_str().to_string()),
            gcp: Some(GcpBlock {
                project: Some(project.to_string()),
                region: Some(region.to_string()),
                network: Some(network),
                asn: Some(i64::from(r.asn)),
            }),
            ..Gateway::default()
        })
    }

    /// Router, then gateway (tunnels of connections must be gone first; GCP refuses otherwise and
    /// the error says which).
    async fn delete_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
        timeout: Duration,
    ) -> Result<(), Diagnostics> {
        let (project, region, name) = parts(gw)?;
        let c = clients::compute(ctx, project, timeout)?;
        GATEWAYS.forget(&scope(project, region));
        ROUTERS.forget(&scope(project, region));
        tracing::info!(name, "deleting GCP Cloud Router and HA VPN gateway");
        c.delete_router(region, &gcp_router_name(name))
            .await
            .map_err(|e| api_error("Cannot delete the Cloud Router", e))?;
        c.delete_vpn_gateway(region, name)
            .await
            .map_err(|e| api_error("Cannot delete the HA VPN gateway", e))
    }

    // --- a connection's GCP side -------------------------------------------------------------------

    /// The inside /30s that router interfaces other than connection `own`'s use on this gateway's
    /// Cloud Router (interfaces of one router may not overlap).
    async fn inside_cidrs_in_use(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
        own: &str,
        timeout: Duration,
    ) -> Result<Vec<InUse>, Diagnostics> {
        let (project, region, name) = parts(gw)?;
        let c = clients::compute(ctx, project, timeout)?;
        router_in_use(&c, region, name, own).await
    }

    /// External gateway → tunnels → router interfaces and BGP peers.
    async fn ensure(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
        ids: &mut CloudIds,
    ) -> Result<Vec<String>, Diagnostics> {
        let (project, region, gw_name) = parts(&job.gateway)?;
        let c = clients::compute(ctx, project, job.timeout)?;
        let result = ensure_with(&c, job, region, gw_name, ids).await;
        TUNNELS.forget(&scope(project, region));
        ROUTERS.forget(&scope(project, region));
        // The tunnels use the gateway's interface addresses, which the far side already knows.
        result.map(|()| Vec::new())
    }

    /// Drift and status from one list of the region's tunnels and routers, shared across reads
    /// (found by name: `ids` is not needed).
    async fn observe(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
        _ids: &CloudIds,
    ) -> Result<Vec<TunnelReport>, Diagnostics> {
        let (project, region, gw_name) = parts(&job.gateway)?;
        let c = clients::compute(ctx, project, Duration::from_secs(60))?;
        let sc = scope(project, region);
        let tunnels = listed(
            &TUNNELS,
            &sc,
            "VPN tunnels",
            |t| t.name.clone(),
            || c.list_vpn_tunnels(region),
        )
        .await?;
        let routers = routers_of(&c, &sc, region).await?;
        let router = routers.get(&gcp_router_name(gw_name));
        let wanted = router.map(|r| desired_router(r, job));
        let public_ips = job.gateway.public_ips.clone().unwrap_or_default();
        Ok(job
            .tunnels
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let have = tunnels.get(&tunnel_name(&job.name, t.index));
                let bgp_ok = match (router, &wanted) {
                    (Some(r), Some((ifs, peers))) => {
                        let iname = interface_name(&job.name, t.index);
                        let pname = peer_name(&job.name, t.index);
                        r.interfaces.iter().find(|x| x.name == iname)
                            == ifs.iter().find(|x| x.name == iname)
                            && r.peers.iter().find(|x| x.name == pname)
                                == peers.iter().find(|x| x.name == pname)
                    }
                    _ => false,
                };
                TunnelReport {
                    outside_ip: public_ips.get(t.local_interface).cloned(),
                    status: have.map(|h| h.status.clone()),
                    in_sync: bgp_ok
                        && have.is_some_and(|h| tunnel_fits(h, job, i) && h.peer_ip == t.peer_ip),
                }
            })
            .collect())
    }

    /// What exists of the connection on this gateway, for import: its tunnels on the gateway's
    /// router, their interfaces and BGP peers there, and its external VPN gateway.
    async fn discover(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
    ) -> Result<Found, Diagnostics> {
        let (gw, conn) = (&job.gateway, job.name.as_str());
        let (project, region, gw_name) = parts(gw)?;
        let c = clients::compute(ctx, project, Duration::from_secs(60))?;
        let router_name = gcp_router_name(gw_name);
        let mut found = Found::default();
        let tunnels = c
            .list_vpn_tunnels(region)
            .await
            .map_err(|e| api_error("Cannot list VPN tunnels", e))?;
        for t in &tunnels {
            let on_this_gateway = t.router.rsplit('/').next() == Some(router_name.as_str());
            if let Some(i) = piece_index(&t.name, conn, "-t").filter(|_| on_this_gateway) {
                found.tunnels.insert(i);
                found.ike_version = Some(i64::from(t.ike_version));
                found.ids.insert(format!("gcp.tunnel.{i}"), t.name.clone());
            }
        }
        let ext = external_gateway_name(conn);
        if c.get_external_gateway(&ext)
            .await
            .map_err(|e| api_error("Cannot read the external VPN gateway", e))?
            .is_some()
        {
            found.ids.insert("gcp.external_gateway".into(), ext);
        }
        let router = c
            .get_router(region, &router_name)
            .await
            .map_err(|e| api_error("Cannot read the Cloud Router", e))?;
        for iface in router.iter().flat_map(|r| &r.interfaces) {
            let Some(i) = piece_index(&iface.name, conn, "-if") else {
                continue;
            };
            if let Some(ip) = iface
                .ip_range
                .split('/')
                .next()
                .and_then(|a| a.parse().ok())
            {
                found.local_bgp_ips.insert(i, ip);
            }
            found.ids.insert("gcp.router".into(), router_name.clone());
        }
        if let Some(p) = router
            .iter()
            .flat_map(|r| &r.peers)
            .find(|p| is_own_piece(&p.name, conn, "-bgp"))
        {
            found.advertised_routes = p.advertised_ip_ranges.clone();
        }
        Ok(found)
    }

    /// Router entries → tunnels → external gateway.
    async fn remove(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
        ids: &mut CloudIds,
    ) -> Result<(), Diagnostics> {
        let (project, region, gw_name) = parts(&job.gateway)?;
        let c = clients::compute(ctx, project, job.timeout)?;
        let router = gcp_router_name(gw_name);
        {
            let lock = ROUTER_LOCKS.get(&format!("{project}/{region}/{router}"));
            let _held = lock.lock().await;
            if let Some(current) = c
                .get_router(region, &router)
                .await
                .map_err(|e| api_error("Cannot read the Cloud Router", e))?
            {
                let none = SideJob {
                    tunnels: Vec::new(),
                    ..job.clone()
                };
                let (interfaces, peers) = desired_router(&current, &none);
                if interfaces != current.interfaces || peers != current.peers {
                    tracing::info!(router, "removing this connection's BGP sessions");
                    c.put_router_peers(region, &router, interfaces, peers)
                        .await
                        .map_err(|e| api_error("Cannot update the Cloud Router", e))?;
                }
            }
            ids.remove("gcp.router");
        }
        for (k, name) in entries_of(ids, "gcp.tunnel.") {
            tracing::info!(tunnel = name, "deleting GCP VPN tunnel");
            c.delete_vpn_tunnel(region, &name)
                .await
                .map_err(|e| api_error(&format!("Cannot delete tunnel {name}"), e))?;
            ids.remove(&k);
        }
        if let Some(ext) = ids.get("gcp.external_gateway").cloned() {
            c.delete_external_gateway(&ext)
                .await
                .map_err(|e| api_error("Cannot delete the external VPN gateway", e))?;
            ids.remove("gcp.external_gateway");
        }
        TUNNELS.forget(&scope(project, region));
        ROUTERS.forget(&scope(project, region));
        Ok(())
    }
}

/// A region-wide list from `snaps`, by name: fetched once, shared by concurrent reads.
async fn listed<T, Fut>(
    snaps: &Snapshots<HashMap<String, T>>,
    sc: &str,
    what: &str,
    name: fn(&T) -> String,
    fetch: impl FnOnce() -> Fut,
) -> Result<Arc<HashMap<String, T>>, Diagnostics>
where
    T: Send + Sync,
    Fut: std::future::Future<Output = Result<Vec<T>, crate::clients::gcp::GcpError>>,
{
    snaps
        .get(sc, || async {
            let all = fetch().await.map_err(|e| e.to_string())?;
            Ok(all.into_iter().map(|t| (name(&t), t)).collect())
        })
        .await
        .map_err(|e| api_error(&format!("Cannot list {what}"), e))
}

async fn routers_of(
    c: &Compute,
    sc: &str,
    region: &str,
) -> Result<Arc<HashMap<String, Router>>, Diagnostics> {
    listed(
        &ROUTERS,
        sc,
        "Cloud Routers",
        |r| r.name.clone(),
        || c.list_routers(region),
    )
    .await
}

/// What [`VpnSite::inside_cidrs_in_use`] reports, with a client at hand (none when the router is gone).
async fn router_in_use(
    c: &Compute,
    region: &str,
    gw_name: &str,
    own: &str,
) -> Result<Vec<InUse>, Diagnostics> {
    let router = c
        .get_router(region, &gcp_router_name(gw_name))
        .await
        .map_err(|e| api_error("Cannot read the Cloud Router", e))?;
    Ok(router.map_or_else(Vec::new, |r| interfaces_in_use(&r, own)))
}

/// The /30s of the router's interfaces other than connection `own`'s.
fn interfaces_in_use(r: &Router, own: &str) -> Vec<InUse> {
    r.interfaces
        .iter()
        .filter(|i| !is_own_piece(&i.name, own, "-if"))
        .filter_map(|i| {
            InUse::around(
                &i.ip_range,
                format!("interface {} of Cloud Router {}", i.name, r.name),
            )
        })
        .collect()
}

fn external_gateway_name(conn: &str) -> String {
    format!("{conn}-peer")
}
fn tunnel_name(conn: &str, i: usize) -> String {
    format!("{conn}-t{i}")
}
fn interface_name(conn: &str, i: usize) -> String {
    format!("{conn}-if{i}")
}
fn peer_name(conn: &str, i: usize) -> String {
    format!("{conn}-bgp{i}")
}

static TUNNELS: LazyLock<Snapshots<HashMap<String, VpnTunnel>>> = LazyLock::new(Snapshots::default);
static GATEWAYS: LazyLock<Snapshots<HashMap<String, VpnGateway>>> =
    LazyLock::new(Snapshots::default);
static ROUTERS: LazyLock<Snapshots<HashMap<String, Router>>> = LazyLock::new(Snapshots::default);
static ROUTER_LOCKS: LazyLock<KeyedLocks> = LazyLock::new(KeyedLocks::default);

fn scope(project: &str, region: &str) -> String {
    format!("{project}/{region}")
}

/// The interfaces and peers the router should have: everyone else's entries, then ours.
fn desired_router(current: &Router, job: &SideJob) -> (Vec<RouterInterface>, Vec<BgpPeer>) {
    let ours = |n: &str| {
        n.strip_prefix(&job.name)
            .is_some_and(|rest| rest.starts_with("-if") || rest.starts_with("-bgp"))
    };
    let mut interfaces: Vec<RouterInterface> = current
        .interfaces
        .iter()
        .filter(|i| !ours(&i.name))
        .cloned()
        .collect();
    let mut peers: Vec<BgpPeer> = current
        .peers
        .iter()
        .filter(|p| !ours(&p.name))
        .cloned()
        .collect();
    for t in &job.tunnels {
        interfaces.push(RouterInterface {
            name: interface_name(&job.name, t.index),
            ip_range: format!("{}/30", t.local_bgp_ip),
            linked_vpn_tunnel: tunnel_name(&job.name, t.index),
        });
        peers.push(BgpPeer {
            name: peer_name(&job.name, t.index),
            interface_name: interface_name(&job.name, t.index),
            ip_address: t.local_bgp_ip.to_string(),
            peer_ip_address: t.peer_bgp_ip.to_string(),
            peer_asn: job.peer_asn,
            advertised_route_priority: None,
            advertised_ip_ranges: job.advertised_routes.clone(),
        });
    }
    (interfaces, peers)
}

fn tunnel_fits(have: &VpnTunnel, job: &SideJob, i: usize) -> bool {
    let t = &job.tunnels[i];
    have.vpn_gateway_interface as usize == t.local_interface
        && have.peer_external_gateway_interface == Some(t.peer_interface as u32)
        && i64::from(have.ike_version) == t.ike_version
}

async fn ensure_with(
    c: &Compute,
    job: &SideJob,
    region: &str,
    gw_name: &str,
    ids: &mut CloudIds,
) -> Result<(), Diagnostics> {
    // Before anything is made on this side; again under the router lock below.
    refuse_taken(&router_in_use(c, region, gw_name, &job.name).await?, job)?;
    let ext = external_gateway_name(&job.name);
    let current = c
        .get_external_gateway(&ext)
        .await
        .map_err(|e| api_error("Cannot read the external VPN gateway", e))?;
    if let Some(g) = &current
        && g.ips != job.peer_interface_ips
    {
        // The far side's addresses changed (e.g. an AWS connection was re-created): an external
        // gateway's interfaces cannot be edited, so its tunnels and it are replaced.
        tracing::info!(
            ext,
            "peer addresses changed; replacing the external VPN gateway and its tunnels"
        );
        for t in &job.tunnels {
            let name = tunnel_name(&job.name, t.index);
            c.delete_vpn_tunnel(region, &name)
                .await
                .map_err(|e| api_error(&format!("Cannot delete tunnel {name}"), e))?;
            ids.remove(&format!("gcp.tunnel.{}", t.index));
        }
        c.delete_external_gateway(&ext)
            .await
            .map_err(|e| api_error("Cannot delete the external VPN gateway", e))?;
    }
    if current.is_none()
        || current
            .as_ref()
            .is_some_and(|g| g.ips != job.peer_interface_ips)
    {
        tracing::info!(ext, "creating GCP external VPN gateway");
        c.insert_external_gateway(
            &ext,
            &job.peer_interface_ips,
            "multicloud_vpn_connection peer",
        )
        .await
        .map_err(|e| api_error("Cannot create the external VPN gateway", e))?;
    }
    ids.insert("gcp.external_gateway".into(), ext.clone());

    for (i, t) in job.tunnels.iter().enumerate() {
        let name = tunnel_name(&job.name, t.index);
        let have = c
            .get_vpn_tunnel(region, &name)
            .await
            .map_err(|e| api_error(&format!("Cannot read tunnel {name}"), e))?;
        match have {
            Some(h) if tunnel_fits(&h, job, i) => {}
            other => {
                if other.is_some() {
                    c.delete_vpn_tunnel(region, &name)
                        .await
                        .map_err(|e| api_error(&format!("Cannot replace tunnel {name}"), e))?;
                }
                tracing::info!(tunnel = name, "creating GCP VPN tunnel");
                c.insert_vpn_tunnel(
                    region,
                    &NewTunnel {
                        name: name.clone(),
                        vpn_gateway: gw_name.to_string(),
                        vpn_gateway_interface: t.local_interface as u32,
                        peer_external_gateway: ext.clone(),
                        peer_external_gateway_interface: t.peer_interface as u32,
                        shared_secret: t.psk.clone(),
                        ike_version: t.ike_version as u32,
                        router: gcp_router_name(gw_name),
                        description: format!("multicloud_vpn_connection {}", job.name),
                    },
                )
                .await
                .map_err(|e| api_error(&format!("Cannot create tunnel {name}"), e))?;
            }
        }
        ids.insert(format!("gcp.tunnel.{}", t.index), name);
    }

    let router = gcp_router_name(gw_name);
    let lock = ROUTER_LOCKS.get(&format!("{}/{region}/{router}", c.project()));
    let _held = lock.lock().await;
    let current = c
        .get_router(region, &router)
        .await
        .map_err(|e| api_error("Cannot read the Cloud Router", e))?
        .ok_or_else(|| {
            Diagnostic::error(
                "Cloud Router not found",
                format!(
                    "{router} (made by the GCP gateway) does not exist; apply the gateway again."
                ),
            )
        })?;
    // Again under the lock: a connection built at the same time may have just taken the /30s.
    refuse_taken(&interfaces_in_use(&current, &job.name), job)?;
    let (interfaces, peers) = desired_router(&current, job);
    if interfaces != current.interfaces || peers != current.peers {
        tracing::info!(router, "configuring BGP sessions on the Cloud Router");
        c.put_router_peers(region, &router, interfaces, peers)
            .await
            .map_err(|e| api_error("Cannot configure the Cloud Router", e))?;
    }
    ids.insert("gcp.router".into(), router);
    Ok(())
}

/// Refuses inside /30s that other connections' router interfaces use (`taken`). Two connections
/// planned in one apply cannot see each other; GCP would refuse the second's router update only
/// after its tunnels exist, in its own words.
fn refuse_taken(taken: &[InUse], job: &SideJob) -> Result<(), Diagnostics> {
    for t in &job.tunnels {
        if let Some(u) = taken
            .iter()
            .find(|u| super::topology::overlaps(&u.cidr, &t.inside_cidr))
        {
            return Err(Diagnostic::error(
                "Inside CIDR already in use",
                format!(
                    "Tunnel {} needs {}, but {} ({}) uses it for another connection: both were planned before either existed, so the Cloud Router was not changed. Apply again: this connection is replaced, and its plan then sees that interface and picks a free block (or set inside_cidrs).",
                    t.index, t.inside_cidr, u.by, u.cidr
                ),
            )
            .into());
        }
    }
    Ok(())
}
