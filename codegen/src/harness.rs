//! Test support: the stand-ins an environment needs to plan offline. Used by the Terraform tests;
//! rendered through the same `hcl-rs` path as the modules. (Modules are planned through their
//! generated `examples/`, which call them the way a consumer would.)

use std::collections::BTreeSet;

use hcl::{Body, Structure};

use crate::environments::state::SiteOutput;
use crate::expr::{obj, s};
use crate::model::{body, labeled};
use crate::platform::{Cloud, Cluster, Platform};
use crate::render::hcl_text;

/// Files that let a generated environment plan offline, by name inside its directory. For
/// `environments/global`: every `terraform_remote_state` read from a local state file holding
/// made-up outputs of the right shape (the provider checks some of them at plan, e.g. that the
/// Azure subnet is a GatewaySubnet), and made-up ingress addresses (TEST-NET-3).
pub fn environment_test_files(p: &Platform, env: &str) -> Vec<(String, String)> {
    if env != crate::environments::global::DIR {
        return Vec::new();
    }
    let mut files = Vec::new();
    let mut overrides = Vec::new();
    let sites = p.vpn_sites();
    let clouds: BTreeSet<Cloud> = sites.iter().map(|c| c.cloud).collect();
    for cloud in clouds {
        let state_file = format!("zz_test_remote_{}.tfstate", cloud.as_str());
        let mut outputs = serde_json::Map::new();
        for c in sites.iter().filter(|c| c.cloud == cloud) {
            for o in SiteOutput::read_for(cloud) {
                outputs.insert(o.name(&c.name), fake_output(p, c, *o));
            }
        }
        let state = serde_json::json!({
            "version": 4,
            "terraform_version": "1.15.5",
            "serial": 1,
            "lineage": "00000000-0000-0000-0000-000000000000",
            "outputs": outputs,
            "resources": [],
            "check_results": null
        });
        files.push((
            state_file.clone(),
            serde_json::to_string_pretty(&state).unwrap_or_default(),
        ));
        overrides.push(labeled(
            "data",
            &["terraform_remote_state", cloud.as_str()],
            body()
                .a("backend", s("local"))
                .a("config", obj([("path", s(&state_file))]))
                .build(),
        ));
    }
    if !overrides.is_empty() {
        let text = overrides
            .into_iter()
            .map(|b| hcl_text(&Body(vec![Structure::Block(b)])))
            .collect::<Vec<_>>()
            .join("\n");
        files.push(("zz_test_remote_override.tf".into(), text));
    }
    if let Some(lb) = &p.global_lb {
        let addresses = obj(lb
            .backends(p)
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), s(&format!("203.0.113.{}", 10 + i)))));
        files.push((
            "zz_test.auto.tfvars".into(),
            hcl_text(
                &body()
                    .a(crate::environments::global::INGRESS_VARIABLE, addresses)
                    .build(),
            ),
        ));
    }
    files
}

fn fake_output(p: &Platform, c: &Cluster, o: SiteOutput) -> serde_json::Value {
    let string = |v: String| serde_json::json!({ "value": v, "type": "string" });
    match o {
        SiteOutput::NetworkId => string("vpc-0123456789abcdef0".into()),
        SiteOutput::PrivateRouteTableIds => {
            let ids: Vec<String> = (0..c.zones.len().max(1))
                .map(|i| format!("rtb-0123456789abcdef{i}"))
                .collect();
            serde_json::json!({ "value": ids, "type": ["list", "string"] })
        }
        SiteOutput::NetworkName => string(c.name.clone()),
        SiteOutput::ResourceGroupName => string(format!("{}-rg", c.name)),
        SiteOutput::GatewaySubnetId => string(format!(
            "/subscriptions/{}/resourceGroups/{}-rg/providers/Microsoft.Network/virtualNetworks/{}-vnet/subnets/GatewaySubnet",
            p.azure
                .as_ref()
                .map(|a| a.subscription_id.as_str())
                .unwrap_or("00000000-0000-0000-0000-000000000000"),
            c.name,
            c.name
        )),
    }
}
