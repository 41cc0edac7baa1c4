//! Where each environment keeps its state, and what `environments/global` reads from the cloud
//! environments' states: one description of both sides, so the outputs a cloud environment writes
//! and the references the global one makes cannot drift apart.

use hcl::Block;

use crate::expr::{Expr, obj, r, s};
use crate::model::{B, Item, body, data, labeled};
use crate::platform::{Cloud, Platform};

/// The settings of the backend on `cloud` that keeps environment `env` (`aws`, `global`, ...).
fn settings(p: &Platform, cloud: Cloud, env: &str) -> Vec<(&'static str, Expr)> {
    match cloud {
        Cloud::Aws => {
            let a = p.aws.as_ref();
            vec![
                (
                    "bucket",
                    s(a.map(|a| a.state_bucket.as_str()).unwrap_or_default()),
                ),
                ("key", s(&format!("{}/{env}/terraform.tfstate", p.name))),
                (
                    "region",
                    s(a.map(|a| a.state_region.as_str()).unwrap_or_default()),
                ),
                ("encrypt", Expr::Bool(true)),
                ("use_lockfile", Expr::Bool(true)),
            ]
        }
        Cloud::Gcp => vec![
            (
                "bucket",
                s(p.gcp
                    .as_ref()
                    .map(|g| g.state_bucket.as_str())
                    .unwrap_or_default()),
            ),
            ("prefix", s(&format!("{}/{env}", p.name))),
        ],
        Cloud::Azure => {
            let a = p.azure.as_ref();
            vec![
                (
                    "resource_group_name",
                    s(a.map(|a| a.state_resource_group.as_str())
                        .unwrap_or_default()),
                ),
                (
                    "storage_account_name",
                    s(a.map(|a| a.state_storage_account.as_str())
                        .unwrap_or_default()),
                ),
                (
                    "container_name",
                    s(a.map(|a| a.state_container.as_str()).unwrap_or_default()),
                ),
                ("key", s(&format!("{}/{env}.tfstate", p.name))),
                ("use_azuread_auth", Expr::Bool(true)),
            ]
        }
    }
}

pub fn backend_kind(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Aws => "s3",
        Cloud::Gcp => "gcs",
        Cloud::Azure => "azurerm",
    }
}

/// `backend "KIND" { ... }` of environment `env`, kept on `cloud`.
pub fn backend(p: &Platform, cloud: Cloud, env: &str) -> Block {
    let b = settings(p, cloud, env)
        .into_iter()
        .fold(body(), |b: B, (k, v)| b.a(k, v));
    labeled("backend", &[backend_kind(cloud)], b.build())
}

/// `data "terraform_remote_state" "CLOUD"`: the state of `environments/CLOUD`.
pub fn remote_state(p: &Platform, cloud: Cloud) -> Item {
    data(
        "terraform_remote_state",
        cloud.as_str(),
        body()
            .a("backend", s(backend_kind(cloud)))
            .a("config", obj(settings(p, cloud, cloud.as_str())))
            .build(),
    )
}

/// An output of a cloud environment that `environments/global` reads, per VPN site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteOutput {
    /// AWS: the VPC the virtual private gateway attaches to.
    NetworkId,
    /// AWS: the route tables that learn the other clouds' routes by propagation.
    PrivateRouteTableIds,
    /// GCP: the VPC network of the HA VPN gateway and its Cloud Router.
    NetworkName,
    /// Azure: the resource group of the VPN gateway.
    ResourceGroupName,
    /// Azure: the VNet's `GatewaySubnet`.
    GatewaySubnetId,
}

impl SiteOutput {
    /// What the global environment reads of a site on `cloud`.
    pub fn read_for(cloud: Cloud) -> &'static [SiteOutput] {
        match cloud {
            Cloud::Aws => &[SiteOutput::NetworkId, SiteOutput::PrivateRouteTableIds],
            Cloud::Gcp => &[SiteOutput::NetworkName],
            Cloud::Azure => &[SiteOutput::ResourceGroupName, SiteOutput::GatewaySubnetId],
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            SiteOutput::NetworkId => "network_id",
            SiteOutput::PrivateRouteTableIds => "private_route_table_ids",
            SiteOutput::NetworkName => "network_name",
            SiteOutput::ResourceGroupName => "resource_group_name",
            SiteOutput::GatewaySubnetId => "gateway_subnet_id",
        }
    }

    /// The output's name in the cloud environment, e.g. `eks_use1_network_id`.
    pub fn name(self, cluster: &str) -> String {
        format!("{}_{}", cluster.replace('-', "_"), self.suffix())
    }

    /// The cluster module's output it passes on.
    pub fn module_output(self, cloud: Cloud) -> &'static str {
        match (self, cloud) {
            (SiteOutput::NetworkId, Cloud::Aws) => "vpc_id",
            (SiteOutput::NetworkId, Cloud::Gcp) => "network_id",
            (SiteOutput::NetworkId, Cloud::Azure) => "vnet_id",
            (other, _) => other.suffix(),
        }
    }

    pub fn description(self, cluster: &str) -> String {
        match self {
            SiteOutput::NetworkId => format!("Network (VPC / VNet) of cluster {cluster}."),
            SiteOutput::PrivateRouteTableIds => format!(
                "Private route tables of cluster {cluster} (VPN routes propagate into them)."
            ),
            SiteOutput::NetworkName => format!("VPC network name of cluster {cluster}."),
            SiteOutput::ResourceGroupName => format!("Resource group of cluster {cluster}."),
            SiteOutput::GatewaySubnetId => {
                format!("GatewaySubnet of cluster {cluster}'s VNet (for its VPN gateway).")
            }
        }
    }

    /// The global environment's reference to it.
    pub fn reference(self, cloud: Cloud, cluster: &str) -> Expr {
        r(&format!(
            "data.terraform_remote_state.{}.outputs.{}",
            cloud.as_str(),
            self.name(cluster)
        ))
    }
}
