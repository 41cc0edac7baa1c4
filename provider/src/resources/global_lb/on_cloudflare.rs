//! `multicloud_global_lb` on Cloudflare: a monitor and a pool per backend, and one load balancer
//! whose steering policy implements the routing policy.

use std::collections::BTreeMap;

use tfplugin::{Ctx, Diagnostic, Diagnostics};

use crate::ProviderConfig;
use crate::clients::cloudflare::{Cloudflare, CloudflareError};

use super::desired;
use super::model::{Backend, BackendStatus, CloudflareConfig, HealthCheckConfig, State};
use super::validate::Effective;

fn err(summary: &str) -> impl Fn(CloudflareError) -> Diagnostics + '_ {
    move |e| Diagnostics::from(e.to_diagnostic(summary))
}

fn diag(summary: &str) -> impl Fn(CloudflareError) -> Diagnostics + '_ {
    move |e| Diagnostics::from(e.to_diagnostic(summary))
}

/// Bounded by Terraform's cancel, like the other clouds' clients.
fn client(ctx: &Ctx<ProviderConfig>) -> Result<Cloudflare, Diagnostics> {
    let c = Cloudflare::new(&ctx.data()?.cloudflare()).map_err(Diagnostics::from)?;
    Ok(c.with_cancel(ctx.cancel.clone()))
}

fn backends(c: &State) -> BTreeMap<String, Backend> {
    c.backends.clone().unwrap_or_default()
}

fn proxied(e: &Effective) -> bool {
    matches!(
        e.backend,
        super::failover::DnsBackend::Cloudflare { proxied: true }
    )
}

/// What was made so far, so a failure can undo it in reverse order.
#[derive(Default)]
struct Made {
    monitors: Vec<String>,
    pools: Vec<String>,
}

async fn undo(cf: &Cloudflare, made: &Made) {
    for id in made.pools.iter().rev() {
        if let Err(e) = cf.delete_pool(id).await {
            tracing::warn!(pool = %id, error = %e, "could not roll back a pool");
        }
    }
    for id in made.monitors.iter().rev() {
        if let Err(e) = cf.delete_monitor(id).await {
            tracing::warn!(monitor = %id, error = %e, "could not roll back a monitor");
        }
    }
}

pub struct Outcome {
    pub load_balancer_id: String,
    pub status: BTreeMap<String, BackendStatus>,
}

pub async fn create(
    ctx: &Ctx<ProviderConfig>,
    c: &State,
    e: &Effective,
) -> Result<Outcome, Diagnostics> {
    let cf = client(ctx)?;
    let mut made = Made::default();
    let result = build(&cf, c, e, &mut made).await;
    if result.is_err() {
        undo(&cf, &made).await;
    }
    result
}

async fn build(
    cf: &Cloudflare,
    c: &State,
    e: &Effective,
    made: &mut Made,
) -> Result<Outcome, Diagnostics> {
    let mut status = BTreeMap::new();
    let mut pool_ids = BTreeMap::new();
    for (name, b) in backends(c) {
        let monitor = cf
            .create_monitor(&desired::monitor(&name, &b, c, e))
            .await
            .map_err(err("Could not create a monitor"))?;
        made.monitors.push(monitor.clone());
        let pool = cf
            .create_pool(&desired::pool(&name, &b, c, &monitor))
            .await
            .map_err(err("Could not create a pool"))?;
        made.pools.push(pool.clone());
        tracing::info!(backend = %name, pool = %pool, "created monitor and pool");
        pool_ids.insert(name.clone(), pool.clone());
        status.insert(
            name,
            BackendStatus {
                health_check_id: Some(monitor),
                record_id: Some(pool),
                healthy: None,
                in_sync: Some(true),
            },
        );
    }
    let lb = desired::load_balancer(c, e, proxied(e), &pool_ids);
    let id = cf
        .create_load_balancer(&e.zone_id, &lb)
        .await
        .map_err(err("Could not create the load balancer"))?;
    tracing::info!(load_balancer = %id, "created load balancer");
    Ok(Outcome {
        load_balancer_id: id,
        status,
    })
}

/// Brings Cloudflare to the planned configuration, updating in place and repairing drift.
pub async fn update(
    ctx: &Ctx<ProviderConfig>,
    prior: &State,
    c: &State,
    e: &Effective,
) -> Result<Outcome, Diagnostics> {
    let cf = client(ctx)?;
    let prior_status = prior.backend_status.clone().unwrap_or_default();
    let mut status = BTreeMap::new();
    let mut pool_ids = BTreeMap::new();
    for (name, b) in backends(c) {
        let before = prior_status.get(&name).cloned().unwrap_or_default();
        let want_monitor = desired::monitor(&name, &b, c, e);
        let monitor = match &before.health_check_id {
            Some(id) => match cf
                .get_monitor(id)
                .await
                .map_err(err("Could not read a monitor"))?
            {
                Some(m) if m == want_monitor => id.clone(),
                Some(_) => {
                    cf.update_monitor(id, &want_monitor)
                        .await
                        .map_err(err("Could not update a monitor"))?;
                    id.clone()
                }
                None => cf
                    .create_monitor(&want_monitor)
                    .await
                    .map_err(err("Could not create a monitor"))?,
            },
            None => cf
                .create_monitor(&want_monitor)
                .await
                .map_err(err("Could not create a monitor"))?,
        };
        let want_pool = desired::pool(&name, &b, c, &monitor);
        let pool = match &before.record_id {
            Some(id) => match cf
                .get_pool(id)
                .await
                .map_err(err("Could not read a pool"))?
            {
                Some(p) if p == want_pool => id.clone(),
                Some(_) => {
                    cf.update_pool(id, &want_pool)
                        .await
                        .map_err(err("Could not update a pool"))?;
                    id.clone()
                }
                None => cf
                    .create_pool(&want_pool)
                    .await
                    .map_err(err("Could not create a pool"))?,
            },
            None => cf
                .create_pool(&want_pool)
                .await
                .map_err(err("Could not create a pool"))?,
        };
        pool_ids.insert(name.clone(), pool.clone());
        status.insert(
            name,
            BackendStatus {
                health_check_id: Some(monitor),
                record_id: Some(pool),
                healthy: before.healthy,
                in_sync: Some(true),
            },
        );
    }
    let want_lb = desired::load_balancer(c, e, proxied(e), &pool_ids);
    let lb_id = match &prior.load_balancer_id {
        Some(id) => match cf
            .get_load_balancer(&e.zone_id, id)
            .await
            .map_err(err("Could not read the load balancer"))?
        {
            Some(lb) if lb == want_lb => id.clone(),
            Some(_) => {
                cf.update_load_balancer(&e.zone_id, id, &want_lb)
                    .await
                    .map_err(err("Could not update the load balancer"))?;
                id.clone()
            }
            None => cf
                .create_load_balancer(&e.zone_id, &want_lb)
                .await
                .map_err(err("Could not create the load balancer"))?,
        },
        None => cf
            .create_load_balancer(&e.zone_id, &want_lb)
            .await
            .map_err(err("Could not create the load balancer"))?,
    };
    // Removed backends go only after the load balancer stopped using their pools.
    for (name, st) in &prior_status {
        if status.contains_key(name) {
            continue;
        }
        if let Some(p) = &st.record_id {
            cf.delete_pool(p)
                .await
                .map_err(err("Could not delete a pool"))?;
        }
        if let Some(m) = &st.health_check_id {
            cf.delete_monitor(m)
                .await
                .map_err(err("Could not delete a monitor"))?;
        }
    }
    Ok(Outcome {
        load_balancer_id: lb_id,
        status,
    })
}

/// Compares Cloudflare with the state. Objects that are gone lose their ids; changed ones keep
/// them with `in_sync = false` (a changed load balancer marks every backend), so the next plan
/// repairs them in place. `None` when nothing is left.
pub async fn read(
    ctx: &Ctx<ProviderConfig>,
    s: &State,
    e: &Effective,
) -> Result<Option<(Option<String>, BTreeMap<String, BackendStatus>)>, Diagnostics> {
    let cf = client(ctx)?;
    let prior = s.backend_status.clone().unwrap_or_default();
    let mut out = BTreeMap::new();
    let mut pool_ids = BTreeMap::new();
    let mut anything = false;
    for (name, b) in backends(s) {
        let st = prior.get(&name).cloned().unwrap_or_default();
        let monitor = match &st.health_check_id {
            Some(id) => cf
                .get_monitor(id)
                .await
                .map_err(diag("Could not read a monitor"))?,
            None => None,
        };
        let pool = match &st.record_id {
            Some(id) => cf
                .get_pool(id)
                .await
                .map_err(diag("Could not read a pool"))?,
            None => None,
        };
        let monitor_ok = monitor.as_ref() == Some(&desired::monitor(&name, &b, s, e));
        let pool_ok = match (&pool, &st.health_check_id) {
            (Some(p), Some(m)) => *p == desired::pool(&name, &b, s, m),
            _ => false,
        };
        let healthy = match (&st.record_id, pool_ok) {
            (Some(id), true) => cf.pool_health(id).await.unwrap_or(None),
            _ => None,
        };
        anything |= monitor.is_some() || pool.is_some();
        if let (Some(p), true) = (&st.record_id, pool.is_some()) {
            pool_ids.insert(name.clone(), p.clone());
        }
        out.insert(
            name,
            BackendStatus {
                health_check_id: st.health_check_id.filter(|_| monitor.is_some()),
                record_id: st.record_id.filter(|_| pool.is_some()),
                healthy,
                in_sync: Some(monitor_ok && pool_ok),
            },
        );
    }
    let lb = match &s.load_balancer_id {
        Some(id) => cf
            .get_load_balancer(&e.zone_id, id)
            .await
            .map_err(diag("Could not read the load balancer"))?,
        None => None,
    };
    if !anything && lb.is_none() {
        return Ok(None);
    }
    if lb.as_ref() != Some(&desired::load_balancer(s, e, proxied(e), &pool_ids)) {
        for st in out.values_mut() {
            st.in_sync = Some(false);
        }
    }
    Ok(Some((
        s.load_balancer_id.clone().filter(|_| lb.is_some()),
        out,
    )))
}

pub async fn delete(
    ctx: &Ctx<ProviderConfig>,
    s: &State,
    e: &Effective,
) -> Result<(), Diagnostics> {
    let cf = client(ctx)?;
    if let Some(id) = &s.load_balancer_id {
        cf.delete_load_balancer(&e.zone_id, id)
            .await
            .map_err(diag("Could not delete the load balancer"))?;
    }
    for st in s.backend_status.clone().unwrap_or_default().values() {
        if let Some(p) = &st.record_id {
            cf.delete_pool(p)
                .await
                .map_err(diag("Could not delete a pool"))?;
        }
        if let Some(m) = &st.health_check_id {
            cf.delete_monitor(m)
                .await
                .map_err(diag("Could not delete a monitor"))?;
        }
    }
    Ok(())
}

/// Takes a backend out of the answers by disabling its pool, or enables it again.
pub async fn set_backend_out(
    ctx: &Ctx<ProviderConfig>,
    pool_id: &str,
    out: bool,
) -> Result<(), Diagnostics> {
    let cf = client(ctx)?;
    let mut pool = cf
        .get_pool(pool_id)
        .await
        .map_err(diag("Could not read the pool"))?
        .ok_or_else(|| {
            Diagnostics::from(Diagnostic::error(
                "Pool not found",
                format!("Cloudflare pool {pool_id} does not exist."),
            ))
        })?;
    pool.enabled = !out;
    cf.update_pool(pool_id, &pool)
        .await
        .map_err(diag("Could not change the pool"))
}

/// The hostnames of the zone's load balancers.
pub async fn hostnames(
    ctx: &Ctx<ProviderConfig>,
    zone_id: &str,
) -> Result<Vec<String>, Diagnostics> {
    let cf = client(ctx)?;
    let lbs = cf
        .list_load_balancers(zone_id)
        .await
        .map_err(diag("Could not list the load balancers"))?;
    Ok(lbs.into_iter().map(|(_, name, _)| name).collect())
}

pub async fn import(
    ctx: &Ctx<ProviderConfig>,
    zone_id: &str,
    hostname: &str,
) -> Result<State, Diagnostics> {
    let cf = client(ctx)?;
    let (lb_id, lb) = cf
        .find_load_balancer(zone_id, hostname)
        .await
        .map_err(diag("Could not look up the load balancer"))?
        .ok_or_else(|| {
            Diagnostics::from(Diagnostic::error(
                "Nothing to import",
                format!("Cloudflare zone {zone_id} has no load balancer named {hostname}."),
            ))
        })?;
    let policy = match lb.steering_policy.as_str() {
        "dynamic_latency" => "latency",
        "geo" => "geo",
        "random" => "weighted",
        _ => "failover",
    };
    let mut backends = BTreeMap::new();
    let mut status = BTreeMap::new();
    let mut health = None;
    for (i, pool_id) in lb
        .default_pools
        .iter()
        .chain(lb.region_pools.values().flatten())
        .chain(lb.country_pools.values().flatten())
        .enumerate()
    {
        if status
            .values()
            .any(|s: &BackendStatus| s.record_id.as_deref() == Some(pool_id))
        {
            continue;
        }
        let Some(pool) = cf
            .get_pool(pool_id)
            .await
            .map_err(diag("Could not read a pool"))?
        else {
            continue;
        };
        let Some(origin) = pool.origins.first() else {
            continue;
        };
        let name = origin.name.clone();
        let mut b = Backend {
            address: Some(origin.address.clone()),
            ..Default::default()
        };
        if policy == "failover" {
            b.priority = Some(i as i64 + 1);
        }
        if policy == "weighted" {
            // Cloudflare keeps relative shares only; they come back as percentages of the largest.
            b.weight = lb
                .pool_weights
                .get(pool_id)
                .map(|w| (w * 100.0).round() as i64);
        }
        if let (None, Some(m)) = (&health, &pool.monitor)
            && let Some(mon) = cf
                .get_monitor(m)
                .await
                .map_err(diag("Could not read a monitor"))?
        {
            health = Some(HealthCheckConfig {
                protocol: Some(mon.kind.to_ascii_uppercase()),
                port: Some(i64::from(mon.port)),
                path: mon.path.clone(),
                interval_seconds: Some(i64::from(mon.interval)),
                failure_threshold: Some(i64::from(mon.consecutive_down)),
            });
        }
        status.insert(
            name.clone(),
            BackendStatus {
                health_check_id: pool.monitor.clone(),
                record_id: Some(pool_id.clone()),
                healthy: None,
                in_sync: Some(true),
            },
        );
        backends.insert(name, b);
    }
    Ok(State {
        id: Some(format!("cloudflare:{zone_id}:{hostname}")),
        hostname: Some(hostname.to_string()),
        cloudflare: Some(CloudflareConfig {
            zone_id: Some(zone_id.to_string()),
            proxied: Some(lb.proxied),
        }),
        policy: Some(policy.to_string()),
        backends: Some(backends),
        health_check: health,
        ttl: lb.ttl.map(i64::from),
        load_balancer_id: Some(lb_id),
        backend_status: Some(status),
        ..Default::default()
    })
}
