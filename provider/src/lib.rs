//! The multicloud provider: its configuration, resources and data sources. Protocol and planning
//! machinery live in the `tfplugin` crate; cloud clients will live in `clients`.

pub mod clients;
pub mod config;
pub mod docs;
pub mod resources;

use std::sync::Arc;

use async_trait::async_trait;
use tfplugin::framework::{Action, ConfigureRequest, EphemeralResource, ListResource};
use tfplugin::{DataSource, Diagnostics, Resource, Schema};

pub use config::ProviderConfig;

pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/multicloud/multicloud";

pub struct MulticloudProvider;

#[async_trait]
impl tfplugin::Provider for MulticloudProvider {
    type Data = ProviderConfig;

    fn name(&self) -> &'static str {
        "multicloud"
    }

    fn schema(&self) -> Schema {
        config::schema()
    }

    async fn configure(&self, req: ConfigureRequest<'_>) -> Result<ProviderConfig, Diagnostics> {
        ProviderConfig::from_value(req.config, &config::process_env)
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<ProviderConfig>>> {
        resources::all_resources()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<ProviderConfig>>> {
        resources::all_data_sources()
    }

    fn ephemeral_resources(&self) -> Vec<Arc<dyn EphemeralResource<ProviderConfig>>> {
        resources::all_ephemeral_resources()
    }

    fn list_resources(&self) -> Vec<Arc<dyn ListResource<ProviderConfig>>> {
        resources::all_list_resources()
    }

    fn actions(&self) -> Vec<Arc<dyn Action<ProviderConfig>>> {
        resources::all_actions()
    }

    fn functions(&self) -> Vec<Arc<dyn tfplugin::function::Function>> {
        resources::all_functions()
    }
}
