//! `terraform import multicloud_vpn_connection.X "NAME,GATEWAY_A,GATEWAY_B"`: a connection this
//! provider built, taken back from the clouds. The layout (tunnel count, inside CIDRs, IKE
//! version) comes from a side that records it exactly: GCP's router interfaces or Azure's custom
//! APIPA addresses (AWS echoes inside CIDRs only in some API versions). The keys come from a side
//! that returns them: Azure's shared keys, else AWS's tunnel options or configuration document.
//! GCP keeps only a hash, so a connection needs one of those two as a side.

use ipnet::Ipv4Net;
use tfplugin::{Ctx, Diagnostic, Diagnostics};

use super::connection::{Work, cloud_of, tunnel_states, work};
use super::connection_model::{ConnectionState, DEFAULT_IKE};
use super::gateway;
use super::gateway_model::Gateway;
use super::rules::Cloud;
use super::side::{CloudIds, Found, SideJob};
use super::site::{import_formats, site};
use crate::ProviderConfig;

fn cannot(detail: impl Into<String>) -> Diagnostics {
    Diagnostic::error("Cannot import", detail.into()).into()
}

/// The connection named in `id`, read back from both sides.
pub async fn import(ctx: &Ctx<ProviderConfig>, id: &str) -> Result<ConnectionState, Diagnostics> {
    let parts: Vec<&str> = id.split(',').map(str::trim).collect();
    let [name, a_id, b_id] = parts[..] else {
        return Err(cannot(format!(
            "\"{id}\" is not a connection id. Use NAME,GATEWAY_A,GATEWAY_B: the connection's name, then its gateways a and b in the configuration's order, each as multicloud_vpn_gateway import takes it ({}).",
            import_formats()
        )));
    };
    let a = gateway::existing(ctx, a_id).await?;
    let b = gateway::existing(ctx, b_id).await?;
    let (ca, cb) = (cloud(&a)?, cloud(&b)?);
    // Where the layout is recorded exactly: a GCP or Azure side (a connection has one, as two
    // AWS gateways cannot be paired).
    let layout_on_a = site(ca).records_layout();
    let (layout_gw, layout_cloud, layout_id) = if layout_on_a {
        (&a, ca, a_id)
    } else {
        (&b, cb, b_id)
    };
    let recorded = discover_recorded(ctx, layout_cloud, layout_gw, name).await?;
    let n = recorded.tunnels.len();
    if n == 0 {
        return Err(cannot(format!(
            "No connection named {name} on gateway {layout_id}: none of its pieces ({name}-t0, …) exist there."
        )));
    }
    let inside_cidrs = (0..n)
        .map(|i| {
            recorded
                .local_bgp_ips
                .get(&i)
                .filter(|_| recorded.tunnels.contains(&i))
                .and_then(|ip| Ipv4Net::new(*ip, 30).ok())
                .map(|net| net.trunc().to_string())
                .ok_or_else(|| {
                    cannot(format!(
                        "Connection {name} on gateway {layout_id} is incomplete: tunnel {i} or its BGP address is missing (found tunnels {:?}). Apply it from its original configuration first, or remove it.",
                        recorded.tunnels
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let advertised = recorded.advertised_routes.clone();
    let state = ConnectionState {
        id: Some(name.to_string()),
        name: Some(name.to_string()),
        a: Some(a),
        b: Some(b),
        tunnel_count: Some(n as i64),
        ike_version: Some(recorded.ike_version.unwrap_or(DEFAULT_IKE)),
        inside_cidrs: Some(inside_cidrs),
        advertised_routes: (!advertised.is_empty()).then_some(advertised),
        ..ConnectionState::default()
    };
    // `work` checks the pair's rules and lays the tunnels out as a create would.
    let w = work(state)?;
    check_laid_out_alike(&w, layout_on_a, &recorded, name)?;
    let other = discover_other(ctx, &w, !layout_on_a).await?;
    let (found_a, found_b) = if layout_on_a {
        (&recorded, &other)
    } else {
        (&other, &recorded)
    };
    let keys = keys(&w, found_a, found_b, name)?;
    let ips = |side_a: bool, found: &Found| -> Vec<String> {
        let by_interface = w.gateway_ips_per_tunnel(side_a);
        (0..n)
            .map(|i| {
                found
                    .outside_ips
                    .get(&i)
                    .cloned()
                    .unwrap_or_else(|| by_interface.get(i).cloned().unwrap_or_default())
            })
            .collect()
    };
    let (a_ips, b_ips) = (ips(true, found_a), ips(false, found_b));
    let mut ids: CloudIds = found_a.ids.clone();
    ids.extend(found_b.ids.clone());
    let mut s = w.state.clone();
    s.tunnel_psks = Some(keys);
    s.cloud_ids = Some(ids);
    // Status and drift come from the read Terraform makes right after an import.
    s.tunnels = Some(tunnel_states(&w, &a_ips, &b_ips, &[], &[]));
    Ok(s)
}

fn cloud(g: &Gateway) -> Result<Cloud, Diagnostics> {
    cloud_of(g).ok_or_else(|| cannot("A gateway has no cloud."))
}

/// What a side that records the layout has of connection `name`, found by name alone (the layout
/// is what is being read).
async fn discover_recorded(
    ctx: &Ctx<ProviderConfig>,
    cloud: Cloud,
    gw: &Gateway,
    name: &str,
) -> Result<Found, Diagnostics> {
    let s = site(cloud);
    if !s.records_layout() {
        return Err(cannot(format!(
            "An {cloud} side does not record the layout."
        )));
    }
    let job = SideJob {
        name: name.to_string(),
        gateway: gw.clone(),
        ..SideJob::default()
    };
    s.discover(ctx, &job).await
}

/// The far side's pieces, with the layout just read (AWS finds its VPN connections by their tags
/// and matches tunnels by it).
async fn discover_other(
    ctx: &Ctx<ProviderConfig>,
    w: &Work,
    side_a: bool,
) -> Result<Found, Diagnostics> {
    let (ja, jb) = w.jobs_from(&[], &[], std::time::Duration::from_secs(60));
    let (cloud, job) = if side_a { (w.ca, ja) } else { (w.cb, jb) };
    site(cloud).discover(ctx, &job).await
}

/// The recorded side's BGP addresses must be the ones the layout gives its inside CIDRs:
/// otherwise the connection was not built by this provider (or was changed by hand), and
/// managing it from here would rebuild it.
fn check_laid_out_alike(
    w: &Work,
    layout_on_a: bool,
    recorded: &Found,
    name: &str,
) -> Result<(), Diagnostics> {
    for t in &w.layout {
        let want = if layout_on_a { t.a_bgp_ip } else { t.b_bgp_ip };
        let have = recorded.local_bgp_ips.get(&t.index);
        if have != Some(&want) {
            return Err(cannot(format!(
                "Tunnel {} of connection {name} uses BGP address {} where this provider would use {want} for {}: it was not built by multicloud_vpn_connection, or was changed by hand.",
                t.index,
                have.map_or("none".to_string(), |ip| ip.to_string()),
                t.inside_cidr
            )));
        }
    }
    Ok(())
}

/// Each tunnel's key from the side with the better copy ([`KeyReadback`]): Azure's exact copy
/// first, then AWS's.
///
/// [`KeyReadback`]: super::site::KeyReadback
fn keys(w: &Work, a: &Found, b: &Found, name: &str) -> Result<Vec<String>, Diagnostics> {
    let rank = |c: Cloud| site(c).key_readback();
    let mut sides = [(rank(w.ca), a), (rank(w.cb), b)];
    sides.sort_by_key(|(r, _)| *r);
    (0..w.layout.len())
        .map(|i| {
            sides
                .iter()
                .find_map(|(_, f)| f.keys.get(&i).cloned())
                .ok_or_else(|| {
                    cannot(format!(
                        "The key of tunnel {i} of connection {name} cannot be read back: GCP keeps only a hash, and the other side did not return it. Re-create the connection instead (remove its pieces, then apply)."
                    ))
                })
        })
        .collect()
}
