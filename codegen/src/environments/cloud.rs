//! `environments/<cloud>`: one root module per cloud that has clusters, with its state backend,
//! provider configuration, the platform-wide address plan (`data "multicloud_cidr_plan"`, the same
//! in every environment, so every cluster's ranges agree everywhere) and one module call per cluster.
//! Environments call modules by relative path (`../../modules/NAME`), which is right for this
//! repository; a platform in another repository uses the git source shown in each module's README.

use crate::expr::{Expr, func, list, num, obj, r, s, strs};
use crate::model::{
    Item, Module, Output, RequiredProvider, body, data, labeled, locals, module_call,
};
use crate::modules::{AWS_VERSION, AZURERM_VERSION, GOOGLE_VERSION, aws_eks, azure_aks, gcp_gke};
use crate::platform::{Cloud, Cluster, Platform};

pub const MULTICLOUD_VERSION: &str = ">= 0.1.0";
/// Environments use the S3 backend's native locking (`use_lockfile`), new in Terraform 1.10.
pub const ENV_REQUIRED_TERRAFORM: &str = ">= 1.10.0";

/// Every environment of a platform.
pub fn all(p: &Platform) -> Vec<Module> {
    p.clouds().into_iter().map(|c| environment(p, c)).collect()
}

fn range(cluster: &str, field: &str) -> Expr {
    r(&format!("local.ranges[\"{cluster}\"].{field}"))
}

fn cidr_plan(p: &Platform) -> Item {
    let clusters = p
        .clusters
        .iter()
        .map(|c| {
            let mut fields = vec![
                ("name", s(&c.name)),
                ("cloud", s(c.cloud.as_str())),
                ("region", s(&c.region)),
            ];
            if c.cloud == Cloud::Aws {
                // One private and one public subnet per availability zone.
                fields.push(("zones", num(2 * c.zones.len() as i64)));
            }
            obj(fields)
        })
        .collect::<Vec<_>>();
    data(
        "multicloud_cidr_plan",
        "platform",
        body()
            .a("base_cidr", s(&p.network.base_cidr))
            .a("reserved", strs(&p.network.reserved))
            .a("clusters", list(clusters))
            .build(),
    )
    .comment("The whole platform's address plan: identical in every environment, append new clusters at the end.")
}

fn tags(p: &Platform) -> Expr {
    obj([("platform", s(&p.name)), ("managed-by", s("multicloud"))])
}

fn provider_alias(region: &str) -> String {
    region.replace('-', "_")
}

fn aws_call(c: &Cluster) -> Item {
    let n = c.zones.len() as i64;
    let subnets = range(&c.name, "subnet_cidrs");
    module_call(
        &c.name,
        &format!("../../{}", aws_eks::DIR),
        body()
            .a(
                "providers",
                obj([("aws", r(&format!("aws.{}", provider_alias(&c.region))))]),
            )
            .a("name", s(&c.name))
            .a("azs", strs(&c.zones))
            .a("vpc_cidr", range(&c.name, "network_cidr"))
            .a(
                "private_subnet_cidrs",
                func("slice", [subnets.clone(), num(0), num(n)]),
            )
            .a(
                "public_subnet_cidrs",
                func("slice", [subnets, num(n), num(2 * n)]),
            )
            .a("service_cidr", range(&c.name, "service_cidr"))
            .a_opt("kubernetes_version", c.kubernetes_version.as_deref().map(s))
            .a("admin_principal_arns", strs(&c.admins))
            .a("tags", r("local.tags"))
            .build(),
    )
}

fn gcp_call(p: &Platform, c: &Cluster) -> Item {
    let project = p
        .gcp
        .as_ref()
        .map(|g| g.project_id.clone())
        .unwrap_or_default();
    module_call(
        &c.name,
        &format!("../../{}", gcp_gke::DIR),
        body()
            .a("project_id", s(&project))
            .a("name", s(&c.name))
            .a("region", s(&c.region))
            .a("subnet_cidr", range(&c.name, "network_cidr"))
            .a("pods_cidr", range(&c.name, "pod_cidr"))
            .a("services_cidr", range(&c.name, "service_cidr"))
            .a("master_ipv4_cidr", s(c.master_cidr()))
            .a("labels", r("local.tags"))
            .build(),
    )
}

fn azure_call(c: &Cluster) -> Item {
    module_call(
        &c.name,
        &format!("../../{}", azure_aks::DIR),
        body()
            .a("name", s(&c.name))
            .a("location", s(&c.region))
            .a("vnet_cidr", range(&c.name, "network_cidr"))
            .a(
                "subnet_cidr",
                r(&format!("local.ranges[\"{}\"].subnet_cidrs[0]", c.name)),
            )
            .a("pod_cidr", range(&c.name, "pod_cidr"))
            .a("service_cidr", range(&c.name, "service_cidr"))
            .a_opt("kubernetes_version", c.kubernetes_version.as_deref().map(s))
            .when(!c.zones.is_empty(), |b| b.a("zones", strs(&c.zones)))
            .a("admin_group_object_ids", strs(&c.admins))
            .a("tags", r("local.tags"))
            .build(),
    )
}

fn backend(p: &Platform, cloud: Cloud) -> hcl::Block {
    let b = match cloud {
        Cloud::Aws => {
            let a = p.aws.as_ref();
            body()
                .a(
                    "bucket",
                    s(a.map(|a| a.state_bucket.as_str()).unwrap_or_default()),
                )
                .a("key", s(&format!("{}/aws/terraform.tfstate", p.name)))
                .a(
                    "region",
                    s(a.map(|a| a.state_region.as_str()).unwrap_or_default()),
                )
                .a("encrypt", true)
                .a("use_lockfile", true)
        }
        Cloud::Gcp => body()
            .a(
                "bucket",
                s(p.gcp
                    .as_ref()
                    .map(|g| g.state_bucket.as_str())
                    .unwrap_or_default()),
            )
            .a("prefix", s(&format!("{}/gcp", p.name))),
        Cloud::Azure => {
            let a = p.azure.as_ref();
            body()
                .a(
                    "resource_group_name",
                    s(a.map(|a| a.state_resource_group.as_str())
                        .unwrap_or_default()),
                )
                .a(
                    "storage_account_name",
                    s(a.map(|a| a.state_storage_account.as_str())
                        .unwrap_or_default()),
                )
                .a(
                    "container_name",
                    s(a.map(|a| a.state_container.as_str()).unwrap_or_default()),
                )
                .a("key", s(&format!("{}/azure.tfstate", p.name)))
                .a("use_azuread_auth", true)
        }
    };
    let kind = match cloud {
        Cloud::Aws => "s3",
        Cloud::Gcp => "gcs",
        Cloud::Azure => "azurerm",
    };
    labeled("backend", &[kind], b.build())
}

fn providers(p: &Platform, cloud: Cloud) -> Vec<hcl::Block> {
    match cloud {
        Cloud::Aws => {
            let mut regions: Vec<&str> = p.clusters_on(cloud).map(|c| c.region.as_str()).collect();
            regions.dedup();
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
        Cloud::Gcp => {
            let region = p
                .clusters_on(cloud)
                .next()
                .map(|c| c.region.clone())
                .unwrap_or_default();
            let project = p
                .gcp
                .as_ref()
                .map(|g| g.project_id.clone())
                .unwrap_or_default();
            vec![labeled(
                "provider",
                &["google"],
                body()
                    .a("project", s(&project))
                    .a("region", s(&region))
                    .a("default_labels", tags(p))
                    .build(),
            )]
        }
        Cloud::Azure => {
            let sub = p
                .azure
                .as_ref()
                .map(|a| a.subscription_id.clone())
                .unwrap_or_default();
            vec![labeled(
                "provider",
                &["azurerm"],
                body()
                    .a("subscription_id", s(&sub))
                    .b("features", body())
                    .build(),
            )]
        }
    }
}

fn outputs(p: &Platform, cloud: Cloud) -> Vec<Output> {
    let mut out = Vec::new();
    for c in p.clusters_on(cloud) {
        let m = |o: &str| r(&format!("module.{}.{o}", c.name));
        let network = match cloud {
            Cloud::Aws => m("vpc_id"),
            Cloud::Gcp => m("network_id"),
            Cloud::Azure => m("vnet_id"),
        };
        out.push(Output::new(
            &format!("{}_cluster_name", c.name.replace('-', "_")),
            &format!("Name of cluster {}.", c.name),
            m("cluster_name"),
        ));
        out.push(Output::new(
            &format!("{}_network_id", c.name.replace('-', "_")),
            &format!("Network (VPC / VNet) of cluster {}.", c.name),
            network,
        ));
        out.push(Output::new(
            &format!("{}_ranges", c.name.replace('-', "_")),
            &format!(
                "Address ranges of cluster {} from the platform plan.",
                c.name
            ),
            r(&format!("local.ranges[\"{}\"]", c.name)),
        ));
    }
    out
}

fn environment(p: &Platform, cloud: Cloud) -> Module {
    let (provider_name, source, version) = match cloud {
        Cloud::Aws => ("aws", "hashicorp/aws", AWS_VERSION),
        Cloud::Gcp => ("google", "hashicorp/google", GOOGLE_VERSION),
        Cloud::Azure => ("azurerm", "hashicorp/azurerm", AZURERM_VERSION),
    };
    let mut main = vec![
        cidr_plan(p),
        locals([
            (
                "ranges",
                r("data.multicloud_cidr_plan.platform.allocations"),
            ),
            ("tags", tags(p)),
        ]),
    ];
    for c in p.clusters_on(cloud) {
        main.push(match cloud {
            Cloud::Aws => aws_call(c),
            Cloud::Gcp => gcp_call(p, c),
            Cloud::Azure => azure_call(c),
        });
    }
    let names: Vec<String> = p
        .clusters_on(cloud)
        .map(|c| format!("`{}`", c.name))
        .collect();
    let links: Vec<String> = p
        .links
        .iter()
        .filter(|l| {
            l.between
                .iter()
                .any(|n| p.clusters_on(cloud).any(|c| &c.name == n))
        })
        .map(|l| format!("`{}` ↔ `{}`", l.between[0], l.between[1]))
        .collect();
    let mut notes = vec![(
        "Regenerate".to_string(),
        "Edit `platform.toml` at the repository root, then run `cargo run -p multicloud-codegen -- generate`. \
         `multicloud-codegen --check` (CI) fails when this directory differs from what the description \
         generates."
            .to_string(),
    )];
    if !links.is_empty() || p.mesh.enabled {
        let mut text = String::new();
        if !links.is_empty() {
            text.push_str(&format!(
                "Links described in `platform.toml`: {}. The VPN between clouds (`modules/networking`) is not generated yet.",
                links.join(", ")
            ));
        }
        if p.mesh.enabled {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&format!(
                "Mesh trust domain: `{}` (mesh trust and global load balancing live in a later `environments/global`).",
                p.mesh.trust_domain.as_deref().unwrap_or_default()
            ));
        }
        notes.push(("Not generated yet".to_string(), text));
    }
    Module {
        dir: format!("environments/{}", cloud.as_str()),
        title: format!("environments/{}", cloud.as_str()),
        about: vec![format!(
            "Root module for the {} clusters of platform `{}`: {}. Generated from `platform.toml`; do not edit.",
            match cloud {
                Cloud::Aws => "AWS",
                Cloud::Gcp => "GCP",
                Cloud::Azure => "Azure",
            },
            p.name,
            names.join(", ")
        )],
        usage: None,
        required_version: ENV_REQUIRED_TERRAFORM.into(),
        required_providers: vec![
            RequiredProvider::new(provider_name, source, Some(version)),
            RequiredProvider::new(
                "multicloud",
                "multicloud/multicloud",
                Some(MULTICLOUD_VERSION),
            ),
        ],
        backend: Some(backend(p, cloud)),
        provider_blocks: providers(p, cloud),
        variables: Vec::new(),
        main,
        outputs: outputs(p, cloud),
        notes,
    }
}
