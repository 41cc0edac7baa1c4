//! Resource identity on Terraform 1.15.5: every managed resource stores one, `import` blocks take
//! one (`identity = {...}`), and `plan -generate-config-out` writes configuration for an import.
//! Terraform 1.0.3 knows none of this; its scenarios elsewhere run unchanged.

use serde_json::json;

use crate::global_lb::{self, Dns, HOST, ZONE};
use crate::harness::{Install, REQUIRED_PROVIDERS, Tf, Workdir};
use crate::moto::Moto;
use crate::vpn::Clouds;

const TF: Tf = Tf::V1_15_5;

fn psk_config(extra: &str) -> String {
    format!(
        "{REQUIRED_PROVIDERS}\nresource \"multicloud_psk\" \"link\" {{\n  length = 24\n}}\n{extra}"
    )
}

#[test]
fn psk_identity_import_and_generated_config() {
    let w = Workdir::new(TF, Install::Mirror, &psk_config(""));
    w.init();
    w.apply();
    let id = w.state_of("multicloud_psk.link")["id"].clone();
    assert_eq!(
        w.identity_of("multicloud_psk.link"),
        json!({ "id": id, "key_env": null }),
        "the identity follows the state"
    );

    // An import by identity takes the key from the variable named in key_env and keeps the id.
    let old_key = "Shared_Key_From_Elsewhere_2026";
    let by_identity = "import {\n  to       = multicloud_psk.adopted\n  identity = { id = \"psk-00000000000000aa\", key_env = \"ADOPTED_PSK\" }\n}\nresource \"multicloud_psk\" \"adopted\" {}\n";
    let w = w.env("ADOPTED_PSK", old_key);
    w.write("main.tf", &psk_config(by_identity));
    let plan = w.ok(&["plan", "-no-color", "-input=false"]);
    assert!(
        plan.contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    assert!(!plan.contains(old_key), "the plan shows the key:\n{plan}");
    w.apply();
    let adopted = w.state_of("multicloud_psk.adopted");
    assert_eq!(adopted["id"], "psk-00000000000000aa");
    assert_eq!(adopted["result"], old_key);
    assert_eq!(adopted["length"], old_key.len());
    assert_eq!(
        w.identity_of("multicloud_psk.adopted"),
        json!({ "id": "psk-00000000000000aa", "key_env": null }),
        "the variable's name is not kept"
    );
    w.assert_plan_empty();

    // Without key_env there is no key to import: refused, saying where the key must come from.
    let no_env = Workdir::new(
        TF,
        Install::Mirror,
        &psk_config(
            "import {\n  to       = multicloud_psk.other\n  identity = { id = \"psk-1\" }\n}\nresource \"multicloud_psk\" \"other\" {}\n",
        ),
    );
    no_env.init();
    let err = no_env.plan_error();
    assert!(
        err.contains("identity.key_env must name the environment variable"),
        "{err}"
    );

    // -generate-config-out writes the resource block of an import that has none.
    let generating = Workdir::new(
        TF,
        Install::Mirror,
        &format!("{REQUIRED_PROVIDERS}\nimport {{\n  to = multicloud_psk.generated\n  id = \"env:GENERATED_PSK\"\n}}\n"),
    )
    .env("GENERATED_PSK", old_key);
    generating.init();
    let generated = generating.generated_config("plan");
    assert!(
        generated.contains("resource \"multicloud_psk\" \"generated\""),
        "{generated}"
    );
    assert!(
        generated.contains(&format!("length  = {}", old_key.len())),
        "{generated}"
    );
    assert!(
        !generated.contains(old_key),
        "the generated config holds the key:\n{generated}"
    );
    generating.apply();
    assert_eq!(
        generating.state_of("multicloud_psk.generated")["result"],
        old_key
    );
    generating.assert_plan_empty();
}

#[test]
fn mesh_trust_has_an_identity_but_refuses_import() {
    let config = format!(
        "{REQUIRED_PROVIDERS}\nresource \"multicloud_mesh_trust\" \"mesh\" {{\n  root {{\n    key_algorithm = \"ECDSA_P256\"\n  }}\n  clusters = {{\n    eks = {{ key_algorithm = \"ECDSA_P256\" }}\n  }}\n}}\n"
    );
    let w = Workdir::new(TF, Install::Mirror, &config);
    w.init();
    w.apply();
    let id = w.state_of("multicloud_mesh_trust.mesh")["id"].clone();
    assert!(id.as_str().unwrap().starts_with("mesh-"));
    assert_eq!(
        w.identity_of("multicloud_mesh_trust.mesh"),
        json!({ "id": id })
    );

    let other = Workdir::new(
        TF,
        Install::Mirror,
        &format!(
            "{config}\nimport {{\n  to       = multicloud_mesh_trust.copy\n  identity = {{ id = {id} }}\n}}\nresource \"multicloud_mesh_trust\" \"copy\" {{\n  clusters = {{ eks = {{}} }}\n}}\n"
        ),
    );
    other.init();
    let err = other.plan_error();
    assert!(
        err.contains("private keys of existing intermediates cannot be"),
        "{err}"
    );
}

#[test]
fn global_lb_identity_import_and_generated_config() {
    let moto = Moto::start();
    let zone_id = moto.create_hosted_zone(ZONE);
    let dns = Dns::Route53 {
        moto: &moto,
        zone_id: zone_id.clone(),
    };
    let config = global_lb::config(&dns, "weighted", 2, "");
    let original = Workdir::new(TF, Install::Mirror, &config);
    original.init();
    original.apply();
    let identity = json!({ "dns_backend": "route53", "zone_id": zone_id, "hostname": HOST });
    assert_eq!(original.identity_of("multicloud_global_lb.app"), identity);

    // A second state adopts it by identity: imported, nothing created or replaced.
    let import = format!(
        "import {{\n  to       = multicloud_global_lb.app\n  identity = {{\n    dns_backend = \"route53\"\n    zone_id     = \"{zone_id}\"\n    hostname    = \"{HOST}\"\n  }}\n}}\n"
    );
    let adopted = Workdir::new(TF, Install::Mirror, &format!("{config}\n{import}"));
    adopted.init();
    let plan = adopted.plan_json();
    let change = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "multicloud_global_lb.app")
        .expect("planned change")["change"]
        .clone();
    let actions = change["actions"].as_array().unwrap().clone();
    assert!(
        actions == [json!("update")] || actions == [json!("no-op")],
        "import by identity must not recreate: {change}"
    );
    assert!(change["importing"]["identity"].is_object(), "{change}");
    adopted.apply();
    assert_eq!(adopted.identity_of("multicloud_global_lb.app"), identity);
    adopted.assert_plan_empty();

    // A wrong identity names the attribute.
    let wrong = Workdir::new(
        TF,
        Install::Mirror,
        &format!(
            "{config}\nimport {{\n  to       = multicloud_global_lb.app\n  identity = {{\n    dns_backend = \"route53\"\n    zone_id     = \"\"\n    hostname    = \"{HOST}\"\n  }}\n}}\n"
        ),
    );
    wrong.init();
    let err = wrong.plan_error();
    assert!(err.contains("identity.zone_id is required"), "{err}");

    // Configuration generated for the import plans without changes once applied.
    let generating = Workdir::new(
        TF,
        Install::Mirror,
        &format!("{REQUIRED_PROVIDERS}\n{}\n{import}", dns.provider()),
    );
    generating.init();
    let generated = generating.generated_config("plan");
    assert!(
        generated.contains("resource \"multicloud_global_lb\" \"app\""),
        "{generated}"
    );
    assert!(generated.contains(HOST), "{generated}");
    generating.apply();
    generating.assert_plan_empty();
}

/// An HCL object literal of an identity from `show -json`.
fn hcl_object(identity: &serde_json::Value) -> String {
    let fields: Vec<String> = identity
        .as_object()
        .expect("identity object")
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| format!("    {k} = {v}"))
        .collect();
    format!("{{\n{}\n  }}", fields.join("\n"))
}

#[test]
fn vpn_identities_import_and_generated_config() {
    let c = Clouds::start(&["aws", "gcp"]).expect("no Azure needed");
    let config = c.config("aws", "gcp", "");
    let w = Workdir::new(TF, Install::Mirror, &config);
    w.init();
    w.apply();
    let addresses = [
        "multicloud_vpn_gateway.aws",
        "multicloud_vpn_gateway.gcp",
        "multicloud_vpn_connection.link",
    ];
    let identities: Vec<serde_json::Value> = addresses.iter().map(|a| w.identity_of(a)).collect();
    assert_eq!(identities[0]["cloud"], "aws");
    assert_eq!(identities[0]["region"], "us-east-1");
    assert!(identities[0]["id"].as_str().unwrap().starts_with("vgw-"));
    assert_eq!(identities[1]["cloud"], "gcp");
    assert!(identities[1]["region"].is_null());
    assert_eq!(identities[2]["name"], "link");
    assert_eq!(
        identities[2]["gateway_a"],
        format!("aws/us-east-1/{}", identities[0]["id"].as_str().unwrap())
    );
    assert_eq!(identities[2]["gateway_b"], identities[1]["id"]);

    // Forgotten by this state, then adopted again by identity: three imports, nothing else.
    for a in addresses {
        w.ok(&["state", "rm", "-no-color", a]);
    }
    let imports: String = addresses
        .iter()
        .zip(&identities)
        .map(|(a, i)| {
            format!(
                "import {{\n  to       = {a}\n  identity = {}\n}}\n",
                hcl_object(i)
            )
        })
        .collect();
    w.write("main.tf", &format!("{config}\n{imports}"));
    let plan = w.ok(&["plan", "-no-color", "-input=false"]);
    assert!(plan.contains("Plan: 3 to import, 0 to add, "), "{plan}");
    assert!(plan.contains(" to change, 0 to destroy."), "{plan}");
    w.apply();
    for (a, i) in addresses.iter().zip(&identities) {
        assert_eq!(&w.identity_of(a), i, "{a}");
    }
    w.assert_plan_empty();

    // Configuration generated for a gateway imported by identity plans nothing more.
    let generating = Workdir::new(
        TF,
        Install::Mirror,
        &format!(
            "{REQUIRED_PROVIDERS}\n{}\nimport {{\n  to       = multicloud_vpn_gateway.found\n  identity = {}\n}}\n",
            c.provider(),
            hcl_object(&identities[1])
        ),
    );
    generating.init();
    let generated = generating.generated_config("plan");
    assert!(
        generated.contains("resource \"multicloud_vpn_gateway\" \"found\""),
        "{generated}"
    );
    generating.apply();
    generating.assert_plan_empty();
    generating.ok(&["state", "rm", "-no-color", "multicloud_vpn_gateway.found"]);

    // A wrong identity names what is missing.
    let bad = Workdir::new(
        TF,
        Install::Mirror,
        &format!(
            "{config}\nimport {{\n  to       = multicloud_vpn_gateway.aws\n  identity = {{\n    cloud = \"aws\"\n    id    = \"vgw-1\"\n  }}\n}}\n"
        ),
    );
    bad.init();
    let err = bad.plan_error();
    assert!(
        err.contains("identity.region is required for an AWS gateway"),
        "{err}"
    );

    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(c.leftovers().is_empty(), "{:?}", c.leftovers());
}
