//! `environments/global`: the cross-cloud layer, applied after the cloud environments. It reads
//! their states for what the VPN sites attach to, calls `modules/networking` (address plan,
//! gateways, connections in the described topology), turns on route propagation in AWS VPCs, and
//! holds the mesh trust (`multicloud_mesh_trust`) and the global hostname (`multicloud_global_lb`).

use std::collections::BTreeSet;

use super::state::{SiteOutput, backend, remote_state};
use super::{
    ENV_REQUIRED_TERRAFORM, aws_providers, cluster_requests, provider_alias, regenerate_note,
};
use crate::expr::{Expr, for_list, for_map, func, num, obj, r, s, strs, ty, var};
use crate::model::{
    Item, Module, Output, RequiredProvider, Variable, body, labeled, module_call, resource,
};
use crate::modules::{AWS_VERSION, MULTICLOUD_SOURCE, MULTICLOUD_VERSION, networking};
use crate::platform::{Cloud, Cluster, GlobalLb, Platform, Topology};

pub const DIR: &str = "environments/global";
/// The variable that carries each cluster's ingress address.
pub const INGRESS_VARIABLE: &str = "ingress_addresses";

/// Clouds with VPN sites, in a fixed order: the states to read.
fn site_clouds(p: &Platform) -> Vec<Cloud> {
    p.vpn_sites()
        .iter()
        .map(|c| c.cloud)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn aws_sites(p: &Platform) -> Vec<&Cluster> {
    p.vpn_sites()
        .into_iter()
        .filter(|c| c.cloud == Cloud::Aws)
        .collect()
}

fn site(p: &Platform, c: &Cluster) -> Expr {
    let out = |o: SiteOutput| o.reference(c.cloud, &c.name);
    let settings = match c.cloud {
        Cloud::Aws => obj([
            ("region", s(&c.region)),
            ("vpc_id", out(SiteOutput::NetworkId)),
        ]),
        Cloud::Gcp => obj([
            (
                "project",
                s(p.gcp
                    .as_ref()
                    .map(|g| g.project_id.as_str())
                    .unwrap_or_default()),
            ),
            ("region", s(&c.region)),
            ("network", out(SiteOutput::NetworkName)),
        ]),
        Cloud::Azure => obj([
            (
                "subscription_id",
                s(p.azure
                    .as_ref()
                    .map(|a| a.subscription_id.as_str())
                    .unwrap_or_default()),
            ),
            ("resource_group", out(SiteOutput::ResourceGroupName)),
            ("location", s(&c.region)),
            ("gateway_subnet_id", out(SiteOutput::GatewaySubnetId)),
        ]),
    };
    obj([(c.cloud.as_str(), settings)])
}

fn networking_call(p: &Platform) -> Option<Item> {
    let links = p.links.as_ref()?;
    let sites = obj(p
        .vpn_sites()
        .into_iter()
        .map(|c| (c.name.clone(), site(p, c))));
    Some(module_call(
        "networking",
        &crate::modules::local_source(networking::DIR),
        body()
            .a("name", s(&p.name))
            .a("base_cidr", s(&p.network.base_cidr))
            .a("reserved", strs(&p.network.reserved))
            .a("clusters", cluster_requests(p))
            .a("topology", s(links.kind().as_str()))
            .when(links.kind() == Topology::HubAndSpoke, |b| {
                b.a("hub", s(links.hub.as_deref().unwrap_or_default()))
            })
            .a("tunnel_count", num(links.tunnel_count))
            .a("sites", sites)
            .build(),
    )
    .comment("The VPN between the clouds: a gateway per site, connections by the topology of platform.toml."))
}

/// Route propagation: an AWS VPC learns the other clouds' routes only this way.
fn route_propagation(c: &Cluster) -> Item {
    resource(
        "aws_vpn_gateway_route_propagation",
        &c.name,
        body()
            .a("provider", r(&format!("aws.{}", provider_alias(&c.region))))
            .a(
                "for_each",
                func(
                    "toset",
                    [SiteOutput::PrivateRouteTableIds.reference(Cloud::Aws, &c.name)],
                ),
            )
            .a(
                "vpn_gateway_id",
                r(&format!("module.networking.gateways[\"{}\"].id", c.name)),
            )
            .a("route_table_id", r("each.value"))
            .build(),
    )
    .comment(&format!(
        "{}'s private route tables learn the other clouds' ranges from its virtual private gateway (BGP).",
        c.name
    ))
}

fn mesh_trust(p: &Platform) -> Item {
    let clusters = obj(p
        .clusters
        .iter()
        // The same Istio network name istiod gets (kubernetes/ facts).
        .map(|c| (c.name.clone(), obj([("network", s(&c.network()))]))));
    resource(
        "multicloud_mesh_trust",
        "mesh",
        body()
            .a(
                "trust_domain",
                s(p.mesh.trust_domain.as_deref().unwrap_or_default()),
            )
            .a("clusters", clusters)
            .build(),
    )
    .comment("One Istio root and an intermediate CA per cluster. Each cluster is its own Istio network: pods")
    .comment("reach other clouds through east-west gateways (AKS overlay pod addresses are not routable).")
}

fn backends(lb: &GlobalLb, p: &Platform) -> Expr {
    obj(lb.backends(p).into_iter().enumerate().map(|(i, c)| {
        let mut fields = vec![
            ("cloud", s(c.cloud.as_str())),
            ("region", s(&c.region)),
            (
                "address",
                r(&format!("var.{INGRESS_VARIABLE}[\"{}\"]", c.name)),
            ),
        ];
        match lb.policy.as_str() {
            "failover" => fields.push(("priority", num(i as i64 + 1))),
            "weighted" => fields.push((
                "weight",
                num(lb
                    .weights
                    .get(&c.name)
                    .copied()
                    .unwrap_or(crate::platform::DEFAULT_WEIGHT)),
            )),
            "geo" => fields.push((
                "geo",
                strs(lb.geo.get(&c.name).cloned().unwrap_or_default()),
            )),
            _ => {}
        }
        (c.name.clone(), obj(fields))
    }))
}

fn global_lb(lb: &GlobalLb, p: &Platform) -> Item {
    let dns = body()
        .a("zone_id", s(&lb.zone_id))
        .a_opt("proxied", lb.proxied.map(Expr::Bool));
    let mut b = body()
        .a("hostname", s(&lb.hostname))
        .a("policy", s(&lb.policy))
        .b(&lb.dns, dns);
    if let Some(h) = &lb.health_check {
        b = b.b(
            "health_check",
            body()
                .a_opt("protocol", h.protocol.as_deref().map(s))
                .a_opt("port", h.port.map(num))
                .a_opt("path", h.path.as_deref().map(s))
                .a_opt("interval_seconds", h.interval_seconds.map(num))
                .a_opt("failure_threshold", h.failure_threshold.map(num)),
        );
    }
    resource(
        "multicloud_global_lb",
        "ingress",
        b.a_opt("ttl", lb.ttl.map(num))
            .a_opt("max_failover_seconds", lb.max_failover_seconds.map(num))
            .a("backends", backends(lb, p))
            .build(),
    )
    .comment("One hostname over the clusters' ingress; the plan refuses settings slower than max_failover_seconds.")
}

fn ingress_variable(lb: &GlobalLb, p: &Platform) -> Variable {
    let names: Vec<String> = lb.backends(p).iter().map(|c| c.name.clone()).collect();
    Variable::new(
        INGRESS_VARIABLE,
        ty::map(ty::string()),
        "Each cluster's ingress address (its load balancer's IPv4 address or hostname) by cluster name: what the global hostname answers with and health-checks. Known once each cluster's ingress controller runs; CI passes it as TF_VAR_ingress_addresses.",
    )
    .validate(
        func(
            "alltrue",
            [for_list(
                "c",
                strs(&names),
                func("contains", [func("keys", [var(INGRESS_VARIABLE)]), r("c")]),
            )],
        ),
        &format!("{INGRESS_VARIABLE} needs an address for each of {}.", names.join(", ")),
    )
    .not_null()
}

fn multicloud_provider(p: &Platform) -> hcl::Block {
    let mut b = body();
    if let Some(a) = &p.aws {
        b = b.b("aws", body().a("region", s(&a.state_region)));
    }
    if let Some(g) = &p.gcp {
        b = b.b("gcp", body().a("project", s(&g.project_id)));
    }
    if let Some(a) = &p.azure {
        b = b.b("azure", body().a("subscription_id", s(&a.subscription_id)));
    }
    labeled("provider", &["multicloud"], b.build())
}

fn outputs(p: &Platform) -> Vec<Output> {
    let mut out = Vec::new();
    if p.links.is_some() {
        out.push(Output::new(
            "allocations",
            "The platform's address plan by cluster name.",
            r("module.networking.allocations"),
        ));
        out.push(Output::new(
            "vpn_gateways",
            "VPN gateways by site: cloud id, name, cloud, ASN, public addresses.",
            r("module.networking.gateways"),
        ));
        out.push(Output::new(
            "vpn_connections",
            "VPN connections by key A-B: name, sites, inside CIDRs, tunnels.",
            r("module.networking.connections"),
        ));
    }
    if p.mesh.enabled {
        out.push(Output::new(
            "mesh_trust_bundle_pem",
            "Every trusted mesh root: each cluster's root-cert.pem.",
            r("multicloud_mesh_trust.mesh.trust_bundle_pem"),
        ));
        out.push(
            Output::new(
                "mesh_cacerts",
                "By cluster: the ready-to-apply `cacerts` Secret for istio-system (terraform output -json mesh_cacerts).",
                for_map(
                    "name",
                    "secret",
                    r("multicloud_mesh_trust.mesh.issued_secrets"),
                    r("name"),
                    r("secret.cacerts_manifest"),
                ),
            )
            .sensitive(),
        );
        out.push(
            Output::new(
                "mesh_cacerts_files",
                "By cluster: the files of its `cacerts` Secret (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem), which environments/gitops writes.",
                for_map(
                    "name",
                    "issued",
                    r("multicloud_mesh_trust.mesh.issued"),
                    r("name"),
                    obj([
                        ("ca-cert.pem", r("issued.ca_cert_pem")),
                        (
                            "ca-key.pem",
                            r("multicloud_mesh_trust.mesh.issued_secrets[name].ca_key_pem"),
                        ),
                        ("root-cert.pem", r("issued.root_cert_pem")),
                        ("cert-chain.pem", r("issued.cert_chain_pem")),
                    ]),
                ),
            )
            .sensitive(),
        );
    }
    if p.global_lb.is_some() {
        out.push(Output::new(
            "hostname",
            "The global hostname.",
            r("multicloud_global_lb.ingress.hostname"),
        ));
        out.push(Output::new(
            "estimated_failover_seconds",
            "How long a failover takes with these settings (detection + aggregation + TTL).",
            r("multicloud_global_lb.ingress.estimated_failover_seconds"),
        ));
    }
    out
}

fn about(p: &Platform) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(l) = &p.links {
        let pairs: Vec<String> = l
            .connections(p)
            .iter()
            .map(|(a, b)| format!("`{}` ↔ `{}`", a.name, b.name))
            .collect();
        parts.push(format!(
            "the VPN between the clouds through `modules/networking` ({}{}: {})",
            l.kind().as_str(),
            l.hub
                .as_deref()
                .filter(|_| l.kind() == Topology::HubAndSpoke)
                .map(|h| format!(" around `{h}`"))
                .unwrap_or_default(),
            pairs.join(", ")
        ));
    }
    if p.mesh.enabled {
        parts.push(format!(
            "the Istio mesh trust of trust domain `{}`",
            p.mesh.trust_domain.as_deref().unwrap_or_default()
        ));
    }
    if let Some(lb) = &p.global_lb {
        parts.push(format!(
            "the global hostname `{}` ({} routing on {})",
            lb.hostname, lb.policy, lb.dns
        ));
    }
    vec![format!(
        "The cross-cloud root module of platform `{}`: {}. Generated from `platform.toml`; do not edit.",
        p.name,
        parts.join("; ")
    )]
}

fn notes(p: &Platform) -> Vec<(String, String)> {
    let mut notes = Vec::new();
    let clouds = site_clouds(p);
    if !clouds.is_empty() {
        let envs: Vec<String> = clouds
            .iter()
            .map(|c| format!("`environments/{}`", c.as_str()))
            .collect();
        notes.push((
            "Order".to_string(),
            format!(
                "Apply {} first: this environment reads their states (`terraform_remote_state`) for the \
                 networks its VPN gateways attach to. The first apply of a VPN takes long: an Azure gateway \
                 alone takes 30–45 minutes.",
                envs.join(", ")
            ),
        ));
    }
    if p.global_lb.is_some() {
        notes.push((
            "Ingress addresses".to_string(),
            format!(
                "`{INGRESS_VARIABLE}` has no default: each cluster's ingress exists only once its controller \
                 runs. Pass it with `-var-file` or `TF_VAR_{INGRESS_VARIABLE}` (the workflow reads the \
                 `INGRESS_ADDRESSES` variable of the GitHub environment `global`)."
            ),
        ));
    }
    notes.push(regenerate_note());
    notes
}

pub fn environment(p: &Platform) -> Module {
    let state_cloud = p.global_state_cloud().unwrap_or(Cloud::Aws);
    let aws = aws_sites(p);
    let mut required_providers = vec![RequiredProvider::new(
        "multicloud",
        MULTICLOUD_SOURCE,
        Some(MULTICLOUD_VERSION),
    )];
    if !aws.is_empty() {
        required_providers.push(RequiredProvider::new(
            "aws",
            "hashicorp/aws",
            Some(AWS_VERSION),
        ));
    }
    let mut provider_blocks = vec![multicloud_provider(p)];
    provider_blocks.extend(aws_providers(p, aws.iter().map(|c| c.region.as_str())));

    let mut main: Vec<Item> = site_clouds(p)
        .into_iter()
        .map(|c| remote_state(p, c))
        .collect();
    if let Some(first) = main.first_mut() {
        first.comment.push(
            "What the VPN sites attach to, from the cloud environments' states (apply those first)."
                .into(),
        );
    }
    main.extend(networking_call(p));
    main.extend(aws.iter().map(|c| route_propagation(c)));
    if p.mesh.enabled {
        main.push(mesh_trust(p));
    }
    let mut variables = Vec::new();
    if let Some(lb) = &p.global_lb {
        main.push(global_lb(lb, p));
        variables.push(ingress_variable(lb, p));
    }
    Module {
        dir: DIR.into(),
        title: DIR.into(),
        about: about(p),
        usage: None,
        required_version: ENV_REQUIRED_TERRAFORM.into(),
        required_providers,
        backend: Some(backend(p, state_cloud, "global")),
        provider_blocks,
        variables,
        main,
        outputs: outputs(p),
        notes: notes(p),
    }
}

#[cfg(test)]
mod tests {
    use crate::platform::Platform;
    use crate::platform::tests::THREE;

    fn files(text: &str) -> Vec<String> {
        let p = Platform::parse(text, "platform.toml").unwrap();
        crate::tree_for_platform(&p)
            .into_keys()
            .filter(|k| k.starts_with(super::DIR))
            .collect()
    }

    #[test]
    fn no_cross_cloud_section_no_global_environment() {
        assert!(files(THREE).is_empty());
    }

    #[test]
    fn a_mesh_alone_needs_neither_states_nor_aws() {
        let p = Platform::parse(
            &format!("{THREE}[mesh]\nenabled = true\ntrust_domain = \"acme.internal\"\n"),
            "platform.toml",
        )
        .unwrap();
        let m = super::environment(&p);
        let main = crate::render::render(&m)["environments/global/main.tf"].clone();
        assert!(
            main.contains("resource \"multicloud_mesh_trust\" \"mesh\""),
            "{main}"
        );
        assert!(
            !main.contains("terraform_remote_state") && !main.contains("module \"networking\"")
        );
        assert!(m.required_providers.iter().all(|r| r.name != "aws"));
        assert!(m.variables.is_empty());
    }

    #[test]
    fn hub_and_spoke_passes_the_hub_and_reads_only_site_clouds() {
        let p = Platform::parse(
            &format!(
                "{THREE}[links]\ntopology = \"hub-and-spoke\"\nhub = \"gke-euw1\"\nsites = [\"gke-euw1\", \"aks-weu\"]\n"
            ),
            "platform.toml",
        )
        .unwrap();
        let main =
            crate::render::render(&super::environment(&p))["environments/global/main.tf"].clone();
        assert!(main.contains("hub          = \"gke-euw1\""), "{main}");
        assert!(main.contains("data \"terraform_remote_state\" \"azure\""));
        assert!(!main.contains("data \"terraform_remote_state\" \"aws\""));
        assert!(!main.contains("aws_vpn_gateway_route_propagation"));
    }
}
