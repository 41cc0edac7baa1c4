//! List resources on Terraform 1.15.5 (`terraform query`): what exists in the clouds is listed
//! exactly, filters narrow it, and `-generate-config-out` writes configuration that imports it
//! with an empty plan afterwards.

use serde_json::{Value as J, json};

use crate::cloudflare_emulator::CloudflareEmulator;
use crate::global_lb::{self, Dns, HOST, ZONE};
use crate::harness::{Install, REQUIRED_PROVIDERS, Tf, Workdir};
use crate::moto::Moto;
use crate::vpn::Clouds;

const TF: Tf = Tf::V1_15_5;

/// The identities `terraform query` reports, in the order found.
pub(crate) fn query_identities(w: &Workdir, args: &[&str]) -> Vec<J> {
    let mut all = vec!["query", "-json", "-no-color"];
    all.extend(args);
    let out = w.ok_stdout(&all);
    out.lines()
        .filter_map(|l| serde_json::from_str::<J>(l).ok())
        .filter(|m| m["type"] == "list_resource_found")
        .map(|m| m["list_resource_found"]["identity"].clone())
        .collect()
}

/// Applies a global load balancer for `host`, in a work directory of its own.
fn apply_lb(dns: &Dns, host: &str) -> Workdir {
    let config = global_lb::config(dns, "weighted", 2, "").replace(HOST, host);
    let w = Workdir::new(TF, Install::Mirror, &config);
    w.init();
    w.apply();
    w
}

fn global_lb_query(dns: &Dns, block: &str, zone_id: &str) {
    let _app = apply_lb(dns, HOST);
    let _api = apply_lb(dns, "api.example.com");
    let list = |filter: &str| {
        format!(
            "list \"multicloud_global_lb\" \"found\" {{\n  provider = multicloud\n  config {{\n{filter}    {block} {{\n      zone_id = \"{zone_id}\"\n    }}\n  }}\n}}\n"
        )
    };
    let w = Workdir::new(
        TF,
        Install::Mirror,
        &format!("{REQUIRED_PROVIDERS}\n{}", dns.provider()),
    );
    w.write("find.tfquery.hcl", &list(""));
    w.init();
    let identity =
        |host: &str| json!({ "dns_backend": block, "zone_id": zone_id, "hostname": host });
    assert_eq!(
        query_identities(&w, &[]),
        vec![identity("api.example.com"), identity(HOST)],
        "the query lists exactly what exists"
    );
    w.write(
        "find.tfquery.hcl",
        &list("    hostname_suffix = \"api.example.com\"\n"),
    );
    assert_eq!(query_identities(&w, &[]), vec![identity("api.example.com")]);

    // Both blocks at once is refused, naming what is allowed.
    w.write(
        "find.tfquery.hcl",
        &list(&format!(
            "    {} {{\n      zone_id = \"z\"\n    }}\n",
            if block == "route53" {
                "cloudflare"
            } else {
                "route53"
            }
        )),
    );
    let err = w.fails(&["query", "-no-color"]).replace('\n', " ");
    assert!(
        err.contains("exactly one of the blocks route53 or cloudflare"),
        "{err}"
    );

    // Generated configuration imports both, and plans nothing more once applied.
    w.write("find.tfquery.hcl", &list(""));
    let generated = w.generated_config("query");
    assert_eq!(
        generated
            .matches("resource \"multicloud_global_lb\"")
            .count(),
        2,
        "{generated}"
    );
    assert_eq!(generated.matches("identity = {").count(), 2, "{generated}");
    // Imported, never created or replaced (Cloudflare's first apply refreshes the recorded status
    // in place, as after any import).
    let plan = w.ok(&["plan", "-no-color", "-input=false"]);
    assert!(plan.contains("Plan: 2 to import, 0 to add, "), "{plan}");
    assert!(plan.contains(" to change, 0 to destroy."), "{plan}");
    w.apply();
    w.assert_plan_empty();
}

#[test]
fn global_lb_query_on_route53() {
    let moto = Moto::start();
    let zone_id = moto.create_hosted_zone(ZONE);
    let dns = Dns::Route53 {
        moto: &moto,
        zone_id: zone_id.clone(),
    };
    global_lb_query(&dns, "route53", &zone_id);
}

#[test]
fn global_lb_query_on_cloudflare() {
    let cf = CloudflareEmulator::start_with(ZONE, &["--plan", "enterprise"]);
    let zone_id = cf.zone_id.clone();
    global_lb_query(&Dns::Cloudflare(&cf), "cloudflare", &zone_id);
}

#[test]
fn vpn_query_finds_sites_and_connections() {
    let c = Clouds::start(&["aws", "gcp"]).expect("no Azure needed");
    let config = c.config("aws", "gcp", "");
    let built = Workdir::new(TF, Install::Mirror, &config);
    built.init();
    built.apply();
    let aws = built.identity_of("multicloud_vpn_gateway.aws");
    let gcp = built.identity_of("multicloud_vpn_gateway.gcp");
    let link = built.identity_of("multicloud_vpn_connection.link");
    // A gateway someone made by hand in another VPC of the same region.
    let moto = c.moto();
    let other_vpc = moto.create_vpc("10.20.0.0/16");
    let by_hand = moto.hand_built_vgw(&other_vpc, "legacy-site");

    let project = c.gcp.as_ref().expect("gcp").project.clone();
    let queries = format!(
        "list \"multicloud_vpn_gateway\" \"sites\" {{\n  provider = multicloud\n  config {{\n    aws {{\n      region = \"us-east-1\"\n    }}\n    gcp {{\n      project = \"{project}\"\n      region  = \"us-central1\"\n    }}\n  }}\n}}\n\nlist \"multicloud_vpn_connection\" \"links\" {{\n  provider = multicloud\n  config {{\n    gateway_a = {}\n    gateway_b = {}\n  }}\n}}\n",
        link["gateway_a"], link["gateway_b"]
    );
    let w = Workdir::new(
        TF,
        Install::Mirror,
        &format!("{REQUIRED_PROVIDERS}\n{}", c.provider()),
    );
    w.write("find.tfquery.hcl", &queries);
    w.init();
    let mut found = query_identities(&w, &[]);
    found.sort_by_key(|i| i.to_string());
    let mut expected = vec![
        aws.clone(),
        json!({ "cloud": "aws", "region": "us-east-1", "id": by_hand }),
        gcp.clone(),
        link.clone(),
    ];
    expected.sort_by_key(|i| i.to_string());
    assert_eq!(found, expected, "the query lists exactly what exists");

    // Generated configuration adopts all four (the hand-built gateway included).
    let generated = w.generated_config("query");
    assert_eq!(generated.matches("identity = {").count(), 4, "{generated}");
    let plan = w.ok(&["plan", "-no-color", "-input=false"]);
    assert!(plan.contains("Plan: 4 to import, 0 to add, "), "{plan}");
    assert!(plan.contains(" to change, 0 to destroy."), "{plan}");
    w.apply();
    w.assert_plan_empty();
}
