//! The provider: its own configuration, and everything it offers Terraform.

use std::sync::Arc;

use async_trait::async_trait;

use super::action::Action;
use super::ctx::ClientCaps;
use super::data_source::DataSource;
use super::ephemeral::EphemeralResource;
use super::list::ListResource;
use super::resource::Resource;
use crate::cty::Value;
use crate::diag::Diagnostics;
use crate::function::Function;
use crate::schema::Schema;

pub struct ConfigureRequest<'a> {
    /// May hold unknowns during plan: that must not fail.
    pub config: &'a Value,
    /// The Terraform CLI's version, e.g. `1.15.5`.
    pub terraform_version: &'a str,
    pub client: ClientCaps,
}

#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What configured resources receive (clients, settings).
    type Data: Send + Sync + 'static;

    /// The provider's type name, e.g. `multicloud`.
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Called once per process.
    async fn configure(&self, req: ConfigureRequest<'_>) -> Result<Self::Data, Diagnostics>;

    fn resources(&self) -> Vec<Arc<dyn Resource<Self::Data>>>;
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Self::Data>>>;

    /// Terraform 1.10+. Older Terraform never asks for them, so offering them costs nothing there;
    /// the same holds for the three kinds below.
    fn ephemeral_resources(&self) -> Vec<Arc<dyn EphemeralResource<Self::Data>>> {
        Vec::new()
    }

    /// Terraform 1.14+ (`terraform query`).
    fn list_resources(&self) -> Vec<Arc<dyn ListResource<Self::Data>>> {
        Vec::new()
    }

    /// Terraform 1.14+.
    fn actions(&self) -> Vec<Arc<dyn Action<Self::Data>>> {
        Vec::new()
    }

    /// Provider-defined functions (Terraform 1.8+).
    fn functions(&self) -> Vec<Arc<dyn Function>> {
        Vec::new()
    }
}
