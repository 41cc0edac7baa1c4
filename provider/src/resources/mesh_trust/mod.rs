//! `multicloud_mesh_trust`: Istio multi-cluster trust as one reviewed, planned, rotated object.
//! `pki` makes the certificates, `planning` decides at plan time what the next apply changes,
//! `apply` carries it out; this module wires them to Terraform.

mod apply;
mod model;
mod pki;
mod planning;
pub mod rotate_action;
mod rotation;

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::Deserialize;
use time::OffsetDateTime;

use tfplugin::framework::{
    Abilities, ApplyResponse, CreateRequest, DeleteRequest, Identity, IdentityAttribute,
    IdentitySchema, Import, ImportRequest, ImportResponse, ModifyPlan, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse, UpdateRequest, ValidateRequest,
};
use tfplugin::{Ctx, Diagnostic, Diagnostics, Path, Resource, Schema, Type, Value, typed};

use crate::ProviderConfig;
use model::{ClusterConfig, RootConfig, State};

pub struct MeshTrust;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Config {
    pub trust_domain: Option<String>,
    pub renew_before_days: Option<i64>,
    pub retain_previous_root: Option<bool>,
    pub rotation_requests_dir: Option<String>,
    pub root: Option<RootConfig>,
    pub clusters: Option<BTreeMap<String, ClusterConfig>>,
}

impl Config {
    pub fn root(&self) -> RootConfig {
        self.root.clone().unwrap_or_default()
    }
}

/// The current time. `MULTICLOUD_FAKE_NOW` (RFC 3339) moves it, so tests can reach an
/// intermediate's renewal window without waiting for it; it is not meant for real use.
pub fn clock() -> OffsetDateTime {
    std::env::var("MULTICLOUD_FAKE_NOW")
        .ok()
        .and_then(|s| parse_time(&s))
        .unwrap_or_else(OffsetDateTime::now_utc)
}

pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

pub fn format_time(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// What the newest root should be made from: a bring-your-own certificate's fingerprint, or the
/// generation settings. A difference from the state's `root_spec` starts a rotation.
pub fn desired_root_spec(config: &Config) -> Result<String, Diagnostics> {
    let root = config.root();
    if let Some(cert) = root.cert_pem.as_deref() {
        let info = pki::cert_info(cert).map_err(|e| {
            Diagnostics::from(
                Diagnostic::error("Invalid root certificate", e.to_string())
                    .at(Path::root().attr("root").attr("cert_pem")),
            )
        })?;
        return Ok(format!("byo:{}", info.sha256_fingerprint));
    }
    Ok(format!(
        "{}/{}d/CN={}/O={}",
        root.key_algorithm
            .as_deref()
            .unwrap_or(model::DEFAULT_ALGORITHM),
        root.validity_days.unwrap_or(model::DEFAULT_ROOT_DAYS),
        root.common_name
            .as_deref()
            .unwrap_or(model::DEFAULT_ROOT_CN),
        root.organization
            .as_deref()
            .unwrap_or(model::DEFAULT_ORGANIZATION),
    ))
}

/// The bring-your-own root key from the configuration: a write-only key exists nowhere else.
fn byo_key(config: &Value) -> Result<Option<String>, Diagnostics> {
    Ok(typed::decode::<Config>(config)?.root().byo_key())
}

fn validate_config(c: &Config, d: &mut Diagnostics) {
    let root = c.root();
    let root_path = Path::root().attr("root");
    if root.key_pem.is_some() && root.key_pem_wo.is_some() {
        d.error_at(
            root_path.attr("key_pem_wo"),
            "Root key given twice",
            "Set one of root.key_pem (stored in state) and root.key_pem_wo (write-only), not both.",
        );
    }
    match (&root.cert_pem, root.byo_key()) {
        (Some(_), None) => d.error_at(
            root_path.attr("key_pem"),
            "Missing root key",
            "A bring-your-own root needs both cert_pem and key_pem (or key_pem_wo on Terraform 1.11+): the key signs the intermediates.",
        ),
        (None, Some(_)) => d.error_at(
            root_path.attr("cert_pem"),
            "Missing root certificate",
            "A bring-your-own root needs both cert_pem and its key (key_pem or key_pem_wo).",
        ),
        _ => {}
    }
    if root.key_pem_wo_version.is_some() && root.key_pem_wo.is_none() {
        d.error_at(
            root_path.attr("key_pem_wo_version"),
            "Version without a write-only key",
            "root.key_pem_wo_version says when root.key_pem_wo changed; set key_pem_wo too, or remove the version.",
        );
    }
    let root_days = root.validity_days.unwrap_or(model::DEFAULT_ROOT_DAYS);
    let renew = c
        .renew_before_days
        .unwrap_or(model::DEFAULT_RENEW_BEFORE_DAYS);
    for (name, cl) in c.clusters.iter().flatten() {
        let at = Path::root()
            .attr("clusters")
            .key(name)
            .attr("validity_days");
        if root.cert_pem.is_none() && cl.days() > root_days {
            d.error_at(
                at.clone(),
                "Intermediate would outlive the root",
                format!(
                    "clusters[\"{name}\"].validity_days = {} exceeds the root's validity_days = {root_days}; an intermediate must expire no later than its root.",
                    cl.days()
                ),
            );
        }
        if renew >= cl.days() {
            d.error_at(
                Path::root().attr("renew_before_days"),
                "Renewal window longer than a certificate's life",
                format!(
                    "renew_before_days = {renew} is not less than clusters[\"{name}\"].validity_days = {}: that intermediate would be renewed on every plan.",
                    cl.days()
                ),
            );
        }
    }
}

#[async_trait]
impl Resource<ProviderConfig> for MeshTrust {
    fn name(&self) -> &'static str {
        "multicloud_mesh_trust"
    }

    fn schema(&self) -> Schema {
        model::schema()
    }

    fn validate(&self, req: ValidateRequest<'_>, diags: &mut Diagnostics) {
        if !req.config.is_wholly_known() {
            return;
        }
        match typed::decode::<Config>(req.config) {
            Ok(c) => validate_config(&c, diags),
            Err(d) => diags.extend(d),
        }
    }

    async fn create(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: CreateRequest<'_>,
        resp: &mut ApplyResponse,
    ) -> Result<(), Diagnostics> {
        let byo_key = byo_key(req.config)?;
        resp.state = apply::run(ctx, None, req.planned.clone(), byo_key).await?;
        Ok(())
    }

    /// Certificates live in state only; expiry is judged at plan time against the clock. A
    /// rotation request left by `action "multicloud_mesh_rotate"` shows as a root due for
    /// rotation, so the next plan starts one.
    async fn read(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        req: ReadRequest<'_>,
        resp: &mut ReadResponse,
    ) -> Result<(), Diagnostics> {
        let s: State = typed::decode(req.state)?;
        let (Some(dir), Some(id)) = (&s.rotation_requests_dir, &s.id) else {
            return Ok(());
        };
        let rotating = s
            .roots
            .iter()
            .flatten()
            .any(|r| r.role == planning::INCOMING);
        let done: Option<String> = req.private.get(rotation::DONE_ENTRY);
        if let (false, Some(token)) = (
            rotating,
            rotation::pending(std::path::Path::new(dir), id, done.as_deref()),
        ) && let Some(state) = resp.state.as_mut()
        {
            tracing::info!(mesh = %id, "root rotation requested; the next plan starts it");
            state.set_attr("root_spec", Value::string(rotation::requested_spec(&token)));
        }
        Ok(())
    }

    async fn update(
        &self,
        ctx: &Ctx<ProviderConfig>,
        req: UpdateRequest<'_>,
        resp: &mut ApplyResponse,
    ) -> Result<(), Diagnostics> {
        let prior: State = typed::decode(req.prior)?;
        let byo_key = byo_key(req.config)?;
        // Carrying out a requested rotation consumes the request.
        if let Some(token) = prior.root_spec.as_deref().and_then(rotation::token_of) {
            resp.private.set(rotation::DONE_ENTRY, &token);
        }
        resp.state = apply::run(ctx, Some(prior), req.planned.clone(), byo_key).await?;
        Ok(())
    }

    /// Nothing exists outside the state; removing it forgets the keys.
    async fn delete(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        _req: DeleteRequest<'_>,
    ) -> Result<(), Diagnostics> {
        Ok(())
    }

    fn abilities(&self) -> Abilities<'_, ProviderConfig> {
        Abilities {
            modify_plan: Some(self),
            import: Some(self),
            identity: Some(self),
            ..Default::default()
        }
    }
}

#[async_trait]
impl ModifyPlan<ProviderConfig> for MeshTrust {
    async fn modify_plan(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        req: PlanRequest<'_>,
        resp: &mut PlanResponse,
    ) {
        if !req.config.is_wholly_known() {
            // The framework already planned every computed attribute as unknown.
            return;
        }
        let result = (|| {
            let config: Config = typed::decode(req.config)?;
            let planned = match req.prior {
                None => planning::Planned {
                    root_spec: Some(desired_root_spec(&config)?),
                    issued: config
                        .clusters
                        .iter()
                        .flatten()
                        .map(|(n, _)| (n.clone(), planning::Entry::Issue))
                        .collect(),
                    secrets: config
                        .clusters
                        .iter()
                        .flatten()
                        .map(|(n, _)| (n.clone(), None))
                        .collect(),
                    ..Default::default()
                },
                Some(prior) => {
                    let state: State = typed::decode(prior)?;
                    let id = state.id.clone().map_or(Value::Unknown, Value::string);
                    resp.planned.set_attr("id", id);
                    planning::plan_update(&state, &config)?
                }
            };
            planning::write(&planned, &mut resp.planned)
        })();
        if let Err(d) = result {
            resp.diags.extend(d);
        }
    }
}

#[async_trait]
impl Import<ProviderConfig> for MeshTrust {
    async fn import(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        _req: ImportRequest<'_>,
        _resp: &mut ImportResponse,
    ) -> Result<(), Diagnostics> {
        Err(Diagnostic::error(
            "Import not supported",
            "multicloud_mesh_trust cannot be imported: the private keys of existing intermediates cannot be \
             recovered from certificates. To keep an existing root, create the resource with \
             root { cert_pem = ..., key_pem = ... } (bring your own root); new intermediates are issued under it.",
        )
        .into())
    }
}

/// `{ id }`: the mesh trust exists only in state, so its random id is all that names it. It
/// lets Terraform 1.12+ track the object; an import by identity is refused like any import.
impl Identity for MeshTrust {
    fn identity_schema(&self) -> IdentitySchema {
        IdentitySchema::new(vec![IdentityAttribute::required(
            "id",
            Type::String,
            "The mesh trust's random id (`mesh-` and 16 hex digits).",
        )])
    }

    fn identity_of(&self, state: &Value) -> Option<Value> {
        let id = state.get("id")?.as_str()?;
        Some(Value::object([("id", Value::string(id))]))
    }

    fn import_id(&self, identity: &Value) -> Result<String, Diagnostics> {
        let id = identity
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(id.to_string())
    }
}
