//! `multicloud_global_lb` on Route 53: a health check and record set(s) per backend, written in
//! atomic change batches and awaited until INSYNC.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use tfplugin::{Ctx, Diagnostic, Diagnostics};

use crate::ProviderConfig;
use crate::clients::route53::{
    ChangeAction, RecordChange, RecordSet, Route53, Route53Error, Routing,
};

use super::desired::{self, fqdn};
use super::model::{Backend, BackendStatus, HealthCheckConfig, State};
use super::validate::Effective;

/// Route 53 reports INSYNC within about a minute; allow a slow day.
const SYNC_TIMEOUT: Duration = Duration::from_secs(600);

fn err(summary: &str) -> impl Fn(Route53Error) -> Diagnostics + '_ {
    move |e| Diagnostics::from(e.to_diagnostic(summary))
}

fn diag(summary: &str) -> impl Fn(Route53Error) -> Diagnostics + '_ {
    move |e| Diagnostics::from(e.to_diagnostic(summary))
}

async fn client(ctx: &Ctx<ProviderConfig>) -> Result<Route53, Diagnostics> {
    Route53::connect(&ctx.data()?.aws("route53"))
        .await
        .map_err(Diagnostics::from)
}

/// The zone must exist and contain the hostname.
async fn check_zone(r53: &Route53, zone_id: &str, hostname: &str) -> Result<(), Diagnostics> {
    let zone = r53
        .hosted_zone_name(zone_id)
        .await
        .map_err(err("Could not read the hosted zone"))?
        .ok_or_else(|| {
            Diagnostics::from(Diagnostic::error(
                "Hosted zone not found",
                format!("Route 53 has no hosted zone {zone_id}."),
            ))
        })?;
    let host = fqdn(hostname);
    if !(host == zone.to_ascii_lowercase()
        || host.ends_with(&format!(".{}", zone.to_ascii_lowercase())))
    {
        return Err(Diagnostic::error(
            "Hostname outside the zone",
            format!("{hostname} is not inside the zone {zone}."),
        )
        .into());
    }
    Ok(())
}

fn backends(c: &State) -> BTreeMap<String, Backend> {
    c.backends.clone().unwrap_or_default()
}

/// The records of every backend, pointing at its health check.
fn all_records(
    c: &State,
    e: &Effective,
    checks: &BTreeMap<String, String>,
) -> BTreeMap<String, Vec<RecordSet>> {
    backends(c)
        .iter()
        .map(|(name, b)| {
            let records = desired::records(name, b, c, e)
                .into_iter()
                .map(|mut r| {
                    r.health_check_id = checks.get(name).cloned();
                    r
                })
                .collect();
            (name.clone(), records)
        })
        .collect()
}

fn set_ids(records: &[RecordSet]) -> String {
    records
        .iter()
        .filter_map(|r| r.set_identifier.clone())
        .collect::<Vec<_>>()
        .join(",")
}

fn caller_reference(hostname: &str, backend: &str) -> String {
    // Unique per attempt; AWS limits it to 64 characters.
    let mut s = format!(
        "mc-{}-{backend}-{:x}",
        hostname.replace('.', "-"),
        rand::random::<u64>()
    );
    s.truncate(64);
    s
}

/// Whether `reference` is one [`caller_reference`] made for `backend` of `hostname`: the same up
/// to its random hexadecimal suffix (or all of it, when the 64-character limit cut the suffix).
fn made_for(reference: &str, hostname: &str, backend: &str) -> bool {
    let mut prefix = format!("mc-{}-{backend}-", hostname.replace('.', "-"));
    if prefix.len() >= 64 {
        prefix.truncate(64);
        return reference == prefix;
    }
    reference
        .strip_prefix(&prefix)
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The health checks made for `backend` of `hostname` that Route 53 holds, per
/// [`Route53::list_health_check_references`].
fn made_checks<'a>(
    all: &'a [(String, String)],
    hostname: &'a str,
    backend: &'a str,
) -> impl Iterator<Item = &'a String> + 'a {
    all.iter()
        .filter(move |(_, r)| made_for(r, hostname, backend))
        .map(|(id, _)| id)
}

/// Applies `changes` as one batch and waits until Route 53 serves them.
async fn commit(
    r53: &Route53,
    ctx: &Ctx<ProviderConfig>,
    zone: &str,
    hostname: &str,
    changes: Vec<RecordChange>,
) -> Result<(), Diagnostics> {
    if changes.is_empty() {
        return Ok(());
    }
    tracing::info!(
        hostname,
        changes = changes.len(),
        "writing Route 53 change batch"
    );
    let change = r53
        .change_records(zone, &format!("multicloud_global_lb {hostname}"), &changes)
        .await
        .map_err(err("Route 53 rejected the record changes"))?;
    r53.wait_insync(&change, SYNC_TIMEOUT, &ctx.cancel)
        .await
        .map_err(err("Route 53 did not apply the changes in time"))
}

pub async fn create(
    ctx: &Ctx<ProviderConfig>,
    c: &State,
    e: &Effective,
) -> Result<BTreeMap<String, BackendStatus>, Diagnostics> {
    let r53 = client(ctx).await?;
    let hostname = c.hostname.clone().unwrap_or_default();
    check_zone(&r53, &e.zone_id, &hostname).await?;
    // Health checks of this hostname that an earlier create made but never saved in state (its
    // provider or Terraform was killed, tests/e2e/crash.rs): one as wanted is taken back, the
    // others are deleted, so none is orphaned. Their caller references say whose they are.
    let earlier = r53
        .list_health_check_references()
        .await
        .map_err(diag("Could not list the health checks"))?;
    let mut checks = BTreeMap::new();
    for (name, b) in backends(c) {
        let want = desired::health_check(&b, e);
        for id in made_checks(&earlier, &hostname, &name) {
            let same = r53
                .get_health_check(id)
                .await
                .map_err(diag("Could not read a health check"))?
                .is_some_and(|have| have == want);
            if same && !checks.contains_key(&name) {
                tracing::info!(backend = %name, health_check = %id, "took back a health check an interrupted create made");
                checks.insert(name.clone(), id.clone());
            } else {
                r53.delete_health_check(id).await.map_err(diag(
                    "Could not delete a health check left by an interrupted create",
                ))?;
            }
        }
        if checks.contains_key(&name) {
            continue;
        }
        match r53
            .create_health_check(&caller_reference(&hostname, &name), &want)
            .await
        {
            Ok(id) => {
                tracing::info!(backend = %name, health_check = %id, "created health check");
                checks.insert(name, id);
            }
            Err(e) => {
                rollback(&r53, &checks).await;
                return Err(e.to_diagnostic("Could not create a health check").into());
            }
        }
    }
    let records = all_records(c, e, &checks);
    // UPSERT: records with our set identifiers left by an earlier, interrupted create are taken
    // over rather than orphaned or refused.
    let changes = records
        .values()
        .flatten()
        .map(|r| RecordChange {
            action: ChangeAction::Upsert,
            record: r.clone(),
        })
        .collect();
    if let Err(failure) = commit(&r53, ctx, &e.zone_id, &hostname, changes).await {
        // Nothing half-made stays behind: the batch was atomic, the health checks go too.
        rollback(&r53, &checks).await;
        return Err(failure);
    }
    Ok(status(&checks, &records))
}

async fn rollback(r53: &Route53, checks: &BTreeMap<String, String>) {
    for id in checks.values() {
        if let Err(e) = r53.delete_health_check(id).await {
            tracing::warn!(health_check = %id, error = %e, "could not roll back a health check");
        }
    }
}

fn status(
    checks: &BTreeMap<String, String>,
    records: &BTreeMap<String, Vec<RecordSet>>,
) -> BTreeMap<String, BackendStatus> {
    records
        .iter()
        .map(|(name, rs)| {
            (
                name.clone(),
                BackendStatus {
                    health_check_id: checks.get(name).cloned(),
                    record_id: Some(set_ids(rs)),
                    healthy: None,
                    in_sync: Some(true),
                },
            )
        })
        .collect()
}

/// Record sets at the hostname that this resource owns (every routed record there).
async fn owned_records(
    r53: &Route53,
    zone: &str,
    hostname: &str,
) -> Result<Vec<RecordSet>, Route53Error> {
    Ok(r53
        .list_records(zone, &fqdn(hostname))
        .await?
        .into_iter()
        .filter(|r| r.set_identifier.is_some())
        .collect())
}

fn same_kind(a: &Routing, b: &Routing) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// The batch that turns `current` into `wanted`, matched by set identifier.
fn diff(current: &[RecordSet], wanted: &[RecordSet]) -> Vec<RecordChange> {
    let by_id = |rs: &[RecordSet]| -> BTreeMap<String, RecordSet> {
        rs.iter()
            .map(|r| (r.set_identifier.clone().unwrap_or_default(), r.clone()))
            .collect()
    };
    let (now, want) = (by_id(current), by_id(wanted));
    let mut changes = Vec::new();
    for (id, r) in &now {
        match want.get(id) {
            None => changes.push(RecordChange {
                action: ChangeAction::Delete,
                record: r.clone(),
            }),
            Some(w)
                if w != r
                    && (!same_kind(&w.routing, &r.routing) || w.record_type != r.record_type) =>
            {
                // Route 53 cannot UPSERT across routing kinds or types: replace within the batch.
                changes.push(RecordChange {
                    action: ChangeAction::Delete,
                    record: r.clone(),
                });
                changes.push(RecordChange {
                    action: ChangeAction::Create,
                    record: w.clone(),
                });
            }
            Some(w) if w != r => changes.push(RecordChange {
                action: ChangeAction::Upsert,
                record: w.clone(),
            }),
            Some(_) => {}
        }
    }
    for (id, w) in &want {
        if !now.contains_key(id) {
            // UPSERT, not CREATE: a record that reappeared since the listing (another run, a
            // retried batch) is then taken over instead of failing the repair, and Route 53
            // creates it when it is still missing.
            changes.push(RecordChange {
                action: ChangeAction::Upsert,
                record: w.clone(),
            });
        }
    }
    changes
}

/// Brings Route 53 to the planned configuration, repairing anything changed out of band.
pub async fn update(
    ctx: &Ctx<ProviderConfig>,
    prior: &State,
    c: &State,
    e: &Effective,
) -> Result<BTreeMap<String, BackendStatus>, Diagnostics> {
    let r53 = client(ctx).await?;
    let hostname = c.hostname.clone().unwrap_or_default();
    check_zone(&r53, &e.zone_id, &hostname).await?;
    let prior_status = prior.backend_status.clone().unwrap_or_default();
    let mut checks = BTreeMap::new();
    let mut retire = BTreeSet::new();
    for (name, b) in backends(c) {
        let want = desired::health_check(&b, e);
        let existing = prior_status
            .get(&name)
            .and_then(|s| s.health_check_id.clone());
        let keep = match &existing {
            Some(id) => {
                r53.get_health_check(id)
                    .await
                    .map_err(err("Could not read a health check"))?
                    == Some(want.clone())
            }
            None => false,
        };
        if keep {
            checks.insert(name, existing.unwrap_or_default());
            continue;
        }
        let id = r53
            .create_health_check(&caller_reference(&hostname, &name), &want)
            .await
            .map_err(err("Could not create a health check"))?;
        tracing::info!(backend = %name, health_check = %id, "created health check");
        retire.extend(existing);
        checks.insert(name, id);
    }
    for (name, s) in &prior_status {
        if !checks.contains_key(name) {
            retire.extend(s.health_check_id.clone());
        }
    }
    let records = all_records(c, e, &checks);
    let wanted: Vec<RecordSet> = records.values().flatten().cloned().collect();
    let current = owned_records(&r53, &e.zone_id, &hostname)
        .await
        .map_err(err("Could not list the records"))?;
    commit(&r53, ctx, &e.zone_id, &hostname, diff(&current, &wanted)).await?;
    // Only now that no record points at them may the old health checks go.
    for id in retire {
        r53.delete_health_check(&id)
            .await
            .map_err(err("Could not delete an old health check"))?;
    }
    Ok(status(&checks, &records))
}

/// Compares Route 53 with the state. Drifted backends come back with `in_sync = false` (a health
/// check that is gone also loses its id), which the next plan turns into a repair; `None` when
/// nothing of this load balancer exists any more.
pub async fn read(
    ctx: &Ctx<ProviderConfig>,
    s: &State,
    e: &Effective,
) -> Result<Option<BTreeMap<String, BackendStatus>>, Diagnostics> {
    let r53 = client(ctx).await?;
    let hostname = s.hostname.clone().unwrap_or_default();
    let prior = s.backend_status.clone().unwrap_or_default();
    let mut checks = BTreeMap::new();
    let mut check_state = BTreeMap::new();
    for (name, b) in backends(s) {
        let id = prior.get(&name).and_then(|st| st.health_check_id.clone());
        let found = match &id {
            Some(id) => r53
                .get_health_check(id)
                .await
                .map_err(diag("Could not read a health check"))?,
            None => None,
        };
        let matches = found.as_ref() == Some(&desired::health_check(&b, e));
        if let (Some(id), true) = (id, found.is_some()) {
            checks.insert(name.clone(), id);
        }
        check_state.insert(name, matches);
    }
    let current = owned_records(&r53, &e.zone_id, &hostname)
        .await
        .map_err(diag("Could not list the records"))?;
    if current.is_empty() && checks.is_empty() {
        return Ok(None);
    }
    let mut out = BTreeMap::new();
    for (name, rs) in &all_records(s, e, &checks) {
        let records_ok = rs.iter().all(|w| current.iter().any(|r| r == w));
        let before = prior.get(name).cloned().unwrap_or_default();
        out.insert(
            name.clone(),
            BackendStatus {
                health_check_id: checks.get(name).cloned(),
                record_id: before.record_id.clone(),
                healthy: before.healthy,
                in_sync: Some(records_ok && check_state.get(name).copied().unwrap_or(false)),
            },
        );
    }
    Ok(Some(out))
}

pub async fn delete(
    ctx: &Ctx<ProviderConfig>,
    s: &State,
    e: &Effective,
) -> Result<(), Diagnostics> {
    let r53 = client(ctx).await?;
    let hostname = s.hostname.clone().unwrap_or_default();
    let current = owned_records(&r53, &e.zone_id, &hostname)
        .await
        .map_err(diag("Could not list the records"))?;
    let ours: BTreeSet<String> = backends(s)
        .iter()
        .flat_map(|(name, b)| desired::records(name, b, s, e))
        .filter_map(|r| r.set_identifier)
        .collect();
    let changes: Vec<RecordChange> = current
        .into_iter()
        .filter(|r| {
            r.set_identifier
                .as_ref()
                .is_some_and(|id| ours.contains(id))
        })
        .map(|r| RecordChange {
            action: ChangeAction::Delete,
            record: r,
        })
        .collect();
    commit(&r53, ctx, &e.zone_id, &hostname, changes).await?;
    for st in s.backend_status.clone().unwrap_or_default().values() {
        if let Some(id) = &st.health_check_id {
            r53.delete_health_check(id)
                .await
                .map_err(diag("Could not delete a health check"))?;
        }
    }
    // Twins of ours: a CreateHealthCheck the SDK sent again after a lost answer makes a second
    // check where Route 53 does not honour the caller reference (moto, tests/e2e/moto.rs).
    let all = r53
        .list_health_check_references()
        .await
        .map_err(diag("Could not list the health checks"))?;
    for name in backends(s).keys() {
        for id in made_checks(&all, &hostname, name) {
            r53.delete_health_check(id)
                .await
                .map_err(diag("Could not delete a health check"))?;
        }
    }
    Ok(())
}

/// Rebuilds the configuration of an existing load balancer from its records and health checks.
/// Takes a backend out of the answers by inverting its health check, or puts it back.
pub async fn set_backend_out(
    ctx: &Ctx<ProviderConfig>,
    health_check_id: &str,
    out: bool,
) -> Result<(), Diagnostics> {
    client(ctx)
        .await?
        .set_health_check_inverted(health_check_id, out)
        .await
        .map_err(diag("Could not change the health check"))
}

/// The hostnames in the zone that have routed records (what a global load balancer on Route 53
/// is made of), without trailing dots.
pub async fn hostnames(
    ctx: &Ctx<ProviderConfig>,
    zone_id: &str,
) -> Result<Vec<String>, Diagnostics> {
    let r53 = client(ctx).await?;
    let names = r53
        .list_routed_names(zone_id)
        .await
        .map_err(diag("Could not list the records"))?;
    Ok(names
        .into_iter()
        .map(|n| n.trim_end_matches('.').to_string())
        .collect())
}

pub async fn import(
    ctx: &Ctx<ProviderConfig>,
    zone_id: &str,
    hostname: &str,
) -> Result<State, Diagnostics> {
    let r53 = client(ctx).await?;
    let records = owned_records(&r53, zone_id, hostname)
        .await
        .map_err(diag("Could not list the records"))?;
    if records.is_empty() {
        return Err(Diagnostic::error(
            "Nothing to import",
            format!("Route 53 zone {zone_id} has no routed records named {hostname}."),
        )
        .into());
    }
    let policy = match &records[0].routing {
        Routing::Failover(_) => "failover",
        Routing::Latency { .. } => "latency",
        Routing::Geo { .. } => "geo",
        Routing::Weighted { .. } => "weighted",
        Routing::Simple => "weighted",
    };
    let mut backends: BTreeMap<String, Backend> = BTreeMap::new();
    let mut status: BTreeMap<String, BackendStatus> = BTreeMap::new();
    let mut health: Option<HealthCheckConfig> = None;
    let mut ttl = None;
    for r in &records {
        let set_id = r.set_identifier.clone().unwrap_or_default();
        let (name, code) = match &r.routing {
            Routing::Geo { continent, country } => {
                let name = set_id
                    .rsplit_once('-')
                    .map_or(set_id.clone(), |(n, _)| n.to_string());
                (name, continent.clone().or(country.clone()))
            }
            _ => (set_id.clone(), None),
        };
        let b = backends.entry(name.clone()).or_default();
        b.address = r
            .values
            .first()
            .map(|v| v.trim_end_matches('.').to_string());
        match &r.routing {
            Routing::Failover(role) => {
                b.priority = Some(if *role == crate::clients::route53::FailoverRole::Primary {
                    1
                } else {
                    2
                })
            }
            Routing::Latency { region } => {
                b.cloud = Some("aws".into());
                b.region = Some(region.clone());
            }
            Routing::Weighted { weight } => b.weight = Some(*weight),
            _ => {}
        }
        if let Some(code) = code {
            b.geo.get_or_insert_with(Vec::new).push(code);
        }
        ttl = ttl.or(r.ttl);
        let st = status.entry(name.clone()).or_default();
        st.health_check_id = r.health_check_id.clone();
        st.record_id = Some(match &st.record_id {
            Some(prev) => format!("{prev},{set_id}"),
            None => set_id.clone(),
        });
        if let (None, Some(id)) = (&health, &r.health_check_id)
            && let Some(hc) = r53
                .get_health_check(id)
                .await
                .map_err(diag("Could not read a health check"))?
        {
            health = Some(HealthCheckConfig {
                protocol: Some(format!("{:?}", hc.protocol).to_ascii_uppercase()),
                port: Some(i64::from(hc.port)),
                path: hc.path.clone(),
                interval_seconds: Some(i64::from(hc.interval_seconds)),
                failure_threshold: Some(i64::from(hc.failure_threshold)),
            });
        }
    }
    Ok(State {
        id: Some(format!("route53:{zone_id}:{hostname}")),
        hostname: Some(hostname.to_string()),
        route53: Some(super::model::Route53Config {
            zone_id: Some(zone_id.to_string()),
        }),
        policy: Some(policy.to_string()),
        backends: Some(backends),
        health_check: health,
        ttl,
        backend_status: Some(status),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::route53::FailoverRole;

    fn rec(id: &str, routing: Routing, value: &str) -> RecordSet {
        RecordSet {
            name: "app.example.com.".into(),
            record_type: "A".into(),
            set_identifier: Some(id.into()),
            ttl: Some(60),
            values: vec![value.into()],
            health_check_id: None,
            routing,
        }
    }

    #[test]
    fn a_caller_reference_says_for_which_hostname_and_backend_it_was_made() {
        let r = caller_reference("app.example.com", "eks-use1");
        assert!(made_for(&r, "app.example.com", "eks-use1"), "{r}");
        // Another backend whose name is a prefix, another hostname, someone else's reference.
        assert!(!made_for(&r, "app.example.com", "eks"));
        assert!(!made_for(&r, "api.example.com", "eks-use1"));
        assert!(!made_for(
            "mc-app-example-com-eks-use1-",
            "app.example.com",
            "eks-use1"
        ));
        assert!(!made_for("terraform-2024", "app.example.com", "eks-use1"));
        // A hostname so long that the limit cut the random suffix: the whole reference.
        let host = format!("{}.example.com", "a".repeat(60));
        let r = caller_reference(&host, "b");
        assert_eq!(r.len(), 64);
        assert!(made_for(&r, &host, "b"));
    }

    #[test]
    fn diff_upserts_changes_and_missing_records_replaces_kind_changes_and_deletes_leftovers() {
        let current = vec![
            rec("a", Routing::Weighted { weight: 1 }, "1.1.1.1"),
            rec("b", Routing::Weighted { weight: 1 }, "2.2.2.2"),
            rec("gone", Routing::Weighted { weight: 1 }, "3.3.3.3"),
        ];
        let wanted = vec![
            rec("a", Routing::Weighted { weight: 5 }, "1.1.1.1"),
            rec("b", Routing::Failover(FailoverRole::Primary), "2.2.2.2"),
            rec("new", Routing::Weighted { weight: 1 }, "4.4.4.4"),
        ];
        let actions: Vec<(ChangeAction, String)> = diff(&current, &wanted)
            .into_iter()
            .map(|c| (c.action, c.record.set_identifier.unwrap()))
            .collect();
        assert_eq!(
            actions,
            vec![
                (ChangeAction::Upsert, "a".into()),
                (ChangeAction::Delete, "b".into()),
                (ChangeAction::Create, "b".into()),
                (ChangeAction::Delete, "gone".into()),
                (ChangeAction::Upsert, "new".into()),
            ]
        );
        assert!(diff(&wanted, &wanted).is_empty());
    }
}
