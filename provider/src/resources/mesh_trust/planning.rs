//! What the next apply will do to a mesh trust, decided at plan time so the plan shows it:
//! which intermediates are (re)issued, and which step of a root rotation comes next.
//!
//! Root rotation follows Istio's multi-root procedure, one step per apply:
//! 1. a new root is made and trusted beside the active one (every cluster's `root-cert.pem`
//!    becomes the two-root bundle; intermediates are untouched, so nothing stops verifying);
//! 2. the new root becomes active and every intermediate is re-issued under it; the old root stays
//!    in the bundle as `previous` (unless `retain_previous_root = false`), so workload certificates
//!    still signed under it keep verifying until they expire.

use std::collections::BTreeMap;

use tfplugin::{Diagnostic, Diagnostics, Path, Value, typed};
use time::OffsetDateTime;

use super::model::{self, ClusterConfig, Issued, IssuedSecret, RootEntry, State};
use super::{Config, clock, desired_root_spec, parse_time};

pub const ACTIVE: &str = "active";
pub const INCOMING: &str = "incoming";
pub const PREVIOUS: &str = "previous";

/// The computed attributes of the plan; `None` fields stay unknown.
#[derive(Default)]
pub struct Planned {
    pub root_spec: Option<String>,
    pub roots: Option<Vec<RootEntry>>,
    pub root_keys: Option<BTreeMap<String, String>>,
    pub root_cert_pem: Option<String>,
    pub trust_bundle_pem: Option<String>,
    /// By cluster: a known entry, an entry whose only change is the trust bundle, or unknown.
    pub issued: BTreeMap<String, Entry>,
    pub secrets: BTreeMap<String, Option<IssuedSecret>>,
}

pub enum Entry {
    Keep(Issued),
    /// Same intermediate, new trust bundle: `root_cert_pem` is unknown when the bundle is.
    Rebundle(Issued, Option<String>),
    Issue,
}

pub fn bundle(roots: &[RootEntry]) -> String {
    roots.iter().map(|r| ensure_newline(&r.cert_pem)).collect()
}

pub fn ensure_newline(pem: &str) -> String {
    if pem.ends_with('\n') {
        pem.to_string()
    } else {
        format!("{pem}\n")
    }
}

fn due(not_after: &str, renew_before_days: i64, now: OffsetDateTime) -> bool {
    parse_time(not_after).is_none_or(|t| t - time::Duration::days(renew_before_days) <= now)
}

/// Plans an update from `prior` state towards `config`.
pub fn plan_update(prior: &State, config: &Config) -> Result<Planned, Diagnostics> {
    let now = clock();
    let renew_before = config
        .renew_before_days
        .unwrap_or(model::DEFAULT_RENEW_BEFORE_DAYS);
    let retain = config.retain_previous_root.unwrap_or(true);
    let prior_roots = prior.roots.clone().unwrap_or_default();
    let prior_keys = prior.root_keys.clone().unwrap_or_default();
    let prior_issued = prior.issued.clone().unwrap_or_default();
    let prior_secrets = prior.issued_secrets.clone().unwrap_or_default();
    let clusters = config.clusters.clone().unwrap_or_default();
    let desired = desired_root_spec(config)?;
    let active = prior_roots.iter().find(|r| r.role == ACTIVE);
    let incoming = prior_roots.iter().find(|r| r.role == INCOMING);
    let generated_active = active.is_some_and(|a| prior_keys.contains_key(&a.fingerprint));
    let root_expiring =
        generated_active && active.is_some_and(|a| due(&a.not_after, renew_before, now));

    let mut p = Planned::default();
    if let Some(incoming) = incoming {
        // Step 2: the incoming root signs from now on; every intermediate is re-issued under it.
        let mut roots = vec![RootEntry {
            role: ACTIVE.into(),
            ..incoming.clone()
        }];
        if let (true, Some(old)) = (retain, active) {
            roots.push(RootEntry {
                role: PREVIOUS.into(),
                ..old.clone()
            });
        }
        p.root_keys = Some(keys_for(&prior_keys, &roots));
        p.root_cert_pem = Some(incoming.cert_pem.clone());
        p.trust_bundle_pem = Some(bundle(&roots));
        p.roots = Some(roots);
        p.root_spec = prior.root_spec.clone();
        for name in clusters.keys() {
            p.issued.insert(name.clone(), Entry::Issue);
            p.secrets.insert(name.clone(), None);
        }
        return Ok(p);
    }
    if Some(&desired) != prior.root_spec.as_ref() || root_expiring {
        // Step 1: trust a new root beside the active one; intermediates stay, bundles change.
        p.root_spec = Some(desired);
        p.root_cert_pem = active.map(|a| a.cert_pem.clone());
        for (name, c) in &clusters {
            let entry = match prior_issued.get(name) {
                Some(i) if i.spec == c.spec() => Entry::Rebundle(i.clone(), None),
                _ => Entry::Issue,
            };
            p.issued.insert(name.clone(), entry);
            p.secrets.insert(name.clone(), None);
        }
        return Ok(p);
    }
    // Steady state: renew what is due, issue what is new, drop what is gone.
    let mut roots = prior_roots.clone();
    if !retain {
        roots.retain(|r| r.role != PREVIOUS);
    }
    let new_bundle = bundle(&roots);
    let bundle_changed = prior.trust_bundle_pem.as_deref() != Some(new_bundle.as_str());
    // A new key_pem_wo_version re-applies the write-only root key: everything is signed again.
    let key_reapplied = config.root().key_pem_wo_version
        != prior.root.as_ref().and_then(|r| r.key_pem_wo_version)
        && config.root().key_pem_wo_version.is_some();
    check_lifetimes(active, &clusters, now)?;
    for (name, c) in &clusters {
        let (entry, secret) = match prior_issued.get(name) {
            Some(i)
                if i.spec == c.spec()
                    && !due(&i.not_after, renew_before, now)
                    && !key_reapplied =>
            {
                if bundle_changed {
                    (Entry::Rebundle(i.clone(), Some(new_bundle.clone())), None)
                } else {
                    (Entry::Keep(i.clone()), prior_secrets.get(name).cloned())
                }
            }
            _ => (Entry::Issue, None),
        };
        p.issued.insert(name.clone(), entry);
        p.secrets.insert(name.clone(), secret);
    }
    p.root_keys = Some(keys_for(&prior_keys, &roots));
    p.root_cert_pem = prior.root_cert_pem.clone();
    p.trust_bundle_pem = Some(new_bundle);
    p.roots = Some(roots);
    p.root_spec = prior.root_spec.clone();
    Ok(p)
}

/// Intermediates must not outlive the root that signs them.
fn check_lifetimes(
    active: Option<&RootEntry>,
    clusters: &BTreeMap<String, ClusterConfig>,
    now: OffsetDateTime,
) -> Result<(), Diagnostics> {
    let Some(root_end) = active.and_then(|a| parse_time(&a.not_after)) else {
        return Ok(());
    };
    let mut d = Diagnostics::new();
    for (name, c) in clusters {
        let end = now + time::Duration::days(c.days());
        if end > root_end {
            let max = (root_end - now).whole_days().max(0);
            d.push(
                Diagnostic::error(
                    "Intermediate would outlive the root",
                    format!(
                        "clusters[\"{name}\"].validity_days = {} would end after the root expires ({}); at most {max} days are possible now. Rotate the root or shorten the validity.",
                        c.days(),
                        super::format_time(root_end)
                    ),
                )
                .at(Path::root().attr("clusters").key(name).attr("validity_days")),
            );
        }
    }
    d.into_result()
}

fn keys_for(keys: &BTreeMap<String, String>, roots: &[RootEntry]) -> BTreeMap<String, String> {
    keys.iter()
        .filter(|(fp, _)| roots.iter().any(|r| &r.fingerprint == *fp))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn known<T: serde::Serialize>(v: &Option<T>, attr: &str) -> Result<Value, Diagnostics> {
    match v {
        Some(x) => typed::encode(x, &model::attr_type(attr)),
        None => Ok(Value::Unknown),
    }
}

/// Writes the plan into the planned value Terraform will show.
pub fn write(p: &Planned, planned: &mut Value) -> Result<(), Diagnostics> {
    let issued_ty = model::issued_type();
    let mut issued = BTreeMap::new();
    for (name, e) in &p.issued {
        let v = match e {
            Entry::Keep(i) => typed::encode(i, &issued_ty)?,
            Entry::Rebundle(i, bundle) => {
                let mut v = typed::encode(i, &issued_ty)?;
                v.set_attr(
                    "root_cert_pem",
                    bundle.clone().map_or(Value::Unknown, Value::string),
                );
                v
            }
            Entry::Issue => Value::Unknown,
        };
        issued.insert(name.clone(), v);
    }
    let secret_ty = model::secret_type();
    let mut secrets = BTreeMap::new();
    for (name, s) in &p.secrets {
        let v = match s {
            Some(s) => typed::encode(s, &secret_ty)?,
            None => Value::Unknown,
        };
        secrets.insert(name.clone(), v);
    }
    let fields = [
        ("root_spec", known(&p.root_spec, "root_spec")?),
        ("roots", known(&p.roots, "roots")?),
        ("root_keys", known(&p.root_keys, "root_keys")?),
        ("root_cert_pem", known(&p.root_cert_pem, "root_cert_pem")?),
        (
            "trust_bundle_pem",
            known(&p.trust_bundle_pem, "trust_bundle_pem")?,
        ),
        ("issued", Value::Map(issued)),
        ("issued_secrets", Value::Map(secrets)),
    ];
    for (name, v) in fields {
        planned.set_attr(name, v);
    }
    Ok(())
}
