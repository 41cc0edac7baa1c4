//! Every resource and data source the provider offers, one module each.

pub mod cidr_plan;
pub mod ephemeral;
pub mod global_lb;
pub mod mesh_trust;
pub mod psk;
pub mod vpn;

use std::sync::Arc;

use tfplugin::framework::{Action, EphemeralResource, ListResource};
use tfplugin::{DataSource, Resource};

use crate::ProviderConfig;

pub fn all_resources() -> Vec<Arc<dyn Resource<ProviderConfig>>> {
    vec![
        Arc::new(psk::Psk),
        Arc::new(mesh_trust::MeshTrust),
        Arc::new(global_lb::GlobalLb),
        Arc::new(vpn::gateway::VpnGateway),
        Arc::new(vpn::connection::VpnConnection),
    ]
}

pub fn all_ephemeral_resources() -> Vec<Arc<dyn EphemeralResource<ProviderConfig>>> {
    vec![
        Arc::new(ephemeral::psk::EphemeralPsk),
        Arc::new(ephemeral::cluster_auth::ClusterAuth),
    ]
}

pub fn all_list_resources() -> Vec<Arc<dyn ListResource<ProviderConfig>>> {
    vec![
        Arc::new(global_lb::list::GlobalLbList),
        Arc::new(vpn::list::GatewayList),
        Arc::new(vpn::list::ConnectionList),
    ]
}

pub fn all_actions() -> Vec<Arc<dyn Action<ProviderConfig>>> {
    vec![
        Arc::new(global_lb::drill::FailoverDrill),
        Arc::new(mesh_trust::rotate_action::MeshRotate),
    ]
}

pub fn all_functions() -> Vec<Arc<dyn tfplugin::function::Function>> {
    vec![
        Arc::new(global_lb::FailoverSeconds),
        Arc::new(cidr_plan::function::CidrSubnets),
        Arc::new(vpn::function::VpnInsideCidrs),
    ]
}

pub fn all_data_sources() -> Vec<Arc<dyn DataSource<ProviderConfig>>> {
    vec![Arc::new(cidr_plan::CidrPlan)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::Provider;

    /// Terraform refuses a provider whose schema breaks its rules; catch that here, for every type.
    #[test]
    fn every_schema_passes_terraforms_checks() {
        let p = crate::MulticloudProvider;
        let mut problems = tfplugin::schema::check(&p.schema().block);
        for r in all_resources() {
            problems.extend(
                tfplugin::schema::check(&r.schema().block)
                    .into_iter()
                    .map(|e| format!("{}: {e}", r.name())),
            );
        }
        for e in all_ephemeral_resources() {
            problems.extend(
                tfplugin::schema::check(&e.schema().block)
                    .into_iter()
                    .map(|p| format!("ephemeral {}: {p}", e.name())),
            );
        }
        for l in all_list_resources() {
            problems.extend(
                tfplugin::schema::check(&l.schema().block)
                    .into_iter()
                    .map(|p| format!("list {}: {p}", l.name())),
            );
        }
        for a in all_actions() {
            problems.extend(
                tfplugin::schema::check(&a.schema().block)
                    .into_iter()
                    .map(|p| format!("action {}: {p}", a.name())),
            );
        }
        for d in all_data_sources() {
            problems.extend(
                tfplugin::schema::check(&d.schema().block)
                    .into_iter()
                    .map(|e| format!("{}: {e}", d.name())),
            );
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
