//! `environments/<cloud>`: one root module per cloud that has clusters, with its state backend,
//! provider configuration, the platform-wide address plan (`data "multicloud_cidr_plan"`, the same
//! in every environment, so every cluster's ranges agree everywhere), one module call per cluster,
//! and the outputs `environments/global` reads from its state.

use super::state::{SiteOutput, backend};
use super::{
    ENV_REQUIRED_TERRAFORM, aws_providers, cidr_plan, cloud_title, provider_alias, regenerate_note,
    tags,
};
use crate::expr::{Expr, func, list, num, obj, r, s, strs};
use crate::model::{Item, Module, Output, RequiredProvider, body, labeled, locals, module_call};
use crate::modules::{
    AWS_VERSION, AZURERM_VERSION, GOOGLE_VERSION, MULTICLOUD_SOURCE, MULTICLOUD_VERSION, aws_eks,
    azure_aks, gcp_gke,
};
use crate::platform::{Cloud, Cluster, Platform};

fn range(cluster: &str, field: &str) -> Expr {
    r(&format!("local.ranges[\"{cluster}\"].{field}"))
}

/// The ranges that the clusters linked to `c` by a VPN connection send from: their network, and on
/// GCP also the pod range (VPC-native pods keep their addresses; EKS pods use the VPC's and AKS
/// overlay pods leave as their node). None without links: the module's default admits nothing.
fn peer_cidrs(p: &Platform, c: &Cluster) -> Option<Expr> {
    let links = p.links.as_ref()?;
    let mut ranges = Vec::new();
    for (a, b) in links.connections(p) {
        let peer = match (a.name == c.name, b.name == c.name) {
            (true, _) => b,
            (_, true) => a,
            _ => continue,
        };
        ranges.push(range(&peer.name, "network_cidr"));
        if peer.cloud == Cloud::Gcp {
            ranges.push(range(&peer.name, "pod_cidr"));
        }
    }
    (!ranges.is_empty()).then(|| list(ranges))
}

fn aws_call(p: &Platform, c: &Cluster) -> Item {
    let n = c.zones.len() as i64;
    let subnets = range(&c.name, "subnet_cidrs");
    module_call(
        &c.name,
        &crate::modules::local_source(aws_eks::DIR),
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
            .a_opt("peer_cidrs", peer_cidrs(p, c))
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
        &crate::modules::local_source(gcp_gke::DIR),
        body()
            .a("project_id", s(&project))
            .a("name", s(&c.name))
            .a("region", s(&c.region))
            .a("subnet_cidr", range(&c.name, "network_cidr"))
            .a("pods_cidr", range(&c.name, "pod_cidr"))
            .a("services_cidr", range(&c.name, "service_cidr"))
            .a("master_ipv4_cidr", s(c.master_cidr()))
            .a_opt("peer_cidrs", peer_cidrs(p, c))
            .a("labels", r("local.tags"))
            .build(),
    )
}

fn azure_call(p: &Platform, c: &Cluster) -> Item {
    module_call(
        &c.name,
        &crate::modules::local_source(azure_aks::DIR),
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
            .when(p.is_vpn_site(&c.name), |b| {
                b.a(
                    "gateway_subnet_cidr",
                    r(&format!("local.ranges[\"{}\"].subnet_cidrs[1]", c.name)),
                )
            })
            .a("admin_group_object_ids", strs(&c.admins))
            .a("tags", r("local.tags"))
            .build(),
    )
}

fn providers(p: &Platform, cloud: Cloud) -> Vec<hcl::Block> {
    match cloud {
        // The backup bucket's region has a provider too, when no cluster is there.
        Cloud::Aws => aws_providers(
            p,
            p.clusters_on(cloud).map(|c| c.region.as_str()).chain(
                p.backup
                    .as_ref()
                    .filter(|b| b.cloud == Cloud::Aws)
                    .map(|b| b.region(p)),
            ),
        ),
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
        let site_output = |o: SiteOutput| {
            Output::new(
                &o.name(&c.name),
                &o.description(&c.name),
                m(o.module_output(cloud)),
            )
        };
        out.push(Output::new(
            &format!("{}_cluster_name", c.name.replace('-', "_")),
            &format!("Name of cluster {}.", c.name),
            m("cluster_name"),
        ));
        out.push(site_output(SiteOutput::NetworkId));
        out.push(Output::new(
            &format!("{}_ranges", c.name.replace('-', "_")),
            &format!(
                "Address ranges of cluster {} from the platform plan.",
                c.name
            ),
            r(&format!("local.ranges[\"{}\"]", c.name)),
        ));
        if p.gitops.is_some() {
            out.extend(super::gitops::cluster_outputs(c));
        }
        if p.is_vpn_site(&c.name) {
            for o in SiteOutput::read_for(cloud) {
                if *o != SiteOutput::NetworkId {
                    out.push(site_output(*o));
                }
            }
        }
    }
    if let Some(b) = p.backup.as_ref().filter(|b| b.cloud == cloud) {
        out.extend(super::gitops::bucket_outputs(b));
    }
    out
}

pub fn environment(p: &Platform, cloud: Cloud) -> Module {
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
            Cloud::Aws => aws_call(p, c),
            Cloud::Gcp => gcp_call(p, c),
            Cloud::Azure => azure_call(p, c),
        });
    }
    if let Some(b) = p.backup.as_ref().filter(|b| b.cloud == cloud) {
        main.extend(super::gitops::bucket_call(p, b));
    }
    let names: Vec<String> = p
        .clusters_on(cloud)
        .map(|c| format!("`{}`", c.name))
        .collect();
    let mut notes = vec![regenerate_note()];
    if p.has_global() {
        let sites: Vec<String> = p
            .vpn_sites()
            .iter()
            .filter(|c| c.cloud == cloud)
            .map(|c| format!("`{}`", c.name))
            .collect();
        let mut text =
            "The cross-cloud layer (VPN between the clouds, mesh trust, global hostname) is \
                        `environments/global`, applied after this one."
                .to_string();
        if !sites.is_empty() {
            text.push_str(&format!(
                " It reads the VPN site outputs of {} from this environment's state: apply this one first, \
                 and keep those outputs.",
                sites.join(", ")
            ));
        }
        notes.push(("Cross-cloud layer".to_string(), text));
    }
    Module {
        dir: format!("environments/{}", cloud.as_str()),
        title: format!("environments/{}", cloud.as_str()),
        about: vec![format!(
            "Root module for the {} clusters of platform `{}`: {}. Generated from `platform.toml`; do not edit.",
            cloud_title(cloud),
            p.name,
            names.join(", ")
        )],
        usage: None,
        required_version: ENV_REQUIRED_TERRAFORM.into(),
        required_providers: vec![
            RequiredProvider::new(provider_name, source, Some(version)),
            RequiredProvider::new("multicloud", MULTICLOUD_SOURCE, Some(MULTICLOUD_VERSION)),
        ],
        backend: Some(backend(p, cloud, cloud.as_str())),
        provider_blocks: providers(p, cloud),
        variables: Vec::new(),
        main,
        outputs: outputs(p, cloud),
        notes,
    }
}

#[cfg(test)]
mod tests {
    use crate::platform::Platform;
    use crate::platform::tests::THREE;

    /// The `peer_cidrs` line of each cloud environment's module call ("" when there is none).
    fn peer_lines(links: &str) -> Vec<(String, String)> {
        let p = Platform::parse(&format!("{THREE}{links}"), "platform.toml").unwrap();
        let tree = crate::tree_for_platform(&p);
        ["aws", "gcp", "azure"]
            .iter()
            .map(|cloud| {
                let main = &tree[&format!("environments/{cloud}/main.tf")];
                let line = main
                    .lines()
                    .find(|l| l.trim_start().starts_with("peer_cidrs"))
                    .unwrap_or_default();
                (cloud.to_string(), line.split_whitespace().collect())
            })
            .collect()
    }

    #[test]
    fn clusters_admit_the_ranges_of_the_sites_they_are_linked_to() {
        // No links: nothing is opened.
        assert!(peer_lines("").iter().all(|(_, l)| l.is_empty()));
        // Hub-and-spoke on GKE: the hub admits both spokes; the EKS spoke admits the hub's nodes
        // and VPC-native pods, not the other spoke; AKS gets no input (its NSG admits the VNet's
        // learned routes by default).
        let lines = peer_lines("[links]\ntopology = \"hub-and-spoke\"\nhub = \"gke-euw1\"\n");
        let get = |cloud: &str| lines.iter().find(|(c, _)| c == cloud).unwrap().1.clone();
        assert_eq!(
            get("gcp"),
            "peer_cidrs=[local.ranges[\"eks-use1\"].network_cidr,local.ranges[\"aks-weu\"].network_cidr]"
        );
        assert_eq!(
            get("aws"),
            "peer_cidrs=[local.ranges[\"gke-euw1\"].network_cidr,local.ranges[\"gke-euw1\"].pod_cidr]"
        );
        assert_eq!(get("azure"), "");
    }
}
