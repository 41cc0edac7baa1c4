//! `modules/networking`: the address plan of every cluster (`multicloud_cidr_plan`), one
//! `multicloud_vpn_gateway` per site (a cluster's network) and `multicloud_vpn_connection`s between
//! sites in different clouds, as a full mesh or hub-and-spoke.
//!
//! Everything that numbers things (default ASNs, inside addresses) comes from a site's position in
//! `var.clusters`, the list the address plan already asks users to only append to, so adding a
//! site or switching topology never replaces an existing gateway or connection.

use hcl::expr::BinaryOperator as Op;

use crate::expr::{
    Expr, and, bin, cond, eq, for_list, for_list_if, for_list_kv, for_map, for_map_if, for_obj,
    func, list, local, null, num, obj, or, paren, r, s, strs, tpl, ty, var,
};
use crate::model::{
    B, Item, Module, Output, RequiredProvider, Usage, Variable, body, data, locals, resource,
};

use super::{
    MULTICLOUD_SOURCE, MULTICLOUD_VERSION, REQUIRED_TERRAFORM, cidr_validation, name_validation,
    notes,
};

pub const DIR: &str = "modules/networking";

/// The provider's limit on gateway and connection names.
pub const NAME_MAX: usize = 40;
/// Default ASNs are this plus the site's position: private (RFC 6996), accepted by all three
/// clouds, and distinct, so that routes a hub re-advertises are never dropped as a loop.
pub const ASN_BASE: i64 = 64512;
/// The inside-address pool, 169.254.21.0–169.254.22.255, as host numbers in 169.254.0.0/16: the
/// range where Azure's BGP addresses must lie, which AWS and GCP accept too. 128 /30s.
pub const INSIDE_POOL_FIRST_HOST: i64 = 21 * 256;
pub const INSIDE_POOL_SLOTS: usize = 128;

pub fn gateway_name(prefix: &str, site: &str) -> String {
    format!("{prefix}-{site}")
}

pub fn connection_name(prefix: &str, a: &str, b: &str) -> String {
    format!("{prefix}-{a}-{b}")
}

/// The first /30 (of [`INSIDE_POOL_SLOTS`]) of the connection between the clusters at positions
/// `i < j`: pairs are numbered `j(j-1)/2 + i`, so a new position never renumbers an old pair.
/// Mirrors the module's HCL (`local.connections[*].first_slot`).
pub fn first_inside_slot(i: usize, j: usize, tunnels: usize) -> usize {
    let (i, j) = (i.min(j), i.max(j));
    (j * j.saturating_sub(1) / 2 + i) * tunnels
}

pub fn module() -> Module {
    Module {
        dir: DIR.into(),
        title: "networking".into(),
        about: vec![
            "The network between clouds: the platform's address plan (`multicloud_cidr_plan` over every \
             cluster), one `multicloud_vpn_gateway` per site (a cluster's VPC or VNet: an AWS virtual \
             private gateway, a GCP HA VPN gateway with its Cloud Router, or an active-active Azure \
             VPN gateway), and HA `multicloud_vpn_connection`s with BGP between sites in different \
             clouds, as a full mesh or hub-and-spoke (`topology`)."
                .into(),
            "Names are `NAME-SITE` for gateways and `NAME-A-B` for connections; ASNs and tunnel inside \
             addresses are numbered by each site's position in `clusters`, so nothing is random: \
             adding a site only adds, and changing the topology only adds and removes connections; no \
             existing gateway or connection is replaced."
                .into(),
        ],
        usage: Some(Usage::new("networking", &super::local_source(DIR))),
        required_version: REQUIRED_TERRAFORM.into(),
        required_providers: vec![RequiredProvider::new(
            "multicloud",
            MULTICLOUD_SOURCE,
            Some(MULTICLOUD_VERSION),
        )],
        variables: variables(),
        main: vec![
            cidr_plan(),
            positions(),
            pairs(),
            connections_local(),
            gateway("aws"),
            gateway("gcp"),
            gateway("azure"),
            gateways_local(),
            connection(),
        ],
        outputs: outputs(),
        notes: notes(&[
            "Sites are numbered by their cluster's position in `clusters`: the default ASN is 64512 + \
             position and the inside addresses of the connection between positions i < j are the /30s \
             numbered (j(j-1)/2 + i) × tunnel_count in 169.254.21.0–169.254.22.255 (what Azure allows; \
             AWS and GCP accept it too). So connections sharing a gateway never overlap, and appending \
             clusters moves nothing. That pool holds 128 tunnels: with 4 tunnels, the sites of the \
             first 8 clusters.",
            "Connections always run from the site earlier in `clusters` (`a`) to the later one (`b`), \
             under the key `A-B`, in both topologies: switching between full mesh and hub-and-spoke \
             only adds and removes connections.",
            "Two sites in the same cloud are never connected (the provider joins two clouds; inside one \
             cloud use its own peering). With hub-and-spoke, a site in the hub's cloud is left out.",
            "Pre-shared keys: the provider generates a distinct key per tunnel and keeps it in the state \
             (sensitive); nothing here sets one.",
            "An AWS VPC learns the other clouds' routes only through route propagation: enable \
             `aws_vpn_gateway_route_propagation` on its route tables with the gateway's `id` from the \
             `gateways` output (`environments/global` does). An Azure site needs a subnet named \
             `GatewaySubnet` in its VNet (`modules/azure-aks` makes one from `gateway_subnet_cidr`); \
             Azure takes 30–45 minutes to create a gateway.",
            "This module opens no security group, firewall rule or NSG. The cluster modules do, through \
             their `peer_cidrs` input, which the generated environments fill with the ranges of the \
             sites each cluster is connected to: `modules/aws-eks` adds ingress rules to the cluster \
             security group, `modules/gcp-gke` a firewall rule above its logged deny. AKS needs none: \
             Azure's default `AllowVnetInBound` rule covers the ranges a VPN gateway learns over BGP.",
        ]),
        ..Module::default()
    }
}

/// The example platform: one cluster per cloud, as in the repository's platform.toml.
fn example_clusters() -> Expr {
    let cluster = |name: &str, cloud: &str, region: &str| {
        obj([
            ("name", s(name)),
            ("cloud", s(cloud)),
            ("region", s(region)),
        ])
    };
    list([
        cluster("eks-use1", "aws", "us-east-1"),
        cluster("gke-euw1", "gcp", "europe-west1"),
        cluster("aks-weu", "azure", "westeurope"),
    ])
}

/// Where each example cluster's gateway goes (what the cloud environments' outputs give).
fn example_sites() -> Expr {
    obj([
        (
            "eks-use1",
            obj([(
                "aws",
                obj([
                    ("region", s("us-east-1")),
                    ("vpc_id", s("vpc-0123456789abcdef0")),
                ]),
            )]),
        ),
        (
            "gke-euw1",
            obj([(
                "gcp",
                obj([
                    ("project", s("my-project")),
                    ("region", s("europe-west1")),
                    ("network", s("gke-euw1")),
                ]),
            )]),
        ),
        (
            "aks-weu",
            obj([(
                "azure",
                obj([
                    ("subscription_id", s("00000000-0000-0000-0000-000000000000")),
                    ("resource_group", s("aks-weu-rg")),
                    ("location", s("westeurope")),
                    (
                        "gateway_subnet_id",
                        s(
                            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/aks-weu-rg/providers/Microsoft.Network/virtualNetworks/aks-weu-vnet/subnets/GatewaySubnet",
                        ),
                    ),
                ]),
            )]),
        ),
    ])
}

fn variables() -> Vec<Variable> {
    let opt = ty::optional;
    let site = ty::object([
        (
            "aws",
            opt(ty::object([
                ("region", ty::string()),
                ("vpc_id", ty::string()),
                ("amazon_side_asn", opt(ty::number())),
            ])),
        ),
        (
            "gcp",
            opt(ty::object([
                ("project", ty::string()),
                ("region", ty::string()),
                ("network", ty::string()),
                ("asn", opt(ty::number())),
            ])),
        ),
        (
            "azure",
            opt(ty::object([
                ("subscription_id", ty::string()),
                ("resource_group", ty::string()),
                ("location", ty::string()),
                ("gateway_subnet_id", ty::string()),
                ("asn", opt(ty::number())),
                ("sku", opt(ty::string())),
            ])),
        ),
    ]);
    let present = |cloud: &str| -> Expr { r(&format!("s.{cloud}")) };
    let one_block = func(
        "alltrue",
        [for_list(
            "s",
            func("values", [var("sites")]),
            eq(
                func(
                    "length",
                    [for_list_if(
                        "c",
                        list([present("aws"), present("gcp"), present("azure")]),
                        r("c"),
                        bin(r("c"), Op::NotEq, null()),
                    )],
                ),
                num(1),
            ),
        )],
    );
    vec![
        name_validation(Variable::new(
            "name",
            ty::string(),
            "Prefix of every gateway name (NAME-SITE) and connection name (NAME-A-B), e.g. the platform's name. Names may have at most 40 characters.",
        ))
        .replaces("every gateway and connection")
        .example(s("acme")),
        cidr_validation(Variable::new(
            "base_cidr",
            ty::string(),
            "The IPv4 range the address plan draws every cluster's ranges from.",
        ))
        .example(s("10.0.0.0/8")),
        Variable::new(
            "reserved",
            ty::list(ty::string()),
            "Ranges the address plan leaves alone (on-premises networks, existing VPCs).",
        )
        .default(list([]))
        .not_null()
        .example(strs(["10.255.0.0/16"])),
        Variable::new(
            "clusters",
            ty::list(ty::object([
                ("name", ty::string()),
                ("cloud", ty::string()),
                ("region", ty::string()),
                ("zones", opt(ty::number())),
            ])),
            "Every cluster of the platform, in a stable order (append new ones at the end): the address plan's input. A site's position here numbers its default ASN and its connections' inside addresses.",
        )
        .validate(
            bin(func("length", [var("clusters")]), Op::Greater, num(0)),
            "clusters must name at least one cluster.",
        )
        .replaces("the gateway and connections of every site whose cluster changes position (only append, as for the address plan)")
        .example(example_clusters()),
        Variable::new(
            "sites",
            ty::map(site),
            "VPN sites by cluster name (each one of clusters), with exactly one of aws (region, vpc_id), gcp (project, region, network) or azure (subscription_id, resource_group, location, gateway_subnet_id of its GatewaySubnet, sku): where that cluster network's gateway goes. asn / amazon_side_asn default to 64512 + the cluster's position.",
        )
        .validate(one_block, "Every site needs exactly one of aws, gcp or azure.")
        .not_null()
        .replaces("a site's gateway and every connection to it when that site's settings change; a new site only adds")
        .example(example_sites()),
        Variable::new(
            "topology",
            ty::string(),
            "full-mesh (every pair of sites in different clouds) or hub-and-spoke (every site to hub).",
        )
        .default(s("full-mesh"))
        .validate(
            func("contains", [strs(["full-mesh", "hub-and-spoke"]), var("topology")]),
            "topology must be full-mesh or hub-and-spoke.",
        )
        .not_null()
        .replaces("no gateway: connections the new topology lacks are destroyed and new ones created, connections in both stay")
        .example(s("hub-and-spoke")),
        Variable::new(
            "hub",
            ty::string(),
            "hub-and-spoke: the site every other site connects to.",
        )
        .default(null())
        .replaces("no gateway: the old hub's connections are destroyed and the new hub's created")
        .example(s("eks-use1")),
        Variable::new("tunnel_count", ty::number(), "Tunnels per connection: 4 (both interfaces of both sides, GCP's 99.99% SLA) or 2.")
            .default(num(4))
            .validate(
                func("contains", [list([num(2), num(4)]), var("tunnel_count")]),
                "tunnel_count must be 4 or 2.",
            )
            .not_null()
            .replaces("every connection"),
        Variable::new("ike_version", ty::number(), "IKE version of every tunnel: 2 or 1.")
            .default(num(2))
            .validate(
                func("contains", [list([num(1), num(2)]), var("ike_version")]),
                "ike_version must be 2 or 1.",
            )
            .not_null()
            .replaces("every connection"),
    ]
}

fn cidr_plan() -> Item {
    data(
        "multicloud_cidr_plan",
        "this",
        body()
            .a("base_cidr", var("base_cidr"))
            .a("reserved", var("reserved"))
            .a("clusters", var("clusters"))
            .build(),
    )
    .comment("The whole platform's address plan, the same as every environment's, so ranges agree everywhere.")
}

fn positions() -> Item {
    let site_asn = |path: &str| func("try", [r(path), null()]);
    locals([
        (
            "cluster_names",
            for_list("c", var("clusters"), r("c.name")),
        ),
        (
            "position",
            for_obj(
                "n",
                func("keys", [var("sites")]),
                r("n"),
                func(
                    "try",
                    [func("index", [local("cluster_names"), r("n")]), num(-1)],
                ),
            ),
        ),
        (
            "site_names",
            for_list_if(
                "n",
                local("cluster_names"),
                r("n"),
                func("contains", [func("keys", [var("sites")]), r("n")]),
            ),
        ),
        (
            "cloud",
            for_map(
                "n",
                "s",
                var("sites"),
                r("n"),
                cond(
                    bin(r("s.aws"), Op::NotEq, null()),
                    s("aws"),
                    cond(bin(r("s.gcp"), Op::NotEq, null()), s("gcp"), s("azure")),
                ),
            ),
        ),
        (
            "asn",
            for_map(
                "n",
                "s",
                var("sites"),
                r("n"),
                func(
                    "coalesce",
                    [
                        site_asn("s.aws.amazon_side_asn"),
                        site_asn("s.gcp.asn"),
                        site_asn("s.azure.asn"),
                        // max(): a site missing from var.clusters (position -1) fails the
                        // gateway's precondition with a clear message, not the provider's ASN check.
                        bin(
                            num(ASN_BASE),
                            Op::Plus,
                            func("max", [r("local.position[n]"), num(0)]),
                        ),
                    ],
                ),
            ),
        ),
        // Sites missing from var.clusters fail their own precondition; leaving them out here
        // keeps that the only message.
        (
            "placed_asns",
            for_list_if(
                "n",
                func("keys", [var("sites")]),
                r("local.asn[n]"),
                bin(r("local.position[n]"), Op::GreaterEq, num(0)),
            ),
        ),
    ])
    .comment("A site's position is its cluster's place in var.clusters, which only grows at the end (as the")
    .comment("address plan requires): it numbers default ASNs and inside addresses, so adding a site moves nothing.")
}

fn pairs() -> Item {
    let earlier = bin(r("local.position[n]"), Op::Less, local("hub_position"));
    locals([
        (
            "hub_position",
            func("try", [r("local.position[var.hub]"), num(-1)]),
        ),
        (
            "mesh_pairs",
            func(
                "flatten",
                [for_list_kv(
                    "i",
                    "a",
                    local("site_names"),
                    for_list(
                        "b",
                        func(
                            "slice",
                            [
                                local("site_names"),
                                bin(r("i"), Op::Plus, num(1)),
                                func("length", [local("site_names")]),
                            ],
                        ),
                        obj([("a", r("a")), ("b", r("b"))]),
                    ),
                )],
            ),
        ),
        (
            "hub_pairs",
            for_list_if(
                "n",
                local("site_names"),
                obj([
                    ("a", cond(earlier.clone(), r("n"), var("hub"))),
                    ("b", cond(earlier, var("hub"), r("n"))),
                ]),
                and(
                    bin(r("n"), Op::NotEq, var("hub")),
                    bin(local("hub_position"), Op::GreaterEq, num(0)),
                ),
            ),
        ),
        (
            "topology_pairs",
            cond(
                eq(var("topology"), s("hub-and-spoke")),
                local("hub_pairs"),
                local("mesh_pairs"),
            ),
        ),
        (
            "pairs",
            for_list_if(
                "p",
                local("topology_pairs"),
                r("p"),
                bin(r("local.cloud[p.a]"), Op::NotEq, r("local.cloud[p.b]")),
            ),
        ),
    ])
    .comment("Pairs of sites, the one earlier in var.clusters as `a`, so that a pair keeps its key, sides and")
    .comment("addresses in either topology. Sites in one cloud are never paired: the provider joins two clouds.")
}

fn connections_local() -> Item {
    let pos = |side: &str| r(&format!("local.position[p.{side}]"));
    // (j * (j - 1) / 2 + i) * tunnel_count, with i = position of a < j = position of b.
    let pair_number = bin(
        bin(
            bin(pos("b"), Op::Mul, paren(bin(pos("b"), Op::Minus, num(1)))),
            Op::Div,
            num(2),
        ),
        Op::Plus,
        pos("a"),
    );
    locals([(
        "connections",
        for_obj(
            "p",
            local("pairs"),
            tpl("${p.a}-${p.b}"),
            obj([
                ("a", r("p.a")),
                ("b", r("p.b")),
                ("name", tpl("${var.name}-${p.a}-${p.b}")),
                (
                    "first_slot",
                    bin(paren(pair_number), Op::Mul, var("tunnel_count")),
                ),
            ]),
        ),
    )])
    .comment("Each connection's tunnels take consecutive /30s from first_slot on: pair (i, j) of positions i < j is")
    .comment("number j(j-1)/2 + i, unique and unchanged when positions are added, so no two connections overlap.")
}

fn gateway(cloud: &'static str) -> Item {
    let site = match cloud {
        "aws" => body()
            .a("region", r("each.value.region"))
            .a("vpc_id", r("each.value.vpc_id"))
            .a("amazon_side_asn", r("local.asn[each.key]")),
        "gcp" => body()
            .a("project", r("each.value.project"))
            .a("region", r("each.value.region"))
            .a("network", r("each.value.network"))
            .a("asn", r("local.asn[each.key]")),
        _ => body()
            .a("subscription_id", r("each.value.subscription_id"))
            .a("resource_group", r("each.value.resource_group"))
            .a("location", r("each.value.location"))
            .a("gateway_subnet_id", r("each.value.gateway_subnet_id"))
            .a("asn", r("local.asn[each.key]"))
            .a("sku", r("each.value.sku")),
    };
    let item = resource(
        "multicloud_vpn_gateway",
        cloud,
        body()
            .a(
                "for_each",
                for_map_if(
                    "n",
                    "s",
                    var("sites"),
                    r("n"),
                    r(&format!("s.{cloud}")),
                    bin(r(&format!("s.{cloud}")), Op::NotEq, null()),
                ),
            )
            .a("name", tpl("${var.name}-${each.key}"))
            .b(cloud, site)
            .b("lifecycle", gateway_checks())
            .build(),
    );
    if cloud == "aws" {
        // Static site blocks, one resource per cloud: with `dynamic` blocks under for_each, the
        // provider's validate sees all three blocks (their contents unknown) and refuses the config.
        item.comment("One resource per cloud, so that each site block is static.")
    } else {
        item
    }
}

fn precondition(condition: Expr, message: &str) -> B {
    body()
        .a("condition", condition)
        .a("error_message", tpl(message))
}

fn gateway_checks() -> B {
    body()
        .b(
            "precondition",
            precondition(
                bin(r("local.position[each.key]"), Op::GreaterEq, num(0)),
                "Site ${each.key} is not one of var.clusters: a site is a cluster's network, numbered by its position there.",
            ),
        )
        .b(
            "precondition",
            precondition(
                or(
                    bin(var("topology"), Op::NotEq, s("hub-and-spoke")),
                    bin(local("hub_position"), Op::GreaterEq, num(0)),
                ),
                "topology hub-and-spoke needs hub to name one of the sites.",
            ),
        )
        .b(
            "precondition",
            precondition(
                eq(
                    func("length", [func("distinct", [local("placed_asns")])]),
                    func("length", [local("placed_asns")]),
                ),
                "Two sites share an ASN; give each site its own (BGP between them needs two, and a hub must not see its own).",
            ),
        )
}

fn gateways_local() -> Item {
    locals([(
        "gateways",
        func(
            "merge",
            [
                r("multicloud_vpn_gateway.aws"),
                r("multicloud_vpn_gateway.gcp"),
                r("multicloud_vpn_gateway.azure"),
            ],
        ),
    )])
    .comment("Every gateway by site, whatever its cloud: what connections take as a and b.")
}

fn connection() -> Item {
    let slot = bin(r("each.value.first_slot"), Op::Plus, r("t"));
    let host = bin(
        num(INSIDE_POOL_FIRST_HOST),
        Op::Plus,
        bin(num(4), Op::Mul, paren(slot)),
    );
    let inside = for_list(
        "t",
        func("range", [var("tunnel_count")]),
        func(
            "format",
            [s("%s/30"), func("cidrhost", [s("169.254.0.0/16"), host])],
        ),
    );
    resource(
        "multicloud_vpn_connection",
        "this",
        body()
            .a("for_each", local("connections"))
            .a("name", r("each.value.name"))
            .a("a", r("local.gateways[each.value.a]"))
            .a("b", r("local.gateways[each.value.b]"))
            .a("tunnel_count", var("tunnel_count"))
            .a("ike_version", var("ike_version"))
            .a("inside_cidrs", inside)
            .b(
                "lifecycle",
                body()
                    .b(
                        "precondition",
                        precondition(
                            bin(
                                bin(r("each.value.first_slot"), Op::Plus, var("tunnel_count")),
                                Op::LessEq,
                                num(INSIDE_POOL_SLOTS as i64),
                            ),
                            "Connection ${each.key} falls outside the inside-address pool 169.254.21.0-169.254.22.255 (128 tunnels numbered by cluster position): use tunnel_count = 2 or fewer sites.",
                        ),
                    )
                    .b(
                        "precondition",
                        precondition(
                            bin(func("length", [r("each.value.name")]), Op::LessEq, num(NAME_MAX as i64)),
                            "Connection name ${each.value.name} is longer than 40 characters: shorten var.name or the cluster names.",
                        ),
                    ),
            )
            .build(),
    )
    .comment("Keys: the provider generates a distinct one per tunnel (nothing here sets psk).")
}

fn outputs() -> Vec<Output> {
    vec![
        Output::new(
            "allocations",
            "The address plan by cluster name: network_cidr, subnet_cidrs, pod_cidr, service_cidr.",
            r("data.multicloud_cidr_plan.this.allocations"),
        ),
        Output::new(
            "gateways",
            "By site: the gateway's cloud id (the virtual private gateway on AWS), name, cloud, BGP ASN and public addresses.",
            for_map(
                "n",
                "g",
                local("gateways"),
                r("n"),
                obj([
                    ("id", r("g.id")),
                    ("name", r("g.name")),
                    ("cloud", r("g.cloud")),
                    ("asn", r("g.asn")),
                    ("public_ips", r("g.public_ips")),
                ]),
            ),
        ),
        Output::new(
            "connections",
            "By key A-B: the connection's name, its sites, inside CIDRs and tunnels (interfaces, BGP addresses, status).",
            for_map(
                "k",
                "c",
                r("multicloud_vpn_connection.this"),
                r("k"),
                obj([
                    ("name", r("c.name")),
                    ("a", r("local.connections[k].a")),
                    ("b", r("local.connections[k].b")),
                    ("inside_cidrs", r("c.inside_cidrs")),
                    ("tunnels", r("c.tunnels")),
                ]),
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_numbers_are_unique_and_stable_as_positions_grow() {
        let mut seen = std::collections::BTreeSet::new();
        for j in 1..12 {
            for i in 0..j {
                assert!(
                    seen.insert(first_inside_slot(i, j, 1)),
                    "({i}, {j}) repeats"
                );
                assert_eq!(first_inside_slot(j, i, 4), first_inside_slot(i, j, 4));
            }
        }
        // With 4 tunnels, every pair among positions 0..=7 fits (28 pairs, 112 /30s); position 8
        // fits with positions 0..=3 only.
        assert_eq!(first_inside_slot(6, 7, 4) + 4, 112);
        assert_eq!(first_inside_slot(3, 8, 4) + 4, INSIDE_POOL_SLOTS);
        assert_eq!(first_inside_slot(0, 1, 4), 0);
    }

    #[test]
    fn the_pool_is_what_azure_allows() {
        let host = |slot: i64| INSIDE_POOL_FIRST_HOST + 4 * slot;
        // Host numbers in 169.254.0.0/16: 169.254.21.0 is 21 * 256; the last /30 is 169.254.22.252.
        assert_eq!(host(0), 21 * 256);
        assert_eq!(host(INSIDE_POOL_SLOTS as i64 - 1), 22 * 256 + 252);
    }
}
