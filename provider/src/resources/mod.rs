//! Every resource and data source the provider offers, one module each.

pub mod cidr_plan;
pub mod psk;

use std::sync::Arc;

use tfplugin::{DataSource, Resource};

use crate::ProviderConfig;

pub fn all_resources() -> Vec<Arc<dyn Resource<ProviderConfig>>> {
    vec![Arc::new(psk::Psk)]
}

pub fn all_data_sources() -> Vec<Arc<dyn DataSource<ProviderConfig>>> {
    vec![Arc::new(cidr_plan::CidrPlan)]
}
