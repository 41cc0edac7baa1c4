//! `[global_lb]`: one hostname in front of the clusters (`multicloud_global_lb` in
//! `environments/global`). The checks are the provider's plan-time rules that need nothing but the
//! description, so a bad one fails at generation instead of at the first plan; the failover-time
//! budget is left to the provider's plan, which says which settings would fit.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::{Cluster, Platform, valid_hostname};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalLb {
    /// The fully qualified name clients use.
    pub hostname: String,
    /// `route53` or `cloudflare`.
    pub dns: String,
    /// The zone that holds `hostname`.
    pub zone_id: String,
    /// Cloudflare only: serve through Cloudflare's proxy.
    pub proxied: Option<bool>,
    /// `failover`, `latency`, `geo` or `weighted`.
    pub policy: String,
    /// The clusters behind the hostname, default all; for `failover`, in priority order.
    pub clusters: Option<Vec<String>>,
    pub ttl: Option<i64>,
    pub max_failover_seconds: Option<i64>,
    pub health_check: Option<HealthCheck>,
    /// `weighted`: by cluster, 0 to 255; clusters left out weigh [`DEFAULT_WEIGHT`].
    #[serde(default)]
    pub weights: BTreeMap<String, i64>,
    /// `geo`: by cluster, the locations it serves (continent or country codes, `*` for the rest).
    #[serde(default)]
    pub geo: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    pub protocol: Option<String>,
    pub port: Option<i64>,
    pub path: Option<String>,
    pub interval_seconds: Option<i64>,
    pub failure_threshold: Option<i64>,
}

pub const DEFAULT_WEIGHT: i64 = 100;
const POLICIES: [&str; 4] = ["failover", "latency", "geo", "weighted"];
const CONTINENTS: [&str; 7] = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"];

fn valid_geo_code(code: &str) -> bool {
    code == "*"
        || CONTINENTS.contains(&code)
        || (code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()))
}

impl GlobalLb {
    /// The backend clusters, in the order given (failover priority) or `[[clusters]]` order.
    pub fn backends<'a>(&self, p: &'a Platform) -> Vec<&'a Cluster> {
        match &self.clusters {
            Some(names) => names.iter().filter_map(|n| p.cluster(n)).collect(),
            None => p.clusters.iter().collect(),
        }
    }

    pub fn is_route53(&self) -> bool {
        self.dns == "route53"
    }

    pub(super) fn problems(&self, p: &Platform) -> Vec<String> {
        let mut e = Vec::new();
        if !valid_hostname(&self.hostname) {
            e.push(format!(
                "global_lb.hostname: {:?} must be a fully qualified DNS name such as app.example.com",
                self.hostname
            ));
        }
        match self.dns.as_str() {
            "route53" | "cloudflare" => {}
            other => e.push(format!(
                "global_lb.dns: {other:?} must be \"route53\" or \"cloudflare\""
            )),
        }
        if self.zone_id.trim().is_empty() {
            e.push(format!(
                "global_lb.zone_id: the {} zone that holds the hostname; must not be empty",
                self.dns
            ));
        }
        if self.proxied.is_some() && self.dns != "cloudflare" {
            e.push(
                "global_lb.proxied: only Cloudflare proxies; remove it with dns = \"route53\""
                    .into(),
            );
        }
        if !POLICIES.contains(&self.policy.as_str()) {
            e.push(format!(
                "global_lb.policy: {:?} must be one of {}",
                self.policy,
                POLICIES.join(", ")
            ));
        }
        if let Some(names) = &self.clusters {
            if names.is_empty() {
                e.push(
                    "global_lb.clusters: name at least one cluster (or leave it out for all)"
                        .into(),
                );
            }
            let mut seen = BTreeSet::new();
            for (i, n) in names.iter().enumerate() {
                if p.cluster(n).is_none() {
                    e.push(format!(
                        "global_lb.clusters[{i}]: no cluster is named {n:?}"
                    ));
                }
                if !seen.insert(n) {
                    e.push(format!("global_lb.clusters[{i}]: {n:?} is listed twice"));
                }
            }
        }
        let backends = self.backends(p);
        let in_lb = |n: &str| backends.iter().any(|c| c.name == n);
        if self.policy == "failover" && self.is_route53() && backends.len() != 2 {
            e.push(format!(
                "global_lb.clusters: Route 53 failover routing takes exactly two clusters (primary, then secondary); {} are behind the hostname. List two, or use dns = \"cloudflare\" for a longer chain",
                backends.len()
            ));
        }
        if !self.weights.is_empty() && self.policy != "weighted" {
            e.push("global_lb.weights: only policy \"weighted\" uses weights".into());
        }
        for (n, w) in &self.weights {
            if !in_lb(n) {
                e.push(format!(
                    "global_lb.weights.{n}: {n:?} is not behind the hostname"
                ));
            }
            if !(0..=255).contains(w) {
                e.push(format!("global_lb.weights.{n}: {w} must be from 0 to 255"));
            }
        }
        if self.policy == "weighted"
            && backends
                .iter()
                .all(|c| self.weights.get(&c.name).copied().unwrap_or(DEFAULT_WEIGHT) == 0)
        {
            e.push("global_lb.weights: at least one cluster needs a weight above 0".into());
        }
        if !self.geo.is_empty() && self.policy != "geo" {
            e.push("global_lb.geo: only policy \"geo\" uses locations".into());
        }
        if self.policy == "geo" {
            self.geo_problems(&backends, &mut e);
        }
        if let Some(t) = self.ttl
            && !(1..=86400).contains(&t)
        {
            e.push(format!(
                "global_lb.ttl: {t} must be from 1 to 86400 seconds"
            ));
        }
        // The provider only warns, and a warning fails the generated tree's checks.
        if self.ttl.is_some() && self.proxied == Some(true) {
            e.push("global_lb.ttl: Cloudflare's edge answers a proxied hostname, so there is no DNS TTL; remove ttl".into());
        }
        if let Some(m) = self.max_failover_seconds
            && !(1..=86400).contains(&m)
        {
            e.push(format!(
                "global_lb.max_failover_seconds: {m} must be from 1 to 86400"
            ));
        }
        if let Some(h) = &self.health_check {
            self.health_problems(h, &mut e);
        }
        e
    }

    fn geo_problems(&self, backends: &[&Cluster], e: &mut Vec<String>) {
        let mut served: BTreeMap<&str, &str> = BTreeMap::new();
        for c in backends {
            let codes = self.geo.get(&c.name).map(Vec::as_slice).unwrap_or_default();
            if codes.is_empty() {
                e.push(format!(
                    "global_lb.geo.{}: policy \"geo\" needs the locations each cluster serves (continent codes AF, AN, AS, EU, NA, OC, SA, ISO country codes, or \"*\" for the rest)",
                    c.name
                ));
            }
            for code in codes {
                if !valid_geo_code(code) {
                    e.push(format!(
                        "global_lb.geo.{}: {code:?} is not a continent code, a two-letter ISO country code or \"*\"",
                        c.name
                    ));
                } else if let Some(other) = served.insert(code, &c.name) {
                    e.push(format!(
                        "global_lb.geo.{}: {code:?} is already served by {other:?}",
                        c.name
                    ));
                }
            }
        }
        for n in self.geo.keys() {
            if !backends.iter().any(|c| &c.name == n) {
                e.push(format!(
                    "global_lb.geo.{n}: {n:?} is not behind the hostname"
                ));
            }
        }
        if !served.contains_key("*") {
            e.push(
                "global_lb.geo: give one cluster \"*\", the answer for locations no cluster names"
                    .into(),
            );
        }
    }

    fn health_problems(&self, h: &HealthCheck, e: &mut Vec<String>) {
        let protocol = h.protocol.as_deref().unwrap_or("HTTPS");
        if !["HTTP", "HTTPS", "TCP"].contains(&protocol) {
            e.push(format!(
                "global_lb.health_check.protocol: {protocol:?} must be HTTP, HTTPS or TCP"
            ));
        }
        if let Some(port) = h.port
            && !(1..=65535).contains(&port)
        {
            e.push(format!(
                "global_lb.health_check.port: {port} must be from 1 to 65535"
            ));
        }
        if let Some(path) = &h.path {
            if protocol == "TCP" {
                e.push("global_lb.health_check.path: a TCP check has no path".into());
            } else if !path.starts_with('/') {
                e.push(format!(
                    "global_lb.health_check.path: {path:?} must start with '/'"
                ));
            }
        }
        if let Some(i) = h.interval_seconds {
            let ok = if self.is_route53() {
                i == 10 || i == 30
            } else {
                (10..=3600).contains(&i)
            };
            if !ok {
                e.push(format!(
                    "global_lb.health_check.interval_seconds: {i} must be {}",
                    if self.is_route53() {
                        "10 or 30 (Route 53's fast and standard checks)"
                    } else {
                        "from 10 to 3600 (Cloudflare monitors)"
                    }
                ));
            }
        }
        if let Some(t) = h.failure_threshold
            && !(1..=10).contains(&t)
        {
            e.push(format!(
                "global_lb.health_check.failure_threshold: {t} must be from 1 to 10"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{THREE, errors};
    use super::*;

    const LB: &str =
        "[global_lb]\nhostname = \"app.acme.example\"\ndns = \"route53\"\nzone_id = \"Z1\"\n";

    #[test]
    fn a_good_global_lb_parses_with_default_clusters() {
        let p = Platform::parse(
            &format!("{THREE}{LB}policy = \"latency\"\n"),
            "platform.toml",
        )
        .unwrap();
        let lb = p.global_lb.as_ref().unwrap();
        assert_eq!(lb.backends(&p).len(), 3);
        let weighted = format!("{THREE}{LB}policy = \"weighted\"\nweights = {{ aks-weu = 0 }}\n");
        assert!(Platform::parse(&weighted, "platform.toml").is_ok());
    }

    #[test]
    fn bad_global_lb_settings_name_their_field() {
        for (extra, want) in [
            ("policy = \"latency\"\nhostname = \"x\"\n", ""),
            (
                "policy = \"random\"\n",
                "global_lb.policy: \"random\" must be one of",
            ),
            (
                "policy = \"failover\"\n",
                "global_lb.clusters: Route 53 failover routing takes exactly two clusters",
            ),
            (
                "policy = \"failover\"\nclusters = [\"eks-use1\", \"nope\"]\n",
                "global_lb.clusters[1]: no cluster is named \"nope\"",
            ),
            (
                "policy = \"latency\"\nweights = { eks-use1 = 5 }\n",
                "global_lb.weights: only policy \"weighted\"",
            ),
            (
                "policy = \"weighted\"\nweights = { eks-use1 = 300 }\n",
                "global_lb.weights.eks-use1: 300 must be from 0 to 255",
            ),
            (
                "policy = \"geo\"\ngeo = { eks-use1 = [\"NA\"], gke-euw1 = [\"EU\"], aks-weu = [\"EU\"] }\n",
                "global_lb.geo.aks-weu: \"EU\" is already served by \"gke-euw1\"",
            ),
            (
                "policy = \"geo\"\ngeo = { eks-use1 = [\"NA\"], gke-euw1 = [\"EU\"], aks-weu = [\"AS\"] }\n",
                "global_lb.geo: give one cluster \"*\"",
            ),
            (
                "policy = \"latency\"\nproxied = true\n",
                "global_lb.proxied: only Cloudflare proxies",
            ),
            (
                "policy = \"latency\"\nttl = 0\n",
                "global_lb.ttl: 0 must be from 1 to 86400",
            ),
            (
                "policy = \"latency\"\nttl = 30\nproxied = true\n",
                "global_lb.ttl: Cloudflare's edge answers a proxied hostname",
            ),
            (
                "policy = \"latency\"\n[global_lb.health_check]\ninterval_seconds = 15\n",
                "global_lb.health_check.interval_seconds: 15 must be 10 or 30",
            ),
            (
                "policy = \"latency\"\n[global_lb.health_check]\nprotocol = \"TCP\"\npath = \"/x\"\n",
                "global_lb.health_check.path: a TCP check has no path",
            ),
        ] {
            let text = format!("{THREE}{LB}{extra}");
            if want.is_empty() {
                // A duplicate key is TOML's own error, which names the key too.
                assert!(errors(&text).contains("hostname"));
                continue;
            }
            let all = errors(&text);
            assert!(
                all.contains(&format!("platform.toml: {want}")),
                "{want:?} missing in:\n{all}"
            );
        }
        let bad_host =
            format!("{THREE}{LB}policy = \"latency\"\n").replace("app.acme.example", "app_acme");
        assert!(errors(&bad_host).contains("platform.toml: global_lb.hostname: \"app_acme\""));
    }
}
