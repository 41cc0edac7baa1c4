//! Google Compute Engine (v1) REST client for HA VPN: networks (read), HA VPN gateways, Cloud
//! Routers (BGP interfaces and peers), external (peer) VPN gateways and VPN tunnels.
//!
//! Thin and typed: each method is one documented endpoint plus, for mutations, a wait for the
//! operation it starts. Compute applies a mutation only when its operation reaches DONE, so every
//! insert/patch/delete here returns after `regionOperations.wait` / `globalOperations.wait` says
//! DONE (the API allows `wait` to return early, so it is called in a loop), bounded by a deadline
//! and abortable through a `CancellationToken`.
//!
//! Retries: requests go through the shared layer ([`crate::clients::http`]: backoff with jitter,
//! `Retry-After`, cancellation, deadline); this client tells it that 429, 500, 502, 503 and 504
//! are worth another attempt, transport failures being retried there. Every mutation carries one
//! `requestId` (a UUID) for all its attempts, which Compute documents as the way to make retries
//! idempotent, so the layer replays mutations like reads. Should an insert meet 409 `alreadyExists`
//! after an earlier attempt that may have reached the server (5xx or a broken connection), or
//! while an insert of that name is still running (sent by a provider process killed before it
//! finished), the object is taken to be ours: names are chosen by the caller and unique
//! per Terraform resource, and where the insert carries a description (external gateways and
//! tunnels, where callers set a fixed marker) it must match. Before answering, the client waits for
//! any unfinished insert operation on that object, so the caller can read it back at once.
//!
//! Objects returned name their references by bare name (the last path segment), so they compare
//! directly with configuration. The access token and tunnels' shared secrets never appear in logs,
//! errors or `Debug` output; each HTTP attempt is logged at debug level (method, path, status,
//! milliseconds), operation progress at info level.
//!
//! References: <https://cloud.google.com/compute/docs/reference/rest/v1> (vpnGateways,
//! externalVpnGateways, vpnTunnels, routers, regionOperations.wait),
//! <https://cloud.google.com/compute/docs/api/how-tos/api-requests-responses> (error envelope,
//! operations), <https://cloud.google.com/network-connectivity/docs/vpn/how-to/creating-ha-vpn>.

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use reqwest::{Method, Url};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::clients::auth::{AuthError, Credentials};
use crate::clients::http::{self, Budget, Failure, Http, Request, RetryPolicy, Stop};

pub const DEFAULT_ENDPOINT: &str = "https://compute.googleapis.com";
/// `operations.wait` may hold the request for up to two minutes server-side before answering.
const WAIT_REQUEST_TIMEOUT: Duration = Duration::from_secs(150);
const DEFAULT_DEADLINE: Duration = Duration::from_secs(600);
const BACKOFF_BASE: Duration = Duration::from_millis(200);
const BACKOFF_CAP: Duration = Duration::from_secs(5);
pub(super) const RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 6,
    base_delay: BACKOFF_BASE,
    max_delay: BACKOFF_CAP,
    // A server asking for more than this is still honoured up to this bound, so a bad header
    // cannot stall an apply for hours.
    max_retry_after: Duration::from_secs(30),
};
const RETRY_STATUSES: [u16; 5] = [429, 500, 502, 503, 504];

/// Which Compute answers are worth sending again; the shared layer decides the rest.
#[derive(Clone, Copy, Debug)]
pub(super) struct Policy;

impl http::Classify for Policy {
    fn retryable(&self, status: u16, _body: &[u8]) -> bool {
        RETRY_STATUSES.contains(&status)
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// An API error (`status` set, `reason` from `error.errors[0].reason`), an operation that ended
/// with an error (`reason` is the operation's error code) or a local failure (`status` None,
/// `reason` one of connectionError, requestTimeout, cancelled, deadlineExceeded, invalidResponse,
/// invalidArgument).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GcpError {
    pub status: Option<u16>,
    pub reason: String,
    pub message: String,
}

impl GcpError {
    fn local(reason: &str, message: impl Into<String>) -> GcpError {
        GcpError {
            status: None,
            reason: reason.to_string(),
            message: message.into(),
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }

    pub fn is_retryable(&self) -> bool {
        match self.status {
            Some(s) => RETRY_STATUSES.contains(&s),
            None => matches!(self.reason.as_str(), "connectionError" | "requestTimeout"),
        }
    }
}

impl fmt::Display for GcpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(s) => write!(f, "{} (HTTP {s}, {})", self.message, self.reason),
            None => write!(f, "{} ({})", self.message, self.reason),
        }
    }
}

impl std::error::Error for GcpError {}

/// Parses Google's error envelope `{error:{code,message,status,errors:[{reason,message}]}}`; also
/// copes with OAuth-style `{error:"...",error_description:"..."}` and non-JSON bodies (proxies).
pub(super) fn parse_error(status: u16, body: &[u8]) -> GcpError {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let err = &v["error"];
    let first = &err["errors"][0];
    let text = |x: &Value| x.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    let reason = text(&first["reason"])
        .or_else(|| text(&err["status"]))
        .or_else(|| text(err))
        .unwrap_or_else(|| "httpError".to_string());
    let message = text(&err["message"])
        .or_else(|| text(&first["message"]))
        .or_else(|| text(&v["error_description"]))
        .or_else(|| {
            let raw = String::from_utf8_lossy(body);
            let raw = raw.trim();
            (!raw.is_empty()).then(|| raw.chars().take(300).collect())
        })
        .unwrap_or_else(|| format!("HTTP {status} with an empty body"));
    GcpError {
        status: Some(status),
        reason,
        message,
    }
}

pub(super) fn transport_error(e: reqwest::Error) -> GcpError {
    let reason = if e.is_timeout() {
        "requestTimeout"
    } else if e.is_builder() {
        "invalidArgument"
    } else {
        "connectionError"
    };
    // reqwest's Display is only the outermost layer; the cause (refused, reset, DNS) is in the
    // source chain. The URL is left out: it adds nothing the caller does not know.
    let message = http::error_chain(&e.without_url());
    GcpError::local(reason, format!("GCP request failed: {message}"))
}

fn cancelled() -> GcpError {
    GcpError::local("cancelled", "GCP call cancelled")
}

/// The shared layer's stop as this client's error; `wait` words a deadline for the operation.
pub(super) fn stopped(stop: Stop) -> GcpError {
    match stop {
        Stop::Cancelled => cancelled(),
        Stop::DeadlineExceeded => GcpError::local("deadlineExceeded", "GCP call past its deadline"),
    }
}

pub(super) fn invalid(message: impl Into<String>) -> GcpError {
    GcpError::local("invalidArgument", message)
}

/// A token given as it is (a setting, a test) as credentials, refused when it could not be sent.
pub(super) fn fixed_token(access_token: &str) -> Result<Credentials, GcpError> {
    let token = access_token.trim();
    if token.is_empty() || HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
        return Err(invalid(
            "GCP access token is empty or cannot be sent in an HTTP header",
        ));
    }
    Ok(Credentials::fixed(token, "GCP access token"))
}

/// What every Google REST client here starts from: the API's base URL (`endpoint`, else
/// `default`, then `/version`; an endpoint given with its `/version` is accepted) and an HTTP
/// client asking `auth` for its token, with Google's retry policy. `api` names the API in errors
/// and logs.
pub(super) fn connect(
    api: &'static str,
    endpoint: Option<&str>,
    default: &str,
    version: &str,
    auth: Credentials,
) -> Result<(Url, Http<Policy>), GcpError> {
    let endpoint = endpoint
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .unwrap_or(default)
        .trim_end_matches('/');
    let endpoint = endpoint
        .strip_suffix(&format!("/{version}"))
        .unwrap_or(endpoint);
    let base = Url::parse(&format!("{endpoint}/{version}"))
        .map_err(|e| invalid(format!("invalid {api} endpoint {endpoint:?}: {e}")))?;
    if !matches!(base.scheme(), "http" | "https") || base.query().is_some() {
        return Err(invalid(format!(
            "invalid {api} endpoint {endpoint:?}: want an http(s) URL"
        )));
    }
    let http = Http::new(api, auth, Policy, true)
        .map_err(|e| invalid(format!("cannot create the {api} HTTP client: {e}")))?
        .with_retry(RETRY);
    Ok((base, http))
}

/// A Google API's answer as JSON (an empty body as null), or the error for why there is none.
pub(super) fn json_of(api: &str, result: Result<http::Reply, Failure>) -> Result<Value, GcpError> {
    match result {
        Ok(reply) if reply.body.is_empty() => Ok(Value::Null),
        Ok(reply) => serde_json::from_slice(&reply.body).map_err(|e| GcpError {
            status: Some(reply.status),
            reason: "invalidResponse".into(),
            message: format!("{api} answered with invalid JSON: {e}"),
        }),
        Err(Failure::Status(reply)) => Err(parse_error(reply.status, &reply.body)),
        Err(Failure::Transport(e)) => Err(transport_error(e)),
        Err(Failure::Stopped(stop)) => Err(stopped(stop)),
        Err(Failure::Auth(e)) => Err(unauthenticated(e)),
    }
}

/// No token could be had: said as Google would refuse a request without one, with the reason.
pub(super) fn unauthenticated(e: AuthError) -> GcpError {
    GcpError::local("unauthenticated", format!("no Google access token: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Public model
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub self_link: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VpnGateway {
    pub name: String,
    pub self_link: String,
    pub network: String,
    /// External IPs by interface id (0, 1).
    pub interface_ips: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Router {
    pub name: String,
    pub self_link: String,
    pub network: String,
    pub asn: u32,
    pub interfaces: Vec<RouterInterface>,
    pub peers: Vec<BgpPeer>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RouterInterface {
    pub name: String,
    /// Link-local CIDR of the router's side, e.g. 169.254.10.2/30.
    pub ip_range: String,
    /// Tunnel name (or link when sending); returned as the bare name.
    pub linked_vpn_tunnel: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BgpPeer {
    pub name: String,
    pub interface_name: String,
    pub ip_address: String,
    pub peer_ip_address: String,
    pub peer_asn: u32,
    pub advertised_route_priority: Option<u32>,
    /// Non-empty: advertiseMode CUSTOM with exactly these ranges; empty: DEFAULT.
    pub advertised_ip_ranges: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExternalGateway {
    pub name: String,
    pub self_link: String,
    pub redundancy_type: String,
    /// IPs by interface id (0..).
    pub ips: Vec<String>,
}

/// A tunnel to create. `Debug` leaves out the shared secret.
#[derive(Clone, PartialEq, Default)]
pub struct NewTunnel {
    pub name: String,
    pub vpn_gateway: String,
    pub vpn_gateway_interface: u32,
    pub peer_external_gateway: String,
    pub peer_external_gateway_interface: u32,
    pub shared_secret: String,
    pub ike_version: u32,
    pub router: String,
    pub description: String,
}

impl fmt::Debug for NewTunnel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewTunnel")
            .field("name", &self.name)
            .field("vpn_gateway", &self.vpn_gateway)
            .field("vpn_gateway_interface", &self.vpn_gateway_interface)
            .field("peer_external_gateway", &self.peer_external_gateway)
            .field(
                "peer_external_gateway_interface",
                &self.peer_external_gateway_interface,
            )
            .field("shared_secret", &"<redacted>")
            .field("ike_version", &self.ike_version)
            .field("router", &self.router)
            .field("description", &self.description)
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct VpnTunnel {
    pub name: String,
    pub self_link: String,
    pub status: String,
    pub detailed_status: String,
    pub peer_ip: String,
    pub vpn_gateway_interface: u32,
    pub peer_external_gateway_interface: Option<u32>,
    pub ike_version: u32,
    pub router: String,
}

/// The external gateway redundancy type for a peer with this many interface IPs (1, 2 or 4).
pub fn redundancy_type(ip_count: usize) -> Option<&'static str> {
    match ip_count {
        1 => Some("SINGLE_IP_INTERNALLY_REDUNDANT"),
        2 => Some("TWO_IPS_REDUNDANCY"),
        4 => Some("FOUR_IPS_REDUNDANCY"),
        _ => None,
    }
}

/// The last path segment of a link, or the input when it is already a name.
fn bare(link: &str) -> String {
    link.rsplit('/').next().unwrap_or(link).to_string()
}

// ---------------------------------------------------------------------------------------------
// Reading responses
// ---------------------------------------------------------------------------------------------
// Read leniently from JSON: absent fields come back empty, and 32-bit integers are accepted as
// numbers or decimal strings (both are valid proto3 JSON).

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

fn int(v: &Value, key: &str) -> Option<u32> {
    let n = match &v[key] {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    n.and_then(|n| u32::try_from(n).ok())
}

fn items<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v[key].as_array().into_iter().flatten()
}

/// A reference field as a bare name.
fn name_of(v: &Value, key: &str) -> String {
    bare(&text(v, key))
}

fn ips_by_id(v: &Value, key: &str) -> Vec<String> {
    let mut ips: Vec<(u32, String)> = items(v, key)
        .map(|i| (int(i, "id").unwrap_or(0), text(i, "ipAddress")))
        .collect();
    ips.sort();
    ips.into_iter().map(|(_, ip)| ip).collect()
}

fn read_gateway(v: &Value) -> VpnGateway {
    VpnGateway {
        name: text(v, "name"),
        self_link: text(v, "selfLink"),
        network: name_of(v, "network"),
        interface_ips: ips_by_id(v, "vpnInterfaces"),
    }
}

fn read_external(v: &Value) -> ExternalGateway {
    ExternalGateway {
        name: text(v, "name"),
        self_link: text(v, "selfLink"),
        redundancy_type: text(v, "redundancyType"),
        ips: ips_by_id(v, "interfaces"),
    }
}

fn read_router(v: &Value) -> Router {
    let interfaces = items(v, "interfaces").map(|i| RouterInterface {
        name: text(i, "name"),
        ip_range: text(i, "ipRange"),
        linked_vpn_tunnel: name_of(i, "linkedVpnTunnel"),
    });
    let peers = items(v, "bgpPeers").map(|p| BgpPeer {
        name: text(p, "name"),
        interface_name: text(p, "interfaceName"),
        ip_address: text(p, "ipAddress"),
        peer_ip_address: text(p, "peerIpAddress"),
        peer_asn: int(p, "peerAsn").unwrap_or(0),
        advertised_route_priority: int(p, "advertisedRoutePriority"),
        // Ranges only mean something in CUSTOM mode, and Compute may keep stale ones otherwise.
        advertised_ip_ranges: match p["advertiseMode"].as_str() {
            Some("CUSTOM") => items(p, "advertisedIpRanges")
                .map(|r| text(r, "range"))
                .collect(),
            _ => Vec::new(),
        },
    });
    Router {
        name: text(v, "name"),
        self_link: text(v, "selfLink"),
        network: name_of(v, "network"),
        asn: int(&v["bgp"], "asn").unwrap_or(0),
        interfaces: interfaces.collect(),
        peers: peers.collect(),
    }
}

fn read_tunnel(v: &Value) -> VpnTunnel {
    VpnTunnel {
        name: text(v, "name"),
        self_link: text(v, "selfLink"),
        status: text(v, "status"),
        detailed_status: text(v, "detailedStatus"),
        peer_ip: text(v, "peerIp"),
        vpn_gateway_interface: int(v, "vpnGatewayInterface").unwrap_or(0),
        peer_external_gateway_interface: int(v, "peerExternalGatewayInterface"),
        // The documented default when absent.
        ike_version: int(v, "ikeVersion").unwrap_or(2),
        router: name_of(v, "router"),
    }
}

/// A DONE operation's outcome: its first error (code and message), if it has one.
fn operation_result(op: &Value) -> Result<(), GcpError> {
    if op["error"].is_null() {
        return Ok(());
    }
    let first = &op["error"]["errors"][0];
    let or = |s: String, default: String| if s.is_empty() { default } else { s };
    Err(GcpError {
        status: op["httpErrorStatusCode"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok()),
        reason: or(text(first, "code"), "operationFailed".into()),
        message: or(
            text(first, "message"),
            format!("GCP operation {} failed", text(op, "name")),
        ),
    })
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Scope<'a> {
    Global,
    Region(&'a str),
}

/// The result of one logical request: `ambiguous` is true when an earlier, retried attempt may
/// have been applied by the server (5xx or a connection that broke after sending).
struct Call {
    result: Result<Value, GcpError>,
    ambiguous: bool,
}

#[derive(Clone)]
pub struct Compute {
    /// Holds the token, the cancellation and the per-attempt timeout.
    http: Http<Policy>,
    /// `{endpoint}/compute/v1`
    base: Url,
    project: String,
    deadline: Duration,
}

impl fmt::Debug for Compute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compute")
            .field("base", &self.base.as_str())
            .field("project", &self.project)
            .field("token", &"<redacted>")
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl Compute {
    /// `endpoint` defaults to https://compute.googleapis.com; a trailing `/compute/v1` is accepted.
    pub fn new(
        endpoint: Option<&str>,
        access_token: &str,
        project: &str,
    ) -> Result<Compute, GcpError> {
        Compute::with_credentials(endpoint, fixed_token(access_token)?, project)
    }

    /// [`Compute::new`] with tokens from `auth`, asked for at every request.
    pub fn with_credentials(
        endpoint: Option<&str>,
        auth: Credentials,
        project: &str,
    ) -> Result<Compute, GcpError> {
        let (base, http) = connect("GCP", endpoint, DEFAULT_ENDPOINT, "compute/v1", auth)?;
        let project = project.trim();
        if project.is_empty() || project.contains('/') {
            return Err(invalid(format!("invalid GCP project {project:?}")));
        }
        Ok(Compute {
            http,
            base,
            project: project.to_string(),
            deadline: DEFAULT_DEADLINE,
        })
    }

    pub fn project(&self) -> &str {
        &self.project
    }

    /// Requests, backoff sleeps and operation waits end with reason `cancelled` once this fires
    /// (an operation already started carries on server-side).
    pub fn with_cancel(mut self, cancel: CancellationToken) -> Compute {
        self.http = self.http.with_cancel(cancel);
        self
    }

    /// Bound on each operation wait (default 10 minutes); reason `deadlineExceeded` past it.
    pub fn with_deadline(mut self, d: Duration) -> Compute {
        self.deadline = d;
        self
    }

    /// Per-attempt timeout of ordinary requests (default 60 s; `wait` calls use 150 s).
    pub fn with_request_timeout(mut self, d: Duration) -> Compute {
        self.http = self.http.with_attempt_timeout(d);
        self
    }

    // -- networks ----------------------------------------------------------------------------

    pub async fn get_network(&self, name: &str) -> Result<Option<Network>, GcpError> {
        let found = self.get(Scope::Global, &["networks", name]).await?;
        Ok(found.map(|v| Network {
            self_link: text(&v, "selfLink"),
            name: text(&v, "name"),
        }))
    }

    // -- HA VPN gateways ---------------------------------------------------------------------

    /// `network` is a name or a link.
    pub async fn insert_vpn_gateway(
        &self,
        region: &str,
        name: &str,
        network: &str,
    ) -> Result<(), GcpError> {
        let network = self.reference(Scope::Global, "networks", network)?;
        let body = json!({ "name": name, "network": network, "stackType": "IPV4_ONLY" });
        let scope = Scope::Region(region);
        self.insert(scope, "vpnGateways", name, body, None).await
    }

    pub async fn get_vpn_gateway(
        &self,
        region: &str,
        name: &str,
    ) -> Result<Option<VpnGateway>, GcpError> {
        let found = self
            .get(Scope::Region(region), &["vpnGateways", name])
            .await?;
        Ok(found.as_ref().map(read_gateway))
    }

    /// Every HA VPN gateway in the region (follows `nextPageToken`): one call for many reads.
    pub async fn list_vpn_gateways(&self, region: &str) -> Result<Vec<VpnGateway>, GcpError> {
        let all = self
            .list(Scope::Region(region), "vpnGateways", None)
            .await?;
        Ok(all.iter().map(read_gateway).collect())
    }

    pub async fn delete_vpn_gateway(&self, region: &str, name: &str) -> Result<(), GcpError> {
        self.delete(Scope::Region(region), "vpnGateways", name)
            .await
    }

    // -- Cloud Routers -----------------------------------------------------------------------

    pub async fn insert_router(
        &self,
        region: &str,
        name: &str,
        network: &str,
        asn: u32,
    ) -> Result<(), GcpError> {
        let network = self.reference(Scope::Global, "networks", network)?;
        let body = json!({ "name": name, "network": network, "bgp": { "asn": asn } });
        let scope = Scope::Region(region);
        self.insert(scope, "routers", name, body, None).await
    }

    pub async fn get_router(&self, region: &str, name: &str) -> Result<Option<Router>, GcpError> {
        let found = self.get(Scope::Region(region), &["routers", name]).await?;
        Ok(found.as_ref().map(read_router))
    }

    pub async fn list_routers(&self, region: &str) -> Result<Vec<Router>, GcpError> {
        let all = self.list(Scope::Region(region), "routers", None).await?;
        Ok(all.iter().map(read_router).collect())
    }

    /// Replaces the router's `interfaces` and `bgpPeers` with exactly these lists (empty lists
    /// clear them); `bgp` (the ASN) is left alone, as PATCH is a JSON merge patch.
    pub async fn put_router_peers(
        &self,
        region: &str,
        name: &str,
        interfaces: Vec<RouterInterface>,
        peers: Vec<BgpPeer>,
    ) -> Result<(), GcpError> {
        let scope = Scope::Region(region);
        let body = self.router_peers_body(scope, &interfaces, &peers)?;
        let segs = ["routers", name];
        let op = self.submit(Method::PATCH, scope, &segs, Some(&body)).await;
        self.wait(scope, op.result?, &format!("patch routers/{name}"))
            .await
    }

    fn router_peers_body(
        &self,
        scope: Scope<'_>,
        interfaces: &[RouterInterface],
        peers: &[BgpPeer],
    ) -> Result<Value, GcpError> {
        let mut ifaces = Vec::new();
        for i in interfaces {
            let mut v = json!({ "name": i.name, "ipRange": i.ip_range });
            if !i.linked_vpn_tunnel.is_empty() {
                let link = self.reference(scope, "vpnTunnels", &i.linked_vpn_tunnel)?;
                v["linkedVpnTunnel"] = link.into();
            }
            ifaces.push(v);
        }
        let peers: Vec<Value> = peers
            .iter()
            .map(|p| {
                let mut v = json!({
                    "name": p.name,
                    "interfaceName": p.interface_name,
                    "ipAddress": p.ip_address,
                    "peerIpAddress": p.peer_ip_address,
                    "peerAsn": p.peer_asn,
                    "advertiseMode": "DEFAULT",
                });
                if let Some(priority) = p.advertised_route_priority {
                    v["advertisedRoutePriority"] = priority.into();
                }
                if !p.advertised_ip_ranges.is_empty() {
                    v["advertiseMode"] = "CUSTOM".into();
                    let ranges = p.advertised_ip_ranges.iter();
                    v["advertisedIpRanges"] = ranges.map(|r| json!({ "range": r })).collect();
                }
                v
            })
            .collect();
        Ok(json!({ "interfaces": ifaces, "bgpPeers": peers }))
    }

    pub async fn delete_router(&self, region: &str, name: &str) -> Result<(), GcpError> {
        self.delete(Scope::Region(region), "routers", name).await
    }

    // -- external (peer) VPN gateways --------------------------------------------------------

    pub async fn insert_external_gateway(
        &self,
        name: &str,
        ips: &[String],
        description: &str,
    ) -> Result<(), GcpError> {
        let body = external_gateway_body(name, ips, description)?;
        let kind = "externalVpnGateways";
        self.insert(Scope::Global, kind, name, body, Some(description))
            .await
    }

    pub async fn get_external_gateway(
        &self,
        name: &str,
    ) -> Result<Option<ExternalGateway>, GcpError> {
        let found = self
            .get(Scope::Global, &["externalVpnGateways", name])
            .await?;
        Ok(found.as_ref().map(read_external))
    }

    pub async fn delete_external_gateway(&self, name: &str) -> Result<(), GcpError> {
        self.delete(Scope::Global, "externalVpnGateways", name)
            .await
    }

    // -- VPN tunnels -------------------------------------------------------------------------

    pub async fn insert_vpn_tunnel(&self, region: &str, t: &NewTunnel) -> Result<(), GcpError> {
        let scope = Scope::Region(region);
        let peer = &t.peer_external_gateway;
        let body = json!({
            "name": t.name,
            "description": t.description,
            "vpnGateway": self.reference(scope, "vpnGateways", &t.vpn_gateway)?,
            "vpnGatewayInterface": t.vpn_gateway_interface,
            "peerExternalGateway": self.reference(Scope::Global, "externalVpnGateways", peer)?,
            "peerExternalGatewayInterface": t.peer_external_gateway_interface,
            "sharedSecret": t.shared_secret,
            "ikeVersion": t.ike_version,
            "router": self.reference(scope, "routers", &t.router)?,
        });
        let result = self.insert(scope, "vpnTunnels", &t.name, body, Some(&t.description));
        // Compute quotes invalid values in some error messages; never pass the secret on.
        result.await.map_err(|mut e| {
            if !t.shared_secret.is_empty() {
                e.message = e.message.replace(&t.shared_secret, "<redacted>");
            }
            e
        })
    }

    pub async fn get_vpn_tunnel(
        &self,
        region: &str,
        name: &str,
    ) -> Result<Option<VpnTunnel>, GcpError> {
        let found = self
            .get(Scope::Region(region), &["vpnTunnels", name])
            .await?;
        Ok(found.as_ref().map(read_tunnel))
    }

    pub async fn list_vpn_tunnels(&self, region: &str) -> Result<Vec<VpnTunnel>, GcpError> {
        let all = self.list(Scope::Region(region), "vpnTunnels", None).await?;
        Ok(all.iter().map(read_tunnel).collect())
    }

    pub async fn delete_vpn_tunnel(&self, region: &str, name: &str) -> Result<(), GcpError> {
        self.delete(Scope::Region(region), "vpnTunnels", name).await
    }

    // -- URLs --------------------------------------------------------------------------------

    /// `{base}/projects/{project}/{global | regions/R}/{segs...}`, each segment percent-encoded.
    fn url(&self, scope: Scope<'_>, segs: &[&str]) -> Result<Url, GcpError> {
        let region = match scope {
            Scope::Global => None,
            Scope::Region(r) => Some(r),
        };
        // An empty or dot segment would address another method (GET .../routers/ lists).
        let mut all = region.iter().chain(segs);
        if let Some(bad) = all.find(|s| s.is_empty() || **s == "." || **s == "..") {
            return Err(invalid(format!("invalid GCP name or region {bad:?}")));
        }
        let mut url = self.base.clone();
        let mut path = url
            .path_segments_mut()
            .map_err(|_| invalid("bad GCP endpoint"))?;
        path.pop_if_empty().extend(["projects", &self.project]);
        match region {
            None => path.push("global"),
            Some(r) => path.extend(["regions", r]),
        };
        path.extend(segs);
        drop(path);
        Ok(url)
    }

    /// A reference field's value: links and partial paths as given, names as full links.
    fn reference(
        &self,
        scope: Scope<'_>,
        collection: &str,
        value: &str,
    ) -> Result<String, GcpError> {
        if value.contains('/') {
            return Ok(value.to_string());
        }
        Ok(self.url(scope, &[collection, value])?.to_string())
    }

    // -- verbs -------------------------------------------------------------------------------

    async fn get(&self, scope: Scope<'_>, segs: &[&str]) -> Result<Option<Value>, GcpError> {
        let url = self.url(scope, segs)?;
        match self.fetch(&url).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn fetch(&self, url: &Url) -> Result<Value, GcpError> {
        let budget = self.http.budget();
        self.call(Request::new(Method::GET, url), &budget)
            .await
            .result
    }

    async fn list(
        &self,
        scope: Scope<'_>,
        collection: &str,
        filter: Option<&str>,
    ) -> Result<Vec<Value>, GcpError> {
        let mut out = Vec::new();
        let mut token = String::new();
        loop {
            let mut url = self.url(scope, &[collection])?;
            if let Some(f) = filter {
                url.query_pairs_mut().append_pair("filter", f);
            }
            if !token.is_empty() {
                url.query_pairs_mut().append_pair("pageToken", &token);
            }
            let mut page = self.fetch(&url).await?;
            if let Some(Value::Array(found)) = page.get_mut("items").map(Value::take) {
                out.extend(found);
            }
            // A repeated token would loop forever: treat it as the end, like an absent one.
            match text(&page, "nextPageToken") {
                next if next.is_empty() || next == token => return Ok(out),
                next => token = next,
            }
        }
    }

    /// Sends a mutation with a fresh `requestId` shared by all its retries.
    async fn submit(
        &self,
        method: Method,
        scope: Scope<'_>,
        segs: &[&str],
        body: Option<&Value>,
    ) -> Call {
        let mut url = match self.url(scope, segs) {
            Ok(u) => u,
            Err(e) => {
                return Call {
                    result: Err(e),
                    ambiguous: false,
                };
            }
        };
        url.query_pairs_mut()
            .append_pair("requestId", &request_id());
        // The requestId makes every attempt the same request: safe to replay.
        let mut req = Request::new(method, &url).idempotent();
        if let Some(body) = body {
            req = req.json(body);
        }
        self.call(req, &self.http.budget()).await
    }

    async fn insert(
        &self,
        scope: Scope<'_>,
        collection: &str,
        name: &str,
        body: Value,
        description: Option<&str>,
    ) -> Result<(), GcpError> {
        let label = format!("insert {collection}/{name}");
        let call = self
            .submit(Method::POST, scope, &[collection], Some(&body))
            .await;
        match call.result {
            Ok(op) => self.wait(scope, op, &label).await,
            Err(e) if call.ambiguous && e.status == Some(409) => {
                tracing::info!("GCP {label}: exists after an ambiguous attempt; adopting it");
                self.adopt(scope, collection, name, &label).await?;
                // Where the caller set a description (a fixed marker), it must be ours.
                match description {
                    Some(want) => match self.get(scope, &[collection, name]).await? {
                        Some(v) if text(&v, "description") == want => Ok(()),
                        _ => Err(e),
                    },
                    None => Ok(()),
                }
            }
            // No ambiguous attempt in this call, but the name is held by an insert that has not
            // finished: one an earlier provider process sent before it was killed (GET says 404
            // and insert 409 until that operation is DONE; callers read the name before they
            // insert). It is ours as above; an object that exists in full stays a conflict.
            // tests/e2e/crash.rs kills the provider exactly there.
            Err(e) if e.status == Some(409) && e.reason == "alreadyExists" => {
                if !self.adopt(scope, collection, name, &label).await? {
                    return Err(e);
                }
                tracing::info!("GCP {label}: an earlier process's insert was running; adopted it");
                match description {
                    Some(want) => match self.get(scope, &[collection, name]).await? {
                        Some(v) if text(&v, "description") == want => Ok(()),
                        _ => Err(e),
                    },
                    None => Ok(()),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Waits for any unfinished insert operation on the object, so that an object adopted after
    /// a 409 is readable on return (and its insert's error, if any, is reported). Whether there
    /// was one.
    async fn adopt(
        &self,
        scope: Scope<'_>,
        collection: &str,
        name: &str,
        label: &str,
    ) -> Result<bool, GcpError> {
        // targetLink's host is not necessarily our endpoint's, so match the path only (RE2 full
        // match, which Compute's `eq` filter uses).
        let loc = match scope {
            Scope::Global => "global".to_string(),
            Scope::Region(r) => format!("regions/{r}"),
        };
        let path = format!("projects/{}/{loc}/{collection}/{name}", self.project);
        let filter = format!("targetLink eq \".*/{}\"", regex_escape(&path));
        let mut waited = false;
        for op in self.list(scope, "operations", Some(&filter)).await? {
            if text(&op, "operationType") == "insert" && text(&op, "status") != "DONE" {
                self.wait(scope, op, label).await?;
                waited = true;
            }
        }
        Ok(waited)
    }

    async fn delete(&self, scope: Scope<'_>, collection: &str, name: &str) -> Result<(), GcpError> {
        let label = format!("delete {collection}/{name}");
        let call = self
            .submit(Method::DELETE, scope, &[collection, name], None)
            .await;
        match call.result {
            Ok(op) => self.wait(scope, op, &label).await,
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Waits for an operation to reach DONE and returns its error, bounded by the deadline.
    async fn wait(&self, scope: Scope<'_>, op: Value, label: &str) -> Result<(), GcpError> {
        let limit = self.deadline;
        let budget = self.http.budget().with_deadline(limit);
        match self.poll(scope, op, label, &budget).await {
            // Ours (no status), not an API error that happens to use the same reason.
            Err(e) if e.status.is_none() && e.reason == "deadlineExceeded" => Err(GcpError::local(
                "deadlineExceeded",
                format!("gave up waiting for GCP operation {label} after {limit:?}"),
            )),
            other => other,
        }
    }

    async fn poll(
        &self,
        scope: Scope<'_>,
        mut op: Value,
        label: &str,
        budget: &Budget,
    ) -> Result<(), GcpError> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(100);
        loop {
            let status = text(&op, "status");
            if status == "DONE" {
                return operation_result(&op);
            }
            let secs = started.elapsed().as_secs();
            tracing::info!("waiting for GCP operation {label}: {status}, {secs}s");
            let url = self.url(scope, &["operations", &text(&op, "name"), "wait"])?;
            let asked = Instant::now();
            // `wait` changes nothing: safe to replay.
            let req = Request::new(Method::POST, &url).idempotent();
            op = self
                .call(req.timeout(WAIT_REQUEST_TIMEOUT), budget)
                .await
                .result?;
            // `wait` normally blocks until DONE or ~2 minutes; one that answers at once (allowed,
            // and what emulators do) must not turn this loop into a busy poll.
            if text(&op, "status") != "DONE" && asked.elapsed() < Duration::from_secs(1) {
                budget.sleep(pause).await.map_err(stopped)?;
                pause = (pause * 2).min(BACKOFF_CAP);
            }
        }
    }

    // -- transport ---------------------------------------------------------------------------

    /// One logical request through the shared layer, which never logs a body (it may hold
    /// sharedSecret) nor the query (only requestId/filter/pageToken, but the path is what
    /// identifies it).
    async fn call(&self, req: Request<'_>, budget: &Budget) -> Call {
        let outcome = self.http.send(req, budget).await;
        Call {
            result: json_of("GCP", outcome.result),
            ambiguous: outcome.ambiguous,
        }
    }
}

fn external_gateway_body(name: &str, ips: &[String], description: &str) -> Result<Value, GcpError> {
    let redundancy = redundancy_type(ips.len()).ok_or_else(|| {
        invalid(format!(
            "an external VPN gateway needs 1, 2 or 4 IP addresses, got {}",
            ips.len()
        ))
    })?;
    let interfaces: Vec<Value> = ips
        .iter()
        .enumerate()
        .map(|(id, ip)| json!({ "id": id, "ipAddress": ip }))
        .collect();
    Ok(json!({
        "name": name,
        "description": description,
        "redundancyType": redundancy,
        "interfaces": interfaces,
    }))
}

/// A random (version 4) UUID for `requestId`.
fn request_id() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Compute {
        Compute::new(Some("http://127.0.0.1:9/"), "secret-token", "proj-1").unwrap()
    }

    #[test]
    fn urls_are_built_per_scope_and_encoded() {
        let c = Compute::new(None, "t", "p").unwrap();
        let url = c
            .url(Scope::Region("us-east1"), &["vpnGateways", "gw"])
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://compute.googleapis.com/compute/v1/projects/p/regions/us-east1/vpnGateways/gw"
        );
        // A trailing slash or the API path on the endpoint is tolerated.
        for ep in ["http://127.0.0.1:9/", "http://127.0.0.1:9/compute/v1/"] {
            let c = Compute::new(Some(ep), "t", "p").unwrap();
            let url = c
                .url(Scope::Global, &["operations", "op-1", "wait"])
                .unwrap();
            assert_eq!(
                url.as_str(),
                "http://127.0.0.1:9/compute/v1/projects/p/global/operations/op-1/wait"
            );
        }
        let url = client().url(Scope::Global, &["networks", "a/b?c"]).unwrap();
        assert!(
            url.as_str().ends_with("/global/networks/a%2Fb%3Fc"),
            "{url}"
        );
        for bad in ["", ".", ".."] {
            assert_eq!(
                client()
                    .url(Scope::Global, &["networks", bad])
                    .unwrap_err()
                    .reason,
                "invalidArgument"
            );
            assert!(client().url(Scope::Region(bad), &["routers"]).is_err());
        }
    }

    #[test]
    fn references_turn_names_into_links_and_keep_links() {
        let c = client();
        assert_eq!(
            c.reference(Scope::Global, "networks", "vpc-a").unwrap(),
            "http://127.0.0.1:9/compute/v1/projects/proj-1/global/networks/vpc-a"
        );
        let link = "https://www.googleapis.com/compute/v1/projects/x/global/networks/n";
        assert_eq!(c.reference(Scope::Global, "networks", link).unwrap(), link);
        assert_eq!(bare(link), "n");
        assert_eq!(bare("n"), "n");
    }

    #[test]
    fn constructor_rejects_bad_input_and_debug_hides_the_token() {
        assert!(Compute::new(None, "", "p").is_err());
        assert!(Compute::new(None, "a\nb", "p").is_err());
        assert!(Compute::new(None, "t", "").is_err());
        assert!(Compute::new(Some("ftp://x"), "t", "p").is_err());
        let c = client();
        assert_eq!(c.project(), "proj-1");
        assert!(!format!("{c:?}").contains("secret-token"));
        let t = NewTunnel {
            shared_secret: "hunter2".into(),
            ..Default::default()
        };
        assert!(!format!("{t:?}").contains("hunter2"));
    }

    #[test]
    fn google_error_envelope_is_parsed() {
        let body = br#"{"error":{"code":409,"message":"The resource 'x' already exists",
            "errors":[{"domain":"global","reason":"alreadyExists","message":"m"}],
            "status":"ALREADY_EXISTS"}}"#;
        let e = parse_error(409, body);
        assert_eq!(e.reason, "alreadyExists");
        assert_eq!(
            e.to_string(),
            "The resource 'x' already exists (HTTP 409, alreadyExists)"
        );
        assert!(!e.is_retryable() && !e.is_not_found());

        let e = parse_error(
            503,
            br#"{"error":{"code":503,"message":"busy","status":"UNAVAILABLE"}}"#,
        );
        assert_eq!((e.reason.as_str(), e.is_retryable()), ("UNAVAILABLE", true));
        let e = parse_error(
            401,
            br#"{"error":"invalid_token","error_description":"expired"}"#,
        );
        assert_eq!(
            (e.reason.as_str(), e.message.as_str()),
            ("invalid_token", "expired")
        );
        let e = parse_error(502, b"<html>Bad Gateway</html>");
        assert_eq!(
            (e.reason.as_str(), e.message.as_str()),
            ("httpError", "<html>Bad Gateway</html>")
        );
        assert!(parse_error(404, b"").is_not_found());
        assert!(parse_error(404, b"").message.contains("404"));

        assert!(GcpError::local("connectionError", "x").is_retryable());
        assert!(!GcpError::local("cancelled", "x").is_retryable());
        assert_eq!(
            GcpError::local("cancelled", "stop").to_string(),
            "stop (cancelled)"
        );
    }

    #[test]
    fn operation_errors_become_gcp_errors() {
        let op = json!({
            "name": "op-1", "status": "DONE", "httpErrorStatusCode": 403,
            "error": {"errors": [{"code": "QUOTA_EXCEEDED", "message": "Quota exceeded"}]}
        });
        let e = operation_result(&op).unwrap_err();
        assert_eq!(e.to_string(), "Quota exceeded (HTTP 403, QUOTA_EXCEEDED)");
        let e = operation_result(&json!({"name": "op-2", "error": {}})).unwrap_err();
        assert_eq!((e.status, e.reason.as_str()), (None, "operationFailed"));
        assert!(operation_result(&json!({"status": "DONE"})).is_ok());
    }

    #[test]
    fn redundancy_type_follows_ip_count() {
        assert_eq!(redundancy_type(1), Some("SINGLE_IP_INTERNALLY_REDUNDANT"));
        assert_eq!(redundancy_type(2), Some("TWO_IPS_REDUNDANCY"));
        assert_eq!(redundancy_type(4), Some("FOUR_IPS_REDUNDANCY"));
        assert_eq!(redundancy_type(3), None);
        let ips = strings(&["1.1.1.1", "2.2.2.2"]);
        let body = external_gateway_body("peer", &ips, "marker").unwrap();
        assert_eq!(body["redundancyType"], "TWO_IPS_REDUNDANCY");
        assert_eq!(
            body["interfaces"][1],
            json!({"id": 1, "ipAddress": "2.2.2.2"})
        );
        assert_eq!(
            external_gateway_body("p", &[], "").unwrap_err().reason,
            "invalidArgument"
        );
    }

    #[test]
    fn router_peers_round_trip_through_the_wire_form() {
        let c = client();
        let ifaces = vec![RouterInterface {
            name: "if-0".into(),
            ip_range: "169.254.10.2/30".into(),
            linked_vpn_tunnel: "t0".into(),
        }];
        let peers = vec![
            BgpPeer {
                name: "p0".into(),
                interface_name: "if-0".into(),
                ip_address: "169.254.10.2".into(),
                peer_ip_address: "169.254.10.1".into(),
                peer_asn: 64512,
                advertised_route_priority: Some(100),
                advertised_ip_ranges: vec!["10.0.0.0/8".into()],
            },
            BgpPeer {
                name: "p1".into(),
                advertised_route_priority: None,
                advertised_ip_ranges: vec![],
                ..peers_default()
            },
        ];
        let body = c
            .router_peers_body(Scope::Region("r1"), &ifaces, &peers)
            .unwrap();
        assert_eq!(
            body["interfaces"][0]["linkedVpnTunnel"],
            "http://127.0.0.1:9/compute/v1/projects/proj-1/regions/r1/vpnTunnels/t0"
        );
        assert_eq!(body["bgpPeers"][0]["advertiseMode"], "CUSTOM");
        assert_eq!(
            body["bgpPeers"][0]["advertisedIpRanges"],
            json!([{"range": "10.0.0.0/8"}])
        );
        assert_eq!(body["bgpPeers"][1]["advertiseMode"], "DEFAULT");
        assert!(body["bgpPeers"][1].get("advertisedRoutePriority").is_none());
        assert!(body.get("bgp").is_none(), "the ASN must be left alone");

        // What the API returns (full links, extra fields) reads back equal to what was sent.
        let mut wire = body.clone();
        wire["name"] = "rtr".into();
        wire["network"] = "https://x/compute/v1/projects/p/global/networks/vpc-a".into();
        wire["bgp"] = json!({"asn": 64514, "advertiseMode": "DEFAULT"});
        wire["bgpPeers"][1]["advertisedIpRanges"] = json!([{"range": "stale/32"}]);
        let router = read_router(&wire);
        assert_eq!((router.network.as_str(), router.asn), ("vpc-a", 64514));
        assert_eq!(router.interfaces, ifaces);
        assert_eq!(router.peers, peers);
    }

    fn peers_default() -> BgpPeer {
        BgpPeer {
            name: String::new(),
            interface_name: "if-1".into(),
            ip_address: "169.254.11.2".into(),
            peer_ip_address: "169.254.11.1".into(),
            peer_asn: 65000,
            advertised_route_priority: None,
            advertised_ip_ranges: vec![],
        }
    }

    #[test]
    fn tunnels_and_gateways_read_back_compare_friendly() {
        let t = read_tunnel(&json!({
            "name": "t0", "selfLink": "s", "status": "ESTABLISHED", "sharedSecretHash": "h",
            "router": "https://x/projects/p/regions/r/routers/rtr", "vpnGatewayInterface": 1,
            "peerExternalGatewayInterface": "3"
        }));
        assert_eq!((t.router.as_str(), t.ike_version), ("rtr", 2));
        assert_eq!(
            (t.vpn_gateway_interface, t.peer_external_gateway_interface),
            (1, Some(3))
        );
        let gw = read_gateway(&json!({
            "network": "projects/p/global/networks/n",
            "vpnInterfaces": [{"id": 1, "ipAddress": "b"}, {"id": 0, "ipAddress": "a"}]
        }));
        assert_eq!(
            (gw.network.as_str(), gw.interface_ips),
            ("n", strings(&["a", "b"]))
        );
        let ext = read_external(&json!({"redundancyType": "TWO_IPS_REDUNDANCY",
            "interfaces": [{"id": 1, "ipAddress": "d"}, {"ipAddress": "c"}]}));
        assert_eq!(ext.ips, strings(&["c", "d"]));
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn backoff_grows_within_bounds_and_request_ids_are_uuids() {
        for attempt in 1..10 {
            let step = (BACKOFF_BASE * (1 << (attempt - 1))).min(BACKOFF_CAP);
            let d = RETRY.backoff(attempt);
            assert!(d >= step / 2 && d <= step, "attempt {attempt}: {d:?}");
        }
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert!("89ab".contains(id.chars().nth(19).unwrap()));
        assert_ne!(id, request_id());
        assert_eq!(regex_escape("projects/a.b:c/x"), "projects/a\\.b:c/x");
    }
}
