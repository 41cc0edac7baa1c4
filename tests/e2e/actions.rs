//! Actions on Terraform 1.15.5 (`terraform apply -invoke=...`): the failover drill against the
//! Cloudflare emulator answering DNS, and the mesh root rotation.

use std::time::Duration;

use serde_json::Value as J;

use crate::cloudflare_emulator::CloudflareEmulator;
use crate::global_lb::{self, Dns, ZONE};
use crate::harness::{Install, Tf, Workdir};
use crate::mesh_trust::{self, mesh, verify_all};
use crate::moto::Moto;

const TF: Tf = Tf::V1_15_5;

fn drill(resolver: &str, extra: &str) -> String {
    format!(
        "\naction \"multicloud_failover_drill\" \"drill\" {{\n  config {{\n    global_lb_id    = multicloud_global_lb.app.id\n    backend         = \"eks\"\n    resolver        = \"{resolver}\"\n    timeout_seconds = 30\n{extra}  }}\n}}\n"
    )
}

/// The drill on a load balancer whose DNS answers come from `resolver` with a 2 s propagation
/// delay; `taken_out()` lists what the DNS service has out of rotation right now.
fn failover_drill(dns: &Dns, resolver: &str, how: &str, taken_out: impl Fn() -> Vec<String>) {
    let lb = global_lb::config(dns, "weighted", 2, "");
    let w = Workdir::new(TF, Install::Mirror, &format!("{lb}{}", drill(resolver, "")));
    w.init();
    w.apply();
    assert!(taken_out().is_empty(), "{:?}", taken_out());
    let invoke = [
        "apply",
        "-auto-approve",
        "-no-color",
        "-input=false",
        "-invoke=action.multicloud_failover_drill.drill",
    ];

    let out = w.ok(&invoke);
    assert!(
        out.contains(&format!("taking \"eks\" (52.0.0.10) out by {how}")),
        "{out}"
    );
    let took: f64 = out
        .split("answers stopped naming \"eks\" after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no measured failover time:\n{out}"));
    println!("failover drill ({how}): {took:.1} s with a 2 s propagation delay");
    assert!(
        (2.0..10.0).contains(&took),
        "measured {took} s with a 2 s propagation delay"
    );
    assert!(out.contains("\"eks\" put back"), "{out}");
    assert!(out.contains("\"eks\" answered again after"), "{out}");
    assert!(out.contains("PASS: failover in"), "{out}");
    assert!(taken_out().is_empty(), "not put back: {:?}", taken_out());
    // The drill changed nothing Terraform manages.
    w.assert_plan_empty();

    // A budget the measured time exceeds fails the drill, naming the budget; the backend is back.
    w.write(
        "main.tf",
        &format!("{lb}{}", drill(resolver, "    max_failover_seconds = 1\n")),
    );
    let err = w.fails(&invoke).replace('\n', " ");
    assert!(err.contains("Failover slower than the budget"), "{err}");
    assert!(err.contains("over max_failover_seconds = 1"), "{err}");
    assert!(taken_out().is_empty(), "not put back: {:?}", taken_out());

    // A backend the load balancer does not have is refused before anything changes.
    w.write(
        "main.tf",
        &format!("{lb}{}", drill(resolver, "").replace("\"eks\"", "\"nope\"")),
    );
    let err = w.fails(&invoke).replace('\n', " ");
    assert!(err.contains("has no backend \"nope\""), "{err}");
}

#[test]
fn failover_drill_on_cloudflare() {
    // Pool changes reach the DNS answers 2 s later, as propagation would.
    let cf = CloudflareEmulator::start_with(
        ZONE,
        &["--plan", "enterprise", "--dns", "--dns-delay", "2"],
    );
    let port = cf.state()["dns_port"].as_u64().expect("dns_port");
    let disabled = || -> Vec<String> {
        cf.state()["pools"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p: &&J| p["enabled"] != true)
            .map(|p| p["name"].to_string())
            .collect()
    };
    failover_drill(
        &Dns::Cloudflare(&cf),
        &format!("127.0.0.1:{port}"),
        "disabling Cloudflare pool",
        disabled,
    );
}

#[test]
fn failover_drill_on_route53() {
    let moto = Moto::start();
    let zone_id = moto.create_hosted_zone(ZONE);
    // moto serves no DNS: the Route 53 answer rules over moto's records, inversions 2 s late.
    let answers = moto.start_dns(Duration::from_secs(2));
    let inverted =
        || -> Vec<String> { vec!["inverted".to_string(); moto.inverted_health_checks()] };
    failover_drill(
        &Dns::Route53 {
            moto: &moto,
            zone_id,
        },
        &answers.addr,
        "inverting Route 53 health check",
        inverted,
    );
}

fn roles(w: &Workdir) -> Vec<(String, String)> {
    mesh(w)["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["role"].as_str().unwrap().to_string(),
                r["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn mesh_rotate_starts_the_two_step_rotation() {
    let extra = "  rotation_requests_dir = abspath(\"${path.root}/rotations\")\n";
    let action = "\naction \"multicloud_mesh_rotate\" \"rotate\" {\n  config {\n    mesh_id      = multicloud_mesh_trust.mesh.id\n    requests_dir = multicloud_mesh_trust.mesh.rotation_requests_dir\n  }\n}\n";
    let config = format!(
        "{}{action}",
        mesh_trust::config("", &[("eks", 90), ("gke", 90)], extra)
    );
    let w = Workdir::new(TF, Install::Mirror, &config);
    w.init();
    w.apply();
    let before = roles(&w);
    assert_eq!(before.len(), 1);
    w.assert_plan_empty();

    let out = w.ok(&[
        "apply",
        "-auto-approve",
        "-no-color",
        "-input=false",
        "-invoke=action.multicloud_mesh_rotate.rotate",
    ]);
    assert!(out.contains("rotation of mesh-"), "{out}");
    assert!(out.contains("next: `terraform apply` runs step 1"), "{out}");

    // Step 1: a new root is trusted beside the active one.
    let change = w.planned_change("multicloud_mesh_trust.mesh");
    assert_eq!(change["actions"], serde_json::json!(["update"]), "{change}");
    w.apply();
    let step1 = roles(&w);
    assert_eq!(step1[0], before[0], "the active root stays in step 1");
    assert_eq!(step1[1].0, "incoming");
    verify_all(&w, &mesh(&w));

    // Step 2: the new root signs; the old one is still trusted.
    w.apply();
    let step2 = roles(&w);
    assert_eq!(step2[0], ("active".to_string(), step1[1].1.clone()));
    assert_eq!(step2[1], ("previous".to_string(), before[0].1.clone()));
    verify_all(&w, &mesh(&w));
    // The request was taken once: nothing more to do.
    w.assert_plan_empty();

    // A mesh id that is not one is refused at validate.
    w.write(
        "main.tf",
        &config.replace("multicloud_mesh_trust.mesh.id", "\"../etc\""),
    );
    let err = w.fails(&["validate", "-no-color"]).replace('\n', " ");
    assert!(err.contains("is not a multicloud_mesh_trust id"), "{err}");
}
