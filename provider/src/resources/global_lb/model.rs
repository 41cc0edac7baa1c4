//! The schema of `multicloud_global_lb` and the typed shapes of its configuration and state.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tfplugin::schema::{BlockNesting, NestedBlock, Nesting};
use tfplugin::validators::{IntBetween, OneOf};
use tfplugin::{Attribute, Block, Schema, Type};

pub const POLICIES: &[&str] = &["failover", "latency", "geo", "weighted"];
pub const PROTOCOLS: &[&str] = &["HTTP", "HTTPS", "TCP"];

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Route53Config {
    pub zone_id: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct CloudflareConfig {
    pub zone_id: Option<String>,
    pub proxied: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct HealthCheckConfig {
    pub protocol: Option<String>,
    pub port: Option<i64>,
    pub path: Option<String>,
    pub interval_seconds: Option<i64>,
    pub failure_threshold: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Backend {
    pub cloud: Option<String>,
    pub region: Option<String>,
    pub address: Option<String>,
    pub port: Option<i64>,
    pub weight: Option<i64>,
    pub priority: Option<i64>,
    pub geo: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct BackendStatus {
    pub health_check_id: Option<String>,
    pub record_id: Option<String>,
    pub healthy: Option<bool>,
    /// False when the last refresh found this backend's objects changed out of band: the next
    /// plan then shows a repair.
    pub in_sync: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct State {
    pub id: Option<String>,
    pub hostname: Option<String>,
    pub route53: Option<Route53Config>,
    pub cloudflare: Option<CloudflareConfig>,
    pub policy: Option<String>,
    pub backends: Option<BTreeMap<String, Backend>>,
    pub health_check: Option<HealthCheckConfig>,
    pub ttl: Option<i64>,
    pub max_failover_seconds: Option<i64>,
    pub estimated_failover_seconds: Option<i64>,
    /// Cloudflare only: the load balancer's id.
    pub load_balancer_id: Option<String>,
    pub backend_status: Option<BTreeMap<String, BackendStatus>>,
}

pub fn status_type() -> Type {
    Type::object([
        ("health_check_id", Type::String),
        ("record_id", Type::String),
        ("healthy", Type::Bool),
        ("in_sync", Type::Bool),
    ])
}

pub fn schema() -> Schema {
    let backend = vec![
        Attribute::new("cloud", Type::String)
            .required()
            .validate(OneOf(&["aws", "gcp", "azure"]))
            .describe("Where the backend runs: `aws`, `gcp` or `azure`."),
        Attribute::new("region", Type::String)
            .required()
            .describe("The backend's region; for `latency` routing on Route 53 it must be an AWS region."),
        Attribute::new("address", Type::String)
            .required()
            .describe("IPv4 address or hostname the hostname resolves to and the health check probes."),
        Attribute::new("port", Type::Number)
            .optional()
            .validate(IntBetween(1, 65535))
            .describe("Port the health check probes; default the health_check port."),
        Attribute::new("weight", Type::Number)
            .optional()
            .validate(IntBetween(0, 255))
            .describe("`weighted` policy: relative share of traffic, 0 to 255 (Route 53's range)."),
        Attribute::new("priority", Type::Number)
            .optional()
            .validate(IntBetween(1, 100))
            .describe("`failover` policy: 1 for the primary; larger numbers are tried in order after it."),
        Attribute::new("geo", Type::list(Type::String))
            .optional()
            .describe("`geo` policy: continent codes (AF, AN, AS, EU, NA, OC, SA), ISO country codes, or `*` for the default answer."),
    ];
    let route53 = Block::new("Route 53 as the DNS backend.").attr(
        Attribute::new("zone_id", Type::String)
            .optional()
            .describe("Hosted zone id that contains `hostname`."),
    );
    let cloudflare = Block::new("Cloudflare Load Balancing as the DNS backend.")
        .attr(
            Attribute::new("zone_id", Type::String)
                .optional()
                .describe("Zone id that contains `hostname`."),
        )
        .attr(Attribute::new("proxied", Type::Bool).optional().describe(
            "Serve through Cloudflare's proxy (no DNS TTL in the failover path). Default false.",
        ));
    let health = Block::new("How each backend is probed. Limits depend on the DNS backend and are checked at plan.")
        .attr(
            Attribute::new("protocol", Type::String)
                .optional()
                .validate(OneOf(PROTOCOLS))
                .describe("HTTP, HTTPS or TCP. Default HTTPS."),
        )
        .attr(Attribute::new("port", Type::Number).optional().validate(IntBetween(1, 65535)).describe("Default 443."))
        .attr(Attribute::new("path", Type::String).optional().describe("HTTP(S) path. Default `/healthz`."))
        .attr(
            Attribute::new("interval_seconds", Type::Number)
                .optional()
                .describe("Seconds between probes: Route 53 10 or 30; Cloudflare 10 to 3600. Default 30 (Route 53) / 60 (Cloudflare)."),
        )
        .attr(
            Attribute::new("failure_threshold", Type::Number)
                .optional()
                .describe("Consecutive failures before a backend is unhealthy, 1 to 10. Default 3."),
        );
    Schema::new(
        0,
        Block::new(
            "One global hostname over clusters in several clouds, with health checks and failover, latency, geo or \
             weighted routing, on Route 53 or Cloudflare. The plan tells how long a failover takes and refuses \
             configurations slower than `max_failover_seconds`.",
        )
        .attr(Attribute::new("id", Type::String).computed().use_state_for_unknown().describe("`<backend>:<zone>:<hostname>`."))
        .attr(
            Attribute::new("hostname", Type::String)
                .required()
                .requires_replace()
                .describe("The fully qualified name clients use, inside the DNS zone."),
        )
        .block(NestedBlock::new("route53", BlockNesting::Single, route53))
        .block(NestedBlock::new("cloudflare", BlockNesting::Single, cloudflare))
        .attr(
            Attribute::new("policy", Type::String)
                .required()
                .validate(OneOf(POLICIES))
                .describe("`failover`, `latency`, `geo` or `weighted`."),
        )
        .attr(
            Attribute::nested("backends", Nesting::Map, backend)
                .required()
                .describe("The backends, keyed by a stable name (used in record and pool names)."),
        )
        .block(NestedBlock::new("health_check", BlockNesting::Single, health))
        .attr(
            Attribute::new("ttl", Type::Number)
                .optional()
                .validate(IntBetween(1, 86400))
                .describe("DNS TTL of the answers. Default 60. Not used by proxied Cloudflare hostnames."),
        )
        .attr(
            Attribute::new("max_failover_seconds", Type::Number)
                .optional()
                .validate(IntBetween(1, 86400))
                .describe("Failover-time budget: a plan whose estimate exceeds it fails and says which settings fit."),
        )
        .attr(
            Attribute::new("estimated_failover_seconds", Type::Number)
                .computed()
                .describe("Detection (interval × threshold) + the backend's aggregation + TTL, known at plan."),
        )
        .attr(
            Attribute::new("load_balancer_id", Type::String)
                .computed()
                .describe("Cloudflare: the load balancer's id (null on Route 53)."),
        )
        .attr(
            Attribute::new("backend_status", Type::map(status_type()))
                .computed()
                .describe("By backend: `health_check_id` (Route 53 health check or Cloudflare monitor), `record_id` (Route 53 set identifiers or Cloudflare pool id), `healthy` where the API reports it, `in_sync` (false when the last refresh found drift, which the next apply repairs)."),
        ),
    )
}

pub fn value_type() -> Type {
    schema().value_type()
}

/// The type of one top-level attribute.
pub fn attr_type(name: &str) -> Type {
    schema().attribute_type(name)
}
