//! The AWS half: a virtual private gateway (or an existing transit gateway) as the site; per
//! connection, one customer gateway per peer interface and one VPN connection (two tunnels, with
//! their inside CIDRs, keys and IKE version as tunnel options) per customer gateway.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use tfplugin::{Ctx, Diagnostic, Diagnostics};

use super::batch::Snapshots;
use super::clients;
use super::gateway_model::{AwsSite as AwsBlock, Gateway};
use super::rules::{self, Cloud};
use super::side::{
    CloudIds, Found, InUse, SideJob, SideTunnel, SiteFacts, TunnelReport, api_error, entries_of,
    is_own_piece,
};
use super::site::{
    KeyReadback, ListScope, SiteKey, VpnSite, connection_of, missing_identity_attribute,
};
use crate::ProviderConfig;
use crate::clients::ec2::{Ec2, Target, TunnelRequest, VpnConnection};

fn site(gw: &Gateway) -> Result<&AwsBlock, Diagnostics> {
    gw.aws
        .as_ref()
        .ok_or_else(|| Diagnostic::error("Internal error", "not an AWS gateway").into())
}

fn region(s: &AwsBlock) -> &str {
    s.region.as_deref().unwrap_or("us-east-1")
}

/// The AWS site, as the VPN resources use it.
pub struct AwsSite;

#[async_trait]
impl VpnSite for AwsSite {
    async fn list_gateways(
        &self,
        ctx: &Ctx<ProviderConfig>,
        scope: &ListScope,
    ) -> Result<Vec<String>, Diagnostics> {
        let region = scope.needs(Cloud::Aws, "region", &scope.region)?;
        let ec2 = clients::ec2(ctx, region, Duration::from_secs(60)).await?;
        let vgws = ec2
            .list_vpn_gateways()
            .await
            .map_err(|e| api_error("Cannot list the virtual private gateways", e))?;
        Ok(vgws
            .into_iter()
            .filter(|g| g.vpc_id.is_some())
            .map(|g| format!("aws/{region}/{}", g.id))
            .collect())
    }

    async fn connection_names(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
    ) -> Result<BTreeSet<String>, Diagnostics> {
        let s = site(gw)?;
        let ec2 = clients::ec2(ctx, region(s), Duration::from_secs(60)).await?;
        let target = target(gw)?;
        let conns = ec2
            .list_tagged_vpn_connections()
            .await
            .map_err(|e| api_error("Cannot list the VPN connections", e))?;
        Ok(conns
            .into_iter()
            .filter(|c| !c.is_gone() && c.target.as_ref() == Some(&target))
            .filter_map(|c| connection_of(c.piece.as_deref()?, "/vpn"))
            .collect())
    }
    fn cloud(&self) -> Cloud {
        Cloud::Aws
    }

    /// Every AWS tunnel has its own outside address, which AWS picks when it creates the VPN
    /// connection carrying it.
    fn learns_addresses_on_create(&self) -> bool {
        true
    }

    fn records_layout(&self) -> bool {
        false
    }

    fn key_readback(&self) -> KeyReadback {
        KeyReadback::Recovered
    }

    fn configured_asn(&self, gw: &Gateway) -> Option<i64> {
        let a = gw.aws.as_ref()?;
        match (&a.transit_gateway_id, a.amazon_side_asn) {
            // An existing transit gateway has its own ASN: known after apply.
            (Some(_), None) => None,
            (_, asn) => Some(asn.unwrap_or(rules::AWS_DEFAULT_ASN as i64)),
        }
    }

    fn site_key(&self, gw: &Gateway) -> Option<SiteKey> {
        let a = gw.aws.as_ref()?;
        Some(SiteKey(Gateway {
            aws: Some(AwsBlock {
                region: a.region.clone(),
                vpc_id: a.vpc_id.clone(),
                transit_gateway_id: a.transit_gateway_id.clone(),
                // A transit gateway has its own ASN: unset means "whatever it has".
                amazon_side_asn: match &a.transit_gateway_id {
                    Some(_) => None,
                    None => Some(a.amazon_side_asn.unwrap_or(rules::AWS_DEFAULT_ASN as i64)),
                },
            }),
            ..Gateway::default()
        }))
    }

    fn import_format(&self) -> &'static str {
        "aws/REGION/vgw-… or aws/REGION/tgw-…"
    }

    fn parse_import_id(&self, parts: &[&str]) -> Option<Gateway> {
        match parts {
            ["aws", region, id]
                if !region.is_empty() && (id.starts_with("vgw-") || id.starts_with("tgw-")) =>
            {
                Some(Gateway {
                    id: Some(id.to_string()),
                    aws: Some(AwsBlock {
                        region: Some(region.to_string()),
                        ..AwsBlock::default()
                    }),
                    ..Gateway::default()
                })
            }
            _ => None,
        }
    }

    /// VGW and TGW ids are regional.
    fn identity_region(&self, gw: &Gateway) -> Option<String> {
        gw.aws.as_ref().and_then(|a| a.region.clone())
    }

    fn import_id(&self, region: Option<String>, id: String) -> Result<String, Diagnostics> {
        let region =
            region.ok_or_else(|| missing_identity_attribute("region", "for an AWS gateway"))?;
        Ok(format!("aws/{region}/{id}"))
    }

    // --- the gateway ---------------------------------------------------------------------------

    /// Creates and attaches a VGW, or checks an existing TGW. On failure after the VGW exists, its
    /// id comes back in the error's first slot so Terraform keeps it (tainted) for removal.
    async fn create_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
        timeout: Duration,
    ) -> Result<SiteFacts, (Option<String>, Diagnostics)> {
        let s = site(gw).map_err(|d| (None, d))?;
        let ec2 = clients::ec2(ctx, region(s), timeout)
            .await
            .map_err(|d| (None, d))?;
        if let Some(tgw) = &s.transit_gateway_id {
            return check_transit_gateway(&ec2, tgw, s.amazon_side_asn)
                .await
                .map_err(|d| (None, d));
        }
        let name = gw.name.clone().unwrap_or_default();
        let asn = s.amazon_side_asn.unwrap_or(rules::AWS_DEFAULT_ASN as i64);
        let piece = format!("gateway/{name}");
        // A VGW left by an interrupted create, or one detached out of band, is taken back rather
        // than orphaned next to a new one.
        let existing = ec2
            .find_vpn_gateway(&piece)
            .await
            .map_err(|e| {
                (
                    None,
                    api_error("Cannot look up virtual private gateways", e),
                )
            })?
            .filter(|g| g.asn.is_none_or(|a| i64::from(a) == asn));
        let vgw = match existing {
            Some(g) => g,
            None => {
                tracing::info!(name, "creating AWS virtual private gateway");
                ec2.create_vpn_gateway(asn as u32, &name, &piece)
                    .await
                    .map_err(|e| {
                        (
                            None,
                            api_error("Cannot create the virtual private gateway", e),
                        )
                    })?
            }
        };
        if let Some(vpc) = s
            .vpc_id
            .as_ref()
            .filter(|v| vgw.vpc_id.as_ref() != Some(*v))
        {
            ec2.attach_vpn_gateway(&vgw.id, vpc).await.map_err(|e| {
                (
                    Some(vgw.id.clone()),
                    api_error(&format!("Cannot attach {} to {vpc}", vgw.id), e),
                )
            })?;
        }
        Ok(SiteFacts {
            id: vgw.id,
            asn: vgw.asn.map_or(asn, i64::from),
            ..SiteFacts::default()
        })
    }

    /// None: AWS picks the VGW's id. A VGW left by a create cut short carries a tag by which the
    /// next create takes it back.
    fn known_gateway_id(&self, _gw: &Gateway) -> Option<String> {
        None
    }

    /// None when the VGW is gone (or detached from its VPC: that is drift the next apply repairs by
    /// re-creating it).
    async fn read_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
    ) -> Result<Option<SiteFacts>, Diagnostics> {
        let s = site(gw)?;
        let ec2 = clients::ec2(ctx, region(s), Duration::from_secs(60)).await?;
        let id = gw.id.clone().unwrap_or_default();
        if s.transit_gateway_id.is_some() {
            return match ec2.get_transit_gateway(&id).await {
                Ok(Some(t)) => Ok(Some(SiteFacts {
                    id: t.id,
                    asn: t.asn.map_or(gw.asn.unwrap_or_default(), i64::from),
                    ..SiteFacts::default()
                })),
                Ok(None) => Ok(None),
                Err(e) => Err(api_error("Cannot read the transit gateway", e)),
            };
        }
        let Some(vgw) = ec2
            .get_vpn_gateway(&id)
            .await
            .map_err(|e| api_error("Cannot read the virtual private gateway", e))?
        else {
            return Ok(None);
        };
        // Detached out of band: the plan replaces the site (forgetting it would orphan the VGW).
        let missing = match &s.vpc_id {
            Some(vpc) if vgw.vpc_id.as_ref() != Some(vpc) => {
                tracing::info!(
                    id,
                    "virtual private gateway is no longer attached to its VPC"
                );
                vec![format!("attachment of {id} to {vpc}")]
            }
            _ => Vec::new(),
        };
        Ok(Some(SiteFacts {
            id: vgw.id,
            asn: vgw.asn.map_or(gw.asn.unwrap_or_default(), i64::from),
            missing,
            ..SiteFacts::default()
        }))
    }

    /// The site of an existing VGW (attached to a VPC) or TGW, for `terraform import`. Its name is
    /// the one a multicloud_vpn_gateway gave it, else its `Name` tag.
    async fn import_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        named: &Gateway,
    ) -> Result<Gateway, Diagnostics> {
        let region = region(site(named)?);
        let id = named.id.as_deref().unwrap_or_default();
        let ec2 = clients::ec2(ctx, region, Duration::from_secs(60)).await?;
        let missing = || -> Diagnostics {
            Diagnostic::error(
                "Cannot import",
                format!("{id} does not exist in {region} (or is deleted)."),
            )
            .into()
        };
        let mut site = AwsBlock {
            region: Some(region.to_string()),
            ..AwsBlock::default()
        };
        let (name, asn) = if id.starts_with("tgw-") {
            let t = ec2
                .get_transit_gateway(id)
                .await
                .map_err(|e| api_error("Cannot read the transit gateway", e))?
                .ok_or_else(missing)?;
            site.transit_gateway_id = Some(t.id);
            (t.name, t.asn)
        } else {
            let g = ec2
                .get_vpn_gateway(id)
                .await
                .map_err(|e| api_error("Cannot read the virtual private gateway", e))?
                .ok_or_else(missing)?;
            site.vpc_id = Some(g.vpc_id.ok_or_else(|| {
                Diagnostic::error(
                    "Cannot import",
                    format!("{id} is not attached to a VPC; a multicloud_vpn_gateway's VGW always is. Attach it, then import."),
                )
            })?);
            (g.name, g.asn)
        };
        site.amazon_side_asn = asn.map(i64::from);
        let name = name.ok_or_else(|| {
            Diagnostic::error(
                "Cannot import",
                format!("{id} has no Name tag to take the gateway's name from. Tag it Name = <the name in your configuration>, then import again."),
            )
        })?;
        Ok(Gateway {
            id: Some(id.to_string()),
            name: Some(name),
            cloud: Some(Cloud::Aws.as_str().to_string()),
            aws: Some(site),
            ..Gateway::default()
        })
    }

    async fn delete_gateway(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
        timeout: Duration,
    ) -> Result<(), Diagnostics> {
        let s = site(gw)?;
        // An existing transit gateway belongs to someone else.
        if s.transit_gateway_id.is_some() {
            return Ok(());
        }
        let Some(id) = gw.id.as_deref().filter(|i| !i.is_empty()) else {
            return Ok(());
        };
        let ec2 = clients::ec2(ctx, region(s), timeout).await?;
        ec2.delete_vpn_gateway(id)
            .await
            .map_err(|e| api_error(&format!("Cannot delete virtual private gateway {id}"), e))
    }

    // --- a connection's AWS side -------------------------------------------------------------------

    /// The inside /30s that VPN connections other than connection `own`'s use on this gateway (AWS
    /// refuses a tunnel inside CIDR already used on the same VGW or TGW).
    async fn inside_cidrs_in_use(
        &self,
        ctx: &Ctx<ProviderConfig>,
        gw: &Gateway,
        own: &str,
        timeout: Duration,
    ) -> Result<Vec<InUse>, Diagnostics> {
        let s = site(gw)?;
        let ec2 = clients::ec2(ctx, region(s), timeout).await?;
        let conns = ec2
            .list_vpn_connections_to(&target(gw)?)
            .await
            .map_err(|e| api_error("Cannot list the gateway's VPN connections", e))?;
        Ok(conns
            .iter()
            .filter(|c| {
                !c.piece
                    .as_deref()
                    .is_some_and(|p| is_own_piece(p, own, "/vpn"))
            })
            .flat_map(|c| {
                c.tunnels.iter().filter_map(|t| {
                    InUse::around(
                        t.inside_cidr.as_deref()?,
                        format!("AWS VPN connection {}", c.id),
                    )
                })
            })
            .collect())
    }

    /// Customer gateways and VPN connections, pair by pair; returns AWS's outside address per tunnel.
    async fn ensure(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
        ids: &mut CloudIds,
    ) -> Result<Vec<String>, Diagnostics> {
        let s = site(&job.gateway)?;
        let ec2 = clients::ec2(ctx, region(s), job.timeout).await?;
        let target = target(&job.gateway)?;
        let mut outside = vec![String::new(); job.tunnels.len()];
        let result = async {
            for (c, pair) in job.tunnels.chunks(2).enumerate() {
                let cgw_id = ensure_customer_gateway(&ec2, job, c, &pair[0].peer_ip, ids).await?;
                let vpn = ensure_vpn_connection(&ec2, job, c, &cgw_id, &target, pair, ids).await?;
                for (t, ip) in pair.iter().zip(tunnel_ips(&vpn, pair)) {
                    outside[t.index] = ip;
                }
            }
            Ok::<(), Diagnostics>(())
        }
        .await;
        VPN_SNAPSHOTS.forget(region(s));
        result.map(|()| outside)
    }

    /// What exists of the connection on this gateway, for import: its customer gateways and VPN
    /// connections (by their piece tags), with each tunnel's outside address and key.
    async fn discover(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
    ) -> Result<Found, Diagnostics> {
        let s = site(&job.gateway)?;
        let ec2 = clients::ec2(ctx, region(s), Duration::from_secs(60)).await?;
        let target = target(&job.gateway)?;
        let mut found = Found::default();
        for (c, pair) in job.tunnels.chunks(2).enumerate() {
            let cgw = ec2
                .find_customer_gateway(&format!("{}/cgw{c}", job.name))
                .await
                .map_err(|e| api_error("Cannot look up customer gateways", e))?;
            if let Some(g) = cgw {
                found.ids.insert(key("customer_gateway", c), g.id);
            }
            let vpn = ec2
                .find_vpn_connection(&format!("{}/vpn{c}", job.name))
                .await
                .map_err(|e| api_error("Cannot look up VPN connections", e))?
                .filter(|v| v.target.as_ref() == Some(&target));
            let Some(v) = vpn else {
                continue;
            };
            found.ids.insert(key("vpn_connection", c), v.id.clone());
            let keys = ec2
                .vpn_connection_keys(&v.id)
                .await
                .map_err(|e| api_error(&format!("Cannot read the tunnel keys of {}", v.id), e))?;
            for (t, p) in pair.iter().zip(tunnel_positions(&v, pair)) {
                let Some(p) = p else { continue };
                found.tunnels.insert(t.index);
                found
                    .outside_ips
                    .insert(t.index, v.tunnels[p].outside_ip.clone());
                if let Some(k) = keys.get(p) {
                    found.keys.insert(t.index, k.clone());
                }
            }
        }
        Ok(found)
    }

    /// Drift and status per tunnel from one coalesced describe of the region.
    async fn observe(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
        ids: &CloudIds,
    ) -> Result<Vec<TunnelReport>, Diagnostics> {
        let s = site(&job.gateway)?;
        let ec2 = clients::ec2(ctx, region(s), Duration::from_secs(60)).await?;
        let snapshot = VPN_SNAPSHOTS
            .get(region(s), || async {
                let all = ec2
                    .list_tagged_vpn_connections()
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(all.into_iter().map(|v| (v.id.clone(), v)).collect())
            })
            .await
            .map_err(|e| api_error("Cannot read VPN connections", e))?;
        let target = target(&job.gateway).ok();
        let mut out = Vec::new();
        for (c, pair) in job.tunnels.chunks(2).enumerate() {
            let vpn = ids
                .get(&key("vpn_connection", c))
                .and_then(|id| snapshot.get(id))
                .filter(|v| !v.is_gone() && v.target == target);
            let ips = vpn.map(|v| tunnel_ips(v, pair));
            for (k, _) in pair.iter().enumerate() {
                out.push(match (vpn, &ips) {
                    (Some(v), Some(ips)) => TunnelReport {
                        outside_ip: Some(ips[k].clone()).filter(|s| !s.is_empty()),
                        status: v.tunnels.get(k).and_then(|t| t.status.clone()),
                        in_sync: ids.contains_key(&key("customer_gateway", c)),
                    },
                    _ => TunnelReport::default(),
                });
            }
        }
        Ok(out)
    }

    /// VPN connections first (a customer gateway in use cannot be deleted), then customer gateways.
    async fn remove(
        &self,
        ctx: &Ctx<ProviderConfig>,
        job: &SideJob,
        ids: &mut CloudIds,
    ) -> Result<(), Diagnostics> {
        let s = site(&job.gateway)?;
        let ec2 = clients::ec2(ctx, region(s), job.timeout).await?;
        let result = async {
            for kind in ["vpn_connection", "customer_gateway"] {
                for (k, id) in entries_of(ids, &format!("aws.{kind}.")) {
                    tracing::info!(id, "deleting AWS {kind}");
                    let r = if kind == "vpn_connection" {
                        ec2.delete_vpn_connection(&id).await
                    } else {
                        ec2.delete_customer_gateway(&id).await
                    };
                    r.map_err(|e| api_error(&format!("Cannot delete {id}"), e))?;
                    ids.remove(&k);
                }
            }
            Ok(())
        }
        .await;
        VPN_SNAPSHOTS.forget(region(s));
        result
    }
}

async fn check_transit_gateway(
    ec2: &Ec2,
    tgw: &str,
    want_asn: Option<i64>,
) -> Result<SiteFacts, Diagnostics> {
    let t = ec2
        .get_transit_gateway(tgw)
        .await
        .map_err(|e| api_error("Cannot read the transit gateway", e))?
        .ok_or_else(|| {
            Diagnostic::error(
                "Transit gateway not found",
                format!("aws.transit_gateway_id: {tgw} does not exist in this region."),
            )
        })?;
    let asn = i64::from(t.asn.unwrap_or(rules::AWS_DEFAULT_ASN as u32));
    if let Some(w) = want_asn
        && w != asn
    {
        return Err(Diagnostic::error(
            "Transit gateway ASN differs",
            format!("aws.amazon_side_asn is {w} but transit gateway {tgw} uses {asn}; remove amazon_side_asn or set it to {asn}."),
        )
        .into());
    }
    Ok(SiteFacts {
        id: t.id,
        asn,
        ..SiteFacts::default()
    })
}

fn target(gw: &Gateway) -> Result<Target, Diagnostics> {
    let s = site(gw)?;
    let id = gw.id.clone().ok_or_else(|| {
        Diagnostic::error("Gateway not created", "The AWS gateway has no id yet.")
    })?;
    Ok(if s.transit_gateway_id.is_some() {
        Target::TransitGateway(id)
    } else {
        Target::VpnGateway(id)
    })
}

static VPN_SNAPSHOTS: LazyLock<Snapshots<BTreeMap<String, VpnConnection>>> =
    LazyLock::new(Snapshots::default);

fn key(kind: &str, c: usize) -> String {
    format!("aws.{kind}.{c}")
}

async fn ensure_customer_gateway(
    ec2: &Ec2,
    job: &SideJob,
    c: usize,
    peer_ip: &str,
    ids: &mut CloudIds,
) -> Result<String, Diagnostics> {
    let k = key("customer_gateway", c);
    if let Some(id) = ids.get(&k) {
        let found = ec2
            .get_customer_gateways(std::slice::from_ref(id))
            .await
            .map_err(|e| api_error("Cannot read customer gateways", e))?;
        if found
            .iter()
            .any(|g| g.ip == peer_ip && g.asn == Some(job.peer_asn))
        {
            return Ok(id.clone());
        }
        ids.remove(&k);
    }
    let piece = format!("{}/cgw{c}", job.name);
    let existing = ec2
        .find_customer_gateway(&piece)
        .await
        .map_err(|e| api_error("Cannot look up customer gateways", e))?
        .filter(|g| g.ip == peer_ip && g.asn == Some(job.peer_asn));
    let g = match existing {
        Some(g) => g,
        None => {
            tracing::info!(
                connection = job.name,
                ip = peer_ip,
                "creating AWS customer gateway"
            );
            ec2.create_customer_gateway(
                peer_ip,
                job.peer_asn,
                &format!("{}-cgw{c}", job.name),
                &piece,
            )
            .await
            .map_err(|e| {
                api_error(
                    &format!("Cannot create the customer gateway for {peer_ip}"),
                    e,
                )
            })?
        }
    };
    ids.insert(k, g.id.clone());
    Ok(g.id)
}

async fn ensure_vpn_connection(
    ec2: &Ec2,
    job: &SideJob,
    c: usize,
    cgw_id: &str,
    target: &Target,
    pair: &[SideTunnel],
    ids: &mut CloudIds,
) -> Result<VpnConnection, Diagnostics> {
    let k = key("vpn_connection", c);
    let fits = |v: &VpnConnection| {
        !v.is_gone() && v.customer_gateway_id == cgw_id && v.target.as_ref() == Some(target)
    };
    if let Some(id) = ids.get(&k) {
        let found = ec2
            .get_vpn_connections(std::slice::from_ref(id))
            .await
            .map_err(|e| api_error("Cannot read VPN connections", e))?;
        match found.into_iter().next() {
            Some(v) if fits(&v) => return Ok(v),
            Some(stale) if !stale.is_gone() => {
                // Its customer gateway was replaced: this connection points at the old one.
                ec2.delete_vpn_connection(&stale.id)
                    .await
                    .map_err(|e| api_error("Cannot replace a stale VPN connection", e))?;
            }
            _ => {}
        }
        ids.remove(&k);
    }
    let piece = format!("{}/vpn{c}", job.name);
    let existing = ec2
        .find_vpn_connection(&piece)
        .await
        .map_err(|e| api_error("Cannot look up VPN connections", e))?
        .filter(fits);
    let v = match existing {
        Some(v) => v,
        None => {
            let tunnels: Vec<TunnelRequest> = pair
                .iter()
                .map(|t| TunnelRequest {
                    inside_cidr: t.inside_cidr.to_string(),
                    psk: t.psk.clone(),
                    ike_version: format!("ikev{}", t.ike_version),
                })
                .collect();
            tracing::info!(
                connection = job.name,
                pair = c,
                "creating AWS VPN connection (AWS takes a few minutes)"
            );
            ec2.create_vpn_connection(
                cgw_id,
                target,
                &tunnels,
                &format!("{}-vpn{c}", job.name),
                &piece,
            )
            .await
            .map_err(|e| api_error("Cannot create the AWS VPN connection", e))?
        }
    };
    ids.insert(k, v.id.clone());
    Ok(v)
}

/// Where each requested tunnel is in AWS's list: matched by inside CIDR when the API echoes it,
/// else in the order AWS lists them.
fn tunnel_positions(v: &VpnConnection, pair: &[SideTunnel]) -> Vec<Option<usize>> {
    pair.iter()
        .enumerate()
        .map(|(k, t)| {
            let cidr = t.inside_cidr.to_string();
            v.tunnels
                .iter()
                .position(|x| x.inside_cidr.as_deref() == Some(cidr.as_str()))
                .or_else(|| (k < v.tunnels.len()).then_some(k))
        })
        .collect()
}

/// AWS's outside address for each requested tunnel.
fn tunnel_ips(v: &VpnConnection, pair: &[SideTunnel]) -> Vec<String> {
    tunnel_positions(v, pair)
        .into_iter()
        .map(|p| {
            p.map(|p| v.tunnels[p].outside_ip.clone())
                .unwrap_or_default()
        })
        .collect()
}
