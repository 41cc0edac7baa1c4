//! What should exist in the DNS backend for a configuration: pure functions, so the mapping from
//! policy to Route 53 records or Cloudflare pools is tested without any API.

use std::collections::BTreeMap;

use crate::clients::cloudflare::{LoadBalancer, Monitor, Origin, Pool};
use crate::clients::route53::{FailoverRole, HealthCheckSpec, HealthProtocol, RecordSet, Routing};

use super::model::{Backend, State};
use super::regions;
use super::validate::{Effective, is_ipv4};

pub fn fqdn(hostname: &str) -> String {
    format!("{}.", hostname.trim_end_matches('.').to_ascii_lowercase())
}

fn backend_port(b: &Backend, e: &Effective) -> i64 {
    b.port.unwrap_or(e.port)
}

pub fn health_check(b: &Backend, e: &Effective) -> HealthCheckSpec {
    let address = b.address.clone().unwrap_or_default();
    let protocol = match e.protocol.as_str() {
        "HTTP" => HealthProtocol::Http,
        "TCP" => HealthProtocol::Tcp,
        _ => HealthProtocol::Https,
    };
    HealthCheckSpec {
        protocol,
        ip_address: is_ipv4(&address).then(|| address.clone()),
        fqdn: (!is_ipv4(&address)).then(|| address.clone()),
        port: backend_port(b, e) as u16,
        path: (protocol != HealthProtocol::Tcp).then(|| e.path.clone()),
        interval_seconds: e.knobs.interval as u8,
        failure_threshold: e.knobs.threshold as u8,
    }
}

/// The record sets of one backend (several for a geo backend serving several locations), without
/// the health check id, which is only known once the check exists.
pub fn records(name: &str, b: &Backend, c: &State, e: &Effective) -> Vec<RecordSet> {
    let address = b.address.clone().unwrap_or_default();
    let (record_type, value) = if is_ipv4(&address) {
        ("A", address)
    } else {
        ("CNAME", fqdn(&address))
    };
    let base = RecordSet {
        name: fqdn(c.hostname.as_deref().unwrap_or_default()),
        record_type: record_type.into(),
        set_identifier: Some(name.to_string()),
        ttl: Some(e.knobs.ttl),
        values: vec![value],
        health_check_id: None,
        routing: Routing::Simple,
    };
    let with = |routing: Routing, id: String| RecordSet {
        routing,
        set_identifier: Some(id),
        ..base.clone()
    };
    match c.policy.as_deref() {
        Some("failover") => {
            let role = if b.priority == Some(1) {
                FailoverRole::Primary
            } else {
                FailoverRole::Secondary
            };
            vec![with(Routing::Failover(role), name.to_string())]
        }
        Some("latency") => {
            let region = regions::aws_latency_region(
                b.cloud.as_deref().unwrap_or(""),
                b.region.as_deref().unwrap_or(""),
            )
            .unwrap_or_default()
            .to_string();
            vec![with(Routing::Latency { region }, name.to_string())]
        }
        Some("geo") => b
            .geo
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|code| {
                let (routing, suffix) = match code.as_str() {
                    "*" => (
                        Routing::Geo {
                            continent: None,
                            country: Some("*".into()),
                        },
                        "default".to_string(),
                    ),
                    c if c.len() == 2
                        && ["AF", "AN", "AS", "EU", "NA", "OC", "SA"].contains(&c) =>
                    {
                        (
                            Routing::Geo {
                                continent: Some(code.clone()),
                                country: None,
                            },
                            code.to_ascii_lowercase(),
                        )
                    }
                    _ => (
                        Routing::Geo {
                            continent: None,
                            country: Some(code.clone()),
                        },
                        code.to_ascii_lowercase(),
                    ),
                };
                with(routing, format!("{name}-{suffix}"))
            })
            .collect(),
        Some("weighted") => vec![with(
            Routing::Weighted {
                weight: b.weight.unwrap_or(0),
            },
            name.to_string(),
        )],
        _ => vec![base],
    }
}

pub fn monitor(name: &str, b: &Backend, c: &State, e: &Effective) -> Monitor {
    let http = e.protocol != "TCP";
    Monitor {
        kind: e.protocol.to_ascii_lowercase(),
        port: backend_port(b, e) as u16,
        path: http.then(|| e.path.clone()),
        interval: e.knobs.interval as u32,
        timeout: super::failover::cloudflare_probe_timeout(e.knobs.interval) as u32,
        retries: super::failover::CLOUDFLARE_RETRIES as u32,
        consecutive_up: 2,
        consecutive_down: e.knobs.threshold as u32,
        expected_codes: http.then(|| "2xx".to_string()),
        method: http.then(|| "GET".to_string()),
        // Unique per resource: the client recognises its own half-made creates by it.
        description: format!(
            "multicloud {} backend {name}",
            c.hostname.as_deref().unwrap_or_default()
        ),
    }
    .canonical()
}

pub fn pool_name(hostname: &str, backend: &str) -> String {
    format!(
        "{}-{backend}",
        hostname.trim_end_matches('.').replace('.', "-")
    )
}

pub fn pool(name: &str, b: &Backend, c: &State, monitor_id: &str) -> Pool {
    let hostname = c.hostname.clone().unwrap_or_default();
    Pool {
        name: pool_name(&hostname, name),
        description: format!(
            "multicloud {hostname}: {} {}",
            b.cloud.as_deref().unwrap_or(""),
            b.region.as_deref().unwrap_or("")
        ),
        enabled: true,
        origins: vec![Origin {
            name: name.to_string(),
            address: b.address.clone().unwrap_or_default(),
            enabled: true,
            weight: 1.0,
        }],
        monitor: Some(monitor_id.to_string()),
    }
}

/// The load balancer steering traffic over the backends' pools (`pool_ids` by backend name).
pub fn load_balancer(
    c: &State,
    e: &Effective,
    proxied: bool,
    pool_ids: &BTreeMap<String, String>,
) -> LoadBalancer {
    let backends = c.backends.clone().unwrap_or_default();
    let mut default_pools: Vec<String> = pool_ids.values().cloned().collect();
    let mut lb = LoadBalancer {
        name: c
            .hostname
            .clone()
            .unwrap_or_default()
            .trim_end_matches('.')
            .to_ascii_lowercase(),
        description: "managed by terraform-provider-multicloud".into(),
        proxied,
        ttl: (!proxied).then_some(e.knobs.ttl as u32),
        steering_policy: "off".into(),
        default_pools: Vec::new(),
        fallback_pool: String::new(),
        region_pools: BTreeMap::new(),
        country_pools: BTreeMap::new(),
        pool_weights: BTreeMap::new(),
    };
    match c.policy.as_deref() {
        Some("failover") => {
            let mut ordered: Vec<(i64, &String)> = backends
                .iter()
                .map(|(n, b)| (b.priority.unwrap_or(i64::MAX), n))
                .collect();
            ordered.sort();
            default_pools = ordered
                .iter()
                .filter_map(|(_, n)| pool_ids.get(*n).cloned())
                .collect();
        }
        Some("latency") => lb.steering_policy = "dynamic_latency".into(),
        Some("geo") => {
            lb.steering_policy = "geo".into();
            default_pools.clear();
            for (n, b) in &backends {
                let Some(pool) = pool_ids.get(n) else {
                    continue;
                };
                for code in b.geo.clone().unwrap_or_default() {
                    let cf_regions = regions::cloudflare_regions(&code);
                    if code == "*" {
                        default_pools.push(pool.clone());
                    } else if !cf_regions.is_empty() {
                        for r in cf_regions {
                            lb.region_pools
                                .entry((*r).to_string())
                                .or_default()
                                .push(pool.clone());
                        }
                    } else if code != "AN" {
                        lb.country_pools
                            .entry(code.clone())
                            .or_default()
                            .push(pool.clone());
                    }
                }
            }
        }
        Some("weighted") => {
            // Cloudflare weights are 0 to 1 in steps of 0.01 and relative: scale to the largest.
            lb.steering_policy = "random".into();
            let max = backends
                .values()
                .filter_map(|b| b.weight)
                .max()
                .unwrap_or(1)
                .max(1) as f64;
            for (n, b) in &backends {
                if let Some(pool) = pool_ids.get(n) {
                    let share = (b.weight.unwrap_or(0) as f64 / max * 100.0).round() / 100.0;
                    lb.pool_weights.insert(pool.clone(), share);
                }
            }
        }
        _ => {}
    }
    lb.fallback_pool = default_pools.last().cloned().unwrap_or_default();
    lb.default_pools = default_pools;
    lb.canonical()
}
