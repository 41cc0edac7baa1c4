//! Cloudflare v4 API client for Load Balancing: account-level monitors and pools, pool health, and
//! zone-level load balancers.
//!
//! Thin and typed: each method is one documented endpoint. Requests go through the shared layer
//! ([`crate::clients::http`]: backoff with jitter, `Retry-After`, cancellation), which this client
//! tells that 429 and 5xx are worth another attempt. Creates are not idempotent on Cloudflare's
//! side, so the layer sends one again only after a failure that shows it was not applied (429, no
//! connection); after an ambiguous one (5xx or a broken connection) the create first looks for
//! the object it may already have made before posting again. The endpoint can be
//! overridden (emulators). Each request runs in a debug `tracing` span carrying the operation and
//! the resource id; the API token never appears in logs, errors or `Debug` output.
//!
//! References: <https://developers.cloudflare.com/api/resources/load_balancers/> (load balancers,
//! `subresources/monitors`, `subresources/pools`, pool health),
//! <https://developers.cloudflare.com/load-balancing/reference/limitations/>.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::{Method, Url};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tfplugin::Diagnostic;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::clients::auth::Credentials;
use crate::clients::http::{self, Failure, Http, Request, Stop};
use crate::config::{CloudflareSettings, Setting};

/// How requests are retried; the default suits Terraform runs, tests shorten the delays.
pub use crate::clients::http::RetryPolicy;

pub const DEFAULT_ENDPOINT: &str = "https://api.cloudflare.com/client/v4";

/// Documented values and ranges, for resources that validate at plan time.
pub mod limits {
    /// Load balancing regions (region_pools keys, pool check_regions).
    /// <https://developers.cloudflare.com/load-balancing/reference/region-mapping-api/>
    pub const REGIONS: [&str; 13] = [
        "WNAM", "ENAM", "WEU", "EEU", "NSAM", "SSAM", "OC", "ME", "NAF", "SAF", "SAS", "SEAS",
        "NEAS",
    ];
    /// `steering_policy` values (API reference, load balancers).
    pub const STEERING_POLICIES: [&str; 8] = [
        "off",
        "geo",
        "random",
        "dynamic_latency",
        "proximity",
        "least_outstanding_requests",
        "least_connections",
        "",
    ];
    /// Monitor types available on every plan; udp_icmp, icmp_ping and smtp are Enterprise only.
    pub const MONITOR_TYPES: [&str; 3] = ["http", "https", "tcp"];
    /// Monitor interval in seconds: minimum 10 (Enterprise), 15 (Business / non-Enterprise per the
    /// limits page), 60 (Pro); maximum 3600; default 60.
    pub const INTERVAL_MIN_ENTERPRISE: u32 = 10;
    pub const INTERVAL_MIN_BUSINESS: u32 = 15;
    pub const INTERVAL_MIN_PRO: u32 = 60;
    pub const INTERVAL_MAX: u32 = 3600;
    pub const INTERVAL_DEFAULT: u32 = 60;
    /// Probe timeout in seconds (default 5; 1..=10 is what Cloudflare's own Terraform provider
    /// accepted). The interval must exceed `(retries + 1) * timeout`.
    pub const TIMEOUT: std::ops::RangeInclusive<u32> = 1..=10;
    pub const TIMEOUT_DEFAULT: u32 = 5;
    /// Immediate retries after a timed-out probe (default 2; 1..=5 per Cloudflare's provider).
    pub const RETRIES: std::ops::RangeInclusive<u32> = 1..=5;
    pub const RETRIES_DEFAULT: u32 = 2;
    /// `consecutive_up` / `consecutive_down`: default 0, no documented maximum.
    pub const CONSECUTIVE_DEFAULT: u32 = 0;
    /// Origin weight: 0..=1 in steps of 0.01, default 1.
    pub const ORIGIN_WEIGHT_MAX: f64 = 1.0;
    pub const ORIGIN_WEIGHT_STEP: f64 = 0.01;
    /// DNS TTL of an unproxied load balancer when none is given.
    pub const LB_TTL_DEFAULT: u32 = 30;
}

// ---------------------------------------------------------------------------------------------
// Public model
// ---------------------------------------------------------------------------------------------

/// A health monitor (account level).
///
/// `get_monitor` returns the [`Monitor::canonical`] form: for http(s) `method` defaults to `GET`
/// and `path` to `/`; for tcp `method` is `connection_established` and `path`/`expected_codes`
/// are absent.
#[derive(Clone, Debug, PartialEq)]
pub struct Monitor {
    /// "http" | "https" | "tcp".
    pub kind: String,
    /// 0 = the protocol's default port (80/443); required for tcp.
    pub port: u16,
    pub path: Option<String>,
    pub interval: u32,
    pub timeout: u32,
    pub retries: u32,
    pub consecutive_up: u32,
    pub consecutive_down: u32,
    /// http(s) only, e.g. "200" or "2xx".
    pub expected_codes: Option<String>,
    pub method: Option<String>,
    pub description: String,
}

impl Monitor {
    /// The monitor as the API stores it, with the defaults it fills in made explicit.
    pub fn canonical(mut self) -> Monitor {
        if is_http(&self.kind) {
            self.path.get_or_insert_with(|| "/".to_string());
            self.method.get_or_insert_with(|| "GET".to_string());
        } else {
            self.path = None;
            self.expected_codes = None;
            if self.kind == "tcp" {
                self.method
                    .get_or_insert_with(|| "connection_established".to_string());
            }
        }
        self
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Origin {
    pub name: String,
    /// IP address or publicly resolvable hostname (internal addresses need a virtual network).
    pub address: String,
    pub enabled: bool,
    /// 0..=1 in steps of 0.01.
    pub weight: f64,
}

/// A pool (account level). `name` allows only letters, digits, `-` and `_`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pool {
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub origins: Vec<Origin>,
    /// Monitor id.
    pub monitor: Option<String>,
}

/// A load balancer (zone level); `name` is the hostname, inside the zone.
///
/// `ttl` only applies when not proxied: `get_load_balancer` returns `None` for proxied load
/// balancers and `Some(ttl)` (API default 30) otherwise; see [`LoadBalancer::canonical`].
#[derive(Clone, Debug, PartialEq)]
pub struct LoadBalancer {
    pub name: String,
    pub description: String,
    pub proxied: bool,
    pub ttl: Option<u32>,
    pub steering_policy: String,
    /// Pool ids in failover order.
    pub default_pools: Vec<String>,
    pub fallback_pool: String,
    /// Region code (see [`limits::REGIONS`]) -> pool ids in failover order.
    pub region_pools: BTreeMap<String, Vec<String>>,
    /// ISO 3166-1 alpha-2 country code -> pool ids in failover order.
    pub country_pools: BTreeMap<String, Vec<String>>,
    /// `random_steering.pool_weights`: pool id -> weight.
    pub pool_weights: BTreeMap<String, f64>,
}

impl LoadBalancer {
    /// The load balancer as the API reports it: no TTL when proxied, the default TTL otherwise.
    pub fn canonical(mut self) -> LoadBalancer {
        if self.proxied {
            self.ttl = None;
        } else {
            self.ttl.get_or_insert(limits::LB_TTL_DEFAULT);
        }
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[derive(Debug, thiserror::Error)]
pub enum CloudflareError {
    /// The API answered with an error envelope (errors are Cloudflare's `(code, message)`).
    #[error("Cloudflare API error (HTTP {status}): {}", describe(.errors))]
    Api {
        status: u16,
        errors: Vec<(i64, String)>,
    },
    /// Still HTTP 429 after every retry.
    #[error("Cloudflare API rate limit still exceeded after {attempts} attempts: {}", describe(.errors))]
    RateLimited {
        attempts: u32,
        errors: Vec<(i64, String)>,
    },
    #[error("cannot reach the Cloudflare API: {0}")]
    Transport(String),
    #[error("unexpected response from the Cloudflare API: {0}")]
    InvalidResponse(String),
    #[error("invalid Cloudflare identifier \"{0}\": expected 1 to 64 letters, digits, '-' or '_'")]
    InvalidId(String),
    /// Terraform's cancel came while a request or a retry pause was under way (this client sets
    /// no deadline).
    #[error("Cloudflare call {0}")]
    Stopped(Stop),
}

fn describe(errors: &[(i64, String)]) -> String {
    if errors.is_empty() {
        return "no error details".to_string();
    }
    errors
        .iter()
        .map(|(code, message)| format!("{message} ({code})"))
        .collect::<Vec<_>>()
        .join("; ")
}

impl CloudflareError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, CloudflareError::Api { status: 404, .. })
    }

    /// Whether Cloudflare reported this error code (for example 1005, object still referenced).
    pub fn has_code(&self, code: i64) -> bool {
        match self {
            CloudflareError::Api { errors, .. } | CloudflareError::RateLimited { errors, .. } => {
                errors.iter().any(|(c, _)| *c == code)
            }
            _ => false,
        }
    }

    /// A user-facing diagnostic: `summary`, then what went wrong and what to do about it.
    pub fn to_diagnostic(&self, summary: &str) -> Diagnostic {
        let hint = match self {
            CloudflareError::Api {
                status: 401 | 403, ..
            } => {
                " Check that the API token is valid for this account and zone and has the \
                 permissions \"Load Balancing: Monitors and Pools Write\" (account) and \
                 \"Load Balancers Write\" (zone)."
            }
            CloudflareError::Api { status: 400, .. }
                if self.has_code(9106) || self.has_code(6003) =>
            {
                " The API token is missing or malformed: set provider \"multicloud\" \
                 cloudflare.api_token or CLOUDFLARE_API_TOKEN."
            }
            CloudflareError::Api { .. } if self.has_code(1005) => {
                " Remove the references first: pools from load balancers, monitors from pools."
            }
            CloudflareError::Api { status, .. } if *status >= 500 => {
                " Cloudflare kept failing after retries; try again later."
            }
            CloudflareError::RateLimited { .. } => {
                " Cloudflare allows 1200 API requests per five minutes per user; wait and try \
                 again."
            }
            CloudflareError::Transport(_) => {
                " Check network access to the endpoint (provider \"multicloud\" \
                 cloudflare.endpoint / MULTICLOUD_CLOUDFLARE_ENDPOINT)."
            }
            _ => "",
        };
        Diagnostic::error(summary, format!("{self}.{hint}"))
    }
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
pub struct Cloudflare {
    /// Holds the token, the retry policy and the cancellation.
    http: Http<Policy>,
    base: String,
    account_id: String,
}

/// Never shows the token.
impl fmt::Debug for Cloudflare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cloudflare")
            .field("base", &self.base)
            .field("account_id", &self.account_id)
            .field("token", &"<redacted>")
            .field("retry", self.http.retry())
            .finish()
    }
}

/// Which answers are worth sending again: throttling and server errors. Whether a request may
/// be replayed at all (GET, PUT and DELETE may; a POST create only when refused with 429 or never
/// sent) is the shared layer's rule.
#[derive(Clone, Copy, Debug)]
struct Policy;

impl http::Classify for Policy {
    fn retryable(&self, status: u16, _body: &[u8]) -> bool {
        status == 429 || status >= 500
    }
}

/// What a create may already have made before an ambiguous failure.
enum Existing<'a> {
    Monitor(&'a Monitor),
    Pool(&'a Pool),
    LoadBalancer(&'a str, &'a LoadBalancer),
}

impl Cloudflare {
    /// A client for the configured account. The endpoint defaults to
    /// https://api.cloudflare.com/client/v4; token and account id are required.
    pub fn new(settings: &CloudflareSettings) -> Result<Cloudflare, Diagnostic> {
        let token = settings
            .api_token
            .require("cloudflare.api_token", &["CLOUDFLARE_API_TOKEN"])?
            .trim()
            .to_string();
        let account_id = settings
            .account_id
            .require("cloudflare.account_id", &["CLOUDFLARE_ACCOUNT_ID"])?
            .trim()
            .to_string();
        if token.is_empty() || HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
            return Err(Diagnostic::error(
                "Invalid Cloudflare API token",
                "provider \"multicloud\" cloudflare.api_token (or CLOUDFLARE_API_TOKEN) is empty or \
                 contains characters that cannot be sent in an HTTP header, such as a line break.",
            ));
        }
        if !is_identifier(&account_id, 32) {
            return Err(Diagnostic::error(
                "Invalid Cloudflare account id",
                format!(
                    "provider \"multicloud\" cloudflare.account_id (or CLOUDFLARE_ACCOUNT_ID) must be \
                     the account identifier (up to 32 letters and digits) shown in the dashboard; \
                     got \"{account_id}\"."
                ),
            ));
        }
        let base = match &settings.endpoint {
            Setting::Unset => DEFAULT_ENDPOINT.to_string(),
            other => other
                .require("cloudflare.endpoint", &["MULTICLOUD_CLOUDFLARE_ENDPOINT"])?
                .trim_end_matches('/')
                .to_string(),
        };
        let auth = Credentials::fixed(&token, "cloudflare.api_token");
        let http = Http::new("Cloudflare", auth, Policy, true).map_err(|e| {
            Diagnostic::error("Cannot create the Cloudflare HTTP client", e.to_string())
        })?;
        Ok(Cloudflare {
            http,
            base,
            account_id,
        })
    }

    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Cloudflare {
        self.http = self.http.with_retry(retry);
        self
    }

    /// Requests and retry pauses end with [`CloudflareError::Stopped`] once this fires.
    pub fn with_cancel(mut self, cancel: CancellationToken) -> Cloudflare {
        self.http = self.http.with_cancel(cancel);
        self
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    // ---- monitors ---------------------------------------------------------------------------

    pub async fn create_monitor(&self, m: &Monitor) -> Result<String, CloudflareError> {
        let path = format!("/accounts/{}/load_balancers/monitors", self.account_id);
        let body = to_json(&MonitorBody::from(m))?;
        self.create(
            "create_monitor",
            &m.description,
            &path,
            &body,
            Existing::Monitor(m),
        )
        .await
    }

    pub async fn get_monitor(&self, id: &str) -> Result<Option<Monitor>, CloudflareError> {
        let path = format!("{}/{}", self.monitors_path(), check_id(id)?);
        match self.call(Method::GET, &path, None, "get_monitor", id).await {
            Ok(v) => Ok(Some(decode::<MonitorWire>(v)?.into_model())),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn update_monitor(&self, id: &str, m: &Monitor) -> Result<(), CloudflareError> {
        let path = format!("{}/{}", self.monitors_path(), check_id(id)?);
        let body = to_json(&MonitorBody::from(m))?;
        self.call(Method::PUT, &path, Some(&body), "update_monitor", id)
            .await
            .map(drop)
    }

    pub async fn delete_monitor(&self, id: &str) -> Result<(), CloudflareError> {
        let path = format!("{}/{}", self.monitors_path(), check_id(id)?);
        self.delete(&path, "delete_monitor", id).await
    }

    // ---- pools ------------------------------------------------------------------------------

    pub async fn create_pool(&self, p: &Pool) -> Result<String, CloudflareError> {
        let body = to_json(&PoolBody::from(p))?;
        self.create(
            "create_pool",
            &p.name,
            &self.pools_path(),
            &body,
            Existing::Pool(p),
        )
        .await
    }

    pub async fn get_pool(&self, id: &str) -> Result<Option<Pool>, CloudflareError> {
        let path = format!("{}/{}", self.pools_path(), check_id(id)?);
        match self.call(Method::GET, &path, None, "get_pool", id).await {
            Ok(v) => Ok(Some(decode::<PoolWire>(v)?.into_model())),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn update_pool(&self, id: &str, p: &Pool) -> Result<(), CloudflareError> {
        let path = format!("{}/{}", self.pools_path(), check_id(id)?);
        let body = to_json(&PoolBody::from(p))?;
        self.call(Method::PUT, &path, Some(&body), "update_pool", id)
            .await
            .map(drop)
    }

    pub async fn delete_pool(&self, id: &str) -> Result<(), CloudflareError> {
        let path = format!("{}/{}", self.pools_path(), check_id(id)?);
        self.delete(&path, "delete_pool", id).await
    }

    /// Global health of a pool from `GET .../pools/{id}/health`: healthy when most of the
    /// reporting locations say so (Cloudflare decides health by quorum). `None` when unknown:
    /// no monitor, no results yet, or the pool is gone.
    pub async fn pool_health(&self, id: &str) -> Result<Option<bool>, CloudflareError> {
        let path = format!("{}/{}/health", self.pools_path(), check_id(id)?);
        let result = match self.call(Method::GET, &path, None, "pool_health", id).await {
            Ok(v) => v,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(CloudflareError::Api { ref errors, .. })
                if errors
                    .iter()
                    .any(|(_, m)| m.contains("Health info unavailable")) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let Some(pops) = result.get("pop_health").and_then(Value::as_object) else {
            return Ok(None);
        };
        let verdicts: Vec<bool> = pops
            .values()
            .filter_map(|pop| pop.get("healthy").and_then(Value::as_bool))
            .collect();
        if verdicts.is_empty() {
            return Ok(None);
        }
        let healthy = verdicts.iter().filter(|h| **h).count();
        Ok(Some(healthy * 2 > verdicts.len()))
    }

    // ---- load balancers ---------------------------------------------------------------------

    pub async fn create_load_balancer(
        &self,
        zone_id: &str,
        lb: &LoadBalancer,
    ) -> Result<String, CloudflareError> {
        let path = format!("/zones/{}/load_balancers", check_id(zone_id)?);
        let body = to_json(&LoadBalancerBody::from(lb))?;
        self.create(
            "create_load_balancer",
            &lb.name,
            &path,
            &body,
            Existing::LoadBalancer(zone_id, lb),
        )
        .await
    }

    pub async fn get_load_balancer(
        &self,
        zone_id: &str,
        id: &str,
    ) -> Result<Option<LoadBalancer>, CloudflareError> {
        let path = format!(
            "/zones/{}/load_balancers/{}",
            check_id(zone_id)?,
            check_id(id)?
        );
        match self
            .call(Method::GET, &path, None, "get_load_balancer", id)
            .await
        {
            Ok(v) => Ok(Some(decode::<LoadBalancerWire>(v)?.into_model()?)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every load balancer of the zone: (id, hostname without trailing dot, model).
    pub async fn list_load_balancers(
        &self,
        zone_id: &str,
    ) -> Result<Vec<(String, String, LoadBalancer)>, CloudflareError> {
        let path = format!("/zones/{}/load_balancers", check_id(zone_id)?);
        let list = self
            .call(Method::GET, &path, None, "list_load_balancers", zone_id)
            .await?;
        decode::<Vec<LoadBalancerWire>>(list)?
            .into_iter()
            .map(|wire| {
                let id = wire.id.clone().ok_or_else(|| missing("load balancer id"))?;
                let name = normalise_host(wire.name.as_deref().unwrap_or_default());
                Ok((id, name, wire.into_model()?))
            })
            .collect()
    }

    /// The load balancer for `hostname` in the zone (case-insensitive, trailing dot ignored).
    pub async fn find_load_balancer(
        &self,
        zone_id: &str,
        hostname: &str,
    ) -> Result<Option<(String, LoadBalancer)>, CloudflareError> {
        let wanted = normalise_host(hostname);
        Ok(self
            .list_load_balancers(zone_id)
            .await?
            .into_iter()
            .find(|(_, name, _)| *name == wanted)
            .map(|(id, _, lb)| (id, lb)))
    }

    pub async fn update_load_balancer(
        &self,
        zone_id: &str,
        id: &str,
        lb: &LoadBalancer,
    ) -> Result<(), CloudflareError> {
        let path = format!(
            "/zones/{}/load_balancers/{}",
            check_id(zone_id)?,
            check_id(id)?
        );
        let body = to_json(&LoadBalancerBody::from(lb))?;
        self.call(Method::PUT, &path, Some(&body), "update_load_balancer", id)
            .await
            .map(drop)
    }

    pub async fn delete_load_balancer(
        &self,
        zone_id: &str,
        id: &str,
    ) -> Result<(), CloudflareError> {
        let path = format!(
            "/zones/{}/load_balancers/{}",
            check_id(zone_id)?,
            check_id(id)?
        );
        self.delete(&path, "delete_load_balancer", id).await
    }

    // ---- plumbing ---------------------------------------------------------------------------

    fn monitors_path(&self) -> String {
        format!("/accounts/{}/load_balancers/monitors", self.account_id)
    }

    fn pools_path(&self) -> String {
        format!("/accounts/{}/load_balancers/pools", self.account_id)
    }

    /// DELETE; an object that is already gone counts as deleted.
    async fn delete(&self, path: &str, op: &'static str, id: &str) -> Result<(), CloudflareError> {
        match self.call(Method::DELETE, path, None, op, id).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// POST a new object and return its id. Cloudflare has no idempotency keys, so after a
    /// failure that may have been applied the object is looked up before posting again.
    async fn create(
        &self,
        op: &'static str,
        name: &str,
        path: &str,
        body: &Value,
        existing: Existing<'_>,
    ) -> Result<String, CloudflareError> {
        let mut attempt = 1;
        loop {
            match self.call(Method::POST, path, Some(body), op, name).await {
                Ok(result) => return id_of(&result),
                Err(e) if is_ambiguous(&e) && attempt < self.http.retry().max_attempts => {
                    let budget = self.http.budget();
                    let pause = budget.sleep(self.backoff(attempt));
                    pause.await.map_err(CloudflareError::Stopped)?;
                    if let Some(id) = self.find_existing(&existing).await? {
                        return Ok(id);
                    }
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn find_existing(
        &self,
        existing: &Existing<'_>,
    ) -> Result<Option<String>, CloudflareError> {
        match existing {
            Existing::Monitor(m) => {
                let list = self
                    .call(
                        Method::GET,
                        &self.monitors_path(),
                        None,
                        "list_monitors",
                        "",
                    )
                    .await?;
                let wanted = (*m).clone().canonical();
                Ok(decode::<Vec<MonitorWire>>(list)?
                    .into_iter()
                    .find_map(|w| w.id.clone().filter(|_| w.into_model() == wanted)))
            }
            Existing::Pool(p) => {
                let list = self
                    .call(Method::GET, &self.pools_path(), None, "list_pools", "")
                    .await?;
                Ok(decode::<Vec<PoolWire>>(list)?
                    .into_iter()
                    .find_map(|w| w.id.clone().filter(|_| w.into_model() == **p)))
            }
            Existing::LoadBalancer(zone_id, lb) => {
                let found = self.find_load_balancer(zone_id, &lb.name).await?;
                let wanted = (*lb).clone().canonical();
                Ok(found.filter(|(_, got)| *got == wanted).map(|(id, _)| id))
            }
        }
    }

    /// One API call, retried by the shared layer; returns the envelope's `result`.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        op: &'static str,
        id: &str,
    ) -> Result<Value, CloudflareError> {
        let span = tracing::debug_span!("cloudflare", operation = op, id = id);
        self.call_inner(method, path, body).instrument(span).await
    }

    async fn call_inner(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, CloudflareError> {
        let url = format!("{}{}", self.base, path);
        let url = Url::parse(&url)
            .map_err(|e| CloudflareError::Transport(format!("invalid URL {url}: {e}")))?;
        let mut request = Request::new(method, &url);
        if let Some(body) = body {
            request = request.json(body);
        }
        let outcome = self.http.send(request, &self.http.budget()).await;
        match outcome.result {
            Ok(reply) => {
                let status = reply.status;
                let envelope: Envelope = serde_json::from_slice(&reply.body)
                    .map_err(|e| CloudflareError::InvalidResponse(format!("HTTP {status}: {e}")))?;
                if !envelope.success {
                    return Err(CloudflareError::Api {
                        status,
                        errors: flatten(&envelope.errors),
                    });
                }
                Ok(envelope.result)
            }
            // 429 is always retried: still 429 means every attempt was throttled.
            Err(Failure::Status(reply)) if reply.status == 429 => {
                Err(CloudflareError::RateLimited {
                    attempts: outcome.attempts,
                    errors: error_list(reply.status, &reply.body),
                })
            }
            Err(Failure::Status(reply)) => Err(CloudflareError::Api {
                status: reply.status,
                errors: error_list(reply.status, &reply.body),
            }),
            Err(Failure::Transport(e)) => Err(CloudflareError::Transport(e.to_string())),
            Err(Failure::Stopped(stop)) => Err(CloudflareError::Stopped(stop)),
            // A fixed API token is always there; kept for completeness of the match.
            Err(Failure::Auth(e)) => Err(CloudflareError::Transport(e.to_string())),
        }
    }

    /// Exponential backoff with equal jitter: half the step fixed, half random.
    fn backoff(&self, attempt: u32) -> Duration {
        self.http.retry().backoff(attempt)
    }
}

/// A failure after which a POST may or may not have been applied.
fn is_ambiguous(e: &CloudflareError) -> bool {
    match e {
        CloudflareError::Api { status, .. } => *status >= 500,
        CloudflareError::Transport(_) => true,
        _ => false,
    }
}

fn is_http(kind: &str) -> bool {
    kind == "http" || kind == "https"
}

fn is_identifier(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Ids go into URL paths: only plain identifiers are accepted.
fn check_id(id: &str) -> Result<&str, CloudflareError> {
    if is_identifier(id, 64) {
        Ok(id)
    } else {
        Err(CloudflareError::InvalidId(id.to_string()))
    }
}

fn normalise_host(h: &str) -> String {
    h.trim_end_matches('.').to_ascii_lowercase()
}

fn to_json<T: Serialize>(body: &T) -> Result<Value, CloudflareError> {
    serde_json::to_value(body)
        .map_err(|e| CloudflareError::InvalidResponse(format!("cannot encode request: {e}")))
}

fn decode<T: for<'de> Deserialize<'de>>(v: Value) -> Result<T, CloudflareError> {
    serde_json::from_value(v).map_err(|e| CloudflareError::InvalidResponse(e.to_string()))
}

fn id_of(result: &Value) -> Result<String, CloudflareError> {
    result
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| missing("id"))
}

fn missing(what: &str) -> CloudflareError {
    CloudflareError::InvalidResponse(format!("the response has no {what}"))
}

// ---------------------------------------------------------------------------------------------
// Wire format
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    errors: Vec<ApiMessage>,
    #[serde(default)]
    result: Value,
}

#[derive(Deserialize)]
struct ApiMessage {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    error_chain: Vec<ApiMessage>,
}

/// Errors and their `error_chain` entries, in order.
fn flatten(messages: &[ApiMessage]) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for m in messages {
        out.push((m.code, m.message.clone()));
        out.extend(flatten(&m.error_chain));
    }
    out
}

/// The error list of a failed response; a non-JSON body becomes a single entry.
fn error_list(status: u16, body: &[u8]) -> Vec<(i64, String)> {
    match serde_json::from_slice::<Envelope>(body) {
        Ok(envelope) if !envelope.errors.is_empty() => flatten(&envelope.errors),
        _ => {
            let text = String::from_utf8_lossy(body);
            let text: String = text.trim().chars().take(200).collect();
            vec![(
                0,
                if text.is_empty() {
                    format!("HTTP {status}")
                } else {
                    text
                },
            )]
        }
    }
}

#[derive(Serialize)]
struct MonitorBody<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    description: &'a str,
    port: u16,
    interval: u32,
    timeout: u32,
    retries: u32,
    consecutive_up: u32,
    consecutive_down: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_codes: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'a str>,
}

impl<'a> From<&'a Monitor> for MonitorBody<'a> {
    fn from(m: &'a Monitor) -> Self {
        MonitorBody {
            kind: &m.kind,
            description: &m.description,
            port: m.port,
            interval: m.interval,
            timeout: m.timeout,
            retries: m.retries,
            consecutive_up: m.consecutive_up,
            consecutive_down: m.consecutive_down,
            path: m.path.as_deref(),
            expected_codes: m.expected_codes.as_deref(),
            method: m.method.as_deref(),
        }
    }
}

#[derive(Deserialize)]
struct MonitorWire {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    description: Option<String>,
    port: Option<u16>,
    interval: Option<u32>,
    timeout: Option<u32>,
    retries: Option<u32>,
    consecutive_up: Option<u32>,
    consecutive_down: Option<u32>,
    path: Option<String>,
    expected_codes: Option<String>,
    method: Option<String>,
}

impl MonitorWire {
    fn into_model(self) -> Monitor {
        Monitor {
            kind: self.kind.unwrap_or_else(|| "http".to_string()),
            port: self.port.unwrap_or(0),
            path: self.path,
            interval: self.interval.unwrap_or(limits::INTERVAL_DEFAULT),
            timeout: self.timeout.unwrap_or(limits::TIMEOUT_DEFAULT),
            retries: self.retries.unwrap_or(limits::RETRIES_DEFAULT),
            consecutive_up: self.consecutive_up.unwrap_or(limits::CONSECUTIVE_DEFAULT),
            consecutive_down: self.consecutive_down.unwrap_or(limits::CONSECUTIVE_DEFAULT),
            expected_codes: self.expected_codes.filter(|c| !c.is_empty()),
            method: self.method.filter(|m| !m.is_empty()),
            description: self.description.unwrap_or_default(),
        }
        .canonical()
    }
}

#[derive(Serialize)]
struct PoolBody<'a> {
    name: &'a str,
    description: &'a str,
    enabled: bool,
    origins: Vec<OriginBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    monitor: Option<&'a str>,
}

#[derive(Serialize)]
struct OriginBody<'a> {
    name: &'a str,
    address: &'a str,
    enabled: bool,
    weight: f64,
}

impl<'a> From<&'a Pool> for PoolBody<'a> {
    fn from(p: &'a Pool) -> Self {
        PoolBody {
            name: &p.name,
            description: &p.description,
            enabled: p.enabled,
            origins: p
                .origins
                .iter()
                .map(|o| OriginBody {
                    name: &o.name,
                    address: &o.address,
                    enabled: o.enabled,
                    weight: o.weight,
                })
                .collect(),
            monitor: p.monitor.as_deref(),
        }
    }
}

#[derive(Deserialize)]
struct PoolWire {
    id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    enabled: Option<bool>,
    #[serde(default)]
    origins: Vec<OriginWire>,
    /// Documented as an untyped value; in practice a monitor id or absent.
    monitor: Option<Value>,
}

#[derive(Deserialize)]
struct OriginWire {
    name: Option<String>,
    address: Option<String>,
    enabled: Option<bool>,
    weight: Option<f64>,
}

impl PoolWire {
    fn into_model(self) -> Pool {
        Pool {
            name: self.name.unwrap_or_default(),
            description: self.description.unwrap_or_default(),
            enabled: self.enabled.unwrap_or(true),
            origins: self
                .origins
                .into_iter()
                .map(|o| Origin {
                    name: o.name.unwrap_or_default(),
                    address: o.address.unwrap_or_default(),
                    enabled: o.enabled.unwrap_or(true),
                    weight: o.weight.unwrap_or(1.0),
                })
                .collect(),
            monitor: self
                .monitor
                .and_then(|m| m.as_str().map(str::to_string))
                .filter(|m| !m.is_empty()),
        }
    }
}

#[derive(Serialize)]
struct LoadBalancerBody<'a> {
    name: &'a str,
    description: &'a str,
    proxied: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    ttl: Option<u32>,
    steering_policy: &'a str,
    default_pools: &'a [String],
    fallback_pool: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    region_pools: &'a BTreeMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    country_pools: &'a BTreeMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    random_steering: Option<RandomSteeringBody<'a>>,
}

#[derive(Serialize)]
struct RandomSteeringBody<'a> {
    pool_weights: &'a BTreeMap<String, f64>,
}

impl<'a> From<&'a LoadBalancer> for LoadBalancerBody<'a> {
    fn from(lb: &'a LoadBalancer) -> Self {
        LoadBalancerBody {
            name: &lb.name,
            description: &lb.description,
            proxied: lb.proxied,
            ttl: if lb.proxied { None } else { lb.ttl },
            steering_policy: &lb.steering_policy,
            default_pools: &lb.default_pools,
            fallback_pool: &lb.fallback_pool,
            region_pools: &lb.region_pools,
            country_pools: &lb.country_pools,
            random_steering: (!lb.pool_weights.is_empty()).then_some(RandomSteeringBody {
                pool_weights: &lb.pool_weights,
            }),
        }
    }
}

#[derive(Deserialize)]
struct LoadBalancerWire {
    id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    proxied: Option<bool>,
    ttl: Option<f64>,
    steering_policy: Option<String>,
    #[serde(default)]
    default_pools: Vec<String>,
    fallback_pool: Option<String>,
    region_pools: Option<BTreeMap<String, Vec<String>>>,
    country_pools: Option<BTreeMap<String, Vec<String>>>,
    random_steering: Option<RandomSteeringWire>,
}

#[derive(Deserialize)]
struct RandomSteeringWire {
    pool_weights: Option<BTreeMap<String, f64>>,
}

impl LoadBalancerWire {
    fn into_model(self) -> Result<LoadBalancer, CloudflareError> {
        let proxied = self.proxied.unwrap_or(false);
        let ttl = match self.ttl {
            _ if proxied => None,
            None => Some(limits::LB_TTL_DEFAULT),
            Some(t) if t >= 0.0 && t <= f64::from(u32::MAX) && t.fract() == 0.0 => Some(t as u32),
            Some(t) => {
                return Err(CloudflareError::InvalidResponse(format!(
                    "ttl {t} is not a whole number of seconds"
                )));
            }
        };
        Ok(LoadBalancer {
            name: self.name.unwrap_or_default(),
            description: self.description.unwrap_or_default(),
            proxied,
            ttl,
            steering_policy: self.steering_policy.unwrap_or_default(),
            default_pools: self.default_pools,
            fallback_pool: self.fallback_pool.unwrap_or_default(),
            region_pools: self.region_pools.unwrap_or_default(),
            country_pools: self.country_pools.unwrap_or_default(),
            pool_weights: self
                .random_steering
                .and_then(|r| r.pool_weights)
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Cloudflare {
        Cloudflare::new(&CloudflareSettings {
            api_token: Setting::Set("secret-token-value".into()),
            account_id: Setting::Set("0123456789abcdef0123456789abcdef".into()),
            endpoint: Setting::Set("http://127.0.0.1:9/client/v4/".into()),
        })
        .expect("valid settings")
    }

    #[test]
    fn debug_never_shows_the_token() {
        let c = client();
        let text = format!("{c:?}");
        assert!(!text.contains("secret-token-value"), "{text}");
        assert_eq!(c.base, "http://127.0.0.1:9/client/v4");
    }

    #[test]
    fn missing_settings_name_the_attribute_and_environment() {
        let d = Cloudflare::new(&CloudflareSettings {
            api_token: Setting::Unset,
            account_id: Setting::Set("abc".into()),
            endpoint: Setting::Unset,
        })
        .expect_err("token required");
        assert!(
            d.detail.contains("cloudflare.api_token") && d.detail.contains("CLOUDFLARE_API_TOKEN")
        );
        let d = Cloudflare::new(&CloudflareSettings {
            api_token: Setting::Set("t".into()),
            account_id: Setting::Unset,
            endpoint: Setting::Unset,
        })
        .expect_err("account required");
        assert!(
            d.detail.contains("cloudflare.account_id")
                && d.detail.contains("CLOUDFLARE_ACCOUNT_ID")
        );
    }

    #[test]
    fn backoff_grows_and_stays_within_bounds() {
        let c = client().with_retry_policy(RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(1),
        });
        for attempt in 1..12 {
            let step = Duration::from_millis(100 * (1 << (attempt - 1).min(16)))
                .min(Duration::from_secs(1));
            let d = c.backoff(attempt);
            assert!(d >= step / 2 && d <= step, "attempt {attempt}: {d:?}");
        }
    }

    #[test]
    fn error_chain_is_flattened_and_non_json_bodies_survive() {
        let body = br#"{"success":false,"errors":[{"code":6003,"message":"Invalid request headers","error_chain":[{"code":6111,"message":"Invalid format for Authorization header"}]}],"messages":[],"result":null}"#;
        assert_eq!(
            error_list(400, body),
            vec![
                (6003, "Invalid request headers".to_string()),
                (6111, "Invalid format for Authorization header".to_string())
            ]
        );
        assert_eq!(
            error_list(502, b"<html>bad gateway</html>")[0].1,
            "<html>bad gateway</html>"
        );
        assert!(check_id("../zones").is_err());
    }

    #[test]
    fn canonical_forms() {
        let m = Monitor {
            kind: "tcp".into(),
            port: 443,
            path: Some("/x".into()),
            interval: 60,
            timeout: 5,
            retries: 2,
            consecutive_up: 0,
            consecutive_down: 0,
            expected_codes: Some("200".into()),
            method: None,
            description: String::new(),
        }
        .canonical();
        assert_eq!(
            (m.path, m.expected_codes, m.method.as_deref()),
            (None, None, Some("connection_established"))
        );
    }
}
