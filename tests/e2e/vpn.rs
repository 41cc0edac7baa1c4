//! multicloud_vpn_gateway and multicloud_vpn_connection on both Terraform versions, for every
//! pair of clouds: AWS (moto), GCP (strict Compute emulator), Azure (strict ARM emulator).
//! Each pair: plan shows inside CIDRs, BGP addresses and ASNs before anything exists; apply
//! builds both sides (checked in the clouds themselves); the re-plan is empty; a tunnel deleted
//! out of band shows in the next plan and the apply repairs it through injected API faults; a
//! create that fails half-way leaves a tainted object that the next apply cleans up; destroy
//! leaves nothing in any cloud.

use serde_json::Value as J;

use crate::azure_emulator::{AzureEmulator, RESOURCE_GROUP};
use crate::both_versions;
use crate::gcp_emulator::GcpEmulator;
use crate::harness::{Install, REQUIRED_PROVIDERS, Tf, Workdir, combined};
use crate::moto::Moto;

const GCP_REGION: &str = "us-central1";
const GCP_NETWORK: &str = "vpc-a";
const LINK: &str = "multicloud_vpn_connection.link";

/// The clouds one scenario needs, started fresh.
pub(crate) struct Clouds {
    moto: Option<(Moto, String)>,
    pub(crate) gcp: Option<GcpEmulator>,
    azure: Option<AzureEmulator>,
}

impl Clouds {
    /// None when Azure is needed and this clone has no ../shared (the emulator prints SKIPPED).
    /// The Azure emulator asks for 20 ms between operation polls (`retry-after-ms`), which the
    /// client honours, so its operations finish in milliseconds.
    pub(crate) fn start(needed: &[&str]) -> Option<Clouds> {
        Self::start_with_azure(needed, &["--op-polls", "2", "--poll-retry-after-ms", "20"])
    }

    fn start_with_azure(needed: &[&str], azure_args: &[&str]) -> Option<Clouds> {
        let azure = if needed.contains(&"azure") {
            Some(AzureEmulator::start_with(azure_args)?)
        } else {
            None
        };
        let moto = needed.contains(&"aws").then(|| {
            let m = Moto::start();
            let vpc = m.create_vpc("10.10.0.0/16");
            (m, vpc)
        });
        let gcp = needed
            .contains(&"gcp")
            .then(|| GcpEmulator::start_with(&["--network", GCP_NETWORK, "--op-polls", "1"]));
        Some(Clouds { moto, gcp, azure })
    }

    pub(crate) fn moto(&self) -> &Moto {
        &self.moto.as_ref().expect("moto").0
    }

    pub(crate) fn provider(&self) -> String {
        let mut blocks = String::new();
        if let Some((m, _)) = &self.moto {
            blocks += &format!(
                "  aws {{\n    region     = \"us-east-1\"\n    access_key = \"testing\"\n    secret_key = \"testing\"\n    endpoint   = \"{}\"\n  }}\n",
                m.endpoint
            );
        }
        if let Some(g) = &self.gcp {
            blocks += &format!(
                "  gcp {{\n    endpoint     = \"{}\"\n    access_token = \"{}\"\n  }}\n",
                g.endpoint, g.token
            );
        }
        if let Some(a) = &self.azure {
            blocks += &format!(
                "  azure {{\n    endpoint     = \"{}\"\n    access_token = \"{}\"\n  }}\n",
                a.endpoint, a.token
            );
        }
        format!("provider \"multicloud\" {{\n{blocks}}}\n")
    }

    fn gateway(&self, cloud: &str) -> String {
        let site = match cloud {
            "aws" => {
                let (_, vpc) = self.moto.as_ref().expect("moto");
                format!(
                    "  aws {{\n    region          = \"us-east-1\"\n    vpc_id          = \"{vpc}\"\n    amazon_side_asn = 64512\n  }}\n"
                )
            }
            "gcp" => {
                let g = self.gcp.as_ref().expect("gcp");
                format!(
                    "  gcp {{\n    project = \"{}\"\n    region  = \"{GCP_REGION}\"\n    network = \"{GCP_NETWORK}\"\n    asn     = 65010\n  }}\n",
                    g.project
                )
            }
            _ => {
                let a = self.azure.as_ref().expect("azure");
                format!(
                    "  azure {{\n    subscription_id   = \"{}\"\n    resource_group    = \"{RESOURCE_GROUP}\"\n    location          = \"westeurope\"\n    gateway_subnet_id = \"{}\"\n    asn               = 65020\n  }}\n",
                    a.subscription,
                    a.gateway_subnet()
                )
            }
        };
        format!(
            "resource \"multicloud_vpn_gateway\" \"{cloud}\" {{\n  name = \"{cloud}-site\"\n{site}}}\n"
        )
    }

    pub(crate) fn config(&self, a: &str, b: &str, extra: &str) -> String {
        format!(
            "{REQUIRED_PROVIDERS}\n{}\n{}\n{}\nresource \"multicloud_vpn_connection\" \"link\" {{\n  name = \"link\"\n  a    = multicloud_vpn_gateway.{a}\n  b    = multicloud_vpn_gateway.{b}\n{extra}}}\n",
            self.provider(),
            self.gateway(a),
            self.gateway(b)
        )
    }

    /// Objects left in every cloud.
    pub(crate) fn leftovers(&self) -> Vec<String> {
        leftovers(
            self.moto.as_ref().map(|(m, _)| m),
            self.gcp.as_ref(),
            self.azure.as_ref(),
        )
    }
}

/// The planned change of `addr` in a `show -json` plan (null when it has none).
fn change_in(plan: &J, addr: &str) -> J {
    plan["resource_changes"]
        .as_array()
        .and_then(|cs| cs.iter().find(|r| r["address"] == addr))
        .map_or(J::Null, |r| r["change"].clone())
}

fn tunnels(state: &J) -> &Vec<J> {
    state["tunnels"].as_array().expect("tunnels")
}

/// VPN objects still present in the clouds given: GCP and Azure emulator objects, and the VPN
/// connections this provider made in moto.
pub fn leftovers(
    moto: Option<&Moto>,
    gcp: Option<&GcpEmulator>,
    azure: Option<&AzureEmulator>,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(g) = gcp
        && g.object_count() != 0
    {
        out.push(format!("GCP: {}", g.state()));
    }
    if let Some(a) = azure
        && a.object_count() != 0
    {
        out.push(format!("Azure: {}", a.state()["resources"]));
    }
    if let Some(vpns) = moto.map(Moto::vpn_connections)
        && !vpns.is_empty()
    {
        out.push(format!("AWS VPN connections: {vpns:?}"));
    }
    out
}

/// What each cloud holds after an apply, checked against the connection's state.
fn check_clouds(c: &Clouds, a: &str, b: &str, st: &J) {
    let ts = tunnels(st);
    if let Some(g) = &c.gcp {
        let s = g.state();
        let names: Vec<&str> = s["vpnTunnels"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["name"].as_str())
            .collect();
        assert_eq!(names.len(), 4, "{names:?}");
        let router = &s["routers"][0];
        assert_eq!(router["bgpPeers"].as_array().unwrap().len(), 4, "{router}");
        let peer_asn = if a == "aws" || b == "aws" {
            64512
        } else {
            65020
        };
        for p in router["bgpPeers"].as_array().unwrap() {
            assert_eq!(p["peerAsn"].as_i64(), Some(peer_asn), "{p}");
        }
        let ext = &s["externalVpnGateways"][0];
        let want = if a == "aws" || b == "aws" {
            "FOUR_IPS_REDUNDANCY"
        } else {
            "TWO_IPS_REDUNDANCY"
        };
        assert_eq!(ext["redundancyType"], want, "{ext}");
    }
    if let Some(az) = &c.azure {
        let s = az.state();
        let kinds = |k: &str| -> Vec<J> {
            s["resources"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["kind"] == k)
                .map(|r| r["body"].clone())
                .collect()
        };
        let conns = kinds("connections");
        assert_eq!(conns.len(), 4);
        assert!(conns.iter().all(|c| c["properties"]["enableBgp"] == true));
        let gw = &kinds("virtualNetworkGateways")[0];
        let custom: Vec<String> = gw["properties"]["bgpSettings"]["bgpPeeringAddresses"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| {
                p["customBgpIpAddresses"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        let side = if a == "azure" { "a_bgp_ip" } else { "b_bgp_ip" };
        for t in ts {
            let ip = t[side].as_str().unwrap().to_string();
            assert!(
                custom.contains(&ip),
                "{ip} not among the gateway's APIPA addresses {custom:?}"
            );
        }
    }
    if let Some((m, _)) = &c.moto {
        let vpns = m.vpn_connections();
        assert_eq!(vpns.len(), 2, "{vpns:?}");
    }
}

/// Deletes tunnel 1 on the first non-AWS side behind the provider's back, and arranges for the
/// repair to meet throttling and server errors.
fn damage(c: &Clouds, a: &str, b: &str) {
    let victim = if a == "gcp" || b == "gcp" {
        "gcp"
    } else {
        "azure"
    };
    if victim == "gcp" {
        let g = c.gcp.as_ref().unwrap();
        g.delete_out_of_band("vpnTunnels", GCP_REGION, "link-t1");
        g.inject(503, 2, "vpnTunnels");
    } else {
        let az = c.azure.as_ref().unwrap();
        az.delete_out_of_band(&az.id("connections", "link-t1"));
        az.inject(429, 2, "connections");
    }
}

/// Re-PUTs Azure connection `name` as it is, but with IKEv1 (as someone in the portal would).
fn set_ike_v1_out_of_band(az: &AzureEmulator, name: &str) {
    let id = az.id("connections", name);
    let now = az.arm("GET", &id, None).body;
    let key = az.arm("GET", &format!("{id}/sharedkey"), None).body["value"].clone();
    let p = &now["properties"];
    let body = serde_json::json!({"location": now["location"], "properties": {
        "connectionType": "IPsec", "connectionProtocol": "IKEv1",
        "virtualNetworkGateway1": {"id": p["virtualNetworkGateway1"]["id"]},
        "localNetworkGateway2": {"id": p["localNetworkGateway2"]["id"]},
        "sharedKey": key, "enableBgp": true,
        "gatewayCustomBgpIpAddresses": p["gatewayCustomBgpIpAddresses"]}});
    let r = az.arm("PUT", &id, Some(&body));
    assert!(r.status == 200 || r.status == 201, "PUT {id}: {}", r.body);
    if let Some(op) = r.header("Azure-AsyncOperation") {
        let op = op.to_string();
        assert_eq!(az.wait_async(&op).0, "Succeeded");
    }
}

fn scenario(tf: Tf, a: &str, b: &str) {
    let Some(c) = Clouds::start(&[a, b]) else {
        return;
    };
    let log = tempfile::NamedTempFile::new().unwrap();
    let w = Workdir::new(tf, Install::Mirror, &c.config(a, b, ""))
        .env("TF_LOG_PROVIDER", "TRACE")
        .env("TF_LOG_PATH", log.path().to_str().unwrap());
    w.init();
    w.ok(&["validate", "-no-color"]);

    // Before anything exists, the plan already knows the layout.
    let change = w.planned_change(LINK);
    let after = &change["after"];
    let cidrs = after["inside_cidrs"]
        .as_array()
        .expect("inside_cidrs known at plan");
    assert_eq!(cidrs.len(), 4);
    for (i, t) in tunnels(after).iter().enumerate() {
        assert_eq!(t["inside_cidr"], cidrs[i]);
        assert!(
            t["a_bgp_ip"].is_string() && t["b_bgp_ip"].is_string(),
            "{t}"
        );
        assert!(t["a_asn"].is_number() && t["b_asn"].is_number(), "{t}");
        if a == "azure" || b == "azure" {
            let ip = cidrs[i].as_str().unwrap();
            assert!(
                ip.starts_with("169.254.21.") || ip.starts_with("169.254.22."),
                "{ip}"
            );
        }
    }
    assert_eq!(change["after_unknown"]["tunnels"][0]["a_status"], true);

    w.apply();
    let st = w.state_of(LINK);
    assert_eq!(tunnels(&st).len(), 4);
    for t in tunnels(&st) {
        assert_eq!(t["in_sync"], true, "{t}");
        assert!(!t["a_outside_ip"].as_str().unwrap_or("").is_empty(), "{t}");
        assert!(!t["b_outside_ip"].as_str().unwrap_or("").is_empty(), "{t}");
    }
    let psks: Vec<&str> = st["tunnel_psks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(J::as_str)
        .collect();
    assert_eq!(psks.len(), 4);
    assert!(
        psks.iter()
            .all(|k| multicloud_provider::resources::psk::check_key(k).is_none())
    );
    check_clouds(&c, a, b, &st);
    w.assert_plan_empty();
    // Provider logs at TRACE name what is built, never a key.
    let logged = std::fs::read_to_string(log.path()).unwrap();
    assert!(
        logged.contains("building VPN connection"),
        "provider log lines missing"
    );
    for k in &psks {
        assert!(!logged.contains(k), "a pre-shared key reached the log");
    }

    // A tunnel deleted out of band: the plan shows it, the apply repairs it despite faults.
    damage(&c, a, b);
    let out = w.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    let text = combined(&out);
    assert_eq!(out.status.code(), Some(2), "drift not detected:\n{text}");
    assert!(text.contains("in_sync"), "{text}");
    w.apply();
    w.assert_plan_empty();
    let repaired = w.state_of(LINK);
    assert!(tunnels(&repaired).iter().all(|t| t["in_sync"] == true));
    check_clouds(&c, a, b, &repaired);

    // An Azure connection switched to IKEv1 out of band is drift too; the apply switches it back.
    if let Some(az) = &c.azure {
        set_ike_v1_out_of_band(az, "link-t2");
        let out = w.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "IKE drift not detected:\n{}",
            combined(&out)
        );
        w.apply();
        w.assert_plan_empty();
        let conn = az.arm("GET", &az.id("connections", "link-t2"), None).body;
        assert_eq!(conn["properties"]["connectionProtocol"], "IKEv2", "{conn}");
    }

    // New advertisements change only the BGP sessions, in place.
    if let Some(g) = &c.gcp {
        w.write(
            "main.tf",
            &c.config(a, b, "  advertised_routes = [\"10.20.0.0/16\"]\n"),
        );
        let change = w.planned_change(LINK);
        assert_eq!(change["actions"], serde_json::json!(["update"]), "{change}");
        assert_eq!(change["before"]["tunnels"], change["after"]["tunnels"]);
        w.apply();
        w.assert_plan_empty();
        let router = &g.state()["routers"][0];
        for p in router["bgpPeers"].as_array().unwrap() {
            assert_eq!(p["advertiseMode"], "CUSTOM", "{p}");
            assert_eq!(p["advertisedIpRanges"][0]["range"], "10.20.0.0/16", "{p}");
        }
    }

    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(w.resources().is_empty());
    let left = c.leftovers();
    assert!(left.is_empty(), "destroy left objects behind: {left:#?}");
}

fn aws_gcp(tf: Tf) {
    scenario(tf, "aws", "gcp")
}
both_versions!(aws_gcp);
fn aws_azure(tf: Tf) {
    scenario(tf, "aws", "azure")
}
both_versions!(aws_azure);
fn gcp_azure(tf: Tf) {
    scenario(tf, "gcp", "azure")
}
both_versions!(gcp_azure);

/// A create that fails half-way (GCP refuses a tunnel for quota) leaves a tainted connection
/// that records every AWS piece it made; the next apply removes them and builds afresh, and
/// destroy leaves nothing.
fn failed_create_is_cleaned_up(tf: Tf) {
    let c = Clouds::start(&["aws", "gcp"]).expect("no Azure needed");
    let w = Workdir::new(tf, Install::Mirror, &c.config("aws", "gcp", ""));
    w.init();
    let g = c.gcp.as_ref().unwrap();
    g.inject_fault(serde_json::json!({
        "count": 1, "method": "POST", "path_contains": "vpnTunnels",
        "operation_error": {"code": "QUOTA_EXCEEDED", "message": "Quota 'VPN_TUNNELS' exceeded. Limit: 2.0 in region us-central1."}
    }));
    let text = w.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(
        text.contains("QUOTA_EXCEEDED") || text.contains("Quota"),
        "{text}"
    );
    let res = w.resources();
    let link = res
        .iter()
        .find(|r| r["address"] == LINK)
        .expect("partial state kept");
    assert_eq!(link["tainted"], true, "{link}");
    let ids = link["values"]["cloud_ids"]
        .as_object()
        .expect("cloud_ids recorded");
    assert!(
        ids.contains_key("aws.vpn_connection.1") && ids.contains_key("gcp.external_gateway"),
        "{ids:?}"
    );

    // The next apply replaces the tainted object: its AWS pieces are removed first.
    let out = w.apply();
    assert!(
        out.contains("multicloud_vpn_connection.link: Destruction complete"),
        "{out}"
    );
    w.assert_plan_empty();
    let (m, _) = c.moto.as_ref().unwrap();
    let vpns = m.vpn_connections();
    assert_eq!(
        vpns.len(),
        2,
        "the failed attempt's AWS connections were not removed: {vpns:?}"
    );
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    let left = c.leftovers();
    assert!(left.is_empty(), "{left:#?}");
}
both_versions!(failed_create_is_cleaned_up);

/// Moto and the GCP emulator with an AWS↔GCP connection applied.
fn applied_aws_gcp_link(tf: Tf) -> (Clouds, Workdir) {
    let c = Clouds::start(&["aws", "gcp"]).expect("no Azure needed");
    let w = Workdir::new(tf, Install::Mirror, &c.config("aws", "gcp", ""));
    w.init();
    w.apply();
    (c, w)
}

/// A GCP gateway deleted out of band (with its router): the next plan re-creates it and, since
/// the connection's side b is another object then, replaces the connection.
fn gateway_gone_means_recreate(tf: Tf) {
    let (c, w) = applied_aws_gcp_link(tf);
    let g = c.gcp.as_ref().unwrap();
    for t in 0..4 {
        g.delete_out_of_band("vpnTunnels", GCP_REGION, &format!("link-t{t}"));
    }
    g.delete_out_of_band("routers", GCP_REGION, "gcp-site-router");
    g.delete_out_of_band("vpnGateways", GCP_REGION, "gcp-site");
    let plan = w.plan_json();
    let actions = |addr: &str| change_in(&plan, addr)["actions"].clone();
    assert_eq!(
        actions("multicloud_vpn_gateway.gcp"),
        serde_json::json!(["create"])
    );
    let link = actions(LINK);
    assert!(link == serde_json::json!(["delete", "create"]), "{link}");
    w.apply();
    w.assert_plan_empty();
    check_clouds(&c, "aws", "gcp", &w.state_of(LINK));
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(c.leftovers().is_empty(), "{:#?}", c.leftovers());
}
both_versions!(gateway_gone_means_recreate);

/// Part of a site deleted out of band (the GCP Cloud Router, not its HA gateway): the refresh
/// names the missing piece, the plan replaces the site (and the connection on it), and a
/// destroy from there removes the remaining gateway instead of forgetting it.
fn gateway_partly_gone_is_replaced_not_forgotten(tf: Tf) {
    let (c, w) = applied_aws_gcp_link(tf);
    let g = c.gcp.as_ref().unwrap();
    g.delete_out_of_band("routers", GCP_REGION, "gcp-site-router");
    let plan = w.plan_json();
    let change = |addr: &str| change_in(&plan, addr);
    let gw = change("multicloud_vpn_gateway.gcp");
    assert_eq!(
        gw["actions"],
        serde_json::json!(["delete", "create"]),
        "{gw}"
    );
    assert_eq!(
        gw["before"]["missing"],
        serde_json::json!(["Cloud Router gcp-site-router"]),
        "{gw}"
    );
    assert_eq!(
        change(LINK)["actions"],
        serde_json::json!(["delete", "create"])
    );
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(c.leftovers().is_empty(), "{:#?}", c.leftovers());
}
both_versions!(gateway_partly_gone_is_replaced_not_forgotten);

/// Connections sharing a hub gateway (GCP, then Azure) with two AWS sites: a second connection
/// whose name seeds the same inside /30s as the first's is planned around them (the hub's router
/// interfaces or APIPA addresses already use them), both build, and inside_cidrs set to a /30 in
/// use is refused at plan, naming its user.
fn shared_gateway_gets_free_cidrs(tf: Tf) {
    shared_hub(
        tf,
        "gcp",
        "interface spoke-0-if1 of Cloud Router gcp-site-router",
    );
    shared_hub(tf, "azure", "Azure connection spoke-0");
}
both_versions!(shared_gateway_gets_free_cidrs);

fn shared_hub(tf: Tf, hub: &str, user_of_second_cidr: &str) {
    use multicloud_provider::resources::vpn::rules::Cloud;
    use multicloud_provider::resources::vpn::topology::allocate;
    let Some(c) = Clouds::start(&["aws", hub]) else {
        return; // no ../shared: the Azure emulator printed SKIPPED
    };
    let hub_cloud = Cloud::parse(hub).unwrap();
    let aws2 = second_aws_site(&c);
    let seeded: Vec<String> = allocate("spoke-0", Cloud::Aws, hub_cloud, 4)
        .iter()
        .map(|n| n.to_string())
        .collect();
    let second = same_block_as("spoke-0", hub_cloud);
    let connection = |res: &str, name: &str, aws: &str, extra: &str| {
        spoke_connection(res, name, aws, hub, extra)
    };
    let first = format!(
        "{REQUIRED_PROVIDERS}\n{}\n{}\n{}\n{}",
        c.provider(),
        c.gateway("aws"),
        c.gateway(hub),
        connection("first", "spoke-0", "aws", "")
    );
    let w = Workdir::new(tf, Install::Mirror, &first);
    w.init();
    w.apply();
    let cidrs = |addr: &str, st: &J| -> Vec<String> {
        st["inside_cidrs"]
            .as_array()
            .unwrap_or_else(|| panic!("{addr}: {st}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        cidrs("first", &w.state_of("multicloud_vpn_connection.first")),
        seeded
    );

    // A /30 the first connection's router interface uses, set by hand: refused at plan.
    let free: Vec<String> = allocate("unrelated", Cloud::Aws, hub_cloud, 4)
        .iter()
        .map(|n| n.to_string())
        .filter(|n| !seeded.contains(n))
        .collect();
    let clash = format!(
        "  inside_cidrs = [\"{}\", \"{}\", \"{}\", \"{}\"]\n",
        free[0], seeded[1], free[1], free[2]
    );
    w.write(
        "main.tf",
        &format!(
            "{first}{aws2}{}",
            connection("second", &second, "aws2", &clash)
        ),
    );
    let text = w.fails(&["plan", "-input=false", "-no-color"]);
    let flat = flat(&text);
    assert!(
        flat.contains("inside_cidrs[1]")
            && flat.contains("already in use")
            && flat.contains(user_of_second_cidr),
        "{text}"
    );

    // Left to the provider, the second name's group is skipped: the router already uses it.
    w.write(
        "main.tf",
        &format!("{first}{aws2}{}", connection("second", &second, "aws2", "")),
    );
    let planned = w.planned_change("multicloud_vpn_connection.second")["after"].clone();
    let second_cidrs = cidrs("second", &planned);
    assert_eq!(second_cidrs.len(), 4);
    assert!(
        second_cidrs.iter().all(|n| !seeded.contains(n)),
        "{second} was planned into spoke-0's /30s: {second_cidrs:?}"
    );
    w.apply();
    w.assert_plan_empty();
    assert_hub_addresses_distinct(&c, 8);
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(c.leftovers().is_empty(), "{:#?}", c.leftovers());
}

/// Two new connections on one hub gateway, created in the same apply under names that seed the
/// same block: neither plan could see the other. The second to reach the hub is refused before
/// it changes anything there, naming the holder (Azure itself would accept a shared address and
/// BGP would break silently; GCP would refuse only after the tunnels exist); the next apply plans
/// a free block for it. GCP, then Azure (with ../shared).
fn same_apply_collision_is_caught(tf: Tf) {
    same_apply_collision(tf, "gcp");
    same_apply_collision(tf, "azure");
}
both_versions!(same_apply_collision_is_caught);

fn same_apply_collision(tf: Tf, hub: &str) {
    use multicloud_provider::resources::vpn::rules::Cloud;
    let Some(c) = Clouds::start(&["aws", hub]) else {
        return; // no ../shared: the Azure emulator printed SKIPPED
    };
    let second = same_block_as("spoke-0", Cloud::parse(hub).unwrap());
    let config = format!(
        "{REQUIRED_PROVIDERS}\n{}\n{}\n{}\n{}{}{}",
        c.provider(),
        c.gateway("aws"),
        c.gateway(hub),
        second_aws_site(&c),
        spoke_connection("first", "spoke-0", "aws", hub, ""),
        spoke_connection("second", &second, "aws2", hub, ""),
    );
    let w = Workdir::new(tf, Install::Mirror, &config);
    w.init();
    let text = w.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let flat = flat(&text);
    // Usually the gateway guard; if one connection was done before the other's final plan, that
    // plan saw it and Terraform reports the changed plan instead.
    assert!(
        flat.contains("Inside CIDR already in use") || flat.contains("inconsistent final plan"),
        "{text}"
    );
    w.apply();
    w.assert_plan_empty();
    assert_hub_addresses_distinct(&c, 8);
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(c.leftovers().is_empty(), "{:#?}", c.leftovers());
}

/// A name other than `first` whose own allocation towards `hub` (from AWS) is `first`'s block
/// (4095 blocks of four, 32 with Azure): the collision the shared-gateway tests need.
fn same_block_as(first: &str, hub: multicloud_provider::resources::vpn::rules::Cloud) -> String {
    use multicloud_provider::resources::vpn::rules::Cloud;
    use multicloud_provider::resources::vpn::topology::allocate;
    let block = allocate(first, Cloud::Aws, hub, 4);
    (1..)
        .map(|k| format!("spoke-{k}"))
        .find(|n| n != first && allocate(n, Cloud::Aws, hub, 4) == block)
        .unwrap()
}

/// A second AWS site `aws2`, on a VPC of its own.
fn second_aws_site(c: &Clouds) -> String {
    let vpc = c.moto.as_ref().expect("moto").0.create_vpc("10.20.0.0/16");
    format!(
        "resource \"multicloud_vpn_gateway\" \"aws2\" {{\n  name = \"aws2-site\"\n  aws {{\n    region          = \"us-east-1\"\n    vpc_id          = \"{vpc}\"\n    amazon_side_asn = 64513\n  }}\n}}\n"
    )
}

/// Connection `res` named `name` from AWS site `aws` to the hub site, plus `extra` lines.
fn spoke_connection(res: &str, name: &str, aws: &str, hub: &str, extra: &str) -> String {
    format!(
        "resource \"multicloud_vpn_connection\" \"{res}\" {{\n  name = \"{name}\"\n  a    = multicloud_vpn_gateway.{aws}\n  b    = multicloud_vpn_gateway.{hub}\n{extra}}}\n"
    )
}

/// `n` tunnels' worth of BGP addresses on the hub, none shared.
fn assert_hub_addresses_distinct(c: &Clouds, n: usize) {
    let used = hub_bgp_addresses(c);
    let distinct: std::collections::BTreeSet<&String> = used.iter().collect();
    assert_eq!((used.len(), distinct.len()), (n, n), "{used:?}");
}

/// Terraform's output with its line wrapping undone, for matching a long diagnostic.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The hub's own BGP addresses: GCP router interface ranges or Azure custom APIPA addresses.
fn hub_bgp_addresses(c: &Clouds) -> Vec<String> {
    let strings = |v: &J| v.as_str().map(String::from);
    if let Some(g) = &c.gcp {
        return g.state()["routers"][0]["interfaces"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| strings(&i["ipRange"]))
            .collect();
    }
    let s = c.azure.as_ref().expect("azure").state();
    s["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "virtualNetworkGateways")
        .flat_map(|g| {
            g["body"]["properties"]["bgpSettings"]["bgpPeeringAddresses"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .flat_map(|p| {
            p["customBgpIpAddresses"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|v| strings(&v))
        .collect()
}

/// A gateway whose state was lost is imported by its cloud id; the next plan replaces nothing and,
/// once applied, is empty; the gateway is the same object. AWS and GCP, then Azure (with
/// ../shared). A malformed id is refused with the accepted forms.
fn gateways_import(tf: Tf) {
    import_round_trip(tf, &["aws", "gcp"]);
    import_round_trip(tf, &["azure"]);
}
both_versions!(gateways_import);

fn import_round_trip(tf: Tf, clouds: &[&str]) {
    let Some(c) = Clouds::start(clouds) else {
        return; // no ../shared: the Azure emulator printed SKIPPED
    };
    let mut config = format!("{REQUIRED_PROVIDERS}\n{}\n", c.provider());
    for cloud in clouds {
        config += &c.gateway(cloud);
    }
    let w = Workdir::new(tf, Install::Mirror, &config);
    w.init();
    w.apply();
    for cloud in clouds {
        let addr = format!("multicloud_vpn_gateway.{cloud}");
        let before = w.state_of(&addr);
        let import_id = gateway_import_id(&c, cloud, &before);
        w.ok(&["state", "rm", "-no-color", &addr]);
        let text = w.fails(&["import", "-input=false", "-no-color", &addr, "vgw-123"]);
        let flat = flat(&text);
        assert!(
            flat.contains("Invalid import id") && flat.contains("aws/REGION/vgw-"),
            "{text}"
        );
        w.ok(&["import", "-input=false", "-no-color", &addr, &import_id]);
        let after = w.state_of(&addr);
        for key in [
            "id",
            "name",
            "cloud",
            "asn",
            "public_ips",
            "bgp_peering_addresses",
        ] {
            assert_eq!(after[key], before[key], "{addr}.{key} after import");
        }
        let actions = w.planned_change(&addr)["actions"].clone();
        assert!(
            actions == serde_json::json!(["no-op"]) || actions == serde_json::json!(["update"]),
            "{addr}: {actions}"
        );
    }
    w.apply();
    w.assert_plan_empty();
    for cloud in clouds {
        let addr = format!("multicloud_vpn_gateway.{cloud}");
        assert!(w.state_of(&addr)["id"].is_string());
    }
    // An Azure gateway's refresh is one list of the resource group's gateways and one of its
    // public IPs (shared by every gateway refreshed at once), not a GET of each.
    if let Some(az) = &c.azure {
        let before = az.requests().as_array().unwrap().len();
        w.ok(&["plan", "-refresh-only", "-input=false", "-no-color"]);
        let mut ops: Vec<String> = az.requests().as_array().unwrap()[before..]
            .iter()
            .filter_map(|r| r["operation"].as_str().map(String::from))
            .collect();
        ops.sort();
        assert_eq!(
            ops,
            ["PublicIPAddresses_List", "VirtualNetworkGateways_List"],
            "Azure calls of one refresh"
        );
    }
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(c.leftovers().is_empty(), "{:#?}", c.leftovers());
}

/// The id `terraform import` takes for a gateway, given its state.
fn gateway_import_id(c: &Clouds, cloud: &str, state: &J) -> String {
    let id = state["id"].as_str().unwrap();
    match cloud {
        "aws" => format!("aws/us-east-1/{id}"),
        "gcp" => format!(
            "gcp/{}/{GCP_REGION}/gcp-site",
            c.gcp.as_ref().unwrap().project
        ),
        _ => id.to_string(), // the Azure resource id itself
    }
}

/// A connection whose state was lost is imported by its name and its two gateways: the tunnels,
/// inside CIDRs, cloud objects and keys come back from the clouds, the next plan replaces
/// nothing and, once applied, is empty. AWS↔GCP (the keys come from AWS), then with ../shared
/// GCP↔Azure and AWS↔Azure (from Azure). A malformed id is refused with the accepted form.
fn connections_import(tf: Tf) {
    connection_import_round_trip(tf, "aws", "gcp");
    connection_import_round_trip(tf, "gcp", "azure");
    connection_import_round_trip(tf, "aws", "azure");
}
both_versions!(connections_import);

fn connection_import_round_trip(tf: Tf, a: &str, b: &str) {
    let Some(c) = Clouds::start(&[a, b]) else {
        return; // no ../shared: the Azure emulator printed SKIPPED
    };
    let w = Workdir::new(tf, Install::Mirror, &c.config(a, b, ""));
    w.init();
    w.apply();
    let before = w.state_of(LINK);
    let gateway_id = |cloud: &str| {
        gateway_import_id(
            &c,
            cloud,
            &w.state_of(&format!("multicloud_vpn_gateway.{cloud}")),
        )
    };
    let import_id = format!("link,{},{}", gateway_id(a), gateway_id(b));
    w.ok(&["state", "rm", "-no-color", LINK]);
    let text = w.fails(&["import", "-input=false", "-no-color", LINK, "link"]);
    assert!(flat(&text).contains("NAME,GATEWAY_A,GATEWAY_B"), "{text}");
    let text = w.fails(&[
        "import",
        "-input=false",
        "-no-color",
        LINK,
        &import_id.replacen("link,", "other,", 1),
    ]);
    assert!(flat(&text).contains("No connection named other"), "{text}");
    w.ok(&["import", "-input=false", "-no-color", LINK, &import_id]);
    let after = w.state_of(LINK);
    for key in [
        "id",
        "name",
        "tunnel_count",
        "ike_version",
        "inside_cidrs",
        "cloud_ids",
        "tunnels",
    ] {
        assert_eq!(
            after[key], before[key],
            "{LINK}.{key} after import ({a}-{b})"
        );
    }
    let keys = &after["tunnel_psks"];
    if b == "azure" {
        assert_eq!(keys, &before["tunnel_psks"], "keys come back from Azure");
    } else {
        // moto keeps no keys of ours: it answers with its canned configuration document, whose
        // keys the import takes, as it would take AWS's real ones.
        let (m, _) = c.moto.as_ref().unwrap();
        let mut want = Vec::new();
        for pair in 0..2 {
            let vpn = before["cloud_ids"][format!("aws.vpn_connection.{pair}")]
                .as_str()
                .unwrap();
            want.extend(m.tunnel_keys(vpn));
        }
        assert_eq!(want.len(), 4, "{want:?}");
        assert_eq!(keys, &serde_json::json!(want), "keys come back from AWS");
    }
    let actions = w.planned_change(LINK)["actions"].clone();
    assert!(
        actions == serde_json::json!(["no-op"]) || actions == serde_json::json!(["update"]),
        "{a}-{b}: {actions}"
    );
    w.apply();
    w.assert_plan_empty();
    check_clouds(&c, a, b, &w.state_of(LINK));
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(c.leftovers().is_empty(), "{:#?}", c.leftovers());
}

/// Every cloud rule is a plan-time diagnostic that names the attribute; nothing is called.
fn bad_inputs_fail_at_plan(tf: Tf) {
    let c = Clouds {
        moto: Some((Moto::start(), "vpc-0123456789abcdef0".into())),
        gcp: Some(GcpEmulator::start_with(&["--network", GCP_NETWORK])),
        azure: None,
    };
    let cases: &[(&str, &str, &str)] = &[
        ("  psk = \"0abcdefgh\"\n", "psk", "starts with '0'"),
        (
            "  tunnel_count = 3\n",
            "tunnel_count",
            "4 (high availability",
        ),
        (
            "  inside_cidrs = [\"169.254.10.0/30\", \"169.254.1.0/30\", \"169.254.10.0/30\", \"169.254.20.1/30\"]\n",
            "inside_cidrs[1]",
            "AWS reserves 169.254.1.0/30",
        ),
        (
            "  inside_cidrs = [\"169.254.10.0/30\", \"169.254.11.0/30\", \"169.254.10.0/30\", \"169.254.20.0/30\"]\n",
            "inside_cidrs[2]",
            "each tunnel needs its own /30",
        ),
        (
            "  inside_cidrs = [\"169.254.10.0/30\"]\n",
            "inside_cidrs",
            "1 CIDRs given for 4 tunnels",
        ),
    ];
    for (extra, path, why) in cases {
        let w = Workdir::new(tf, Install::Mirror, &c.config("aws", "gcp", extra));
        w.init();
        let text = w.fails(&["plan", "-input=false", "-no-color"]);
        // Terraform wraps long details: compare with whitespace collapsed.
        let flat = flat(&text);
        assert!(flat.contains(path) && flat.contains(why), "{extra}: {text}");
        // Terraform quotes the configuration's own lines ("  49:   psk = ..."); the provider's
        // words must not repeat the key.
        let words: String = text
            .lines()
            .filter(|l| {
                l.trim_start()
                    .split(':')
                    .next()
                    .is_none_or(|n| n.parse::<u32>().is_err())
            })
            .collect();
        assert!(!words.contains("0abcdefgh"), "the key was echoed: {text}");
    }
    // Gateway rules, and the pair's: same ASN on both sides.
    let same_asn = c
        .config("aws", "gcp", "")
        .replace("asn     = 65010", "asn     = 64512");
    let w = Workdir::new(tf, Install::Mirror, &same_asn);
    w.init();
    let text = w.fails(&["plan", "-input=false", "-no-color"]);
    assert!(text.contains("two different ASNs"), "{text}");
    let bad_gcp_asn = c
        .config("aws", "gcp", "")
        .replace("asn     = 65010", "asn     = 100");
    let w = Workdir::new(tf, Install::Mirror, &bad_gcp_asn);
    w.init();
    let text = w.fails(&["plan", "-input=false", "-no-color"]);
    assert!(
        text.contains("gcp.asn") && text.contains("private ASN"),
        "{text}"
    );
    assert_eq!(c.gcp.as_ref().unwrap().object_count(), 0);
}
both_versions!(bad_inputs_fail_at_plan);

/// Azure gateways take half an hour: progress is logged while waiting, and a `timeouts` block
/// bounds the wait. A timed-out create keeps the gateway (tainted) so destroy removes it.
fn azure_gateway_honours_timeouts(tf: Tf) {
    let Some(az) = AzureEmulator::start_with(&["--op-polls", "40", "--poll-retry-after-ms", "50"])
    else {
        return;
    };
    let c = Clouds {
        moto: None,
        gcp: None,
        azure: Some(az),
    };
    let log = tempfile::NamedTempFile::new().unwrap();
    let slow = lone_gateway_with_create_timeout(&c, "azure", "1s");
    let w = Workdir::new(tf, Install::Mirror, &slow)
        .env("TF_LOG_PROVIDER", "INFO")
        .env("TF_LOG_PATH", log.path().to_str().unwrap());
    w.init();
    apply_times_out_keeping_the_gateway(&w, "azure", 1);
    let logged = std::fs::read_to_string(log.path()).unwrap();
    assert!(
        logged.contains("InProgress"),
        "no progress lines in the provider log"
    );
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    let left = c.leftovers();
    assert!(left.is_empty(), "{left:#?}");
}
both_versions!(azure_gateway_honours_timeouts);

/// A configuration of gateway `cloud` alone, with `timeouts { create = limit }`.
fn lone_gateway_with_create_timeout(c: &Clouds, cloud: &str, limit: &str) -> String {
    let gateway = c.gateway(cloud);
    let body = gateway.strip_suffix("}\n").expect("a resource block");
    format!(
        "{REQUIRED_PROVIDERS}\n{}\n{body}  timeouts {{\n    create = \"{limit}\"\n  }}\n}}\n",
        c.provider()
    )
}

/// An apply of gateway `cloud` that fails on `timeouts.create` (`limit` seconds), naming it, and
/// keeps the gateway in state, tainted; returns its state entry.
fn apply_times_out_keeping_the_gateway(w: &Workdir, cloud: &str, limit: u64) -> J {
    let text = w.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let flat = flat(&text);
    assert!(
        flat.contains(&format!("timeouts.create ({limit} s)"))
            && flat.contains(&format!("gateway {cloud}-site")),
        "{text}"
    );
    let gw = w
        .resources()
        .into_iter()
        .find(|r| r["address"] == format!("multicloud_vpn_gateway.{cloud}"))
        .expect("the timed-out gateway is kept in state");
    assert_eq!(gw["tainted"], true, "{gw}");
    gw
}

/// `timeouts.create` bounds a gateway's whole create, not each wait in it: a GCP gateway is two
/// operations (the HA gateway, then its Cloud Router), each shorter than the limit here and
/// together longer. The timed-out gateway is kept (tainted, by its known id) and destroy
/// removes what was made.
fn gateway_timeout_bounds_the_whole_create(tf: Tf) {
    let c = Clouds {
        moto: None,
        // About 3.1 s per operation (polls back off 0.1, 0.2, … 1.6 s), against a 5 s limit.
        gcp: Some(GcpEmulator::start_with(&[
            "--network",
            GCP_NETWORK,
            "--op-polls",
            "6",
        ])),
        azure: None,
    };
    let config = lone_gateway_with_create_timeout(&c, "gcp", "5s");
    let w = Workdir::new(tf, Install::Mirror, &config);
    w.init();
    let gw = apply_times_out_keeping_the_gateway(&w, "gcp", 5);
    assert!(
        gw["values"]["id"]
            .as_str()
            .is_some_and(|id| id.ends_with("/vpnGateways/gcp-site")),
        "{gw}"
    );
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    let left = c.leftovers();
    assert!(left.is_empty(), "{left:#?}");
}
both_versions!(gateway_timeout_bounds_the_whole_create);

/// `timeouts.create` bounds the whole connection build: when Azure's gateway update outlasts it,
/// the apply fails naming the limit, what AWS already has is recorded, and destroy removes it.
fn connection_timeout_keeps_progress(tf: Tf) {
    let azure = ["--op-polls", "60", "--poll-retry-after-ms", "50"];
    let Some(c) = Clouds::start_with_azure(&["aws", "azure"], &azure) else {
        return;
    };
    let w = Workdir::new(
        tf,
        Install::Mirror,
        &c.config("aws", "azure", "  timeouts {\n    create = \"2s\"\n  }\n"),
    );
    w.init();
    let text = w.fails(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let flat = flat(&text);
    assert!(flat.contains("timeouts.create (2 s)"), "{text}");
    let link = w
        .resources()
        .into_iter()
        .find(|r| r["address"] == LINK)
        .expect("partial state kept");
    assert_eq!(link["tainted"], true, "{link}");
    assert!(
        link["values"]["cloud_ids"]["aws.vpn_connection.1"].is_string(),
        "{link}"
    );
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    let left = c.leftovers();
    assert!(left.is_empty(), "{left:#?}");
}
both_versions!(connection_timeout_keeps_progress);
