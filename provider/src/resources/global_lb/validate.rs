//! Plan-time checks: every rule the DNS backend and the routing policy impose, each a diagnostic
//! on the attribute that breaks it, before any API call.

use std::collections::BTreeMap;

use tfplugin::{Diagnostic, Diagnostics, Path};

use super::failover::{self, DnsBackend, Knobs};
use super::model::{Backend, State};
use super::regions;

pub const DEFAULT_TTL: i64 = 60;
pub const DEFAULT_PORT: i64 = 443;
pub const DEFAULT_PATH: &str = "/healthz";
pub const DEFAULT_THRESHOLD: i64 = 3;

/// The effective settings after defaults, when the configuration names exactly one DNS backend.
pub struct Effective {
    pub backend: DnsBackend,
    pub zone_id: String,
    pub knobs: Knobs,
    pub protocol: String,
    pub port: i64,
    pub path: String,
}

fn at_backend(name: &str, attr: &str) -> Path {
    Path::root().attr("backends").key(name).attr(attr)
}

pub fn effective(c: &State) -> Result<Effective, Diagnostics> {
    let (backend, zone) = match (&c.route53, &c.cloudflare) {
        (Some(r), None) => (DnsBackend::Route53, r.zone_id.clone()),
        (None, Some(cf)) => (
            DnsBackend::Cloudflare {
                proxied: cf.proxied.unwrap_or(false),
            },
            cf.zone_id.clone(),
        ),
        (Some(_), Some(_)) => {
            return Err(Diagnostic::error(
                "Two DNS backends",
                "Give exactly one of the route53 { ... } and cloudflare { ... } blocks.",
            )
            .at(Path::root().attr("cloudflare"))
            .into());
        }
        (None, None) => {
            return Err(Diagnostic::error(
                "No DNS backend",
                "Give exactly one of route53 { zone_id = ... } or cloudflare { zone_id = ... }.",
            )
            .at(Path::root().attr("route53"))
            .into());
        }
    };
    let block = if backend == DnsBackend::Route53 {
        "route53"
    } else {
        "cloudflare"
    };
    let zone_id = zone.filter(|z| !z.is_empty()).ok_or_else(|| {
        Diagnostics::from(
            Diagnostic::error(
                "Missing zone_id",
                format!("{block}.zone_id names the DNS zone that holds the hostname."),
            )
            .at(Path::root().attr(block).attr("zone_id")),
        )
    })?;
    let hc = c.health_check.clone().unwrap_or_default();
    let default_interval = if backend == DnsBackend::Route53 {
        30
    } else {
        60
    };
    Ok(Effective {
        backend,
        zone_id,
        knobs: Knobs {
            interval: hc.interval_seconds.unwrap_or(default_interval),
            threshold: hc.failure_threshold.unwrap_or(DEFAULT_THRESHOLD),
            ttl: c.ttl.unwrap_or(DEFAULT_TTL),
        },
        protocol: hc.protocol.unwrap_or_else(|| "HTTPS".into()),
        port: hc.port.unwrap_or(DEFAULT_PORT),
        path: hc.path.unwrap_or_else(|| DEFAULT_PATH.into()),
    })
}

pub fn valid_hostname(h: &str) -> bool {
    let h = h.trim_end_matches('.');
    !h.is_empty()
        && h.len() <= 253
        && h.split('.').count() >= 2
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

pub fn is_ipv4(s: &str) -> bool {
    s.parse::<std::net::Ipv4Addr>().is_ok()
}

const CONTINENTS: &[&str] = &["AF", "AN", "AS", "EU", "NA", "OC", "SA"];

fn valid_geo_code(code: &str) -> bool {
    code == "*"
        || CONTINENTS.contains(&code)
        || (code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()))
}

/// Every rule, collected; `Ok` carries the effective settings.
pub fn check(c: &State) -> Result<Effective, Diagnostics> {
    let mut d = Diagnostics::new();
    let hostname = c.hostname.clone().unwrap_or_default();
    if !valid_hostname(&hostname) {
        d.error_at(
            Path::root().attr("hostname"),
            "Invalid hostname",
            format!("hostname must be a fully qualified DNS name such as app.example.com (labels of letters, digits and '-', at most 63 characters each); got \"{hostname}\"."),
        );
    }
    let eff = match effective(c) {
        Ok(e) => Some(e),
        Err(e) => {
            d.extend(e);
            None
        }
    };
    let backends = c.backends.clone().unwrap_or_default();
    if backends.is_empty() {
        d.error_at(
            Path::root().attr("backends"),
            "No backends",
            "Give at least one backend.",
        );
    }
    for (name, b) in &backends {
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            || name.is_empty()
            || name.len() > 32
        {
            d.error_at(
                Path::root().attr("backends").key(name),
                "Invalid backend name",
                format!("Backend names become record set identifiers and pool names: 1 to 32 letters, digits, '-' or '_'; got \"{name}\"."),
            );
        }
        let address = b.address.clone().unwrap_or_default();
        if !is_ipv4(&address) && !valid_hostname(&address) {
            d.error_at(
                at_backend(name, "address"),
                "Invalid backend address",
                format!("address must be an IPv4 address or a hostname; got \"{address}\"."),
            );
        }
    }
    if let Some(e) = &eff {
        check_health(e, c, &mut d);
        check_policy(e, c.policy.as_deref().unwrap_or(""), &backends, &mut d);
        if let (DnsBackend::Cloudflare { proxied: true }, Some(_)) = (e.backend, c.ttl) {
            d.push(
                Diagnostic::warning(
                    "ttl has no effect",
                    "A proxied Cloudflare hostname is answered by Cloudflare's edge with its own addresses; the ttl is not used.",
                )
                .at(Path::root().attr("ttl")),
            );
        }
        if let Some(budget) = c.max_failover_seconds {
            let est = failover::estimate(e.backend, e.knobs);
            if est > budget {
                let fix = match failover::suggest(e.backend, e.knobs, budget) {
                    Some((k, _)) => format!("For example: {}.", failover::describe(e.backend, k)),
                    None => "No allowed combination of interval, threshold and ttl reaches it on this DNS backend.".into(),
                };
                d.error_at(
                    Path::root().attr("max_failover_seconds"),
                    "Failover would take longer than allowed",
                    format!(
                        "Estimated failover is {est} s ({}), over max_failover_seconds = {budget}. {fix}",
                        failover::describe(e.backend, e.knobs)
                    ),
                );
            }
        }
    }
    d.into_result()?;
    eff.ok_or_else(Diagnostics::new)
}

fn check_health(e: &Effective, c: &State, d: &mut Diagnostics) {
    let hc = Path::root().attr("health_check");
    if !e.backend.interval_ok(e.knobs.interval) {
        let allowed = match e.backend {
            DnsBackend::Route53 => {
                "10 or 30 (Route 53's fast and standard health checks)".to_string()
            }
            DnsBackend::Cloudflare { .. } => "10 to 3600 (Cloudflare monitors)".to_string(),
        };
        d.error_at(
            hc.attr("interval_seconds"),
            "Interval not allowed",
            format!(
                "health_check.interval_seconds must be {allowed}; got {}.",
                e.knobs.interval
            ),
        );
    }
    if !e.backend.threshold_range().contains(&e.knobs.threshold) {
        d.error_at(
            hc.attr("failure_threshold"),
            "Threshold not allowed",
            format!(
                "health_check.failure_threshold must be from 1 to 10; got {}.",
                e.knobs.threshold
            ),
        );
    }
    if e.protocol == "TCP"
        && c.health_check
            .as_ref()
            .and_then(|h| h.path.as_ref())
            .is_some()
    {
        d.error_at(
            hc.attr("path"),
            "Path on a TCP check",
            "health_check.path applies to HTTP and HTTPS checks only.",
        );
    }
    if !e.path.starts_with('/') {
        d.error_at(
            hc.attr("path"),
            "Invalid path",
            format!("health_check.path must start with '/'; got \"{}\".", e.path),
        );
    }
}

fn check_policy(
    e: &Effective,
    policy: &str,
    backends: &BTreeMap<String, Backend>,
    d: &mut Diagnostics,
) {
    match policy {
        "failover" => {
            let mut by_priority: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
            for (name, b) in backends {
                match b.priority {
                    Some(p) => by_priority.entry(p).or_default().push(name),
                    None => d.error_at(
                        at_backend(name, "priority"),
                        "Missing priority",
                        "The failover policy needs a priority on every backend: 1 for the primary, then 2, 3, ...",
                    ),
                }
            }
            let primaries = by_priority.get(&1).map_or(0, Vec::len);
            if primaries != 1 {
                d.error_at(
                    Path::root().attr("backends"),
                    "Failover needs exactly one primary",
                    format!("Exactly one backend must have priority = 1; {primaries} do."),
                );
            }
            for (p, names) in &by_priority {
                if names.len() > 1 && *p != 1 {
                    d.error_at(
                        at_backend(names[1], "priority"),
                        "Duplicate priority",
                        format!(
                            "Backends {} share priority {p}; failover order must be unambiguous.",
                            names.join(", ")
                        ),
                    );
                }
            }
            if e.backend == DnsBackend::Route53 && backends.len() != 2 {
                d.error_at(
                    Path::root().attr("backends"),
                    "Route 53 failover takes two backends",
                    format!("Route 53 failover routing has one PRIMARY and one SECONDARY record per name; {} backends were given. Use Cloudflare for longer failover chains.", backends.len()),
                );
            }
        }
        "latency" if e.backend == DnsBackend::Route53 => {
            for (name, b) in backends {
                let region = b.region.clone().unwrap_or_default();
                if regions::aws_latency_region(b.cloud.as_deref().unwrap_or(""), &region).is_none()
                {
                    d.error_at(
                            at_backend(name, "region"),
                            "No latency region",
                            format!("Route 53 latency routing needs an AWS region; \"{region}\" is not one, and no nearby AWS region is known for it. Use an AWS region name such as eu-west-1."),
                        );
                }
            }
        }
        "geo" => {
            let mut seen: BTreeMap<String, String> = BTreeMap::new();
            for (name, b) in backends {
                let codes = b.geo.clone().unwrap_or_default();
                if codes.is_empty() {
                    d.error_at(
                        at_backend(name, "geo"),
                        "Missing geo",
                        "The geo policy needs, on every backend, the locations it serves: continent codes (AF, AN, AS, EU, NA, OC, SA), ISO country codes, or \"*\" for the default.",
                    );
                }
                for code in codes {
                    if !valid_geo_code(&code) {
                        d.error_at(
                            at_backend(name, "geo"),
                            "Unknown location",
                            format!("\"{code}\" is not a continent code (AF, AN, AS, EU, NA, OC, SA), a two-letter ISO country code, or \"*\"."),
                        );
                    } else if let Some(other) = seen.insert(code.clone(), name.clone()) {
                        d.error_at(
                            at_backend(name, "geo"),
                            "Location served twice",
                            format!("\"{code}\" is already served by backend \"{other}\"; each location needs one answer."),
                        );
                    }
                }
            }
            if !seen.contains_key("*") {
                d.error_at(
                    Path::root().attr("backends"),
                    "Geo routing needs a default",
                    "Add \"*\" to one backend's geo list: clients from locations no backend names get that answer (without it Route 53 answers them with nothing).",
                );
            }
        }
        "weighted" => {
            let mut total = 0;
            for (name, b) in backends {
                match b.weight {
                    Some(w) => total += w,
                    None => d.error_at(
                        at_backend(name, "weight"),
                        "Missing weight",
                        "The weighted policy needs a weight (0 to 255) on every backend.",
                    ),
                }
            }
            if total == 0 && backends.values().all(|b| b.weight.is_some()) {
                d.error_at(Path::root().attr("backends"), "All weights are 0", "At least one backend needs a weight above 0, or no traffic would be sent anywhere.");
            }
        }
        _ => {}
    }
}
