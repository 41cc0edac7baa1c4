//! Managed resources: the lifecycle every resource has (create, read, update, delete) and the
//! abilities a resource may add (plan refinement, import, identity, state upgrade, move).
//!
//! Every operation takes a request (what Terraform sent, decoded) and a response the framework
//! fills in beforehand with what carries over unless the resource changes it (private state, the
//! current state on read). An operation returns `Err(diagnostics)` to fail; a failed create or
//! update that leaves `resp.state` set keeps that (partial) object in state, tainted, so nothing
//! it made is orphaned.

use async_trait::async_trait;

use super::ctx::{ClientCaps, Ctx};
use super::identity::Identity;
use super::private::Private;
use crate::cty::{Path, Value};
use crate::diag::Diagnostics;
use crate::schema::Schema;

pub struct ValidateRequest<'a> {
    /// May hold unknown values (anything not known until apply).
    pub config: &'a Value,
    pub client: ClientCaps,
}

pub struct CreateRequest<'a> {
    /// The configuration, including write-only attributes (null in `planned`).
    pub config: &'a Value,
    pub planned: &'a Value,
    pub private: &'a Private,
}

pub struct UpdateRequest<'a> {
    /// The configuration, including write-only attributes (null in `planned` and `prior`).
    pub config: &'a Value,
    pub prior: &'a Value,
    pub planned: &'a Value,
    pub private: &'a Private,
}

/// What a create or update leaves in state.
#[derive(Debug, Default)]
pub struct ApplyResponse {
    /// The new object. Null until set; on failure, what was made so far (kept tainted).
    pub state: Value,
    /// Starts as the planned private state.
    pub private: Private,
    /// Warnings to show even when the operation succeeds.
    pub diags: Diagnostics,
}

pub struct ReadRequest<'a> {
    pub state: &'a Value,
    pub private: &'a Private,
}

#[derive(Debug, Default)]
pub struct ReadResponse {
    /// Starts as the current state; `None` means the object is gone and Terraform should plan
    /// to create it again.
    pub state: Option<Value>,
    pub private: Private,
    pub diags: Diagnostics,
}

pub struct DeleteRequest<'a> {
    pub state: &'a Value,
    pub private: &'a Private,
}

#[async_trait]
pub trait Resource<D>: Send + Sync {
    /// The full type name, e.g. `multicloud_psk`.
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;

    /// Cross-attribute checks beyond the declared validators.
    fn validate(&self, _req: ValidateRequest<'_>, _diags: &mut Diagnostics) {}

    async fn create(
        &self,
        ctx: &Ctx<D>,
        req: CreateRequest<'_>,
        resp: &mut ApplyResponse,
    ) -> Result<(), Diagnostics>;

    async fn read(
        &self,
        ctx: &Ctx<D>,
        req: ReadRequest<'_>,
        resp: &mut ReadResponse,
    ) -> Result<(), Diagnostics>;

    async fn update(
        &self,
        ctx: &Ctx<D>,
        req: UpdateRequest<'_>,
        resp: &mut ApplyResponse,
    ) -> Result<(), Diagnostics>;

    async fn delete(&self, ctx: &Ctx<D>, req: DeleteRequest<'_>) -> Result<(), Diagnostics>;

    /// What this resource can do beyond its lifecycle. The framework offers Terraform exactly
    /// these (an import of a resource without `import` is refused with a clear message).
    fn abilities(&self) -> Abilities<'_, D> {
        Abilities::default()
    }
}

/// Optional abilities, each a trait of its own that a resource opts into by returning itself.
pub struct Abilities<'a, D> {
    pub modify_plan: Option<&'a dyn ModifyPlan<D>>,
    pub import: Option<&'a dyn Import<D>>,
    pub identity: Option<&'a dyn Identity>,
    pub upgrade_state: Option<&'a dyn UpgradeState>,
}

impl<D> Default for Abilities<'_, D> {
    fn default() -> Self {
        Abilities {
            modify_plan: None,
            import: None,
            identity: None,
            upgrade_state: None,
        }
    }
}

pub struct PlanRequest<'a> {
    /// May hold unknown values; includes write-only attributes.
    pub config: &'a Value,
    /// `None` when the resource is being created.
    pub prior: Option<&'a Value>,
    pub private: &'a Private,
    pub client: ClientCaps,
}

/// The plan as the framework made it (defaults, unknown-marking, declared modifiers), for the
/// resource to refine.
#[derive(Debug, Default)]
pub struct PlanResponse {
    pub planned: Value,
    pub requires_replace: Vec<Path>,
    /// Starts as the prior private state; handed to apply.
    pub private: Private,
    pub diags: Diagnostics,
}

/// A resource's chance to refine the plan after the framework's pipeline.
#[async_trait]
pub trait ModifyPlan<D>: Send + Sync {
    /// `ctx` is for what only the cloud knows at plan (e.g. what other objects already use); it
    /// may be unconfigured or hold partial settings while the provider's own configuration is
    /// unknown, so a failing lookup should degrade to a warning, not fail the plan.
    async fn modify_plan(&self, ctx: &Ctx<D>, req: PlanRequest<'_>, resp: &mut PlanResponse);
}

pub struct ImportRequest<'a> {
    /// The id given to `terraform import` or an `import` block; for an import by identity, the
    /// id the resource's [`Identity::import_id`] made of it.
    pub id: &'a str,
    /// The identity of an `import { identity = {...} }` block (Terraform 1.12+).
    pub identity: Option<&'a Value>,
}

#[derive(Debug, Default)]
pub struct ImportResponse {
    /// Enough of the object for a read to complete it (Terraform reads right after).
    pub state: Value,
    pub private: Private,
    pub diags: Diagnostics,
}

#[async_trait]
pub trait Import<D>: Send + Sync {
    async fn import(
        &self,
        ctx: &Ctx<D>,
        req: ImportRequest<'_>,
        resp: &mut ImportResponse,
    ) -> Result<(), Diagnostics>;
}

/// Rewrites state JSON written by an older schema `version` into the current schema's shape.
/// Without it, older state is read leniently (attributes the schema lost are dropped).
pub trait UpgradeState: Send + Sync {
    fn upgrade_state(
        &self,
        version: i64,
        state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics>;
}
