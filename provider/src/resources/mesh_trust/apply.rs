//! Carries out a planned mesh trust: makes roots and intermediates where the plan left them
//! unknown, and returns exactly the values the plan already knew.

use std::collections::BTreeMap;

use tfplugin::{Ctx, Diagnostic, Diagnostics, Value, typed};
use tokio_util::sync::CancellationToken;

use super::model::{self, Issued, IssuedSecret, RootEntry, State};
use super::pki::{self, CaMaterial, IntermediateSpec, RootSpec};
use super::planning::{ACTIVE, INCOMING, bundle, ensure_newline};
use super::{Config, clock, format_time};
use crate::ProviderConfig;

/// `byo_key` is the key of a bring-your-own root, from the configuration (a write-only key is
/// null in `planned`).
pub async fn run(
    ctx: &Ctx<ProviderConfig>,
    prior: Option<State>,
    planned: Value,
    byo_key: Option<String>,
) -> Result<Value, Diagnostics> {
    // Key generation (RSA 4096 in particular) is CPU work: keep it off the async workers, and
    // honour Terraform's stop request between clusters.
    let cancel = ctx.cancel.clone();
    tokio::task::spawn_blocking(move || build(prior.as_ref(), planned, byo_key, &cancel))
        .await
        .map_err(|_| {
            Diagnostics::from(Diagnostic::error(
                "Internal error",
                "certificate issuing task failed",
            ))
        })?
}

fn encode_attr<T: serde::Serialize>(v: &T, attr: &str) -> Result<Value, Diagnostics> {
    typed::encode(v, &model::attr_type(attr))
}

fn pki_error(what: &str, e: pki::PkiError) -> Diagnostics {
    Diagnostic::error(format!("Could not {what}"), e.to_string()).into()
}

fn decoded<T: serde::de::DeserializeOwned>(v: Option<&Value>) -> Result<Option<T>, Diagnostics> {
    match v {
        Some(v) if v.is_wholly_known() && !v.is_null() => typed::decode(v).map(Some),
        _ => Ok(None),
    }
}

fn new_root(
    config: &Config,
    byo_key: Option<&str>,
    now: time::OffsetDateTime,
) -> Result<(CaMaterial, bool), Diagnostics> {
    let root = config.root();
    if let (Some(cert), Some(key)) = (&root.cert_pem, byo_key) {
        return Ok((
            pki::load_root(cert, key).map_err(|e| pki_error("use the given root", e))?,
            false,
        ));
    }
    let spec = RootSpec {
        common_name: root
            .common_name
            .unwrap_or_else(|| model::DEFAULT_ROOT_CN.into()),
        organization: root
            .organization
            .unwrap_or_else(|| model::DEFAULT_ORGANIZATION.into()),
        key_algorithm: root
            .key_algorithm
            .as_deref()
            .and_then(pki::KeyAlgorithm::parse)
            .unwrap_or(pki::KeyAlgorithm::Rsa4096),
        validity_days: root.validity_days.unwrap_or(model::DEFAULT_ROOT_DAYS) as u32,
    };
    tracing::info!(
        algorithm = spec.key_algorithm.as_str(),
        "generating root CA"
    );
    Ok((
        pki::generate_root(&spec, now).map_err(|e| pki_error("generate the root CA", e))?,
        true,
    ))
}

fn entry(material: &CaMaterial, role: &str) -> Result<RootEntry, Diagnostics> {
    let info = pki::cert_info(&material.cert_pem)
        .map_err(|e| pki_error("read the root certificate", e))?;
    Ok(RootEntry {
        cert_pem: ensure_newline(&material.cert_pem),
        fingerprint: info.sha256_fingerprint,
        not_after: format_time(info.not_after),
        role: role.into(),
    })
}

fn build(
    prior: Option<&State>,
    planned: Value,
    byo_key: Option<String>,
    cancel: &CancellationToken,
) -> Result<Value, Diagnostics> {
    let config: Config = typed::decode(&planned)?;
    let now = clock();
    let mut root_keys: BTreeMap<String, String> = decoded(planned.get("root_keys"))?
        .or_else(|| prior.and_then(|p| p.root_keys.clone()))
        .unwrap_or_default();
    let roots: Vec<RootEntry> = match decoded(planned.get("roots"))? {
        Some(r) => r,
        None => {
            let (material, generated) = new_root(&config, byo_key.as_deref(), now)?;
            let fresh = entry(&material, if prior.is_some() { INCOMING } else { ACTIVE })?;
            if generated {
                root_keys.insert(fresh.fingerprint.clone(), material.key_pem.clone());
            }
            let mut roots: Vec<RootEntry> = prior
                .and_then(|p| p.roots.clone())
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r.role == ACTIVE)
                .collect();
            roots.push(fresh);
            roots
        }
    };
    let active = roots
        .iter()
        .find(|r| r.role == ACTIVE)
        .ok_or_else(|| Diagnostics::from(Diagnostic::error("Internal error", "no active root")))?;
    let signer = CaMaterial {
        cert_pem: active.cert_pem.clone(),
        key_pem: root_keys
            .get(&active.fingerprint)
            .cloned()
            .or(byo_key)
            .ok_or_else(|| {
                Diagnostics::from(Diagnostic::error(
                    "Root key missing",
                    "The active root was supplied by you (root.cert_pem) but neither root.key_pem nor root.key_pem_wo is set: its key is needed to sign intermediates.",
                ))
            })?,
    };
    let trust_bundle = bundle(&roots);
    let organization = config
        .root()
        .organization
        .unwrap_or_else(|| model::DEFAULT_ORGANIZATION.into());

    let prior_issued = prior.and_then(|p| p.issued.clone()).unwrap_or_default();
    let prior_secrets = prior
        .and_then(|p| p.issued_secrets.clone())
        .unwrap_or_default();
    let planned_issued = planned
        .get("issued")
        .and_then(Value::as_map)
        .cloned()
        .unwrap_or_default();
    let planned_secrets = planned
        .get("issued_secrets")
        .and_then(Value::as_map)
        .cloned()
        .unwrap_or_default();
    let mut issued = BTreeMap::new();
    let mut secrets = BTreeMap::new();
    for (name, cluster) in config.clusters.clone().unwrap_or_default() {
        if cancel.is_cancelled() {
            return Err(Diagnostic::error(
                "Cancelled",
                "Terraform asked the provider to stop; nothing was saved for this mesh trust.",
            )
            .into());
        }
        let pv = planned_issued.get(&name).cloned().unwrap_or(Value::Unknown);
        let mut new_key = None;
        let item: Issued = if pv.is_wholly_known() {
            typed::decode(&pv)?
        } else if pv.get("ca_cert_pem").is_some_and(|v| !v.is_unknown()) {
            // Rotation step 1: same intermediate, the new trust bundle.
            let mut kept = prior_issued.get(&name).cloned().ok_or_else(|| {
                Diagnostics::from(Diagnostic::error(
                    "Internal error",
                    "planned to keep a missing intermediate",
                ))
            })?;
            kept.root_cert_pem = trust_bundle.clone();
            kept
        } else {
            let spec = IntermediateSpec {
                cluster: name.clone(),
                organization: organization.clone(),
                key_algorithm: cluster.algorithm(),
                validity_days: cluster.days() as u32,
            };
            let started = std::time::Instant::now();
            let inter = pki::issue_intermediate(&signer, &spec, now).map_err(|e| {
                pki_error(
                    &format!("issue the intermediate CA of cluster \"{name}\""),
                    e,
                )
            })?;
            tracing::info!(cluster = %name, algorithm = spec.key_algorithm.as_str(), millis = started.elapsed().as_millis() as u64, "issued intermediate CA");
            let info = pki::cert_info(&inter.cert_pem)
                .map_err(|e| pki_error("read an intermediate", e))?;
            let cert = ensure_newline(&inter.cert_pem);
            new_key = Some(inter.key_pem.clone());
            Issued {
                cert_chain_pem: format!("{cert}{}", active.cert_pem),
                ca_cert_pem: cert,
                root_cert_pem: trust_bundle.clone(),
                not_after: format_time(info.not_after),
                serial: info.serial_hex,
                spec: cluster.spec(),
            }
        };
        let secret = match planned_secrets.get(&name) {
            Some(v) if v.is_wholly_known() => typed::decode(v)?,
            _ => {
                let key = new_key
                    .or_else(|| prior_secrets.get(&name).map(|s| s.ca_key_pem.clone()))
                    .ok_or_else(|| {
                        Diagnostics::from(Diagnostic::error(
                            "Internal error",
                            format!("no key for the intermediate of \"{name}\""),
                        ))
                    })?;
                IssuedSecret {
                    cacerts_manifest: pki::cacerts_manifest(
                        &name,
                        &item.ca_cert_pem,
                        &key,
                        &item.root_cert_pem,
                        &item.cert_chain_pem,
                    ),
                    ca_key_pem: key,
                }
            }
        };
        issued.insert(name.clone(), item);
        secrets.insert(name, secret);
    }

    let mut state = planned;
    if state.get("id").is_none_or(Value::is_unknown) {
        state.set_attr(
            "id",
            Value::string(format!("mesh-{:016x}", rand::random::<u64>())),
        );
    }
    state.set_attr("roots", encode_attr(&roots, "roots")?);
    state.set_attr("root_keys", encode_attr(&root_keys, "root_keys")?);
    state.set_attr("root_cert_pem", Value::string(active.cert_pem.clone()));
    state.set_attr("trust_bundle_pem", Value::string(trust_bundle));
    state.set_attr("issued", encode_attr(&issued, "issued")?);
    state.set_attr("issued_secrets", encode_attr(&secrets, "issued_secrets")?);
    Ok(state)
}
