//! What a provider author implements: a [`Provider`] with [`Resource`]s and [`DataSource`]s that
//! receive typed values, a cancellation token and return [`Diagnostics`]. No protocol in sight.

use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::cty::{Path, Value};
use crate::diag::{Diagnostic, Diagnostics};
use crate::schema::Schema;

/// Everything an operation may need besides its values.
pub struct Ctx<D> {
    data: Option<Arc<D>>,
    /// Cancelled when Terraform sends StopProvider (the user pressed Ctrl-C).
    pub cancel: CancellationToken,
}

impl<D> Ctx<D> {
    pub fn new(data: Option<Arc<D>>, cancel: CancellationToken) -> Self {
        Ctx { data, cancel }
    }

    /// The configured provider data; an error diagnostic when the provider is not configured yet
    /// (Terraform configures it before any apply, so this only happens on misuse).
    pub fn data(&self) -> Result<&D, Diagnostics> {
        self.data.as_deref().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "The multicloud provider was used before Terraform configured it.",
            )
            .into()
        })
    }
}

/// An apply that failed. `partial` is what was created before the failure: Terraform keeps it in state
/// (tainted), so nothing is orphaned in a cloud.
#[derive(Debug, Default)]
pub struct ApplyError {
    pub partial: Option<Value>,
    pub diags: Diagnostics,
}

impl From<Diagnostics> for ApplyError {
    fn from(diags: Diagnostics) -> Self {
        ApplyError {
            partial: None,
            diags,
        }
    }
}

impl From<Diagnostic> for ApplyError {
    fn from(d: Diagnostic) -> Self {
        Diagnostics::from(d).into()
    }
}

/// A resource's chance to refine the plan after the framework applied defaults and modifiers.
pub struct PlanRequest<'a> {
    pub config: &'a Value,
    /// `None` when the resource is being created.
    pub prior: Option<&'a Value>,
    pub planned: &'a mut Value,
    pub requires_replace: &'a mut Vec<Path>,
    /// Opaque bytes Terraform stores beside the state and hands back on apply and read.
    pub prior_private: &'a [u8],
    pub diags: &'a mut Diagnostics,
}

#[async_trait]
pub trait Resource<D>: Send + Sync {
    /// The full type name, e.g. `multicloud_psk`.
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;

    /// Cross-attribute checks beyond the declared validators. `config` may hold unknown values.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Refine the plan (runs after defaults, unknown-marking and declared modifiers). `ctx` is for
    /// what only the cloud knows at plan (e.g. what other objects already use); it may be
    /// unconfigured or hold partial settings while the provider's own config is unknown, so a
    /// failing lookup should degrade to a warning, not fail the plan.
    async fn modify_plan(&self, _ctx: &Ctx<D>, _req: &mut PlanRequest<'_>) {}

    async fn create(&self, ctx: &Ctx<D>, planned: &Value) -> Result<Value, ApplyError>;

    /// `Ok(None)` means the object is gone and Terraform should plan to create it again.
    async fn read(&self, ctx: &Ctx<D>, state: &Value) -> Result<Option<Value>, Diagnostics>;

    async fn update(
        &self,
        ctx: &Ctx<D>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ApplyError>;

    async fn delete(&self, ctx: &Ctx<D>, state: &Value) -> Result<(), Diagnostics>;

    /// Builds the state of an existing object from the id given to `terraform import`, plus private
    /// bytes to store beside it. Terraform reads the object afterwards.
    async fn import(&self, _ctx: &Ctx<D>, _id: &str) -> Result<(Value, Vec<u8>), Diagnostics> {
        Err(Diagnostic::error(
            "Import not supported",
            format!("{} cannot be imported.", self.name()),
        )
        .into())
    }

    /// Rewrites state JSON written by schema `version` into the current schema's shape.
    fn upgrade_state(
        &self,
        _version: i64,
        state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics> {
        Ok(state)
    }
}

#[async_trait]
pub trait DataSource<D>: Send + Sync {
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    async fn read(&self, ctx: &Ctx<D>, config: &Value) -> Result<Value, Diagnostics>;
}

#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What configured resources receive (clients, settings).
    type Data: Send + Sync + 'static;

    /// The provider's type name, e.g. `multicloud`.
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Called once per process. `config` may hold unknowns during plan: that must not fail.
    async fn configure(&self, config: &Value) -> Result<Self::Data, Diagnostics>;

    fn resources(&self) -> Vec<Arc<dyn Resource<Self::Data>>>;
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Self::Data>>>;

    /// Provider-defined functions (Terraform 1.8+).
    fn functions(&self) -> Vec<Arc<dyn crate::function::Function>> {
        Vec::new()
    }
}
