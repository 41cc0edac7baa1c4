//! What `terraform providers schema -json` shows: on 1.15.5 every kind the provider offers
//! (resources with their identities, ephemeral and list resources, actions, functions); on 1.0.3
//! the same resources and data sources, the newer kinds simply not offered, never an error.

use std::collections::BTreeSet;

use serde_json::Value as J;

use crate::harness::{Install, REQUIRED_PROVIDERS, Tf, Workdir};

const ADDRESS: &str = "registry.terraform.io/multicloud/multicloud";

fn schema(tf: Tf) -> J {
    let w = Workdir::new(tf, Install::Mirror, REQUIRED_PROVIDERS);
    w.init();
    let out = w.ok_stdout(&["providers", "schema", "-json"]);
    let all: J = serde_json::from_str(&out).expect("schema json");
    all["provider_schemas"][ADDRESS].clone()
}

fn names(v: &J) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

const RESOURCES: &[&str] = &[
    "multicloud_global_lb",
    "multicloud_mesh_trust",
    "multicloud_psk",
    "multicloud_vpn_connection",
    "multicloud_vpn_gateway",
];

#[test]
fn terraform_1_15_5_sees_every_kind() {
    let s = schema(Tf::V1_15_5);
    assert_eq!(names(&s["resource_schemas"]), set(RESOURCES));
    assert_eq!(names(&s["resource_identity_schemas"]), set(RESOURCES));
    assert_eq!(
        names(&s["ephemeral_resource_schemas"]),
        set(&["multicloud_cluster_auth", "multicloud_psk"])
    );
    assert_eq!(
        names(&s["list_resource_schemas"]),
        set(&[
            "multicloud_global_lb",
            "multicloud_vpn_connection",
            "multicloud_vpn_gateway"
        ])
    );
    assert_eq!(
        names(&s["action_schemas"]),
        set(&["multicloud_failover_drill", "multicloud_mesh_rotate"])
    );
    assert_eq!(
        names(&s["functions"]),
        set(&["cidr_subnets", "failover_seconds", "vpn_inside_cidrs"])
    );
    let identity = &s["resource_identity_schemas"]["multicloud_global_lb"]["attributes"];
    assert_eq!(
        identity["zone_id"]["required_for_import"], true,
        "{identity}"
    );
    let wo = &s["resource_schemas"]["multicloud_vpn_connection"]["block"]["attributes"]["psk_wo"];
    assert_eq!(wo["write_only"], true, "{wo}");
}

#[test]
fn terraform_1_0_3_sees_resources_and_data_sources() {
    let s = schema(Tf::V1_0_3);
    assert_eq!(names(&s["resource_schemas"]), set(RESOURCES));
    assert_eq!(
        names(&s["data_source_schemas"]),
        set(&["multicloud_cidr_plan"])
    );
}
