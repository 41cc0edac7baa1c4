//! How long a failover really takes, from the knobs of the DNS backend, and which knobs get a
//! configuration under a failover-time budget. Shared by the resource (checked at plan) and the
//! provider function `provider::multicloud::failover_seconds`.
//!
//! Estimate = detection + aggregation + DNS caching:
//! - Route 53: each health checker declares the endpoint unhealthy after `failure_threshold`
//!   consecutive failures, `request_interval` apart, so within interval × threshold of the outage
//!   (checkers are not coordinated, but each is bound by that); Route 53 then needs fewer than 18 %
//!   of checkers reporting healthy, which they all reach within the same bound: no extra term. Then
//!   resolvers may serve the old answer for up to the record's TTL.
//! - Cloudflare: a monitor marks an origin unhealthy after `consecutive_down` failed checks,
//!   `interval` apart, so within interval × threshold; each failed check itself lasts up to
//!   timeout × (retries + 1), since retries follow at once. Regions and pools follow the majority
//!   of their data centres' checks, which run in parallel: no further term. Proxied hostnames are
//!   answered by Cloudflare's edge, so there is no DNS caching term; DNS-only ones add the TTL.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnsBackend {
    Route53,
    Cloudflare { proxied: bool },
}

impl DnsBackend {
    pub fn parse(s: &str) -> Option<DnsBackend> {
        match s {
            "route53" => Some(DnsBackend::Route53),
            "cloudflare" => Some(DnsBackend::Cloudflare { proxied: false }),
            "cloudflare_proxied" => Some(DnsBackend::Cloudflare { proxied: true }),
            _ => None,
        }
    }

    /// Health-check intervals the backend accepts.
    pub fn intervals(self) -> &'static [i64] {
        match self {
            // Route 53 offers standard (30 s) and fast (10 s) health checks only.
            DnsBackend::Route53 => &[10, 30],
            // Cloudflare monitors: 10 s on the plans that allow the shortest interval, up to an hour.
            DnsBackend::Cloudflare { .. } => &[10, 15, 30, 60, 120, 300, 600, 1800, 3600],
        }
    }

    pub fn interval_ok(self, interval: i64) -> bool {
        match self {
            DnsBackend::Route53 => interval == 10 || interval == 30,
            DnsBackend::Cloudflare { .. } => (10..=3600).contains(&interval),
        }
    }

    /// Consecutive failures before an origin is unhealthy.
    pub fn threshold_range(self) -> std::ops::RangeInclusive<i64> {
        match self {
            DnsBackend::Route53 => 1..=10,
            DnsBackend::Cloudflare { .. } => 1..=10,
        }
    }

    /// Time beyond interval × threshold before the backend acts on a failure.
    pub fn aggregation(self, interval: i64) -> i64 {
        match self {
            DnsBackend::Route53 => 0,
            DnsBackend::Cloudflare { .. } => {
                cloudflare_probe_timeout(interval) * (CLOUDFLARE_RETRIES + 1)
            }
        }
    }

    pub fn uses_ttl(self) -> bool {
        !matches!(self, DnsBackend::Cloudflare { proxied: true })
    }
}

/// Immediate retries of a failed Cloudflare check before it counts (the API's minimum is 1).
pub const CLOUDFLARE_RETRIES: i64 = 1;

/// Per-probe timeout: at most Cloudflare's 5 s default, and short enough that a check with its
/// retries ends before the next one starts (the API requires interval > (retries + 1) × timeout).
pub fn cloudflare_probe_timeout(interval: i64) -> i64 {
    ((interval - 1) / (CLOUDFLARE_RETRIES + 1)).clamp(1, 5)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Knobs {
    pub interval: i64,
    pub threshold: i64,
    pub ttl: i64,
}

pub fn estimate(backend: DnsBackend, k: Knobs) -> i64 {
    let dns = if backend.uses_ttl() { k.ttl } else { 0 };
    k.interval * k.threshold + backend.aggregation(k.interval) + dns
}

/// TTLs worth suggesting (seconds); resolvers commonly honour these.
const TTLS: &[i64] = &[5, 10, 15, 20, 30, 60, 120, 300];

/// The configuration under `budget` that changes the fewest knobs, then keeps the largest
/// threshold (fewer false alarms), interval and TTL (less load); `None` if none fits.
pub fn suggest(backend: DnsBackend, current: Knobs, budget: i64) -> Option<(Knobs, i64)> {
    let ttls: Vec<i64> = if backend.uses_ttl() {
        TTLS.iter().copied().chain([current.ttl]).collect()
    } else {
        vec![current.ttl]
    };
    let mut best: Option<((usize, i64, i64, i64), Knobs)> = None;
    for &interval in backend.intervals().iter().chain([&current.interval]) {
        if !backend.interval_ok(interval) {
            continue;
        }
        for threshold in backend.threshold_range() {
            for &ttl in &ttls {
                let k = Knobs {
                    interval,
                    threshold,
                    ttl,
                };
                if estimate(backend, k) > budget {
                    continue;
                }
                let unchanged = usize::from(interval == current.interval)
                    + usize::from(threshold == current.threshold)
                    + usize::from(ttl == current.ttl);
                let score = (
                    unchanged,
                    threshold.min(current.threshold.max(1)),
                    interval,
                    ttl,
                );
                if best.as_ref().is_none_or(|(s, _)| score > *s) {
                    best = Some((score, k));
                }
            }
        }
    }
    best.map(|(_, k)| (k, estimate(backend, k)))
}

pub fn describe(backend: DnsBackend, k: Knobs) -> String {
    let ttl = if backend.uses_ttl() {
        format!(", ttl {}", k.ttl)
    } else {
        String::new()
    };
    format!(
        "interval {} s, threshold {}{ttl} → {} s",
        k.interval,
        k.threshold,
        estimate(backend, k)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_per_backend() {
        let k = Knobs {
            interval: 10,
            threshold: 2,
            ttl: 10,
        };
        assert_eq!(estimate(DnsBackend::Route53, k), 30);
        // 10 × 2, plus a 4 s probe tried twice, plus the TTL unless proxied.
        assert_eq!(estimate(DnsBackend::Cloudflare { proxied: false }, k), 38);
        assert_eq!(estimate(DnsBackend::Cloudflare { proxied: true }, k), 28);
        assert_eq!(cloudflare_probe_timeout(60), 5);
        assert!((CLOUDFLARE_RETRIES + 1) * cloudflare_probe_timeout(10) < 10);
    }

    #[test]
    fn suggestion_fits_the_budget_and_changes_little() {
        let current = Knobs {
            interval: 30,
            threshold: 3,
            ttl: 60,
        };
        let (k, est) = suggest(DnsBackend::Route53, current, 30).unwrap();
        assert!(est <= 30);
        assert_eq!(
            describe(DnsBackend::Route53, k),
            format!(
                "interval {} s, threshold {}, ttl {} → {est} s",
                k.interval, k.threshold, k.ttl
            )
        );
        // Within budget already: nothing needs to change.
        let (same, _) = suggest(
            DnsBackend::Route53,
            Knobs {
                interval: 10,
                threshold: 2,
                ttl: 10,
            },
            30,
        )
        .unwrap();
        assert_eq!(
            same,
            Knobs {
                interval: 10,
                threshold: 2,
                ttl: 10
            }
        );
        // Impossible budgets have no suggestion.
        assert_eq!(suggest(DnsBackend::Route53, current, 5), None);
    }

    #[test]
    fn suggestions_only_use_allowed_values() {
        for budget in [15, 20, 30, 45, 90] {
            for backend in [
                DnsBackend::Route53,
                DnsBackend::Cloudflare { proxied: false },
                DnsBackend::Cloudflare { proxied: true },
            ] {
                if let Some((k, est)) = suggest(
                    backend,
                    Knobs {
                        interval: 30,
                        threshold: 3,
                        ttl: 60,
                    },
                    budget,
                ) {
                    assert!(backend.interval_ok(k.interval));
                    assert!(backend.threshold_range().contains(&k.threshold));
                    assert!(est <= budget);
                }
            }
        }
    }
}
