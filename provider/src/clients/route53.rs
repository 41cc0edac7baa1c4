//! Route 53 client: hosted zones (read only), health checks and record sets, typed.
//!
//! Thin on purpose: it converts between this crate's types and the SDK's, classifies errors and
//! waits for changes; resources decide what to change. Retries (with jittered exponential backoff
//! on throttling, `PriorRequestNotComplete` and 5xx) are the SDK's standard retry strategy.
//! Every call runs in a `route53` tracing span carrying the operation and the resource id;
//! credentials never reach a span, a log line or an error.

use std::time::{Duration, Instant};

use aws_sdk_route53::Client;
use aws_sdk_route53::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_route53::operation::change_resource_record_sets::ChangeResourceRecordSetsError;
use aws_sdk_route53::types::{
    self as sdk, ChangeStatus, GeoLocation, HealthCheckConfig, HealthCheckType, ResourceRecord,
    ResourceRecordSet, ResourceRecordSetFailover, ResourceRecordSetRegion, RrType,
};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::aws_sdk;
use super::aws_sdk::MAX_ATTEMPTS;
use crate::config::AwsSettings;

/// Route 53 is a global service; its API signs for us-east-1.
const DEFAULT_REGION: &str = "us-east-1";
/// The most record sets Route 53 returns per `ListResourceRecordSets` page.
const MAX_PAGE: i32 = 300;
/// A guard against a server whose pagination never ends.
const MAX_PAGES: usize = 1000;
const FIRST_POLL: Duration = Duration::from_secs(1);
const LONGEST_POLL: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthProtocol {
    Http,
    Https,
    Tcp,
}

/// A health check as this provider manages it. `get_health_check` returns exactly what
/// `create_health_check` was given, so specs compare field by field for drift.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthCheckSpec {
    pub protocol: HealthProtocol,
    pub ip_address: Option<String>,
    pub fqdn: Option<String>,
    pub port: u16,
    /// HTTP(S) only.
    pub path: Option<String>,
    /// 10 or 30.
    pub interval_seconds: u8,
    /// 1..=10.
    pub failure_threshold: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailoverRole {
    Primary,
    Secondary,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Routing {
    Simple,
    Failover(FailoverRole),
    Latency {
        region: String,
    },
    /// `country: Some("*")` is the default location.
    Geo {
        continent: Option<String>,
        country: Option<String>,
    },
    Weighted {
        weight: i64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordSet {
    /// FQDN with trailing dot, lower case, unescaped (`*`, not `\052`).
    pub name: String,
    /// "A" | "AAAA" | "CNAME".
    pub record_type: String,
    pub set_identifier: Option<String>,
    pub ttl: Option<i64>,
    pub values: Vec<String>,
    pub health_check_id: Option<String>,
    pub routing: Routing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeAction {
    Create,
    Upsert,
    Delete,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordChange {
    pub action: ChangeAction,
    pub record: RecordSet,
}

#[derive(Debug, thiserror::Error)]
pub enum Route53Error {
    /// The zone, health check or change does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// Route 53 (or this client, before sending) rejected the request; carries Route 53's message.
    #[error("invalid request: {0}")]
    InvalidInput(String),
    /// Still throttled after `MAX_ATTEMPTS` attempts with backoff.
    #[error("throttled: {0}")]
    Throttled(String),
    /// The credentials were refused.
    #[error("access denied: {0}")]
    Denied(String),
    /// `wait_insync` gave up; the change was accepted and may still complete.
    #[error("change {change_id} not INSYNC after {waited:?}")]
    Timeout { change_id: String, waited: Duration },
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Other(String),
}

impl Route53Error {
    pub fn to_diagnostic(&self, summary: &str) -> tfplugin::Diagnostic {
        let detail = match self {
            Route53Error::NotFound(m) => format!("Route 53 could not find it: {m}"),
            Route53Error::InvalidInput(m) => format!("Route 53 rejected the request: {m}"),
            Route53Error::Throttled(m) => format!(
                "Route 53 kept throttling the request after {MAX_ATTEMPTS} attempts ({m}). \
                 Another client may be using the same account heavily; run again later."
            ),
            Route53Error::Denied(m) => format!(
                "Route 53 refused the credentials: {m}. Check access_key/secret_key or profile in \
                 the provider \"multicloud\" aws block, or the AWS_* environment variables."
            ),
            Route53Error::Timeout { change_id, waited } => format!(
                "Change {change_id} was accepted but was not INSYNC after {} s; it may still \
                 complete. Run again to see where it stands.",
                waited.as_secs()
            ),
            Route53Error::Cancelled => {
                "Terraform cancelled the operation before Route 53 confirmed it.".to_string()
            }
            Route53Error::Other(m) => m.clone(),
        };
        tfplugin::Diagnostic::error(summary, detail)
    }

    /// Classifies an AWS error code and message (pure, so it is tested without a server).
    fn from_code(code: Option<&str>, message: Option<&str>, fallback: String) -> Route53Error {
        let Some(code) = code else {
            return Route53Error::Other(fallback);
        };
        let text = match message {
            Some(m) if !m.is_empty() => format!("{code}: {m}"),
            _ => code.to_string(),
        };
        match code {
            "NoSuchHostedZone" | "NoSuchHealthCheck" | "NoSuchChange" => {
                Route53Error::NotFound(text)
            }
            "InvalidInput"
            | "InvalidChangeBatch"
            | "InvalidArgument"
            | "InvalidDomainName"
            | "ValidationError"
            | "HealthCheckInUse"
            | "HealthCheckAlreadyExists"
            | "HealthCheckVersionMismatch"
            | "TooManyHealthChecks" => Route53Error::InvalidInput(text),
            "Throttling"
            | "ThrottlingException"
            | "PriorRequestNotComplete"
            | "RequestLimitExceeded"
            | "TooManyRequestsException" => Route53Error::Throttled(text),
            "AccessDenied"
            | "AccessDeniedException"
            | "InvalidClientTokenId"
            | "UnrecognizedClientException"
            | "SignatureDoesNotMatch"
            | "ExpiredToken"
            | "MissingAuthenticationToken" => Route53Error::Denied(text),
            _ => Route53Error::Other(text),
        }
    }
}

/// Any SDK failure, by its AWS error code when it has one.
fn sdk_error<E, R>(err: SdkError<E, R>) -> Route53Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let (code, message) = match err.as_service_error() {
        Some(e) => (e.code().map(str::to_owned), e.message().map(str::to_owned)),
        None => (None, None),
    };
    Route53Error::from_code(
        code.as_deref(),
        message.as_deref(),
        DisplayErrorContext(&err).to_string(),
    )
}

fn build_error(what: &str, e: impl std::fmt::Display) -> Route53Error {
    Route53Error::InvalidInput(format!("{what}: {e}"))
}

#[derive(Clone, Debug)]
pub struct Route53 {
    client: Client,
    page_size: i32,
}

impl Route53 {
    /// Builds a client from provider settings: explicit keys if set (static credentials), else
    /// profile, else the SDK's default chain; region defaults to us-east-1 (Route 53 is global);
    /// endpoint override when set (for moto on 127.0.0.1). No network call here.
    pub async fn connect(settings: &AwsSettings) -> Result<Route53, tfplugin::Diagnostic> {
        let region = aws_sdk::region_or(settings, Some(DEFAULT_REGION))?.unwrap_or(DEFAULT_REGION);
        let config = aws_sdk::load(
            settings,
            region,
            aws_sdk::Service {
                endpoint_attr: "aws.route53_endpoint",
                endpoint_env: &["AWS_ENDPOINT_URL_ROUTE_53", "AWS_ENDPOINT_URL"],
            },
        )
        .await?;
        Ok(Route53 {
            client: Client::new(&config),
            page_size: MAX_PAGE,
        })
    }

    /// Record sets per `ListResourceRecordSets` page (1..=300; default 300). Smaller pages are
    /// for tests of pagination.
    pub fn with_page_size(mut self, n: i32) -> Route53 {
        self.page_size = n.clamp(1, MAX_PAGE);
        self
    }

    /// The zone's name with trailing dot ("example.com."), or None if the zone does not exist.
    pub async fn hosted_zone_name(&self, zone_id: &str) -> Result<Option<String>, Route53Error> {
        let span = tracing::info_span!("route53", operation = "GetHostedZone", zone_id);
        async {
            match self.client.get_hosted_zone().id(zone_id).send().await {
                Ok(out) => Ok(out.hosted_zone().map(|z| with_dot(z.name()))),
                Err(e) => match sdk_error(e) {
                    Route53Error::NotFound(_) => Ok(None),
                    other => Err(other),
                },
            }
        }
        .instrument(span)
        .await
    }

    /// Creates a health check; returns its id. `caller_reference` is the idempotency token: a
    /// retry with the same token and config returns the same check on AWS.
    pub async fn create_health_check(
        &self,
        caller_reference: &str,
        spec: &HealthCheckSpec,
    ) -> Result<String, Route53Error> {
        let span = tracing::info_span!(
            "route53",
            operation = "CreateHealthCheck",
            caller_reference,
            health_check_id = tracing::field::Empty
        );
        async {
            let config = health_check_config(spec)?;
            let out = self
                .client
                .create_health_check()
                .caller_reference(caller_reference)
                .health_check_config(config)
                .send()
                .await
                .map_err(sdk_error)?;
            let id = out
                .health_check()
                .map(|h| h.id().to_string())
                .ok_or_else(|| {
                    Route53Error::Other("CreateHealthCheck answered without a health check".into())
                })?;
            tracing::Span::current().record("health_check_id", id.as_str());
            Ok(id)
        }
        .instrument(span)
        .await
    }

    /// The check as this client would have created it; None when it does not exist, or when it
    /// is of a kind this client does not manage (e.g. CALCULATED, HTTP_STR_MATCH), which a
    /// caller comparing specs treats like a missing check: it is replaced.
    pub async fn get_health_check(
        &self,
        id: &str,
    ) -> Result<Option<HealthCheckSpec>, Route53Error> {
        let span = tracing::info_span!(
            "route53",
            operation = "GetHealthCheck",
            health_check_id = id
        );
        async {
            let out = match self
                .client
                .get_health_check()
                .health_check_id(id)
                .send()
                .await
            {
                Ok(out) => out,
                Err(e) => {
                    return match sdk_error(e) {
                        Route53Error::NotFound(_) => Ok(None),
                        other => Err(other),
                    };
                }
            };
            let spec = out
                .health_check()
                .and_then(|h| h.health_check_config())
                .and_then(spec_from_config);
            if spec.is_none() {
                tracing::warn!("health check is of a kind this provider does not manage");
            }
            Ok(spec)
        }
        .instrument(span)
        .await
    }

    /// Inverts a health check (Route 53 then reports a healthy endpoint as unhealthy and stops
    /// answering with its records), or puts it back: how a failover drill takes a backend out.
    pub async fn set_health_check_inverted(
        &self,
        id: &str,
        inverted: bool,
    ) -> Result<(), Route53Error> {
        let span = tracing::info_span!(
            "route53",
            operation = "UpdateHealthCheck",
            health_check_id = id,
            inverted
        );
        async {
            self.client
                .update_health_check()
                .health_check_id(id)
                .inverted(inverted)
                .send()
                .await
                .map_err(sdk_error)?;
            Ok(())
        }
        .instrument(span)
        .await
    }

    /// Every health check of the account as (id, caller reference), following pagination: how a
    /// create finds the checks an interrupted earlier create made (their caller references say
    /// for which hostname and backend), since a check carries no other mark of its maker.
    pub async fn list_health_check_references(
        &self,
    ) -> Result<Vec<(String, String)>, Route53Error> {
        let span = tracing::info_span!("route53", operation = "ListHealthChecks");
        async {
            let mut out = Vec::new();
            let mut marker: Option<String> = None;
            loop {
                let page = self
                    .client
                    .list_health_checks()
                    .set_marker(marker.take())
                    .send()
                    .await
                    .map_err(sdk_error)?;
                out.extend(
                    page.health_checks()
                        .iter()
                        .map(|h| (h.id().to_string(), h.caller_reference().to_string())),
                );
                match page.next_marker() {
                    Some(m) if page.is_truncated() && !m.is_empty() => marker = Some(m.to_string()),
                    _ => return Ok(out),
                }
            }
        }
        .instrument(span)
        .await
    }

    /// Deletes a health check; one that is already gone is fine.
    pub async fn delete_health_check(&self, id: &str) -> Result<(), Route53Error> {
        let span = tracing::info_span!(
            "route53",
            operation = "DeleteHealthCheck",
            health_check_id = id
        );
        async {
            match self
                .client
                .delete_health_check()
                .health_check_id(id)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) => match sdk_error(e) {
                    Route53Error::NotFound(_) => Ok(()),
                    other => Err(other),
                },
            }
        }
        .instrument(span)
        .await
    }

    /// Every record set whose name equals `name` (any type, any set identifier), following
    /// pagination. Names compare case-insensitively, with or without trailing dot, escapes
    /// decoded; the returned names are in that normal form.
    pub async fn list_records(
        &self,
        zone_id: &str,
        name: &str,
    ) -> Result<Vec<RecordSet>, Route53Error> {
        let span = tracing::info_span!(
            "route53",
            operation = "ListResourceRecordSets",
            zone_id,
            record_name = name
        );
        async {
            let want = normalize_name(name);
            let mut out: Vec<RecordSet> = Vec::new();
            // Lower case: Route 53 compares names without case, moto with.
            let mut start = (want.clone(), None::<RrType>, None::<String>);
            for page in 0..MAX_PAGES {
                let resp = self
                    .client
                    .list_resource_record_sets()
                    .hosted_zone_id(zone_id)
                    .start_record_name(&start.0)
                    .set_start_record_type(start.1.clone())
                    .set_start_record_identifier(start.2.clone())
                    .max_items(self.page_size)
                    .send()
                    .await
                    .map_err(sdk_error)?;
                let mut past = false;
                for rr in resp.resource_record_sets() {
                    if normalize_name(rr.name()) != want {
                        // Listed in DNS order from `name` on: a different name means we are past it.
                        past = true;
                        break;
                    }
                    let r = record_from_sdk(rr);
                    let dup = out.iter().any(|o| {
                        o.record_type == r.record_type && o.set_identifier == r.set_identifier
                    });
                    if !dup {
                        out.push(r);
                    }
                }
                tracing::debug!(page, found = out.len(), "listed a page of record sets");
                if past || !resp.is_truncated() {
                    return Ok(out);
                }
                let Some(next_name) = resp.next_record_name() else {
                    return Ok(out);
                };
                let next = (
                    next_name.to_string(),
                    resp.next_record_type().cloned(),
                    resp.next_record_identifier().map(str::to_owned),
                );
                if normalize_name(&next.0) != want {
                    return Ok(out);
                }
                if next == start {
                    return Err(Route53Error::Other(format!(
                        "Route 53 pagination did not advance past {} {:?} {:?}",
                        next.0, next.1, next.2
                    )));
                }
                start = next;
            }
            Err(Route53Error::Other(format!(
                "more than {MAX_PAGES} pages of record sets named {name}"
            )))
        }
        .instrument(span)
        .await
    }

    /// The names (normal form) of every record set in the zone that has a set identifier: the
    /// routed records a global load balancer is made of. Follows pagination.
    pub async fn list_routed_names(&self, zone_id: &str) -> Result<Vec<String>, Route53Error> {
        let span = tracing::info_span!("route53", operation = "ListResourceRecordSets", zone_id);
        async {
            let mut names: Vec<String> = Vec::new();
            let mut start: Option<(String, Option<RrType>, Option<String>)> = None;
            for _ in 0..MAX_PAGES {
                let mut call = self
                    .client
                    .list_resource_record_sets()
                    .hosted_zone_id(zone_id)
                    .max_items(self.page_size);
                if let Some((name, ty, id)) = &start {
                    call = call
                        .start_record_name(name)
                        .set_start_record_type(ty.clone())
                        .set_start_record_identifier(id.clone());
                }
                let resp = call.send().await.map_err(sdk_error)?;
                for rr in resp.resource_record_sets() {
                    let name = normalize_name(rr.name());
                    if rr.set_identifier().is_some() && !names.contains(&name) {
                        names.push(name);
                    }
                }
                let next = resp.next_record_name().map(|n| {
                    (
                        n.to_string(),
                        resp.next_record_type().cloned(),
                        resp.next_record_identifier().map(str::to_owned),
                    )
                });
                match next {
                    Some(n) if resp.is_truncated() && Some(&n) != start.as_ref() => start = Some(n),
                    _ => return Ok(names),
                }
            }
            Err(Route53Error::Other(format!(
                "more than {MAX_PAGES} pages of record sets in zone {zone_id}"
            )))
        }
        .instrument(span)
        .await
    }

    /// One atomic ChangeBatch; returns the change id (without the `/change/` prefix).
    pub async fn change_records(
        &self,
        zone_id: &str,
        comment: &str,
        changes: &[RecordChange],
    ) -> Result<String, Route53Error> {
        let span = tracing::info_span!(
            "route53",
            operation = "ChangeResourceRecordSets",
            zone_id,
            changes = changes.len(),
            change_id = tracing::field::Empty
        );
        async {
            if changes.is_empty() {
                return Err(Route53Error::InvalidInput(
                    "a change batch needs at least one change".into(),
                ));
            }
            let batch = change_batch(comment, changes)?;
            let out = self
                .client
                .change_resource_record_sets()
                .hosted_zone_id(zone_id)
                .change_batch(batch)
                .send()
                .await
                .map_err(change_error)?;
            let id = out
                .change_info()
                .map(|c| trim_change_id(c.id()).to_string())
                .ok_or_else(|| {
                    Route53Error::Other("ChangeResourceRecordSets answered without a change".into())
                })?;
            tracing::Span::current().record("change_id", id.as_str());
            Ok(id)
        }
        .instrument(span)
        .await
    }

    /// Polls GetChange until INSYNC (backoff from 1 s up to 10 s, logging progress at info),
    /// until `timeout` or cancellation.
    pub async fn wait_insync(
        &self,
        change_id: &str,
        timeout: Duration,
        cancel: &CancellationToken,
    ) -> Result<(), Route53Error> {
        let span = tracing::info_span!("route53", operation = "GetChange", change_id);
        async {
            let started = Instant::now();
            let mut delay = FIRST_POLL;
            loop {
                let resp = tokio::select! {
                    biased;
                    _ = cancel.cancelled() => return Err(Route53Error::Cancelled),
                    r = self.client.get_change().id(change_id).send() => r.map_err(sdk_error)?,
                };
                let status = resp.change_info().map(|c| c.status().clone());
                if status == Some(ChangeStatus::Insync) {
                    tracing::info!(
                        waited_s = started.elapsed().as_secs(),
                        "Route 53 change is INSYNC"
                    );
                    return Ok(());
                }
                let waited = started.elapsed();
                if waited >= timeout {
                    return Err(Route53Error::Timeout {
                        change_id: change_id.to_string(),
                        waited,
                    });
                }
                tracing::info!(
                    status = status.as_ref().map_or("unknown", |s| s.as_str()),
                    waited_s = waited.as_secs(),
                    "waiting for the Route 53 change to be INSYNC"
                );
                let pause = delay.min(timeout - waited);
                tokio::select! {
                    biased;
                    _ = cancel.cancelled() => return Err(Route53Error::Cancelled),
                    _ = tokio::time::sleep(pause) => {}
                }
                delay = (delay * 2).min(LONGEST_POLL);
            }
        }
        .instrument(span)
        .await
    }
}

/// ChangeResourceRecordSets reports InvalidChangeBatch with a list of messages (AWS) or a single
/// message (moto): keep them all.
fn change_error<R: std::fmt::Debug>(
    err: SdkError<ChangeResourceRecordSetsError, R>,
) -> Route53Error {
    if let Some(ChangeResourceRecordSetsError::InvalidChangeBatch(b)) = err.as_service_error() {
        let mut parts: Vec<&str> = b.messages().iter().map(String::as_str).collect();
        if let Some(m) = b.message()
            && !parts.contains(&m)
        {
            parts.push(m);
        }
        return Route53Error::InvalidInput(format!("InvalidChangeBatch: {}", parts.join("; ")));
    }
    sdk_error(err)
}

fn trim_change_id(id: &str) -> &str {
    id.strip_prefix("/change/").unwrap_or(id)
}

fn with_dot(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

/// A DNS name as Route 53 compares it: `\DDD` octal escapes decoded (Route 53 lists `*` as
/// `\052`), ASCII lower case, one trailing dot.
pub fn normalize_name(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() + 1);
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).filter(|d| {
            bytes[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)) && d[0] <= b'3'
        });
        match octal {
            Some(d) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    let mut s = String::from_utf8_lossy(&out).to_ascii_lowercase();
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

fn health_check_config(spec: &HealthCheckSpec) -> Result<HealthCheckConfig, Route53Error> {
    if !matches!(spec.interval_seconds, 10 | 30) {
        return Err(Route53Error::InvalidInput(format!(
            "health check interval must be 10 or 30 seconds, not {}",
            spec.interval_seconds
        )));
    }
    if !(1..=10).contains(&spec.failure_threshold) {
        return Err(Route53Error::InvalidInput(format!(
            "health check failure threshold must be 1 to 10, not {}",
            spec.failure_threshold
        )));
    }
    if spec.ip_address.is_none() && spec.fqdn.is_none() {
        return Err(Route53Error::InvalidInput(
            "a health check needs an IP address or a domain name".into(),
        ));
    }
    if spec.protocol == HealthProtocol::Tcp && spec.path.is_some() {
        return Err(Route53Error::InvalidInput(
            "a TCP health check has no path".into(),
        ));
    }
    let kind = match spec.protocol {
        HealthProtocol::Http => HealthCheckType::Http,
        HealthProtocol::Https => HealthCheckType::Https,
        HealthProtocol::Tcp => HealthCheckType::Tcp,
    };
    HealthCheckConfig::builder()
        .r#type(kind)
        .set_ip_address(spec.ip_address.clone())
        .set_fully_qualified_domain_name(spec.fqdn.clone())
        .port(i32::from(spec.port))
        .set_resource_path(spec.path.clone())
        .request_interval(i32::from(spec.interval_seconds))
        .failure_threshold(i32::from(spec.failure_threshold))
        .build()
        .map_err(|e| build_error("health check", e))
}

/// Reads back what `health_check_config` wrote, filling Route 53's documented defaults (port by
/// type, interval 30, threshold 3) where the answer leaves them out. None for other kinds.
fn spec_from_config(c: &HealthCheckConfig) -> Option<HealthCheckSpec> {
    let protocol = match c.r#type() {
        HealthCheckType::Http => HealthProtocol::Http,
        HealthCheckType::Https => HealthProtocol::Https,
        HealthCheckType::Tcp => HealthProtocol::Tcp,
        _ => return None,
    };
    let default_port = if protocol == HealthProtocol::Https {
        443
    } else {
        80
    };
    let small = |v: Option<i32>, default: u8| v.map_or(default, |v| u8::try_from(v).unwrap_or(0));
    Some(HealthCheckSpec {
        protocol,
        ip_address: c.ip_address().map(str::to_owned),
        fqdn: c.fully_qualified_domain_name().map(str::to_owned),
        port: c
            .port()
            .map_or(default_port, |p| u16::try_from(p).unwrap_or(0)),
        path: match protocol {
            HealthProtocol::Tcp => None,
            _ => c.resource_path().map(str::to_owned),
        },
        interval_seconds: small(c.request_interval(), 30),
        failure_threshold: small(c.failure_threshold(), 3),
    })
}

fn routing_from_sdk(rr: &ResourceRecordSet) -> Routing {
    if let Some(f) = rr.failover() {
        let role = match f {
            ResourceRecordSetFailover::Primary => FailoverRole::Primary,
            _ => FailoverRole::Secondary,
        };
        Routing::Failover(role)
    } else if let Some(region) = rr.region() {
        Routing::Latency {
            region: region.as_str().to_string(),
        }
    } else if let Some(g) = rr.geo_location() {
        Routing::Geo {
            continent: g.continent_code().map(str::to_owned),
            country: g.country_code().map(str::to_owned),
        }
    } else if let Some(weight) = rr.weight() {
        Routing::Weighted { weight }
    } else {
        Routing::Simple
    }
}

fn record_from_sdk(rr: &ResourceRecordSet) -> RecordSet {
    RecordSet {
        name: normalize_name(rr.name()),
        record_type: rr.r#type().as_str().to_string(),
        set_identifier: rr.set_identifier().map(str::to_owned),
        ttl: rr.ttl(),
        values: rr
            .resource_records()
            .iter()
            .map(|v| v.value().to_string())
            .collect(),
        health_check_id: rr.health_check_id().map(str::to_owned),
        routing: routing_from_sdk(rr),
    }
}

fn record_to_sdk(r: &RecordSet) -> Result<ResourceRecordSet, Route53Error> {
    let values = r
        .values
        .iter()
        .map(|v| {
            ResourceRecord::builder()
                .value(v)
                .build()
                .map_err(|e| build_error("record value", e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut b = ResourceRecordSet::builder()
        .name(with_dot(&r.name))
        .r#type(RrType::from(r.record_type.as_str()))
        .set_set_identifier(r.set_identifier.clone())
        .set_ttl(r.ttl)
        .set_resource_records(Some(values))
        .set_health_check_id(r.health_check_id.clone());
    b = match &r.routing {
        Routing::Simple => b,
        Routing::Failover(FailoverRole::Primary) => b.failover(ResourceRecordSetFailover::Primary),
        Routing::Failover(FailoverRole::Secondary) => {
            b.failover(ResourceRecordSetFailover::Secondary)
        }
        Routing::Latency { region } => b.region(ResourceRecordSetRegion::from(region.as_str())),
        Routing::Geo { continent, country } => {
            if continent.is_none() && country.is_none() {
                return Err(Route53Error::InvalidInput(format!(
                    "geo record {} needs a continent or a country",
                    r.name
                )));
            }
            b.geo_location(
                GeoLocation::builder()
                    .set_continent_code(continent.clone())
                    .set_country_code(country.clone())
                    .build(),
            )
        }
        Routing::Weighted { weight } => b.weight(*weight),
    };
    b.build().map_err(|e| build_error("record set", e))
}

fn change_batch(comment: &str, changes: &[RecordChange]) -> Result<sdk::ChangeBatch, Route53Error> {
    let changes = changes
        .iter()
        .map(|c| {
            let action = match c.action {
                ChangeAction::Create => sdk::ChangeAction::Create,
                ChangeAction::Upsert => sdk::ChangeAction::Upsert,
                ChangeAction::Delete => sdk::ChangeAction::Delete,
            };
            sdk::Change::builder()
                .action(action)
                .resource_record_set(record_to_sdk(&c.record)?)
                .build()
                .map_err(|e| build_error("change", e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    sdk::ChangeBatch::builder()
        .set_comment((!comment.is_empty()).then(|| comment.to_string()))
        .set_changes(Some(changes))
        .build()
        .map_err(|e| build_error("change batch", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Setting;

    fn spec(protocol: HealthProtocol) -> HealthCheckSpec {
        HealthCheckSpec {
            protocol,
            ip_address: Some("192.0.2.10".into()),
            fqdn: None,
            port: 8443,
            path: (protocol != HealthProtocol::Tcp).then(|| "/healthz".into()),
            interval_seconds: 10,
            failure_threshold: 2,
        }
    }

    fn record(routing: Routing) -> RecordSet {
        RecordSet {
            name: "app.example.com.".into(),
            record_type: "A".into(),
            set_identifier: Some("one".into()),
            ttl: Some(60),
            values: vec!["192.0.2.1".into(), "192.0.2.2".into()],
            health_check_id: Some("hc-1".into()),
            routing,
        }
    }

    #[test]
    fn names_normalise_case_dot_and_octal_escapes() {
        assert_eq!(normalize_name("App.Example.COM"), "app.example.com.");
        assert_eq!(normalize_name("app.example.com."), "app.example.com.");
        assert_eq!(normalize_name("\\052.example.com."), "*.example.com.");
        assert_eq!(normalize_name("a\\100b.example.com"), "a@b.example.com.");
        // Not an escape: left as it is.
        assert_eq!(normalize_name("a\\9zz.example.com."), "a\\9zz.example.com.");
        assert_eq!(normalize_name("trail\\05"), "trail\\05.");
    }

    #[test]
    fn health_checks_round_trip_through_the_sdk_types() {
        for p in [
            HealthProtocol::Http,
            HealthProtocol::Https,
            HealthProtocol::Tcp,
        ] {
            let s = spec(p);
            let c = health_check_config(&s).unwrap();
            assert_eq!(spec_from_config(&c), Some(s));
        }
        let fqdn = HealthCheckSpec {
            ip_address: None,
            fqdn: Some("origin.example.net".into()),
            ..spec(HealthProtocol::Https)
        };
        assert_eq!(
            spec_from_config(&health_check_config(&fqdn).unwrap()),
            Some(fqdn)
        );
    }

    #[test]
    fn health_check_defaults_and_foreign_kinds() {
        let bare = HealthCheckConfig::builder()
            .r#type(HealthCheckType::Https)
            .ip_address("192.0.2.1")
            .build()
            .unwrap();
        let s = spec_from_config(&bare).unwrap();
        assert_eq!(
            (s.port, s.interval_seconds, s.failure_threshold, s.path),
            (443, 30, 3, None)
        );
        let calculated = HealthCheckConfig::builder()
            .r#type(HealthCheckType::Calculated)
            .build()
            .unwrap();
        assert_eq!(spec_from_config(&calculated), None);
        let tcp_with_path = HealthCheckConfig::builder()
            .r#type(HealthCheckType::Tcp)
            .ip_address("192.0.2.1")
            .resource_path("/ignored")
            .build()
            .unwrap();
        assert_eq!(spec_from_config(&tcp_with_path).unwrap().path, None);
    }

    #[test]
    fn invalid_health_checks_are_refused_before_sending() {
        let bad = [
            HealthCheckSpec {
                interval_seconds: 15,
                ..spec(HealthProtocol::Http)
            },
            HealthCheckSpec {
                failure_threshold: 0,
                ..spec(HealthProtocol::Http)
            },
            HealthCheckSpec {
                failure_threshold: 11,
                ..spec(HealthProtocol::Http)
            },
            HealthCheckSpec {
                ip_address: None,
                ..spec(HealthProtocol::Http)
            },
            HealthCheckSpec {
                path: Some("/".into()),
                ..spec(HealthProtocol::Tcp)
            },
        ];
        for s in bad {
            assert!(
                matches!(health_check_config(&s), Err(Route53Error::InvalidInput(_))),
                "{s:?}"
            );
        }
    }

    #[test]
    fn every_routing_policy_round_trips() {
        let policies = [
            Routing::Simple,
            Routing::Failover(FailoverRole::Primary),
            Routing::Failover(FailoverRole::Secondary),
            Routing::Latency {
                region: "eu-west-1".into(),
            },
            Routing::Geo {
                continent: Some("EU".into()),
                country: None,
            },
            Routing::Geo {
                continent: None,
                country: Some("*".into()),
            },
            Routing::Weighted { weight: 7 },
        ];
        for routing in policies {
            let r = record(routing);
            assert_eq!(record_from_sdk(&record_to_sdk(&r).unwrap()), r);
        }
        let empty_geo = record(Routing::Geo {
            continent: None,
            country: None,
        });
        assert!(matches!(
            record_to_sdk(&empty_geo),
            Err(Route53Error::InvalidInput(_))
        ));
    }

    #[test]
    fn listed_names_come_back_normalised() {
        let rr = ResourceRecordSet::builder()
            .name("\\052.Example.com.")
            .r#type(RrType::Cname)
            .ttl(30)
            .resource_records(
                ResourceRecord::builder()
                    .value("x.example.net.")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let r = record_from_sdk(&rr);
        assert_eq!(r.name, "*.example.com.");
        assert_eq!(r.record_type, "CNAME");
        assert_eq!(r.routing, Routing::Simple);
    }

    #[test]
    fn change_batches_keep_order_and_drop_empty_comments() {
        let changes = [
            RecordChange {
                action: ChangeAction::Delete,
                record: record(Routing::Weighted { weight: 1 }),
            },
            RecordChange {
                action: ChangeAction::Create,
                record: record(Routing::Failover(FailoverRole::Primary)),
            },
        ];
        let b = change_batch("", &changes).unwrap();
        assert_eq!(b.comment(), None);
        let actions: Vec<_> = b.changes().iter().map(|c| c.action().clone()).collect();
        assert_eq!(
            actions,
            [sdk::ChangeAction::Delete, sdk::ChangeAction::Create]
        );
        assert_eq!(
            change_batch("why", &changes).unwrap().comment(),
            Some("why")
        );
    }

    #[test]
    fn error_codes_are_classified() {
        let c = |code: &str| Route53Error::from_code(Some(code), Some("msg"), "fallback".into());
        assert!(
            matches!(c("NoSuchHealthCheck"), Route53Error::NotFound(m) if m == "NoSuchHealthCheck: msg")
        );
        assert!(matches!(c("NoSuchHostedZone"), Route53Error::NotFound(_)));
        assert!(matches!(
            c("InvalidChangeBatch"),
            Route53Error::InvalidInput(_)
        ));
        assert!(matches!(c("InvalidInput"), Route53Error::InvalidInput(_)));
        assert!(matches!(c("Throttling"), Route53Error::Throttled(_)));
        assert!(matches!(
            c("PriorRequestNotComplete"),
            Route53Error::Throttled(_)
        ));
        assert!(matches!(
            c("SignatureDoesNotMatch"),
            Route53Error::Denied(_)
        ));
        assert!(matches!(c("ServiceUnavailable"), Route53Error::Other(m) if m.contains("msg")));
        assert!(matches!(
            Route53Error::from_code(None, None, "dispatch failure".into()),
            Route53Error::Other(m) if m == "dispatch failure"
        ));
        assert_eq!(trim_change_id("/change/C123"), "C123");
        assert_eq!(trim_change_id("C123"), "C123");
    }

    #[test]
    fn diagnostics_carry_route53s_message() {
        let d = Route53Error::InvalidInput("InvalidChangeBatch: it already exists".into())
            .to_diagnostic("Route 53 rejected the record changes");
        let text = format!("{d:?}");
        assert!(
            text.contains("Route 53 rejected the record changes"),
            "{text}"
        );
        assert!(text.contains("it already exists"), "{text}");
    }

    #[tokio::test]
    async fn connect_checks_settings_without_network() {
        let base = AwsSettings {
            region: Setting::Unset,
            profile: Setting::Unset,
            access_key: Setting::Set("AKIDEXAMPLE".into()),
            secret_key: Setting::Set("secret".into()),
            endpoint: Setting::Set("http://127.0.0.1:1".into()),
        };
        assert!(Route53::connect(&base).await.is_ok());
        let half = AwsSettings {
            secret_key: Setting::Unset,
            ..base.clone()
        };
        let d = Route53::connect(&half).await.err().unwrap();
        assert!(format!("{d:?}").contains("aws.secret_key"));
        let unknown = AwsSettings {
            region: Setting::Unknown,
            ..base
        };
        assert!(Route53::connect(&unknown).await.is_err());
    }
}
