//! `multicloud_vpn_connection`: plan-time checks and layout, and the order in which the two sides
//! are built. The side that only learns its tunnel addresses by creating them (AWS) goes first;
//! the other side is then built towards those addresses. Between GCP and Azure, Azure goes first.
//! Each side's cloud work is done by its `site::VpnSite`.

use std::time::Duration;

use async_trait::async_trait;
use ipnet::Ipv4Net;
use serde::Deserialize;
use tfplugin::framework::{
    Abilities, ApplyResponse, CreateRequest, DeleteRequest, Identity, IdentityAttribute,
    IdentitySchema, Import, ImportRequest, ImportResponse, ModifyPlan, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse, UpdateRequest, ValidateRequest,
};
use tfplugin::{Ctx, Diagnostic, Diagnostics, Field, Path, Resource, Schema, Type, Value, typed};

use super::connection_model::{self, ConnectionState, DEFAULT_IKE, DEFAULT_TUNNELS, TunnelState};
use super::gateway_model::Gateway;
use super::rules::{self, Cloud};
use super::side::{CloudIds, InUse, SideJob, SideTunnel, TunnelReport};
use super::site::site;
use super::timeouts::Timeouts;
use super::topology::{self, TunnelLayout};
use super::{connection_import, gateway};
use crate::ProviderConfig;
use crate::resources::psk;

pub struct VpnConnection;

const NAME_MAX: usize = 40;
const CREATE_DEFAULT: Duration = Duration::from_secs(60 * 60);
const DELETE_DEFAULT: Duration = Duration::from_secs(30 * 60);
const GENERATED_PSK_LENGTH: usize = 32;
/// Bounds the plan-time look at what the gateways already use.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(60);

/// A side's cloud, from its computed `cloud` or, before that is known, from its site block.
pub(super) fn cloud_of(g: &Gateway) -> Option<Cloud> {
    g.cloud
        .as_deref()
        .and_then(Cloud::parse)
        .or_else(|| g.site_cloud())
}

pub(super) fn encode(s: &ConnectionState) -> Result<Value, Diagnostics> {
    typed::encode(s, &connection_model::value_type())
}

/// The pair's plan-time rules. Parts still unknown are skipped (they are checked again at plan,
/// when the gateways' planned values are in).
fn check(c: &ConnectionState, diags: &mut Diagnostics) {
    let root = Path::root();
    if let Some(n) = &c.name
        && let Some(p) = rules::name_problem(n, NAME_MAX)
    {
        diags.error_at(root.attr("name"), "Invalid name", format!("name: {p}."));
    }
    if let Some(n) = c.tunnel_count
        && let Some(p) = rules::tunnel_count_problem(n)
    {
        diags.error_at(
            root.attr("tunnel_count"),
            "Unsupported tunnel count",
            format!("tunnel_count: {p}."),
        );
    }
    for (attr, key) in [("psk", &c.psk), ("psk_wo", &c.psk_wo)] {
        if let Some(p) = key.as_deref().and_then(psk::check_key) {
            diags.error_at(
                root.attr(attr),
                "Pre-shared key not accepted by every cloud",
                format!("{attr}: {p}."),
            );
        }
    }
    if c.psk.is_some() && c.psk_wo.is_some() {
        diags.error_at(
            root.attr("psk_wo"),
            "Pre-shared key given twice",
            "Set one of psk (stored in state) and psk_wo (write-only), not both.",
        );
    }
    if c.psk_wo_version.is_some() && c.psk_wo.is_none() && c.psk.is_some() {
        diags.error_at(
            root.attr("psk_wo_version"),
            "Version without a write-only key",
            "psk_wo_version says when psk_wo changed; it has no meaning with psk.",
        );
    }
    let (Some(a), Some(b)) = (&c.a, &c.b) else {
        return;
    };
    let (Some(ca), Some(cb)) = (cloud_of(a), cloud_of(b)) else {
        return;
    };
    if ca == cb {
        diags.error_at(
            root.attr("b"),
            "Same cloud on both sides",
            format!("a and b are both {ca} gateways; a multicloud_vpn_connection joins two different clouds (use the cloud's own peering inside one cloud)."),
        );
        return;
    }
    if let (Some(x), Some(y)) = (a.asn, b.asn) {
        if x == y {
            diags.error_at(
                root.attr("b"),
                "Both sides use the same ASN",
                format!("a and b both speak BGP as AS {x}; eBGP needs two different ASNs. Change the asn of one gateway."),
            );
        }
        for (own, peer_asn, path) in [(ca, y, "b"), (cb, x, "a")] {
            if let Some(p) = rules::peer_asn_problem(own, peer_asn.max(0) as u64) {
                diags.error_at(
                    root.attr(path),
                    "Peer ASN not allowed",
                    format!("{path}.asn: {p}."),
                );
            }
        }
    }
    if let Some(cidrs) = &c.inside_cidrs {
        let n = c.tunnel_count.unwrap_or(DEFAULT_TUNNELS).max(0) as usize;
        for (i, p) in rules::inside_cidrs_problems(cidrs, n, ca, cb) {
            let path = match i {
                Some(i) => root.attr("inside_cidrs").index(i as i64),
                None => root.attr("inside_cidrs"),
            };
            diags.error_at(path.clone(), "Invalid inside CIDR", format!("{path}: {p}."));
        }
    }
}

/// The inside /30s: configured, else the prior state's, else allocated from the name around
/// what other connections use on the gateways (None when nothing is left).
fn inside_cidrs(
    c: &ConnectionState,
    prior: Option<&ConnectionState>,
    (ca, cb): (Cloud, Cloud),
    taken: &[InUse],
) -> Option<Vec<Ipv4Net>> {
    let n = c.tunnel_count.unwrap_or(DEFAULT_TUNNELS) as usize;
    let given = c.inside_cidrs.clone().or_else(|| {
        prior
            .and_then(|p| p.inside_cidrs.clone())
            .filter(|v| v.len() == n)
    });
    match given {
        Some(v) => Some(v.iter().filter_map(|s| s.parse().ok()).collect()),
        None => {
            let taken: Vec<Ipv4Net> = taken.iter().map(|t| t.cidr).collect();
            topology::allocate_avoiding(c.name.as_deref().unwrap_or_default(), ca, cb, n, &taken)
        }
    }
}

/// What other connections already use on whichever gateways exist, for a connection planned
/// anew. A gateway still to be created uses nothing; a lookup that fails is a warning, and the
/// plan goes on from the name alone (as it would with the cloud unreachable at plan).
async fn in_use_on_gateways(
    ctx: &Ctx<ProviderConfig>,
    c: &ConnectionState,
    ids: &PlannedIds,
    diags: &mut Diagnostics,
) -> Vec<InUse> {
    let own = c.name.as_deref().unwrap_or_default();
    let mut taken = Vec::new();
    for (side, gw) in [("a", &c.a), ("b", &c.b)] {
        let id_known = ids.of(side).is_known();
        let Some(gw) = gw.as_ref().filter(|_| id_known) else {
            continue;
        };
        let Some(cloud) = cloud_of(gw) else {
            continue;
        };
        let found = site(cloud)
            .inside_cidrs_in_use(ctx, gw, own, LOOKUP_TIMEOUT)
            .await;
        match found {
            Ok(v) => taken.extend(v),
            Err(d) => {
                let why: Vec<String> = d.0.iter().map(|d| d.detail.clone()).collect();
                diags.push(
                    Diagnostic::warning(
                        "Could not check which inside CIDRs the gateway already uses",
                        format!(
                            "{side}: gateway {} could not be asked ({}). The inside CIDRs were allocated from the connection's name alone; if other connections share this gateway, they may collide, and then the cloud refuses the apply. Set inside_cidrs to choose them.",
                            gw.name.as_deref().unwrap_or("?"),
                            why.join("; ")
                        ),
                    )
                    .at(Path::root().attr(side)),
                );
            }
        }
    }
    taken
}

/// The gateway ids as planned: a gateway created in the same apply has none yet (unknown).
#[derive(Default, Deserialize)]
struct PlannedIds {
    #[serde(default)]
    a: Field<GatewayId>,
    #[serde(default)]
    b: Field<GatewayId>,
}

#[derive(Deserialize)]
struct GatewayId {
    #[serde(default)]
    id: Field<String>,
}

impl PlannedIds {
    fn of(&self, side: &str) -> Field<&String> {
        let g = if side == "a" { &self.a } else { &self.b };
        match g {
            Field::Known(g) => g.id.as_ref(),
            Field::Unknown => Field::Unknown,
            Field::Null => Field::Null,
        }
    }
}

/// Configured inside CIDRs that another connection already uses on one of the gateways.
fn check_not_in_use(cidrs: &[Ipv4Net], taken: &[InUse], diags: &mut Diagnostics) {
    for (i, net) in cidrs.iter().enumerate() {
        if let Some(t) = taken.iter().find(|t| topology::overlaps(&t.cidr, net)) {
            let path = Path::root().attr("inside_cidrs").index(i as i64);
            diags.error_at(
                path.clone(),
                "Inside CIDR already in use",
                format!(
                    "{path}: {net} overlaps {} used by {} on one of the gateways. Choose another /30, or leave inside_cidrs unset to have free ones allocated.",
                    t.cidr, t.by
                ),
            );
        }
    }
}

/// The planned tunnel objects: everything known from the layout, outside addresses from gateways
/// that exist and whose tunnels use the gateway's addresses (GCP, Azure), the rest unknown.
fn planned_tunnels(layout: &[TunnelLayout], a: &Gateway, b: &Gateway) -> Value {
    let ip_of = |g: &Gateway, i: usize| -> Value {
        let learned_on_create = cloud_of(g).is_some_and(|c| site(c).learns_addresses_on_create());
        match &g.public_ips {
            Some(ips) if !learned_on_create => ips
                .get(i)
                .map_or(Value::Unknown, |s| Value::string(s.clone())),
            _ => Value::Unknown,
        }
    };
    let asn = |g: &Gateway| g.asn.map_or(Value::Unknown, Value::int);
    Value::List(
        layout
            .iter()
            .map(|t| {
                Value::object([
                    ("index", Value::int(t.index as i64)),
                    ("a_interface", Value::int(t.a_interface as i64)),
                    ("b_interface", Value::int(t.b_interface as i64)),
                    ("inside_cidr", Value::string(t.inside_cidr.to_string())),
                    ("a_bgp_ip", Value::string(t.a_bgp_ip.to_string())),
                    ("b_bgp_ip", Value::string(t.b_bgp_ip.to_string())),
                    ("a_asn", asn(a)),
                    ("b_asn", asn(b)),
                    ("a_outside_ip", ip_of(a, t.a_interface)),
                    ("b_outside_ip", ip_of(b, t.b_interface)),
                    ("a_status", Value::Unknown),
                    ("b_status", Value::Unknown),
                    ("in_sync", Value::Bool(true)),
                ])
            })
            .collect(),
    )
}

/// Wherever `planned` is known it wins (Terraform requires applied values to match the plan);
/// unknown parts come from `actual`.
fn fill_unknowns(planned: &Value, actual: &Value) -> Value {
    let members = |p: &std::collections::BTreeMap<String, Value>,
                   a: &std::collections::BTreeMap<String, Value>| {
        p.iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    fill_unknowns(v, a.get(k).unwrap_or(&Value::Null)),
                )
            })
            .collect()
    };
    match (planned, actual) {
        (Value::Unknown, a) => a.clone(),
        (Value::Object(p), Value::Object(a)) => Value::Object(members(p, a)),
        (Value::Map(p), Value::Map(a)) => Value::Map(members(p, a)),
        (Value::List(p), Value::List(a)) if p.len() == a.len() => {
            Value::List(p.iter().zip(a).map(|(p, a)| fill_unknowns(p, a)).collect())
        }
        (p, _) => p.clone(),
    }
}

/// Each side's outside address per tunnel, as the state recorded them.
fn recorded_ips(tunnels: &[TunnelState]) -> (Vec<String>, Vec<String>) {
    tunnels
        .iter()
        .map(|t| {
            (
                t.a_outside_ip.clone().unwrap_or_default(),
                t.b_outside_ip.clone().unwrap_or_default(),
            )
        })
        .unzip()
}

/// Everything an apply needs, decoded and checked once.
pub(super) struct Work {
    pub(super) state: ConnectionState,
    pub(super) a: Gateway,
    pub(super) b: Gateway,
    pub(super) ca: Cloud,
    pub(super) cb: Cloud,
    pub(super) layout: Vec<TunnelLayout>,
    pub(super) psks: Vec<String>,
}

pub(super) fn work(state: ConnectionState) -> Result<Work, Diagnostics> {
    let mut d = Diagnostics::new();
    check(&state, &mut d);
    d.into_result()?;
    let missing = |what: &str| -> Diagnostics {
        Diagnostic::error(
            "Gateway not ready",
            format!("{what} has no id, cloud or ASN yet; apply the gateway first."),
        )
        .into()
    };
    let a = state
        .a
        .clone()
        .filter(|g| g.id.is_some() && g.asn.is_some())
        .ok_or_else(|| missing("a"))?;
    let b = state
        .b
        .clone()
        .filter(|g| g.id.is_some() && g.asn.is_some())
        .ok_or_else(|| missing("b"))?;
    let (ca, cb) = (
        cloud_of(&a).ok_or_else(|| missing("a"))?,
        cloud_of(&b).ok_or_else(|| missing("b"))?,
    );
    let cidrs: Vec<Ipv4Net> = state
        .inside_cidrs
        .clone()
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let layout = topology::layout(ca, cb, &cidrs);
    let psks = match (&state.psk, &state.tunnel_psks) {
        (Some(k), _) => vec![k.clone(); layout.len()],
        (None, Some(v)) if v.len() == layout.len() => v.clone(),
        _ => (0..layout.len())
            .map(|_| psk::generate(GENERATED_PSK_LENGTH))
            .collect(),
    };
    Ok(Work {
        state,
        a,
        b,
        ca,
        cb,
        layout,
        psks,
    })
}

impl Work {
    fn timeout(&self, create: bool) -> Duration {
        if create {
            Timeouts::create_or(&self.state.timeouts, CREATE_DEFAULT)
        } else {
            Timeouts::delete_or(&self.state.timeouts, DELETE_DEFAULT)
        }
    }

    /// One side's job. `peer_tunnel_ips[i]` is the far side's outside address of tunnel i.
    fn job(
        &self,
        side_a: bool,
        peer_tunnel_ips: &[String],
        peer_interface_ips: Vec<String>,
        timeout: Duration,
    ) -> SideJob {
        let (own, other) = if side_a {
            (&self.a, &self.b)
        } else {
            (&self.b, &self.a)
        };
        let tunnels = self
            .layout
            .iter()
            .map(|t| {
                let (li, pi, lb, pb) = if side_a {
                    (t.a_interface, t.b_interface, t.a_bgp_ip, t.b_bgp_ip)
                } else {
                    (t.b_interface, t.a_interface, t.b_bgp_ip, t.a_bgp_ip)
                };
                SideTunnel {
                    index: t.index,
                    local_interface: li,
                    local_bgp_ip: lb,
                    inside_cidr: t.inside_cidr,
                    peer_ip: peer_tunnel_ips.get(t.index).cloned().unwrap_or_default(),
                    peer_interface: pi,
                    peer_bgp_ip: pb,
                    psk: self.psks[t.index].clone(),
                    ike_version: self.state.ike_version.unwrap_or(DEFAULT_IKE),
                }
            })
            .collect();
        SideJob {
            name: self.state.name.clone().unwrap_or_default(),
            gateway: own.clone(),
            peer_asn: other.asn.unwrap_or_default() as u32,
            peer_interface_ips,
            tunnels,
            advertised_routes: self.state.advertised_routes.clone().unwrap_or_default(),
            timeout,
        }
    }

    /// A gateway's public addresses per tunnel (by the interface each tunnel uses on it).
    pub(super) fn gateway_ips_per_tunnel(&self, side_a: bool) -> Vec<String> {
        let g = if side_a { &self.a } else { &self.b };
        let ips = g.public_ips.clone().unwrap_or_default();
        self.layout
            .iter()
            .map(|t| {
                ips.get(if side_a { t.a_interface } else { t.b_interface })
                    .cloned()
                    .unwrap_or_default()
            })
            .collect()
    }

    /// Jobs for both sides from addresses already known (state or gateways).
    pub(super) fn jobs_from(
        &self,
        a_ips: &[String],
        b_ips: &[String],
        timeout: Duration,
    ) -> (SideJob, SideJob) {
        let peer_ifaces = |cloud: Cloud, g: &Gateway, tunnel_ips: &[String]| {
            if site(cloud).learns_addresses_on_create() {
                // Every tunnel has its own address: the far side sees one interface per tunnel.
                tunnel_ips.to_vec()
            } else {
                g.public_ips.clone().unwrap_or_default()
            }
        };
        (
            self.job(true, b_ips, peer_ifaces(self.cb, &self.b, b_ips), timeout),
            self.job(false, a_ips, peer_ifaces(self.ca, &self.a, a_ips), timeout),
        )
    }

    /// Whether side a is built first. The side that learns its tunnel addresses by creating them
    /// goes first (the other is then built towards those addresses); between two sides that do
    /// not, Azure goes first. Removal runs the other way round.
    fn a_first(&self) -> bool {
        let learns = |c: Cloud| site(c).learns_addresses_on_create();
        learns(self.ca) || (!learns(self.cb) && self.ca == Cloud::Azure)
    }
}

/// Builds (or repairs) both sides in the order the clouds force; returns each side's outside
/// address per tunnel.
async fn build(
    ctx: &Ctx<ProviderConfig>,
    w: &Work,
    ids: &mut CloudIds,
    timeout: Duration,
) -> Result<(Vec<String>, Vec<String>), Diagnostics> {
    let n = w.layout.len();
    let (mut a_ips, mut b_ips) = (
        w.gateway_ips_per_tunnel(true),
        w.gateway_ips_per_tunnel(false),
    );
    let a_first = w.a_first();
    let (first_cloud, second_cloud) = if a_first { (w.ca, w.cb) } else { (w.cb, w.ca) };
    let (ja, jb) = w.jobs_from(&a_ips, &b_ips, timeout);
    let first_job = if a_first { ja } else { jb };
    tracing::info!(connection = first_job.name, first = %first_cloud, then = %second_cloud, tunnels = n, "building VPN connection");
    let first = site(first_cloud);
    let made = first.ensure(ctx, &first_job, ids).await?;
    if first.learns_addresses_on_create() {
        if a_first { a_ips = made } else { b_ips = made }
    }
    let (ja, jb) = w.jobs_from(&a_ips, &b_ips, timeout);
    let second_job = if a_first { jb } else { ja };
    site(second_cloud).ensure(ctx, &second_job, ids).await?;
    Ok((a_ips, b_ips))
}

pub(super) fn tunnel_states(
    w: &Work,
    a_ips: &[String],
    b_ips: &[String],
    ra: &[TunnelReport],
    rb: &[TunnelReport],
) -> Vec<TunnelState> {
    w.layout
        .iter()
        .map(|t| {
            let (x, y) = (
                ra.get(t.index).cloned().unwrap_or_default(),
                rb.get(t.index).cloned().unwrap_or_default(),
            );
            let nonempty = |s: Option<String>| s.filter(|s| !s.is_empty());
            TunnelState {
                index: Some(t.index as i64),
                a_interface: Some(t.a_interface as i64),
                b_interface: Some(t.b_interface as i64),
                inside_cidr: Some(t.inside_cidr.to_string()),
                a_bgp_ip: Some(t.a_bgp_ip.to_string()),
                b_bgp_ip: Some(t.b_bgp_ip.to_string()),
                a_asn: w.a.asn,
                b_asn: w.b.asn,
                a_outside_ip: nonempty(a_ips.get(t.index).cloned()).or(x.outside_ip),
                b_outside_ip: nonempty(b_ips.get(t.index).cloned()).or(y.outside_ip),
                a_status: x.status,
                b_status: y.status,
                in_sync: Some(x.in_sync && y.in_sync),
            }
        })
        .collect()
}

/// The write-only key of the configuration (null in plan and state, so known only from here).
fn psk_wo(config: &Value) -> Result<Option<String>, Diagnostics> {
    Ok(typed::decode::<ConnectionState>(config)?.psk_wo)
}

/// Create or repair, then report; a failure keeps what exists in the (tainted) partial state.
/// `key_wo` is the configuration's write-only key: every tunnel gets it and state keeps none.
async fn apply(
    ctx: &Ctx<ProviderConfig>,
    planned: &Value,
    prior_ids: CloudIds,
    key_wo: Option<String>,
    resp: &mut ApplyResponse,
) -> Result<(), Diagnostics> {
    let mut w = work(typed::decode(planned)?)?;
    if let Some(k) = &key_wo {
        w.psks = vec![k.clone(); w.layout.len()];
    }
    let timeout = w.timeout(true);
    let mut ids = prior_ids;
    // `timeouts.create` bounds the whole build, not only each wait inside it. What was made
    // before the limit is in `ids` and goes into the (tainted) partial state below.
    let built = match tokio::time::timeout(timeout, build(ctx, &w, &mut ids, timeout)).await {
        Ok(r) => r,
        Err(_) => Err(Diagnostic::error(
            "VPN connection not finished in time",
            format!(
                "Building {} took longer than timeouts.create ({} s); what exists so far is recorded and the next apply resumes or removes it. Raise timeouts.create for slow clouds (Azure gateway updates take minutes).",
                w.state.name.as_deref().unwrap_or_default(),
                timeout.as_secs()
            ),
        )
        .into()),
    };
    let mut s = w.state.clone();
    s.tunnel_psks = key_wo.is_none().then(|| w.psks.clone());
    s.id = s.name.clone();
    let (a_ips, b_ips) = match built {
        Ok(ips) => ips,
        Err(diags) => {
            s.cloud_ids = Some(ids);
            s.tunnels = Some(
                tunnel_states(&w, &[], &[], &[], &[])
                    .into_iter()
                    .map(|mut t| {
                        t.in_sync = Some(false);
                        t
                    })
                    .collect(),
            );
            resp.state = encode(&s)?;
            return Err(diags);
        }
    };
    let (ja, jb) = w.jobs_from(&a_ips, &b_ips, timeout);
    let observed = async {
        let ra = site(w.ca).observe(ctx, &ja, &ids).await?;
        let rb = site(w.cb).observe(ctx, &jb, &ids).await?;
        Ok::<_, Diagnostics>((ra, rb))
    }
    .await;
    let (ra, rb) = match observed {
        Ok(r) => r,
        // Everything exists: record it (tainted) rather than lose track of it.
        Err(diags) => {
            s.cloud_ids = Some(ids);
            s.tunnels = Some(tunnel_states(&w, &a_ips, &b_ips, &[], &[]));
            resp.state = encode(&s)?;
            return Err(diags);
        }
    };
    let mut tunnels = tunnel_states(&w, &a_ips, &b_ips, &ra, &rb);
    for t in tunnels.iter_mut() {
        // Just built: a side that cannot list a piece yet (eventual consistency) is still in sync.
        t.in_sync = Some(true);
    }
    s.tunnels = Some(tunnels);
    s.cloud_ids = Some(ids);
    let actual = encode(&s)?;
    resp.state = fill_unknowns(planned, &actual);
    Ok(())
}

#[async_trait]
impl Resource<ProviderConfig> for VpnConnection {
    fn name(&self) -> &'static str {
        "multicloud_vpn_connection"
    }

    fn schema(&self) -> Schema {
        connection_model::schema()
    }

    fn validate(&self, req: ValidateRequest<'_>, diags: &mut Diagnostics) {
        if let Ok(c) = typed::decode::<ConnectionState>(req.config) {
            check(&c, diags);
        }
    }

    async fn create(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: CreateRequest<'_>,
        resp: &mut ApplyResponse,
    ) -> Result<(), Diagnostics> {
        apply(ctx, req.planned, CloudIds::new(), psk_wo(req.config)?, resp).await
    }

    async fn read(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: ReadRequest<'_>,
        resp: &mut ReadResponse,
    ) -> Result<(), Diagnostics> {
        let s: ConnectionState = typed::decode(req.state)?;
        let ids = s.cloud_ids.clone().unwrap_or_default();
        let prior_tunnels = s.tunnels.clone().unwrap_or_default();
        let w = work(s)?;
        let (a_ips, b_ips) = recorded_ips(&prior_tunnels);
        let (ja, jb) = w.jobs_from(&a_ips, &b_ips, Duration::from_secs(60));
        let ra = site(w.ca).observe(ctx, &ja, &ids).await?;
        let rb = site(w.cb).observe(ctx, &jb, &ids).await?;
        let mut tunnels = tunnel_states(&w, &a_ips, &b_ips, &ra, &rb);
        for (t, (x, y)) in tunnels.iter_mut().zip(ra.iter().zip(&rb)) {
            // An AWS tunnel that came back with another address was re-created out of band.
            let moved = |seen: &Option<String>, kept: &Option<String>| {
                seen.is_some() && kept.is_some() && seen != kept
            };
            if moved(&x.outside_ip, &t.a_outside_ip) || moved(&y.outside_ip, &t.b_outside_ip) {
                t.in_sync = Some(false);
            }
        }
        if tunnels.iter().any(|t| t.in_sync != Some(true)) {
            tracing::info!(
                connection = w.state.name,
                "VPN connection drifted; the next apply repairs it"
            );
        }
        let mut s = w.state.clone();
        s.tunnels = Some(tunnels);
        resp.state = Some(encode(&s)?);
        Ok(())
    }

    async fn update(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: UpdateRequest<'_>,
        resp: &mut ApplyResponse,
    ) -> Result<(), Diagnostics> {
        let p: ConnectionState = typed::decode(req.prior)?;
        let key_wo = psk_wo(req.config)?;
        apply(
            ctx,
            req.planned,
            p.cloud_ids.unwrap_or_default(),
            key_wo,
            resp,
        )
        .await
    }

    /// The build order reversed: the side built towards the other's addresses goes first (it
    /// points at them), so GCP, then Azure, then AWS.
    async fn delete(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: DeleteRequest<'_>,
    ) -> Result<(), Diagnostics> {
        let s: ConnectionState = typed::decode(req.state)?;
        let mut ids = s.cloud_ids.clone().unwrap_or_default();
        let prior_tunnels = s.tunnels.clone().unwrap_or_default();
        let w = work(s)?;
        let timeout = w.timeout(false);
        let (a_ips, b_ips) = recorded_ips(&prior_tunnels);
        let (ja, jb) = w.jobs_from(&a_ips, &b_ips, timeout);
        let sides = if w.a_first() {
            [(w.cb, jb), (w.ca, ja)]
        } else {
            [(w.ca, ja), (w.cb, jb)]
        };
        for (cloud, job) in &sides {
            site(*cloud).remove(ctx, job, &mut ids).await?;
        }
        Ok(())
    }

    fn abilities(&self) -> Abilities<'_, ProviderConfig> {
        Abilities {
            modify_plan: Some(self),
            import: Some(self),
            identity: Some(self),
            ..Default::default()
        }
    }
}

#[async_trait]
impl ModifyPlan<ProviderConfig> for VpnConnection {
    async fn modify_plan(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: PlanRequest<'_>,
        resp: &mut PlanResponse,
    ) {
        let (Ok(c), Ok(ids)) = (
            typed::decode::<ConnectionState>(&resp.planned),
            typed::decode::<PlannedIds>(&resp.planned),
        ) else {
            return;
        };
        check(&c, &mut resp.diags);
        if resp.diags.has_errors() {
            return;
        }
        if let Some(n) = &c.name {
            resp.planned.set_attr("id", Value::string(n.clone()));
        }
        let prior: Option<ConnectionState> = req.prior.and_then(|p| typed::decode(p).ok());
        // Another gateway on either side is another connection.
        if let Some(p) = &prior {
            for (side, now, before) in [("a", &c.a, &p.a), ("b", &c.b, &p.b)] {
                let id_now = now.as_ref().and_then(|g| g.id.clone());
                let id_before = before.as_ref().and_then(|g| g.id.clone());
                let unknown = ids.of(side).is_unknown();
                if unknown || id_now != id_before {
                    resp.requires_replace.push(Path::root().attr(side));
                }
            }
        }
        let (Some(a), Some(b)) = (&c.a, &c.b) else {
            return;
        };
        let (Some(ca), Some(cb)) = (cloud_of(a), cloud_of(b)) else {
            return;
        };
        // The framework flagged inside_cidrs because it was "known after apply" a moment ago;
        // whether it really changes is decided here, once the CIDRs are planned.
        let cidrs_path = Path::root().attr("inside_cidrs");
        resp.requires_replace.retain(|p| *p != cidrs_path);
        let replacing = !resp.requires_replace.is_empty();
        let prior_kept = prior.as_ref().filter(|_| !replacing);
        // A new object must not take /30s that other connections use on a shared gateway.
        let taken = if prior_kept.is_none() {
            in_use_on_gateways(ctx, &c, &ids, &mut resp.diags).await
        } else {
            Vec::new()
        };
        let Some(cidrs) = inside_cidrs(&c, prior_kept, (ca, cb), &taken) else {
            resp.diags.error_at(
                cidrs_path,
                "No inside CIDRs left",
                format!(
                    "inside_cidrs: every group of {} free /30s this pair may use is taken on the gateways by other connections. Remove unused connections, or use tunnel_count = 2.",
                    c.tunnel_count.unwrap_or(DEFAULT_TUNNELS)
                ),
            );
            return;
        };
        if c.inside_cidrs.is_some() && prior_kept.is_none() {
            check_not_in_use(&cidrs, &taken, &mut resp.diags);
        }
        let planned_cidrs: Vec<String> = cidrs.iter().map(|n| n.to_string()).collect();
        if prior
            .as_ref()
            .is_some_and(|p| p.inside_cidrs.as_ref() != Some(&planned_cidrs))
        {
            resp.requires_replace.push(cidrs_path);
        }
        let replacing = !resp.requires_replace.is_empty();
        let prior_kept = prior.as_ref().filter(|_| !replacing);
        resp.planned.set_attr(
            "inside_cidrs",
            Value::List(planned_cidrs.into_iter().map(Value::string).collect()),
        );
        if let Some(k) = &c.psk {
            let n = cidrs.len();
            resp.planned.set_attr(
                "tunnel_psks",
                Value::List(vec![Value::string(k.clone()); n]),
            );
        }
        // A write-only key is known to the configuration only: no tunnel key is ever stored.
        if typed::decode::<ConnectionState>(req.config).is_ok_and(|cfg| cfg.psk_wo.is_some()) {
            resp.planned.set_attr("tunnel_psks", Value::Null);
        }
        let drifted = prior_kept
            .and_then(|p| p.tunnels.as_ref())
            .is_some_and(|ts| ts.iter().any(|t| t.in_sync != Some(true)));
        match (prior_kept, req.prior) {
            // Nothing to build (or only BGP advertisements change): the tunnels stay as they are.
            (Some(_), Some(pv)) if !drifted => {
                resp.planned.set_attr(
                    "tunnels",
                    pv.get("tunnels").cloned().unwrap_or(Value::Unknown),
                );
                resp.planned.set_attr(
                    "cloud_ids",
                    pv.get("cloud_ids").cloned().unwrap_or(Value::Unknown),
                );
            }
            _ => {
                let layout = topology::layout(ca, cb, &cidrs);
                resp.planned
                    .set_attr("tunnels", planned_tunnels(&layout, a, b));
                resp.planned.set_attr("cloud_ids", Value::Unknown);
            }
        }
    }
}

/// `{ name, gateway_a, gateway_b }`: the connection's name on the two gateways, each named as
/// `multicloud_vpn_gateway` import takes it (the import id is `NAME,GATEWAY_A,GATEWAY_B`).
#[derive(Deserialize)]
struct ConnectionIdentity {
    name: Option<String>,
    gateway_a: Option<String>,
    gateway_b: Option<String>,
}

impl Identity for VpnConnection {
    fn identity_schema(&self) -> IdentitySchema {
        let gateway = "A gateway as `multicloud_vpn_gateway` import takes it: `aws/REGION/vgw-…`, `projects/P/regions/R/vpnGateways/NAME`, or the Azure resource id.";
        IdentitySchema::new(vec![
            IdentityAttribute::required("name", Type::String, "The connection's name."),
            IdentityAttribute::required("gateway_a", Type::String, gateway),
            IdentityAttribute::required("gateway_b", Type::String, gateway),
        ])
    }

    fn identity_of(&self, state: &Value) -> Option<Value> {
        let s: ConnectionState = typed::decode(state).ok()?;
        let a = gateway::import_id_of(s.a.as_ref()?)?;
        let b = gateway::import_id_of(s.b.as_ref()?)?;
        Some(Value::object([
            ("name", Value::string(s.name?)),
            ("gateway_a", Value::string(a)),
            ("gateway_b", Value::string(b)),
        ]))
    }

    fn import_id(&self, identity: &Value) -> Result<String, Diagnostics> {
        let i: ConnectionIdentity = typed::decode(identity)?;
        let part = |v: Option<String>, name: &str| {
            v.filter(|s| !s.is_empty()).ok_or_else(|| {
                Diagnostics::from(Diagnostic::error(
                    "Missing identity attribute",
                    format!("identity.{name} is required to import a multicloud_vpn_connection."),
                ))
            })
        };
        Ok(format!(
            "{},{},{}",
            part(i.name, "name")?,
            part(i.gateway_a, "gateway_a")?,
            part(i.gateway_b, "gateway_b")?
        ))
    }
}

#[async_trait]
impl Import<ProviderConfig> for VpnConnection {
    async fn import(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: ImportRequest<'_>,
        resp: &mut ImportResponse,
    ) -> Result<(), Diagnostics> {
        let state = connection_import::import(ctx, req.id).await?;
        resp.state = encode(&state)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_planned_values_win_over_results() {
        let planned = Value::object([("a", Value::string("x")), ("b", Value::Unknown)]);
        let actual = Value::object([("a", Value::string("y")), ("b", Value::string("z"))]);
        let out = fill_unknowns(&planned, &actual);
        assert_eq!(out.get("a"), Some(&Value::string("x")));
        assert_eq!(out.get("b"), Some(&Value::string("z")));
    }

    fn gw(cloud: &str, asn: i64) -> Gateway {
        Gateway {
            cloud: Some(cloud.into()),
            asn: Some(asn),
            id: Some(format!("{cloud}-id")),
            ..Gateway::default()
        }
    }

    fn conn(a: Gateway, b: Gateway) -> ConnectionState {
        ConnectionState {
            name: Some("link".into()),
            a: Some(a),
            b: Some(b),
            tunnel_count: Some(4),
            ..ConnectionState::default()
        }
    }

    /// The documented order, which the per-cloud matches spelled out before the sites had
    /// properties: AWS first, then Azure, then GCP; removal the other way round.
    #[test]
    fn sides_are_built_in_the_documented_order() {
        let (aws, gcp, azure) = (gw("aws", 64512), gw("gcp", 65010), gw("azure", 65020));
        for (a, b, a_first) in [
            (&aws, &gcp, true),
            (&gcp, &aws, false),
            (&aws, &azure, true),
            (&azure, &aws, false),
            (&azure, &gcp, true),
            (&gcp, &azure, false),
        ] {
            let w = work(conn(a.clone(), b.clone())).unwrap();
            assert_eq!(w.a_first(), a_first, "{:?} then {:?}", w.ca, w.cb);
        }
    }

    fn problems(c: &ConnectionState) -> Vec<String> {
        let mut d = Diagnostics::new();
        check(c, &mut d);
        d.0.into_iter()
            .map(|d| {
                format!(
                    "{}: {}",
                    d.path.map(|p| p.to_string()).unwrap_or_default(),
                    d.detail
                )
            })
            .collect()
    }

    #[test]
    fn pairs_are_checked_at_plan() {
        assert!(problems(&conn(gw("aws", 64512), gw("gcp", 65010))).is_empty());
        assert!(problems(&conn(gw("aws", 64512), gw("aws", 64513)))[0].contains("both AWS"));
        assert!(
            problems(&conn(gw("aws", 64512), gw("gcp", 64512)))[0].contains("two different ASNs")
        );
        let p = problems(&conn(gw("gcp", 65010), gw("azure", 65515)));
        assert!(p.is_empty(), "{p:?}");
        let p = problems(&conn(gw("azure", 65010), gw("gcp", 65517)));
        assert!(
            p[0].starts_with("b") && p[0].contains("Azure refuses"),
            "{p:?}"
        );
        let mut c = conn(gw("aws", 64512), gw("azure", 65010));
        c.inside_cidrs = Some(vec![
            "169.254.21.0/30".into(),
            "169.254.1.0/30".into(),
            "169.254.21.0/30".into(),
        ]);
        let p = problems(&c);
        assert!(
            p.iter()
                .any(|s| s.starts_with("inside_cidrs:") && s.contains("3 CIDRs")),
            "{p:?}"
        );
        assert!(p.iter().any(|s| s.starts_with("inside_cidrs[1]")), "{p:?}");
        assert!(
            p.iter()
                .any(|s| s.starts_with("inside_cidrs[2]") && s.contains("repeats")),
            "{p:?}"
        );
        let mut c = conn(gw("aws", 64512), gw("gcp", 65010));
        c.psk = Some("0short".into());
        c.tunnel_count = Some(3);
        let p = problems(&c);
        assert!(p.iter().any(|s| s.starts_with("psk")), "{p:?}");
        assert!(p.iter().any(|s| s.starts_with("tunnel_count")), "{p:?}");
        assert!(
            !p.iter().any(|s| s.contains("0short")),
            "the key must not be echoed: {p:?}"
        );
    }
}
