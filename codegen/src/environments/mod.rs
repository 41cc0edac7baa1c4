//! `environments/`: the root modules of a platform. One per cloud that has clusters (`cloud.rs`),
//! plus `environments/global` (`global.rs`), the cross-cloud layer, when the description has links,
//! a mesh or a global hostname, and `environments/bootstrap` (`bootstrap.rs`), the state buckets and
//! CI identities the others need, with `[ci]`. `state.rs` holds what one root module reads from
//! another's state.
//! Environments call modules by relative path (`../../modules/NAME`), which is right for this
//! repository; a platform in another repository uses the git source each module's README shows once
//! platform.toml sets `modules_source`.

pub mod backup;
pub mod bootstrap;
pub mod cloud;
pub mod gitops;
pub mod global;
pub mod state;

use crate::expr::{Expr, list, num, obj, s};
use crate::model::{Item, body, data, labeled};
use crate::platform::{Cloud, Platform};

/// Environments use the S3 backend's native locking (`use_lockfile`), new in Terraform 1.10.
pub const ENV_REQUIRED_TERRAFORM: &str = ">= 1.10.0";

/// Every environment of a platform.
pub fn all(p: &Platform) -> Vec<crate::model::Module> {
    // The bootstrap (state buckets, CI identities) exists with `[ci]`, and is applied first.
    let mut envs: Vec<_> =
        p.ci.iter()
            .map(|ci| bootstrap::environment(p, ci))
            .collect();
    envs.extend(p.clouds().into_iter().map(|c| cloud::environment(p, c)));
    if p.has_global() {
        envs.push(global::environment(p));
    }
    // After the cloud environments and global: it reads their states.
    if p.gitops.is_some() {
        envs.push(gitops::environment(p));
    }
    envs
}

/// The clusters as the address plan takes them, in `[[clusters]]` order. The same list goes to
/// every environment's plan and to `modules/networking`, so that ranges agree everywhere.
pub fn cluster_requests(p: &Platform) -> Expr {
    list(p.clusters.iter().map(|c| {
        let mut fields = vec![
            ("name", s(&c.name)),
            ("cloud", s(c.cloud.as_str())),
            ("region", s(&c.region)),
        ];
        match c.cloud {
            // One private and one public subnet per availability zone.
            Cloud::Aws => fields.push(("zones", num(2 * c.zones.len() as i64))),
            // The node subnet, and the GatewaySubnet of the cluster network's VPN gateway.
            Cloud::Azure if p.is_vpn_site(&c.name) => fields.push(("zones", num(2))),
            _ => {}
        }
        obj(fields)
    }))
}

/// `data "multicloud_cidr_plan" "platform"`, identical in every cloud environment.
pub fn cidr_plan(p: &Platform) -> Item {
    data(
        "multicloud_cidr_plan",
        "platform",
        body()
            .a("base_cidr", s(&p.network.base_cidr))
            .a("reserved", crate::expr::strs(&p.network.reserved))
            .a("clusters", cluster_requests(p))
            .build(),
    )
    .comment("The whole platform's address plan: identical in every environment, append new clusters at the end.")
}

pub fn tags(p: &Platform) -> Expr {
    obj([("platform", s(&p.name)), ("managed-by", s("multicloud"))])
}

/// The alias of the AWS provider configuration of `region` (`us_east_1`).
pub fn provider_alias(region: &str) -> String {
    region.replace('-', "_")
}

/// One aliased `provider "aws"` per region, with the platform's default tags.
pub fn aws_providers<'a>(p: &Platform, regions: impl Iterator<Item = &'a str>) -> Vec<hcl::Block> {
    let mut regions: Vec<&str> = regions.collect();
    regions.sort_unstable();
    regions.dedup();
    regions
        .into_iter()
        .map(|region| {
            labeled(
                "provider",
                &["aws"],
                body()
                    .a("alias", s(&provider_alias(region)))
                    .a("region", s(region))
                    .b("default_tags", body().a("tags", tags(p)))
                    .build(),
            )
        })
        .collect()
}

/// The README section every environment ends with.
pub fn regenerate_note() -> (String, String) {
    (
        "Regenerate".to_string(),
        "Edit `platform.toml` at the repository root, then run `cargo run -p multicloud-codegen -- generate`. \
         `multicloud-codegen --check` (CI) fails when this directory differs from what the description \
         generates."
            .to_string(),
    )
}

pub fn cloud_title(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Aws => "AWS",
        Cloud::Gcp => "GCP",
        Cloud::Azure => "Azure",
    }
}
