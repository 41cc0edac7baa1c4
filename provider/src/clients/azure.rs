//! Azure Resource Manager client for the Microsoft.Network VPN objects (api-version 2024-05-01):
//! public IPs, active-active BGP virtual network gateways, local network gateways, connections.
//!
//! Every PUT and DELETE waits for its long-running operation (LRO), following
//! `Azure-AsyncOperation`, else `Location`, else `provisioningState`, as ARM documents in
//! <https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations>.
//! Requests go through the shared layer ([`crate::clients::http`]: backoff with jitter,
//! `Retry-After`, cancellation); this client tells it that 429, 5xx and 409
//! `AnotherOperationInProgress` are worth another attempt, transport errors being retried there.
//! ARM PUT and DELETE are idempotent, so replaying them is safe. Operation polls wait as long as
//! Azure asks: `retry-after-ms` / `x-ms-retry-after-ms` as given (Azure's own SDKs read these
//! first), else `Retry-After` but no less than the poll interval. The bearer token and shared keys
//! never appear in logs, errors or `Debug` output, which is why bodies are never logged.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::clients::auth::Credentials;
use crate::clients::http::{self, Failure, Http, RetryPolicy, Stop};

pub const DEFAULT_ENDPOINT: &str = "https://management.azure.com";
pub const API_VERSION: &str = "2024-05-01";
const BACKOFF_BASE: Duration = Duration::from_millis(200);
const BACKOFF_CAP: Duration = Duration::from_secs(10);
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300); // a bogus header cannot stall us
const RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 6,
    base_delay: BACKOFF_BASE,
    max_delay: BACKOFF_CAP,
    max_retry_after: MAX_RETRY_AFTER,
};
const DEFAULT_DEADLINE: Duration = Duration::from_secs(3600); // gateways take 30-45 minutes
const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1); // ARM read quotas
/// IP configuration names of the two halves of an active-active gateway (index 0 and 1).
const IP_CONFIGS: [&str; 2] = ["default", "activeActive"];
const CONFLICT: &str = "AnotherOperationInProgress";
const PIP: &str = "publicIPAddresses";
const VGW: &str = "virtualNetworkGateways";
const LGW: &str = "localNetworkGateways";
const CONN: &str = "connections";

type Res<T> = Result<T, AzureError>;

// --- Errors ----------------------------------------------------------------------------------
/// An ARM error (`status` set, `code`/`message` from the CloudError) or a client-side one
/// (`status` None; "ConnectionError", "RequestTimeout", "Timeout" (LRO deadline), "Canceled",
/// "OperationFailed", "InvalidResponse", "InvalidArgument", or a failed LRO's own code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AzureError {
    pub status: Option<u16>,
    pub code: String,
    pub message: String,
}

fn err(code: &str, message: impl Into<String>) -> AzureError {
    let (code, message) = (code.to_string(), message.into());
    AzureError {
        status: None,
        code,
        message,
    }
}

fn invalid(message: String) -> AzureError {
    err("InvalidArgument", message)
}

impl AzureError {
    /// 404 covers ResourceGroupNotFound too: either way the object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }

    /// Whether the same request may succeed if sent again later.
    pub fn is_retryable(&self) -> bool {
        let transport = ["ConnectionError", "RequestTimeout"].contains(&self.code.as_str());
        matches!(self.status, Some(429 | 500 | 502 | 503 | 504))
            || self.code == CONFLICT
            || (self.status.is_none() && transport)
    }

    /// Parse an ARM CloudError `{"error": {code, message, details}}`. The top-level message is
    /// often generic ("Cannot parse the request."), so detail messages are appended.
    fn from_response(status: u16, body: &[u8]) -> AzureError {
        let v: Value = serde_json::from_slice(body).unwrap_or_default();
        let e = Some(&v["error"]).filter(|e| e.is_object()).unwrap_or(&v);
        let reason = StatusCode::from_u16(status).map(|s| s.canonical_reason());
        let reason = reason.ok().flatten().unwrap_or("HttpError");
        let code = match e["code"].as_str() {
            Some(c) if !c.is_empty() => c.to_string(),
            _ => reason.replace(' ', ""),
        };
        // Not a CloudError (a proxy's HTML page, an empty body): keep a short snippet.
        let text = String::from_utf8_lossy(body);
        let snippet: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut message = match e["message"].as_str() {
            Some(m) if !m.is_empty() => m.to_string(),
            _ if snippet.is_empty() => format!("Azure answered HTTP {status}"),
            _ => snippet.chars().take(200).collect(),
        };
        let details: Vec<String> = items(e, "/details")
            .map(|d| pair(d, "/code", "/message"))
            .map(|(c, m)| format!("{c}: {m}"))
            .collect();
        if !details.is_empty() {
            message = format!("{message} [{}]", details.join("; "));
        }
        let mut error = err(&code, message);
        error.status = Some(status);
        error
    }
}

impl fmt::Display for AzureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(s) => write!(f, "{} (HTTP {s}, {})", self.message, self.code),
            None => write!(f, "{} ({})", self.message, self.code),
        }
    }
}

impl std::error::Error for AzureError {}

/// Which ARM answers are worth sending again, and how long Azure asks to wait.
#[derive(Clone, Copy, Debug)]
struct Policy;

impl http::Classify for Policy {
    fn retryable(&self, status: u16, body: &[u8]) -> bool {
        AzureError::from_response(status, body).is_retryable()
    }

    /// Throttled, or refused while another operation runs: either way not applied.
    fn refused(&self, status: u16, body: &[u8]) -> bool {
        status == 429 || AzureError::from_response(status, body).code == CONFLICT
    }

    fn retry_after(&self, headers: &HeaderMap) -> Option<Duration> {
        millis_wait(headers).or_else(|| http::retry_after(headers))
    }
}

// --- Model -----------------------------------------------------------------------------------
#[derive(Clone, Debug, PartialEq)]
pub struct PublicIp {
    pub id: String,
    pub name: String,
    pub ip_address: Option<String>, // allocated when the create operation finishes
}

/// An active-active, BGP-enabled, route-based VPN gateway to create or replace.
#[derive(Clone, Debug, PartialEq)]
pub struct NewVnetGateway {
    pub location: String,
    pub sku: String, // e.g. "VpnGw1AZ" (AZ SKUs need zonal public IPs)
    pub gateway_subnet_id: String,
    pub public_ip_ids: [String; 2], // of the "default" and "activeActive" IP configurations
    pub asn: u32,
    pub custom_apipa: [Vec<String>; 2], // 169.254.21.0 - 169.254.22.255, per IP configuration
}

#[derive(Clone, Debug, PartialEq)]
pub struct VnetGateway {
    pub id: String,
    pub name: String,
    pub location: String,
    pub sku: String,
    pub provisioning_state: String,
    pub asn: u32,
    pub ip_configs: Vec<GatewayIpConfig>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GatewayIpConfig {
    pub id: String,
    pub name: String,
    pub public_ip_id: String,
    pub subnet_id: String,
    pub default_bgp_ips: Vec<String>,
    pub custom_apipa: Vec<String>,
    pub tunnel_ips: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LocalGateway {
    pub id: String,
    pub name: String,
    pub ip: String, // "" for an FQDN-based local gateway
    pub asn: u32,   // 0 without BGP settings
    pub bgp_peering_address: String,
}

/// An IPsec site-to-site connection to create or replace. `Debug` redacts the shared key.
#[derive(Clone, PartialEq)]
pub struct NewConnection {
    pub location: String,
    pub gateway_id: String,
    pub local_gateway_id: String,
    pub shared_key: String,
    pub ike_v2: bool,
    pub enable_bgp: bool,
    pub custom_bgp: Vec<(String, String)>, // (gateway IP configuration id, APIPA address)
}

impl fmt::Debug for NewConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewConnection")
            .field("location", &self.location)
            .field("gateway_id", &self.gateway_id)
            .field("local_gateway_id", &self.local_gateway_id)
            .field("shared_key", &"<redacted>")
            .field("ike_v2", &self.ike_v2)
            .field("enable_bgp", &self.enable_bgp)
            .field("custom_bgp", &self.custom_bgp)
            .finish()
    }
}

/// A connection as read back. The shared key is deliberately not part of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Connection {
    pub id: String,
    pub name: String,
    pub gateway_id: String,
    pub local_gateway_id: String, // "" for VNet-to-VNet and ExpressRoute connections
    pub status: String,           // connectionStatus: Unknown|Connecting|Connected|NotConnected
    pub enable_bgp: bool,
    pub custom_bgp: Vec<(String, String)>,
    /// connectionProtocol is IKEv2 (Azure's default when absent).
    pub ike_v2: bool,
}

// --- Client ----------------------------------------------------------------------------------
#[derive(Clone)]
pub struct Network {
    /// Holds the token and the cancellation.
    http: Http<Policy>,
    base: Url,
    subscription: String,
    deadline: Duration,
    poll_interval: Duration,
}

/// Never shows the token.
impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoint = self.base.as_str();
        write!(f, "Network {{ endpoint: {endpoint:?}, token: <redacted> }}")
    }
}

/// A successful (2xx) answer.
struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

/// How a long-running operation is followed, best first.
#[derive(Clone, Copy, PartialEq)]
enum Poll {
    AsyncOperation,
    Location,
    Resource,
}

impl Network {
    pub fn new(endpoint: Option<&str>, access_token: &str, subscription_id: &str) -> Res<Network> {
        let token = access_token.trim();
        // A line break in the token would otherwise surface later as an opaque builder error.
        if token.is_empty() || token.contains(|c: char| c.is_control() || c == ' ') {
            return Err(invalid("empty or malformed Azure access token".into()));
        }
        let auth = Credentials::fixed(token, "Azure access token");
        Network::with_credentials(endpoint, auth, subscription_id)
    }

    /// [`Network::new`] with tokens from `auth`, asked for at every request (so a gateway build
    /// that outlasts a token gets the next one).
    pub fn with_credentials(
        endpoint: Option<&str>,
        auth: Credentials,
        subscription_id: &str,
    ) -> Res<Network> {
        let sub = subscription_id.trim();
        if sub.is_empty() || sub.contains(|c: char| !c.is_ascii_alphanumeric() && c != '-') {
            return Err(invalid(format!("invalid Azure subscription id {sub:?}")));
        }
        let endpoint = endpoint.unwrap_or(DEFAULT_ENDPOINT).trim();
        let base = Url::parse(endpoint).ok().filter(|u| u.has_authority());
        let base = base.ok_or_else(|| invalid(format!("invalid Azure endpoint {endpoint:?}")))?;
        // ARM does not redirect; refusing keeps the token from following one anywhere.
        let http = Http::new("Azure", auth, Policy, false)
            .map_err(|e| invalid(format!("cannot create the HTTP client: {e}")))?
            .with_retry(RETRY);
        Ok(Network {
            http,
            base,
            subscription: sub.to_string(),
            deadline: DEFAULT_DEADLINE,
            poll_interval: DEFAULT_POLL_INTERVAL,
        })
    }

    /// Stop requests, backoff and LRO waits when Terraform cancels (error code "Canceled").
    pub fn with_cancel(mut self, cancel: CancellationToken) -> Network {
        self.http = self.http.with_cancel(cancel);
        self
    }

    /// Bound on each LRO wait (default 60 minutes).
    pub fn with_deadline(mut self, d: Duration) -> Network {
        self.deadline = d;
        self
    }

    /// Shortest sleep between LRO polls when Azure's wait is in whole seconds (default 1 s); when
    /// Azure says nothing we wait ten times this.
    pub fn with_poll_interval(mut self, d: Duration) -> Network {
        self.poll_interval = d;
        self
    }

    pub async fn put_public_ip(
        &self,
        rg: &str,
        name: &str,
        location: &str,
        zones: &[String],
    ) -> Res<PublicIp> {
        let path = self.path(rg, PIP, name)?;
        let v = self.put(&path, &public_ip_body(location, zones)).await?;
        Ok(parse_public_ip(&v))
    }

    pub async fn get_public_ip(&self, rg: &str, name: &str) -> Res<Option<PublicIp>> {
        self.get(self.path(rg, PIP, name)?, parse_public_ip).await
    }

    pub async fn delete_public_ip(&self, rg: &str, name: &str) -> Res<()> {
        self.delete(self.path(rg, PIP, name)?).await
    }

    pub async fn put_vnet_gateway(
        &self,
        rg: &str,
        name: &str,
        g: &NewVnetGateway,
    ) -> Res<VnetGateway> {
        let path = self.path(rg, VGW, name)?;
        let v = self.put(&path, &gateway_body(&path, g)).await?;
        Ok(parse_gateway(&v))
    }

    pub async fn get_vnet_gateway(&self, rg: &str, name: &str) -> Res<Option<VnetGateway>> {
        self.get(self.path(rg, VGW, name)?, parse_gateway).await
    }

    /// Replace the custom APIPA addresses of both IP configurations (index 0 = "default",
    /// 1 = "activeActive") by a read-modify-write of the whole gateway: ARM has no narrower
    /// call. A gateway busy with another operation (a connection being added) would answer 409
    /// for its whole duration, so we wait for it to settle before reading what to send back.
    pub async fn set_gateway_custom_apipa(
        &self,
        rg: &str,
        name: &str,
        custom_apipa: [Vec<String>; 2],
    ) -> Res<VnetGateway> {
        self.set_gateway_custom_apipa_tagged(rg, name, custom_apipa, None)
            .await
    }

    /// Like [`Network::set_gateway_custom_apipa`], also setting (`Some`) or removing (`None`) one
    /// tag of the gateway in the same write, e.g. to record who holds which address.
    pub async fn set_gateway_custom_apipa_tagged(
        &self,
        rg: &str,
        name: &str,
        custom_apipa: [Vec<String>; 2],
        tag: Option<(&str, Option<&str>)>,
    ) -> Res<VnetGateway> {
        let path = self.path(rg, VGW, name)?;
        let current = self.settled(&path).await?;
        let mut body = with_custom_apipa(current.body, &custom_apipa)?;
        if let Some((key, value)) = tag {
            with_tag(&mut body, key, value);
        }
        Ok(parse_gateway(&self.put(&path, &body).await?))
    }

    /// The resource once no operation runs on it (ARM answers 409 to any change meanwhile).
    async fn settled(&self, path: &str) -> Res<Reply> {
        let current = self.call(Method::GET, path, None).await?;
        let state = provisioning_state(&current.body);
        if matches!(state, "" | "Succeeded") || is_failed(state) {
            return Ok(current);
        }
        self.wait(path, &current, false).await?;
        self.call(Method::GET, path, None).await
    }

    /// Deletes the gateway, first letting an operation still running on it (an interrupted
    /// create, say) finish, since ARM refuses the delete until then.
    pub async fn delete_vnet_gateway(&self, rg: &str, name: &str) -> Res<()> {
        let path = self.path(rg, VGW, name)?;
        match self.settled(&path).await {
            Err(e) if e.is_not_found() => return Ok(()),
            other => other?,
        };
        self.delete(path).await
    }

    pub async fn put_local_gateway(
        &self,
        rg: &str,
        name: &str,
        location: &str,
        ip: &str,
        asn: u32,
        bgp_peering_address: &str,
    ) -> Res<LocalGateway> {
        let path = self.path(rg, LGW, name)?;
        let body = local_gateway_body(location, ip, asn, bgp_peering_address);
        Ok(parse_local(&self.put(&path, &body).await?))
    }

    pub async fn get_local_gateway(&self, rg: &str, name: &str) -> Res<Option<LocalGateway>> {
        self.get(self.path(rg, LGW, name)?, parse_local).await
    }

    pub async fn delete_local_gateway(&self, rg: &str, name: &str) -> Res<()> {
        self.delete(self.path(rg, LGW, name)?).await
    }

    pub async fn put_connection(&self, rg: &str, name: &str, c: &NewConnection) -> Res<Connection> {
        let path = self.path(rg, CONN, name)?;
        let v = self.put(&path, &connection_body(c)).await?;
        Ok(parse_connection(&v))
    }

    pub async fn get_connection(&self, rg: &str, name: &str) -> Res<Option<Connection>> {
        self.get(self.path(rg, CONN, name)?, parse_connection).await
    }

    /// The shared key of a connection (its own sub-resource: a connection's GET omits it). For
    /// import only; it is never logged (requests log their path and status, not bodies).
    pub async fn get_shared_key(&self, rg: &str, name: &str) -> Res<Option<String>> {
        let path = format!("{}/sharedkey", self.path(rg, CONN, name)?);
        let key = self.get(path, |v| text(v, "/value")).await?;
        Ok(key.filter(|k| !k.is_empty()))
    }

    /// All connections of a resource group, following `nextLink` pages.
    pub async fn list_connections(&self, rg: &str) -> Res<Vec<Connection>> {
        self.list(rg, CONN, parse_connection).await
    }

    /// Every virtual network gateway of the resource group, in one paged list.
    pub async fn list_vnet_gateways(&self, rg: &str) -> Res<Vec<VnetGateway>> {
        self.list(rg, VGW, parse_gateway).await
    }

    /// Every public IP of the resource group, in one paged list.
    pub async fn list_public_ips(&self, rg: &str) -> Res<Vec<PublicIp>> {
        self.list(rg, PIP, parse_public_ip).await
    }

    /// All pages of a resource group's list of `kind`, following `nextLink` (a link that repeats
    /// the page just read ends the walk rather than looping).
    async fn list<T>(&self, rg: &str, kind: &str, parse: fn(&Value) -> T) -> Res<Vec<T>> {
        let mut next = Some(format!("{}/{kind}", self.scope(rg)?));
        let mut out = Vec::new();
        while let Some(url) = next.take() {
            let page = self.call(Method::GET, &url, None).await?.body;
            out.extend(items(&page, "/value").map(parse));
            let link = page["nextLink"].as_str().filter(|l| !l.is_empty());
            next = link.filter(|l| *l != url).map(Into::into);
        }
        Ok(out)
    }

    pub async fn delete_connection(&self, rg: &str, name: &str) -> Res<()> {
        self.delete(self.path(rg, CONN, name)?).await
    }

    fn scope(&self, rg: &str) -> Res<String> {
        let (sub, rg, p) = (&self.subscription, name(rg)?, "providers/Microsoft.Network");
        Ok(format!("/subscriptions/{sub}/resourceGroups/{rg}/{p}"))
    }

    fn path(&self, rg: &str, kind: &str, name_: &str) -> Res<String> {
        Ok(format!("{}/{kind}/{}", self.scope(rg)?, name(name_)?))
    }

    async fn get<T>(&self, path: String, parse: fn(&Value) -> T) -> Res<Option<T>> {
        match self.call(Method::GET, &path, None).await {
            Ok(r) => Ok(Some(parse(&r.body))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// PUT, wait for the operation, then read the resource: ARM documents that final GET as
    /// the result of a PUT, whichever URL the operation was followed on.
    async fn put(&self, path: &str, body: &Value) -> Res<Value> {
        let reply = self.call(Method::PUT, path, Some(body)).await?;
        self.wait(path, &reply, false).await?;
        let v = self.call(Method::GET, path, None).await?.body;
        match provisioning_state(&v) {
            s if is_failed(s) => Err(provisioning_failed(what(path), s)),
            _ => Ok(v),
        }
    }

    /// DELETE and wait; a resource that is already gone (404, 204) is fine.
    async fn delete(&self, path: String) -> Res<()> {
        let reply = match self.call(Method::DELETE, &path, None).await {
            Err(e) if e.is_not_found() => return Ok(()),
            other => other?,
        };
        self.wait(&path, &reply, true).await
    }

    /// Wait for the long-running operation that `first` (the PUT/DELETE answer) started.
    /// Azure-AsyncOperation first: it reports Failed/Canceled with the error, where Location
    /// only keeps answering 202; with neither, the resource's provisioningState.
    async fn wait(&self, path: &str, first: &Reply, deleting: bool) -> Res<()> {
        let what = what(path);
        let h = |name| header(&first.headers, name);
        let (poll, mut url) = match (h("azure-asyncoperation"), h("location")) {
            (Some(u), _) => (Poll::AsyncOperation, u),
            (None, Some(u)) => (Poll::Location, u),
            (None, None) => (Poll::Resource, path.to_string()),
        };
        // A synchronous answer (DELETE 200/204, PUT without operation headers) may be final.
        let put_done = matches!(provisioning_state(&first.body), "" | "Succeeded");
        if deleting && first.status != 202 || !deleting && poll == Poll::Resource && put_done {
            return Ok(());
        }
        let (started, mut delay) = (Instant::now(), self.poll_delay(&first.headers));
        let budget = self.http.budget().with_deadline(self.deadline);
        let mut state = "InProgress".to_string();
        loop {
            if budget.expired() {
                let (e, d) = (fmt_elapsed(started.elapsed()), fmt_elapsed(self.deadline));
                let m = format!("Azure {what}: still {state} after {e} (deadline {d})");
                return Err(err("Timeout", m + "; it may yet complete in Azure"));
            }
            // The deadline cuts the sleep short; one last poll then says how far it got.
            if let Err(Stop::Cancelled) = budget.sleep(delay).await {
                return Err(stopped(Stop::Cancelled));
            }
            let reply = match self.call(Method::GET, &url, None).await {
                Err(e) if e.is_not_found() && deleting && poll == Poll::Resource => return Ok(()),
                other => other?,
            };
            delay = self.poll_delay(&reply.headers);
            let s = match poll {
                Poll::AsyncOperation => reply.body["status"].as_str().unwrap_or("InProgress"),
                // 202 while running (possibly moving to a new Location), 200/201/204 when done.
                Poll::Location if reply.status == 202 => "InProgress",
                Poll::Location => "Succeeded",
                Poll::Resource => match provisioning_state(&reply.body) {
                    s if is_failed(s) => s,
                    _ if deleting => "Deleting", // still readable: not deleted yet
                    "" => "Succeeded",
                    s => s,
                },
            };
            if is_failed(s) && poll == Poll::AsyncOperation {
                return Err(operation_failed(what, s, &reply.body["error"]));
            } else if is_failed(s) {
                return Err(provisioning_failed(what, s));
            }
            if poll == Poll::Location && reply.status == 202 {
                url = header(&reply.headers, "location").unwrap_or(url);
            }
            state = s.to_string();
            let elapsed = fmt_elapsed(started.elapsed());
            tracing::info!("Azure {what}: {state}, {elapsed} elapsed");
            if state.eq_ignore_ascii_case("Succeeded") {
                return Ok(());
            }
        }
    }

    /// Sleep before the next poll. A wait in milliseconds is a precise request and is honoured
    /// as given; `Retry-After` counts whole seconds ("0" is anything under one), so its wait is
    /// never shorter than the poll interval, which keeps us within ARM's read quotas.
    fn poll_delay(&self, headers: &HeaderMap) -> Duration {
        if let Some(asked) = millis_wait(headers) {
            return asked.min(MAX_RETRY_AFTER);
        }
        let asked = http::retry_after(headers).map(|d| d.min(MAX_RETRY_AFTER));
        asked
            .unwrap_or(self.poll_interval * 10)
            .max(self.poll_interval)
    }

    /// One request, retried by the shared layer. `target` is an ARM path (the api-version is
    /// added) or an absolute URL Azure gave us (operation URLs, nextLink), which carries its own
    /// api-version.
    async fn call(&self, method: Method, target: &str, body: Option<&Value>) -> Res<Reply> {
        let url = self.url(target)?;
        let path = url.path();
        let mut request = http::Request::new(method.clone(), &url);
        if let Some(body) = body {
            request = request.json(body);
        }
        match self.http.send(request, &self.http.budget()).await.result {
            Ok(reply) => {
                let body = match reply.body.is_empty() {
                    true => Ok(Value::Null),
                    false => serde_json::from_slice(&reply.body),
                };
                let bad = |e| err("InvalidResponse", format!("{method} {path}: not JSON: {e}"));
                Ok(Reply {
                    status: reply.status,
                    headers: reply.headers,
                    body: body.map_err(bad)?,
                })
            }
            Err(Failure::Status(reply)) => {
                Err(AzureError::from_response(reply.status, &reply.body))
            }
            Err(Failure::Transport(e)) => Err(transport_error(&method, path, &e)),
            Err(Failure::Stopped(stop)) => Err(stopped(stop)),
            // Said as ARM says a request without a usable token, with why there is none.
            Err(Failure::Auth(e)) => Err(err(
                "AuthenticationFailed",
                format!("no Azure access token: {e}"),
            )),
        }
    }

    fn url(&self, target: &str) -> Res<Url> {
        if target.starts_with('/') {
            let mut u = self.base.clone();
            u.set_path(&(self.base.path().trim_end_matches('/').to_string() + target));
            u.set_query(Some(&format!("api-version={API_VERSION}")));
            return Ok(u);
        }
        // Only ever send the token back to the endpoint it was issued for.
        match Url::parse(target) {
            Ok(u) if u.origin() == self.base.origin() => Ok(u),
            _ => Err(err("InvalidResponse", format!("foreign URL: {target}"))),
        }
    }
}

// --- Request bodies --------------------------------------------------------------------------
fn public_ip_body(location: &str, zones: &[String]) -> Value {
    let props = json!({"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"});
    let sku = json!({"name": "Standard", "tier": "Regional"});
    let mut body = json!({"location": location, "sku": sku, "properties": props});
    if !zones.is_empty() {
        body["zones"] = json!(zones);
    }
    body
}

fn gateway_body(gateway_id: &str, g: &NewVnetGateway) -> Value {
    let config = |i: usize| {
        let (subnet, pip) = (&g.gateway_subnet_id, &g.public_ip_ids[i]);
        json!({"name": IP_CONFIGS[i], "properties": {"privateIPAllocationMethod": "Dynamic",
            "subnet": {"id": subnet}, "publicIPAddress": {"id": pip}}})
    };
    let peering = |i: usize| {
        let id = format!("{gateway_id}/ipConfigurations/{}", IP_CONFIGS[i]);
        json!({"ipconfigurationId": id, "customBgpIpAddresses": g.custom_apipa[i]})
    };
    // Basic, VpnGw1(AZ) and the legacy SKUs exist only in Generation1, VpnGw4/5(AZ) only in
    // Generation2; VpnGw2/3(AZ) have both and Generation2 is the faster, recommended one.
    let gen2 = g.sku.starts_with("VpnGw") && !g.sku.starts_with("VpnGw1");
    let generation = ["Generation1", "Generation2"][gen2 as usize];
    json!({"location": g.location, "properties": {
        "gatewayType": "Vpn", "vpnType": "RouteBased", "vpnGatewayGeneration": generation,
        "sku": {"name": g.sku, "tier": g.sku}, "activeActive": true, "enableBgp": true,
        "ipConfigurations": [config(0), config(1)],
        "bgpSettings": {"asn": g.asn, "bgpPeeringAddresses": [peering(0), peering(1)]}}})
}

/// A gateway's GET body with its custom APIPA addresses replaced; everything else (read-only
/// properties included, which ARM ignores) is sent back as read. Index i is the configuration
/// named "default"/"activeActive", else the i-th one (gateways created elsewhere).
fn with_custom_apipa(mut gw: Value, custom: &[Vec<String>; 2]) -> Res<Value> {
    let configs = gw["properties"]["ipConfigurations"].clone();
    let Some(props) = gw.get_mut("properties").and_then(Value::as_object_mut) else {
        return Err(err("InvalidResponse", "the gateway has no properties"));
    };
    let bgp = props.entry("bgpSettings").or_insert_with(|| json!({}));
    if !bgp["bgpPeeringAddresses"].is_array() {
        bgp["bgpPeeringAddresses"] = json!([]);
    }
    let peering = bgp["bgpPeeringAddresses"].as_array_mut().expect("an array");
    for (i, ips) in custom.iter().enumerate() {
        let n = IP_CONFIGS[i];
        let named = items(&configs, "").find(|c| same(&c["name"], n));
        let Some(cfg_id) = named.or(configs.get(i)).and_then(|c| c["id"].as_str()) else {
            if ips.is_empty() {
                continue;
            }
            return Err(invalid(format!("no IP configuration {n:?} for {ips:?}")));
        };
        let of_config = |p: &Value| same(&p["ipconfigurationId"], cfg_id);
        match peering.iter_mut().find(|p| of_config(p)) {
            Some(entry) => entry["customBgpIpAddresses"] = json!(ips),
            None => peering.push(json!({"ipconfigurationId": cfg_id, "customBgpIpAddresses": ips})),
        }
    }
    Ok(gw)
}

fn with_tag(resource: &mut Value, key: &str, value: Option<&str>) {
    if !resource["tags"].is_object() {
        resource["tags"] = json!({});
    }
    let tags = resource["tags"].as_object_mut().expect("an object");
    match value {
        Some(v) => {
            tags.insert(key.to_string(), json!(v));
        }
        None => {
            tags.remove(key);
        }
    }
}

fn local_gateway_body(location: &str, ip: &str, asn: u32, bgp_peering_address: &str) -> Value {
    // With BGP the remote prefixes are learned, so the static address space stays empty.
    json!({"location": location, "properties": {"gatewayIpAddress": ip,
        "localNetworkAddressSpace": {"addressPrefixes": []},
        "bgpSettings": {"asn": asn, "bgpPeeringAddress": bgp_peering_address}}})
}

fn connection_body(c: &NewConnection) -> Value {
    let custom: Vec<Value> = (c.custom_bgp.iter())
        .map(|(cfg, ip)| json!({"ipConfigurationId": cfg, "customBgpIpAddress": ip}))
        .collect();
    let protocol = if c.ike_v2 { "IKEv2" } else { "IKEv1" };
    // Custom BGP addresses are always sent, even none, so that an update removes stale ones.
    json!({"location": c.location, "properties": {
        "connectionType": "IPsec", "connectionProtocol": protocol,
        "virtualNetworkGateway1": {"id": c.gateway_id},
        "localNetworkGateway2": {"id": c.local_gateway_id},
        "sharedKey": c.shared_key, "enableBgp": c.enable_bgp,
        "gatewayCustomBgpIpAddresses": custom}})
}

// --- Responses -------------------------------------------------------------------------------
fn text(v: &Value, pointer: &str) -> String {
    let s = v.pointer(pointer).and_then(Value::as_str);
    s.unwrap_or_default().to_string()
}

fn items<'a>(v: &'a Value, pointer: &str) -> impl Iterator<Item = &'a Value> {
    let array = v.pointer(pointer).and_then(Value::as_array);
    array.into_iter().flatten()
}

fn texts(v: &Value, pointer: &str) -> Vec<String> {
    let strings = items(v, pointer).filter_map(Value::as_str);
    strings.map(Into::into).collect()
}

fn pair(v: &Value, a: &str, b: &str) -> (String, String) {
    (text(v, a), text(v, b))
}

fn number(v: &Value, pointer: &str) -> u32 {
    let n = v.pointer(pointer).and_then(Value::as_u64);
    n.and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
}

/// ARM ids and names compare case-insensitively.
fn same(v: &Value, s: &str) -> bool {
    v.as_str().is_some_and(|x| x.eq_ignore_ascii_case(s))
}

fn parse_public_ip(v: &Value) -> PublicIp {
    let ip = text(v, "/properties/ipAddress");
    let ip_address = Some(ip).filter(|ip| !ip.is_empty());
    PublicIp {
        id: text(v, "/id"),
        name: text(v, "/name"),
        ip_address,
    }
}

fn parse_gateway(v: &Value) -> VnetGateway {
    let none = Value::Null;
    let ip_configs = items(v, "/properties/ipConfigurations").map(|c| {
        let mut peering = items(v, "/properties/bgpSettings/bgpPeeringAddresses");
        let id = text(c, "/id");
        let p = peering.find(|p| same(&p["ipconfigurationId"], &id));
        let p = p.unwrap_or(&none);
        GatewayIpConfig {
            id,
            name: text(c, "/name"),
            public_ip_id: text(c, "/properties/publicIPAddress/id"),
            subnet_id: text(c, "/properties/subnet/id"),
            default_bgp_ips: texts(p, "/defaultBgpIpAddresses"),
            custom_apipa: texts(p, "/customBgpIpAddresses"),
            tunnel_ips: texts(p, "/tunnelIpAddresses"),
        }
    });
    VnetGateway {
        id: text(v, "/id"),
        name: text(v, "/name"),
        location: text(v, "/location"),
        sku: text(v, "/properties/sku/name"),
        provisioning_state: text(v, "/properties/provisioningState"),
        asn: number(v, "/properties/bgpSettings/asn"),
        ip_configs: ip_configs.collect(),
        tags: v["tags"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn parse_local(v: &Value) -> LocalGateway {
    LocalGateway {
        id: text(v, "/id"),
        name: text(v, "/name"),
        ip: text(v, "/properties/gatewayIpAddress"),
        asn: number(v, "/properties/bgpSettings/asn"),
        bgp_peering_address: text(v, "/properties/bgpSettings/bgpPeeringAddress"),
    }
}

fn parse_connection(v: &Value) -> Connection {
    let custom = items(v, "/properties/gatewayCustomBgpIpAddresses");
    let pair = |e| pair(e, "/ipConfigurationId", "/customBgpIpAddress");
    let status = v["properties"]["connectionStatus"].as_str();
    Connection {
        id: text(v, "/id"),
        name: text(v, "/name"),
        gateway_id: text(v, "/properties/virtualNetworkGateway1/id"),
        local_gateway_id: text(v, "/properties/localNetworkGateway2/id"),
        status: status.unwrap_or("Unknown").into(),
        enable_bgp: v.pointer("/properties/enableBgp") == Some(&Value::Bool(true)),
        custom_bgp: custom.map(pair).collect(),
        ike_v2: v
            .pointer("/properties/connectionProtocol")
            .and_then(Value::as_str)
            != Some("IKEv1"),
    }
}

// --- Helpers ---------------------------------------------------------------------------------
/// A name as one path segment; ARM names never contain these characters.
fn name(s: &str) -> Res<&str> {
    if s.is_empty() || s.contains(|c: char| "/?#%\\".contains(c) || c.is_whitespace()) {
        return Err(invalid(format!("invalid Azure name {s:?}")));
    }
    Ok(s)
}

/// "kind/name" of a resource path, for logs and errors.
fn what(path: &str) -> &str {
    let (_, what) = path.rsplit_once("Microsoft.Network/").unwrap_or(("", path));
    what
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?;
    (!value.is_empty()).then(|| value.to_string())
}

/// A wait Azure gives in milliseconds (`retry-after-ms`, else `x-ms-retry-after-ms`), which its
/// SDKs honour before `Retry-After`. Uncapped: callers cap.
fn millis_wait(headers: &HeaderMap) -> Option<Duration> {
    ["retry-after-ms", "x-ms-retry-after-ms"]
        .iter()
        .find_map(|name| {
            let ms = headers.get(*name)?.to_str().ok()?.trim().parse().ok()?;
            Some(Duration::from_millis(ms))
        })
}

/// The shared layer's stop as this client's error.
fn stopped(stop: Stop) -> AzureError {
    match stop {
        Stop::Cancelled => err("Canceled", "the Azure call was canceled"),
        Stop::DeadlineExceeded => err("Timeout", "the Azure call passed its deadline"),
    }
}

fn provisioning_state(v: &Value) -> &str {
    v["properties"]["provisioningState"].as_str().unwrap_or("")
}

fn is_failed(state: &str) -> bool {
    state.eq_ignore_ascii_case("Failed") || state.eq_ignore_ascii_case("Canceled")
}

/// A terminal AzureAsyncOperationResult; its `error` has the CloudError `error` shape.
fn operation_failed(what: &str, status: &str, error: &Value) -> AzureError {
    let body = json!({"error": error}).to_string();
    let detail = match error.is_object() {
        true => AzureError::from_response(200, body.as_bytes()).message,
        false => "Azure gave no details".to_string(),
    };
    let code = error["code"]
        .as_str()
        .map(Into::into)
        .unwrap_or_else(|| format!("Operation{status}"));
    err(&code, format!("Azure {what}: operation {status}: {detail}"))
}

fn provisioning_failed(what: &str, state: &str) -> AzureError {
    let message = format!("Azure {what}: provisioningState is {state}");
    err("OperationFailed", message)
}

fn transport_error(method: &Method, path: &str, e: &reqwest::Error) -> AzureError {
    // reqwest's own message is terse; the source chain says what actually went wrong.
    let chain = std::iter::successors(Some(e as &dyn std::error::Error), |e| e.source());
    let chain: Vec<String> = chain.map(|e| e.to_string()).collect();
    let code = ["ConnectionError", "RequestTimeout"][e.is_timeout() as usize];
    err(code, format!("{method} {path}: {}", chain.join(": ")))
}

/// "250ms", "12s", "4m10s", "1h2m0s".
fn fmt_elapsed(d: Duration) -> String {
    match d.as_secs() {
        0 => format!("{}ms", d.as_millis()),
        s @ 1..60 => format!("{s}s"),
        s @ 60..3600 => format!("{}m{}s", s / 60, s % 60),
        s => format!("{}h{}m{}s", s / 3600, s % 3600 / 60, s % 60),
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::RETRY_AFTER;

    use super::*;

    const GW: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/\
                      virtualNetworkGateways/gw";

    #[test]
    fn cloud_errors_are_parsed_and_classified() {
        let body = br#"{"error": {"code": "InvalidCustomBgpIpAddress", "message": "Bad APIPA.",
            "details": [{"code": "Range", "message": "169.254.23.1 is outside."}]}}"#;
        let busy = br#"{"error": {"code": "AnotherOperationInProgress", "message": "Busy."}}"#;
        let failed = json!({"code": "VpnGatewayFailed", "message": "Boom."});
        let errors = [
            AzureError::from_response(400, body),
            AzureError::from_response(409, busy),
            AzureError::from_response(502, b"<html>\n  Bad   gateway </html>"),
            AzureError::from_response(404, b""),
            err("ConnectionError", "refused"),
            err("Timeout", "late"),
            operation_failed("virtualNetworkGateways/gw", "Failed", &failed),
            operation_failed("x/y", "Canceled", &Value::Null),
        ];
        let shown = errors.map(|e| format!("{e} {} {}", e.is_retryable(), e.is_not_found()));
        let want = "\
Bad APIPA. [Range: 169.254.23.1 is outside.] (HTTP 400, InvalidCustomBgpIpAddress) false false
Busy. (HTTP 409, AnotherOperationInProgress) true false
<html> Bad gateway </html> (HTTP 502, BadGateway) true false
Azure answered HTTP 404 (HTTP 404, NotFound) false true
refused (ConnectionError) true false
late (Timeout) false false
Azure virtualNetworkGateways/gw: operation Failed: Boom. (VpnGatewayFailed) false false
Azure x/y: operation Canceled: Azure gave no details (OperationCanceled) false false";
        assert_eq!(shown.join("\n"), want);
    }

    #[test]
    fn gateway_put_body_golden() {
        let g = NewVnetGateway {
            location: "westeurope".into(),
            sku: "VpnGw1AZ".into(),
            gateway_subnet_id: "/snet/GatewaySubnet".into(),
            public_ip_ids: ["/pip/a".into(), "/pip/b".into()],
            asn: 65010,
            custom_apipa: [vec!["169.254.21.1".into()], vec![]],
        };
        let golden = json!({"location": "westeurope", "properties": {
            "gatewayType": "Vpn", "vpnType": "RouteBased", "vpnGatewayGeneration": "Generation1",
            "sku": {"name": "VpnGw1AZ", "tier": "VpnGw1AZ"}, "activeActive": true, "enableBgp": true,
            "ipConfigurations": [
                {"name": "default", "properties": {"privateIPAllocationMethod": "Dynamic",
                    "subnet": {"id": "/snet/GatewaySubnet"}, "publicIPAddress": {"id": "/pip/a"}}},
                {"name": "activeActive", "properties": {"privateIPAllocationMethod": "Dynamic",
                    "subnet": {"id": "/snet/GatewaySubnet"}, "publicIPAddress": {"id": "/pip/b"}}}],
            "bgpSettings": {"asn": 65010, "bgpPeeringAddresses": [
                {"ipconfigurationId": format!("{GW}/ipConfigurations/default"),
                    "customBgpIpAddresses": ["169.254.21.1"]},
                {"ipconfigurationId": format!("{GW}/ipConfigurations/activeActive"),
                    "customBgpIpAddresses": []}]}}});
        assert_eq!(gateway_body(GW, &g), golden);
        let sku = "VpnGw2AZ".to_string();
        let bigger = gateway_body(GW, &NewVnetGateway { sku, ..g });
        assert_eq!(bigger["properties"]["vpnGatewayGeneration"], "Generation2");
    }

    #[test]
    fn connection_put_body_golden_and_secrets_redacted() {
        let c = NewConnection {
            location: "westeurope".into(),
            gateway_id: GW.into(),
            local_gateway_id: "/lgw/aws1".into(),
            shared_key: "psk-SECRET-value".into(),
            ike_v2: true,
            enable_bgp: true,
            custom_bgp: vec![("/ipc/default".into(), "169.254.21.2".into())],
        };
        let golden = json!({"location": "westeurope", "properties": {
            "connectionType": "IPsec", "connectionProtocol": "IKEv2",
            "virtualNetworkGateway1": {"id": GW}, "localNetworkGateway2": {"id": "/lgw/aws1"},
            "sharedKey": "psk-SECRET-value", "enableBgp": true, "gatewayCustomBgpIpAddresses": [
                {"ipConfigurationId": "/ipc/default", "customBgpIpAddress": "169.254.21.2"}]}});
        assert_eq!(connection_body(&c), golden);
        let debug = format!("{c:?}");
        assert!(!debug.contains("SECRET") && debug.contains("<redacted>"));
        let n = Network::new(None, "eyJ-SECRET-token", "0000-1111").unwrap();
        assert!(!format!("{n:?}").contains("SECRET"));
    }

    #[test]
    fn custom_apipa_is_replaced_per_ip_configuration_and_read_back() {
        let gw = json!({"id": GW, "name": "gw", "properties": {
            "provisioningState": "Succeeded", "sku": {"name": "VpnGw1AZ"},
            "ipConfigurations": [{"id": "/ipc/default", "name": "default",
                "properties": {"publicIPAddress": {"id": "/pip/a"}}},
                {"id": "/ipc/activeActive", "name": "activeActive"}],
            "bgpSettings": {"asn": 65010, "bgpPeeringAddresses": [{"ipconfigurationId": "/IPC/Default",
                "defaultBgpIpAddresses": ["10.0.255.4"], "customBgpIpAddresses": ["169.254.21.1"],
                "tunnelIpAddresses": ["20.0.0.1"]}]}}});
        let apipa = [
            vec!["169.254.21.1".into(), "169.254.21.5".into()],
            vec!["169.254.22.1".into()],
        ];
        let g = parse_gateway(&with_custom_apipa(gw, &apipa).unwrap());
        let want = "VnetGateway { id: \"/subscriptions/s/resourceGroups/rg/providers/Microsoft.\
            Network/virtualNetworkGateways/gw\", name: \"gw\", location: \"\", sku: \"VpnGw1AZ\", \
            provisioning_state: \"Succeeded\", asn: 65010, ip_configs: [GatewayIpConfig { id: \
            \"/ipc/default\", name: \"default\", public_ip_id: \"/pip/a\", subnet_id: \"\", default_bgp_ips: \
            [\"10.0.255.4\"], custom_apipa: [\"169.254.21.1\", \"169.254.21.5\"], tunnel_ips: \
            [\"20.0.0.1\"] }, GatewayIpConfig { id: \"/ipc/activeActive\", name: \"activeActive\", \
            public_ip_id: \"\", subnet_id: \"\", default_bgp_ips: [], custom_apipa: [\"169.254.22.1\"], \
            tunnel_ips: [] }], tags: {} }";
        assert_eq!(format!("{g:?}"), want);
        let single = json!({"properties": {"ipConfigurations": [{"id": "/c0", "name": "c0"}]}});
        let refused = with_custom_apipa(single, &apipa).unwrap_err();
        assert_eq!(refused.code, "InvalidArgument");
    }

    #[test]
    fn polling_and_backoff_timing() {
        let n = Network::new(None, "t", "s").unwrap();
        let n = n.with_poll_interval(Duration::from_millis(20));
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "0".parse().unwrap());
        assert_eq!(n.poll_delay(&headers), Duration::from_millis(20));
        assert_eq!(n.poll_delay(&HeaderMap::new()), Duration::from_millis(200));
        assert!((1..=10).all(|a| (BACKOFF_BASE / 2..=BACKOFF_CAP).contains(&RETRY.backoff(a))));
        let shown = [
            (250, "250ms"),
            (12_000, "12s"),
            (250_000, "4m10s"),
            (3_720_000, "1h2m0s"),
        ];
        for (ms, s) in shown {
            assert_eq!(fmt_elapsed(Duration::from_millis(ms)), s);
        }
    }

    #[test]
    fn waits_in_milliseconds_are_honoured_as_given_and_whole_seconds_keep_the_floor() {
        use http::Classify;
        let n = Network::new(None, "t", "s").unwrap(); // polls at least 1 s apart
        let with = |pairs: &[(&'static str, &str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.insert(*name, value.parse().unwrap());
            }
            headers
        };
        let quick = with(&[("retry-after", "0"), ("retry-after-ms", "20")]);
        assert_eq!(n.poll_delay(&quick), Duration::from_millis(20));
        assert_eq!(Policy.retry_after(&quick), Some(Duration::from_millis(20)));
        let x_ms = with(&[("x-ms-retry-after-ms", "1500")]);
        assert_eq!(n.poll_delay(&x_ms), Duration::from_millis(1500));
        let huge = with(&[("retry-after-ms", "999999999")]);
        assert_eq!(n.poll_delay(&huge), MAX_RETRY_AFTER);
        assert_eq!(
            n.poll_delay(&with(&[("retry-after", "0")])),
            Duration::from_secs(1)
        );
        assert_eq!(
            n.poll_delay(&with(&[("retry-after", "5")])),
            Duration::from_secs(5)
        );
        assert_eq!(n.poll_delay(&HeaderMap::new()), Duration::from_secs(10));
        // What the shared layer asks of this client.
        let busy = br#"{"error": {"code": "AnotherOperationInProgress", "message": "Busy."}}"#;
        assert!(Policy.retryable(409, busy) && Policy.refused(409, busy));
        assert!(Policy.retryable(503, b"") && !Policy.refused(503, b""));
        assert!(!Policy.retryable(409, b"{}") && !Policy.retryable(400, b""));
    }
}
