//! `action "multicloud_failover_drill"` (Terraform 1.14+): takes one backend of a global load
//! balancer out (Route 53: inverts its health check; Cloudflare: disables its pool), watches the
//! DNS answers until they stop naming it, puts it back, and reports the measured failover time
//! against the budget. The backend is put back whatever happens after it was taken out: an
//! answer that never changes, a DNS error, Terraform's interrupt.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::Deserialize;
use tfplugin::framework::{Action, ActionRequest, Progress, ValidateRequest};
use tfplugin::validators::IntBetween;
use tfplugin::{Attribute, Block, Ctx, Diagnostic, Diagnostics, Path, Schema, Type, typed};

use super::answers::{Answers, samples_for_share};
use super::failover;
use super::model::State;
use super::{existing, on_cloudflare, on_route53, validate};
use crate::ProviderConfig;

pub struct FailoverDrill;

const POLL: Duration = Duration::from_secs(1);
/// How often "still answering" is said while waiting.
const SAY_EVERY: Duration = Duration::from_secs(5);

#[derive(Deserialize)]
struct Config {
    global_lb_id: Option<String>,
    backend: Option<String>,
    max_failover_seconds: Option<i64>,
    timeout_seconds: Option<i64>,
    resolver: Option<String>,
    wait_for_return: Option<bool>,
}

fn schema() -> Schema {
    Schema::new(
        0,
        Block::new(
            "Takes one backend of a `multicloud_global_lb` out, measures how long until DNS answers stop naming it, \
             puts it back, and fails when that took longer than the budget. Run it with \
             `terraform apply -invoke=action.multicloud_failover_drill.NAME` (Terraform 1.14+).",
        )
        .attr(
            Attribute::new("global_lb_id", Type::String)
                .required()
                .describe("The load balancer's `id` (`route53:ZONE:HOST` or `cloudflare:ZONE:HOST`), e.g. `multicloud_global_lb.app.id`."),
        )
        .attr(
            Attribute::new("backend", Type::String)
                .required()
                .describe("The backend to take out (a key of the load balancer's `backends`)."),
        )
        .attr(
            Attribute::new("max_failover_seconds", Type::Number)
                .optional()
                .validate(IntBetween(1, 3600))
                .describe("The budget. Default: the load balancer's estimated failover time."),
        )
        .attr(
            Attribute::new("timeout_seconds", Type::Number)
                .optional()
                .validate(IntBetween(1, 7200))
                .describe("How long to wait for the answers to change before giving up (the backend is put back either way). Default: three times the budget plus 30."),
        )
        .attr(
            Attribute::new("resolver", Type::String)
                .optional()
                .describe("The nameserver to ask (`IP` or `IP:PORT`), e.g. the zone's authoritative server to leave resolver caches out. Default: the system resolver, which measures what clients see, TTL included."),
        )
        .attr(
            Attribute::new("wait_for_return", Type::Bool)
                .optional()
                .describe("After putting the backend back, wait until the answers name it again and report how long that took. Default true."),
        ),
    )
}

/// The backend to drill, as the DNS service knows it.
struct Target {
    service: &'static str,
    /// The Route 53 health check or the Cloudflare pool that takes the backend out.
    handle: String,
    address: IpAddr,
    /// The share of answers naming the backend (weighted policies), for sampling.
    share: f64,
    budget: i64,
}

async fn target(ctx: &Ctx<ProviderConfig>, c: &Config) -> Result<Target, Diagnostics> {
    let id = c.global_lb_id.as_deref().unwrap_or_default();
    let name = c.backend.as_deref().unwrap_or_default();
    let at = |attr: &str, summary: &str, detail: String| {
        Diagnostics::from(Diagnostic::error(summary, detail).at(Path::root().attr(attr)))
    };
    let (service, zone, host) = match id.splitn(3, ':').collect::<Vec<_>>()[..] {
        [s @ ("route53" | "cloudflare"), zone, host] if !zone.is_empty() && !host.is_empty() => (
            if s == "route53" {
                "route53"
            } else {
                "cloudflare"
            },
            zone,
            host,
        ),
        _ => {
            return Err(at(
                "global_lb_id",
                "Invalid load balancer id",
                format!(
                    "global_lb_id must be route53:ZONE_ID:HOSTNAME or cloudflare:ZONE_ID:HOSTNAME (a multicloud_global_lb's id); got \"{id}\"."
                ),
            ));
        }
    };
    let state: State = typed::decode(&existing(ctx, service, zone, host).await?)?;
    let backends = state.backends.clone().unwrap_or_default();
    let Some(b) = backends.get(name) else {
        let known: Vec<&String> = backends.keys().collect();
        return Err(at(
            "backend",
            "No such backend",
            format!("{host} has no backend \"{name}\"; it has {known:?}."),
        ));
    };
    let status = state
        .backend_status
        .as_ref()
        .and_then(|s| s.get(name))
        .cloned()
        .unwrap_or_default();
    let handle = match service {
        "route53" => status.health_check_id,
        _ => status.record_id,
    }
    .ok_or_else(|| {
        at(
            "backend",
            "Backend cannot be taken out",
            format!(
                "Backend \"{name}\" of {host} has no health check or pool to take it out with."
            ),
        )
    })?;
    let address: IpAddr = b.address.as_deref().unwrap_or_default().parse().map_err(|_| {
        at(
            "backend",
            "Backend is not an address",
            format!(
                "Backend \"{name}\" is {:?}; a drill watches A/AAAA answers, so it needs an IP address backend.",
                b.address.as_deref().unwrap_or_default()
            ),
        )
    })?;
    let total: i64 = backends.values().filter_map(|b| b.weight).sum();
    let share = match (state.policy.as_deref(), b.weight) {
        (Some("weighted"), Some(w)) if total > 0 => w as f64 / total as f64,
        _ => 1.0,
    };
    let estimate = validate::effective(&state)
        .map(|e| failover::estimate(e.backend, e.knobs))
        .unwrap_or(300);
    Ok(Target {
        service,
        handle,
        address,
        share,
        budget: c.max_failover_seconds.unwrap_or(estimate),
    })
}

async fn set_out(ctx: &Ctx<ProviderConfig>, t: &Target, out: bool) -> Result<(), Diagnostics> {
    match t.service {
        "route53" => on_route53::set_backend_out(ctx, &t.handle, out).await,
        _ => on_cloudflare::set_backend_out(ctx, &t.handle, out).await,
    }
}

fn shown(seen: &BTreeSet<IpAddr>) -> String {
    let v: Vec<String> = seen.iter().map(IpAddr::to_string).collect();
    format!("[{}]", v.join(", "))
}

/// How the wait for the answers ended.
enum Waited {
    /// After this long the answers stopped naming (or named again) the backend.
    Changed(Duration),
    TimedOut,
    Cancelled,
}

/// Looks every second until `done(answers)` or the timeout, saying where it is every 5 s.
async fn wait_until(
    ctx: &Ctx<ProviderConfig>,
    answers: &Answers,
    progress: &Progress,
    timeout: Duration,
    what: &str,
    done: impl Fn(&BTreeSet<IpAddr>) -> bool,
) -> Waited {
    let started = Instant::now();
    let mut said = Instant::now();
    loop {
        match answers.look().await {
            Ok(seen) if done(&seen) => return Waited::Changed(started.elapsed()),
            Ok(seen) if said.elapsed() >= SAY_EVERY => {
                said = Instant::now();
                let s = started.elapsed().as_secs();
                progress
                    .report(format!("{s} s: {what}; answers {}", shown(&seen)))
                    .await;
            }
            Err(e) if said.elapsed() >= SAY_EVERY => {
                said = Instant::now();
                progress
                    .report(format!(
                        "{} s: DNS query failed: {e}",
                        started.elapsed().as_secs()
                    ))
                    .await;
            }
            _ => {}
        }
        if started.elapsed() >= timeout {
            return Waited::TimedOut;
        }
        tokio::select! {
            _ = ctx.cancel.cancelled() => return Waited::Cancelled,
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

#[async_trait]
impl Action<ProviderConfig> for FailoverDrill {
    fn name(&self) -> &'static str {
        "multicloud_failover_drill"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, req: ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Ok(c) = typed::decode::<Config>(req.config) else {
            return;
        };
        if let Some(r) = c.resolver.as_deref()
            && Answers::new("check.invalid", Some(r), 1).is_err()
        {
            diags.error_at(
                Path::root().attr("resolver"),
                "Invalid resolver",
                format!("resolver must be an IP address with an optional port (e.g. 192.0.2.53:53); got \"{r}\"."),
            );
        }
    }

    async fn invoke(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: ActionRequest<'_>,
        progress: &Progress,
    ) -> Result<Diagnostics, Diagnostics> {
        let c: Config = typed::decode(req.config)?;
        let host = c
            .global_lb_id
            .as_deref()
            .and_then(|id| id.splitn(3, ':').nth(2))
            .unwrap_or_default()
            .to_string();
        let backend = c.backend.clone().unwrap_or_default();
        let t = target(ctx, &c).await?;
        let answers = Answers::new(&host, c.resolver.as_deref(), samples_for_share(t.share))?;
        let timeout = Duration::from_secs(c.timeout_seconds.unwrap_or(t.budget * 3 + 30) as u64);

        let baseline = answers.look().await.map_err(|e| {
            Diagnostics::from(Diagnostic::error(
                "Cannot resolve the hostname",
                format!(
                    "{host} could not be resolved via {}: {e}. Nothing was taken out.",
                    answers.via
                ),
            ))
        })?;
        if !baseline.contains(&t.address) {
            return Err(Diagnostic::error(
                "Backend not answering",
                format!(
                    "Before the drill, {host} via {} answers {} without backend \"{backend}\" ({}): there is nothing to take out. Nothing was changed.",
                    answers.via,
                    shown(&baseline),
                    t.address
                ),
            )
            .at(Path::root().attr("backend"))
            .into());
        }
        progress
            .report(format!(
                "{host} via {} answers {}; taking \"{backend}\" ({}) out{}",
                answers.via,
                shown(&baseline),
                t.address,
                if t.service == "route53" {
                    format!(" by inverting Route 53 health check {}", t.handle)
                } else {
                    format!(" by disabling Cloudflare pool {}", t.handle)
                }
            ))
            .await;
        set_out(ctx, &t, true).await?;
        let out = wait_until(
            ctx,
            &answers,
            progress,
            timeout,
            "still answering it",
            |seen| !seen.contains(&t.address),
        )
        .await;
        // Put back whatever happened. The DNS clients do not follow Terraform's stop, so this
        // call is made even after an interrupt: a backend left out is worse than one more call.
        let restored = set_out(ctx, &t, false).await;
        match &restored {
            Ok(()) => progress.report(format!("\"{backend}\" put back")).await,
            Err(d) => {
                let why: Vec<&str> = d.0.iter().map(|d| d.detail.as_str()).collect();
                progress
                    .report(format!(
                        "PUTTING \"{backend}\" BACK FAILED: {}",
                        why.join("; ")
                    ))
                    .await
            }
        }
        restored?;
        let took = match out {
            Waited::Changed(d) => d,
            Waited::TimedOut => {
                return Err(Diagnostic::error(
                    "Failover not seen",
                    format!(
                        "{host} via {} still answered {} {} s after \"{backend}\" was taken out (timeout_seconds). It has been put back.",
                        answers.via,
                        t.address,
                        timeout.as_secs()
                    ),
                )
                .into());
            }
            Waited::Cancelled => {
                return Err(Diagnostic::error(
                    "Drill interrupted",
                    format!("Terraform stopped the drill; \"{backend}\" has been put back."),
                )
                .into());
            }
        };
        let secs = took.as_secs_f64();
        progress
            .report(format!(
                "answers stopped naming \"{backend}\" after {secs:.1} s (max_failover_seconds {})",
                t.budget
            ))
            .await;
        if c.wait_for_return.unwrap_or(true) {
            match wait_until(ctx, &answers, progress, timeout, "not back yet", |seen| {
                seen.contains(&t.address)
            })
            .await
            {
                Waited::Changed(d) => {
                    progress
                        .report(format!(
                            "\"{backend}\" answered again after {:.1} s",
                            d.as_secs_f64()
                        ))
                        .await
                }
                _ => {
                    progress
                        .report(format!(
                            "\"{backend}\" was put back but not answered again within {} s",
                            timeout.as_secs()
                        ))
                        .await
                }
            }
        }
        if secs > t.budget as f64 {
            return Err(Diagnostic::error(
                "Failover slower than the budget",
                format!(
                    "Failover from \"{backend}\" took {secs:.1} s, over max_failover_seconds = {}. See the load balancer's health check interval, threshold and TTL.",
                    t.budget
                ),
            )
            .at(Path::root().attr("max_failover_seconds"))
            .into());
        }
        progress
            .report(format!(
                "PASS: failover in {secs:.1} s, within {} s",
                t.budget
            ))
            .await;
        Ok(Diagnostics::new())
    }
}
