//! multicloud_global_lb on both Terraform versions, for every routing policy, on Route 53 (moto)
//! and Cloudflare (the strict local emulator): apply, empty plan, add and remove a backend (only it
//! changes), out-of-band damage repaired, injected API faults survived, failover budget enforced
//! at plan with a suggestion, the provider function, and destroy leaving nothing behind.

use serde_json::Value as J;

use crate::both_versions;
use crate::cloudflare_emulator::CloudflareEmulator;
use crate::harness::{Install, REQUIRED_PROVIDERS, Tf, Workdir};
use crate::moto::Moto;
use multicloud_provider::clients::cloudflare::Cloudflare;
use multicloud_provider::clients::route53::{ChangeAction, RecordChange, Route53, Routing};

pub(crate) const ZONE: &str = "example.com";
pub(crate) const HOST: &str = "app.example.com";

pub(crate) enum Dns<'a> {
    Route53 { moto: &'a Moto, zone_id: String },
    Cloudflare(&'a CloudflareEmulator),
}

impl Dns<'_> {
    pub(crate) fn provider(&self) -> String {
        match self {
            Dns::Route53 { moto, .. } => format!(
                "provider \"multicloud\" {{\n  aws {{\n    region     = \"us-east-1\"\n    endpoint   = \"{}\"\n    access_key = \"testing\"\n    secret_key = \"testing\"\n  }}\n}}\n",
                moto.endpoint
            ),
            Dns::Cloudflare(cf) => format!(
                "provider \"multicloud\" {{\n  cloudflare {{\n    endpoint   = \"{}\"\n    api_token  = \"{}\"\n    account_id = \"{}\"\n  }}\n}}\n",
                cf.endpoint, cf.token, cf.account
            ),
        }
    }

    fn block(&self) -> String {
        match self {
            Dns::Route53 { zone_id, .. } => {
                format!("  route53 {{\n    zone_id = \"{zone_id}\"\n  }}\n")
            }
            Dns::Cloudflare(cf) => {
                format!("  cloudflare {{\n    zone_id = \"{}\"\n  }}\n", cf.zone_id)
            }
        }
    }
}

/// Backend lines for a policy: (name, attributes).
fn backends(policy: &str, count: usize) -> Vec<(String, String)> {
    let all = [
        ("eks", "aws", "us-east-1", "52.0.0.10"),
        ("gke", "gcp", "europe-west1", "34.0.0.20"),
        ("aks", "azure", "westeurope", "20.0.0.30"),
    ];
    all.iter()
        .take(count)
        .enumerate()
        .map(|(i, (name, cloud, region, ip))| {
            let extra = match policy {
                "failover" => format!(", priority = {}", i + 1),
                "weighted" => format!(", weight = {}", 10 * (i + 1)),
                "geo" => match i {
                    0 => ", geo = [\"NA\", \"*\"]".to_string(),
                    1 => ", geo = [\"EU\"]".to_string(),
                    _ => ", geo = [\"AS\", \"JP\"]".to_string(),
                },
                _ => String::new(),
            };
            (
                name.to_string(),
                format!(
                    "{{ cloud = \"{cloud}\", region = \"{region}\", address = \"{ip}\"{extra} }}"
                ),
            )
        })
        .collect()
}

pub(crate) fn config(dns: &Dns, policy: &str, count: usize, extra: &str) -> String {
    let lines: String = backends(policy, count)
        .iter()
        .map(|(n, b)| format!("    {n} = {b}\n"))
        .collect();
    format!(
        "{REQUIRED_PROVIDERS}\n{}\nresource \"multicloud_global_lb\" \"app\" {{\n  hostname = \"{HOST}\"\n  policy   = \"{policy}\"\n{}{extra}\n  health_check {{\n    protocol          = \"HTTPS\"\n    port              = 443\n    path              = \"/healthz\"\n    interval_seconds  = 10\n    failure_threshold = 2\n  }}\n  ttl = 10\n  max_failover_seconds = 45\n\n  backends = {{\n{lines}  }}\n}}\n\noutput \"estimate\" {{\n  value = multicloud_global_lb.app.estimated_failover_seconds\n}}\n",
        dns.provider(),
        dns.block()
    )
}

fn lb_change(w: &Workdir) -> J {
    w.planned_change("multicloud_global_lb.app")
}

fn lb_state(w: &Workdir) -> J {
    w.state_of("multicloud_global_lb.app")
}

fn scenario(tf: Tf, dns: &Dns, policy: &str, damage: impl Fn(&J)) {
    // Route 53 failover takes exactly two backends; the others start with two and grow to three.
    let w = Workdir::new(tf, Install::Mirror, &config(dns, policy, 2, ""));
    w.init();
    w.ok(&["validate", "-no-color"]);
    let change = lb_change(&w);
    assert_eq!(
        change["after"]["estimated_failover_seconds"],
        if matches!(dns, Dns::Route53 { .. }) {
            30
        } else {
            38
        }
    );
    w.apply();
    let first = lb_state(&w);
    assert_eq!(first["backend_status"].as_object().unwrap().len(), 2);
    w.assert_plan_empty();

    let route53_failover = policy == "failover" && matches!(dns, Dns::Route53 { .. });
    if !route53_failover {
        // Adding a backend plans only that backend.
        w.write("main.tf", &config(dns, policy, 3, ""));
        let change = lb_change(&w);
        for name in ["eks", "gke"] {
            assert_eq!(
                change["before"]["backend_status"][name], change["after"]["backend_status"][name],
                "{name} changed"
            );
        }
        assert_eq!(
            change["after_unknown"]["backend_status"]["aks"], true,
            "{change}"
        );
        w.apply();
        w.assert_plan_empty();
        let grown = lb_state(&w);
        for name in ["eks", "gke"] {
            assert_eq!(
                grown["backend_status"][name], first["backend_status"][name],
                "{name} was touched"
            );
        }
        // And removing it again.
        w.write("main.tf", &config(dns, policy, 2, ""));
        w.apply();
        w.assert_plan_empty();
    }

    // Out-of-band damage shows up in the next plan and the apply repairs it.
    damage(&lb_state(&w));
    let out = w.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "drift not detected:\n{}",
        crate::harness::combined(&out)
    );
    w.apply();
    w.assert_plan_empty();

    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(w.resources().is_empty());
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Provider settings as a test writes them in HCL, for using the provider's own clients directly.
fn settings(block: &str, pairs: &[(&str, &str)]) -> multicloud_provider::ProviderConfig {
    use tfplugin::Value;
    let inner = Value::object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::string(*v))),
    );
    multicloud_provider::ProviderConfig::from_value(&Value::object([(block, inner)]), &|_| None)
        .unwrap()
}

async fn route53(moto: &Moto) -> Route53 {
    let cfg = settings(
        "aws",
        &[
            ("region", "us-east-1"),
            ("endpoint", &moto.endpoint),
            ("access_key", "testing"),
            ("secret_key", "testing"),
        ],
    );
    Route53::connect(&cfg.aws("route53")).await.unwrap()
}

/// Records and health checks left in moto for the hostname.
fn route53_leftovers(moto: &Moto, zone_id: &str, checks: &[String]) -> usize {
    rt().block_on(async {
        let r53 = route53(moto).await;
        let records = r53
            .list_records(zone_id, &format!("{HOST}."))
            .await
            .unwrap()
            .len();
        let mut live = 0;
        for id in checks {
            if r53.get_health_check(id).await.unwrap().is_some() {
                live += 1;
            }
        }
        records + live
    })
}

fn status_ids(state: &J, key: &str) -> Vec<String> {
    state["backend_status"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|s| s[key].as_str().map(String::from))
        .collect()
}

fn on_route53(tf: Tf, policy: &str) {
    let moto = Moto::start();
    let zone_id = moto.create_hosted_zone(ZONE);
    let dns = Dns::Route53 {
        moto: &moto,
        zone_id: zone_id.clone(),
    };
    let seen_checks = std::cell::RefCell::new(Vec::new());
    scenario(tf, &dns, policy, |state| {
        // Someone edits one record by hand and deletes its health check, and deletes the other
        // record (for failover: one of the two failover records; put back unchanged, which a
        // CREATE cannot do on moto while its partner exists, so the repair must UPSERT).
        let checks = status_ids(state, "health_check_id");
        seen_checks.borrow_mut().extend(checks.clone());
        rt().block_on(async {
            let r53 = route53(&moto).await;
            let mut records = r53
                .list_records(&zone_id, &format!("{HOST}."))
                .await
                .unwrap();
            assert!(records.len() >= 2, "{records:?}");
            let mut edited = records.remove(0);
            assert!(!matches!(edited.routing, Routing::Simple));
            let edited_check = edited.health_check_id.clone();
            // Another backend's record (geo gives a backend several).
            let other = records
                .iter()
                .position(|r| r.health_check_id != edited_check)
                .expect("records of two backends");
            let deleted = records.remove(other);
            edited.values = vec!["52.0.0.99".into()];
            r53.change_records(
                &zone_id,
                "manual edit",
                &[
                    RecordChange {
                        action: ChangeAction::Upsert,
                        record: edited,
                    },
                    RecordChange {
                        action: ChangeAction::Delete,
                        record: deleted,
                    },
                ],
            )
            .await
            .unwrap();
            r53.delete_health_check(edited_check.as_deref().expect("a health check"))
                .await
                .unwrap();
        });
    });
    assert_eq!(
        route53_leftovers(&moto, &zone_id, &seen_checks.borrow()),
        0,
        "destroy left records or health checks"
    );
}

fn on_cloudflare(tf: Tf, policy: &str) {
    // Enterprise plans allow the 10 s interval the scenarios use.
    let cf = CloudflareEmulator::start_with(ZONE, &["--plan", "enterprise"]);
    let dns = Dns::Cloudflare(&cf);
    scenario(tf, &dns, policy, |state| {
        // Someone changes a monitor by hand; then the API throttles for a while.
        let monitor = status_ids(state, "health_check_id").remove(0);
        let cfg = settings(
            "cloudflare",
            &[
                ("endpoint", &cf.endpoint),
                ("api_token", &cf.token),
                ("account_id", &cf.account),
            ],
        );
        rt().block_on(async {
            let client = Cloudflare::new(&cfg.cloudflare()).unwrap();
            let mut m = client
                .get_monitor(&monitor)
                .await
                .unwrap()
                .expect("monitor exists");
            m.interval += 50;
            client.update_monitor(&monitor, &m).await.unwrap();
        });
        cf.inject(429, 2, "");
    });
    assert_eq!(cf.object_count(), 0, "destroy left objects: {}", cf.state());
}

fn route53_failover(tf: Tf) {
    on_route53(tf, "failover")
}
both_versions!(route53_failover);
fn route53_latency(tf: Tf) {
    on_route53(tf, "latency")
}
both_versions!(route53_latency);
fn route53_geo(tf: Tf) {
    on_route53(tf, "geo")
}
both_versions!(route53_geo);
fn route53_weighted(tf: Tf) {
    on_route53(tf, "weighted")
}
both_versions!(route53_weighted);
fn cloudflare_failover(tf: Tf) {
    on_cloudflare(tf, "failover")
}
both_versions!(cloudflare_failover);
fn cloudflare_latency(tf: Tf) {
    on_cloudflare(tf, "latency")
}
both_versions!(cloudflare_latency);
fn cloudflare_geo(tf: Tf) {
    on_cloudflare(tf, "geo")
}
both_versions!(cloudflare_geo);
fn cloudflare_weighted(tf: Tf) {
    on_cloudflare(tf, "weighted")
}
both_versions!(cloudflare_weighted);

fn budget_and_bad_inputs(tf: Tf) {
    let moto = Moto::start();
    let zone_id = moto.create_hosted_zone(ZONE);
    let dns = Dns::Route53 {
        moto: &moto,
        zone_id,
    };
    let w = Workdir::new(tf, Install::Mirror, &config(&dns, "weighted", 2, ""));
    w.init();
    let slow = config(&dns, "weighted", 2, "")
        .replace("interval_seconds  = 10", "interval_seconds  = 30")
        .replace("failure_threshold = 2", "failure_threshold = 3");
    let cases = [
        // Budget: 30 s × 3 + ttl 10 = 100 s > 45 s; the diagnostic names settings that fit.
        (slow, "max_failover_seconds", "Estimated failover is 100 s"),
        (
            config(&dns, "weighted", 2, "")
                .replace("interval_seconds  = 10", "interval_seconds  = 15"),
            "interval_seconds",
            "10 or 30",
        ),
        (
            config(&dns, "weighted", 2, "")
                .replace("failure_threshold = 2", "failure_threshold = 11"),
            "failure_threshold",
            "from 1 to 10",
        ),
        (
            config(&dns, "failover", 2, "").replace("priority = 1", "priority = 2"),
            "backends",
            "exactly one backend must have priority = 1",
        ),
        (
            config(&dns, "failover", 3, ""),
            "backends",
            "one PRIMARY and one SECONDARY",
        ),
        (
            config(&dns, "geo", 2, "").replace("\"NA\", \"*\"", "\"NA\""),
            "backends",
            "Add \"*\"",
        ),
        (
            config(&dns, "weighted", 2, "")
                .replace("weight = 10", "weight = 0")
                .replace("weight = 20", "weight = 0"),
            "backends",
            "weight above 0",
        ),
        (
            config(&dns, "latency", 2, "").replace("europe-west1", "mars-north1"),
            "region",
            "needs an AWS region",
        ),
        (
            config(&dns, "weighted", 2, "").replace(HOST, "not a host"),
            "hostname",
            "fully qualified",
        ),
    ];
    for (cfg, names, explains) in cases {
        w.write("main.tf", &cfg);
        let out = w
            .fails(&["plan", "-input=false", "-no-color"])
            .replace('\n', " ");
        assert!(
            out.contains(names),
            "diagnostic does not name {names:?}: {out}"
        );
        assert!(
            out.to_lowercase().contains(&explains.to_lowercase()),
            "diagnostic does not explain {explains:?}: {out}"
        );
    }
    let slow_out = {
        w.write(
            "main.tf",
            &config(&dns, "weighted", 2, "")
                .replace("interval_seconds  = 10", "interval_seconds  = 30"),
        );
        w.fails(&["plan", "-input=false", "-no-color"])
            .replace('\n', " ")
    };
    assert!(
        slow_out.contains("For example: interval 10 s"),
        "no suggestion: {slow_out}"
    );
}
both_versions!(budget_and_bad_inputs);

/// The failover arithmetic as a provider function (Terraform 1.8+ only).
#[test]
fn provider_function_on_1_15_5() {
    let w = Workdir::new(
        Tf::V1_15_5,
        Install::Mirror,
        &format!(
            "{REQUIRED_PROVIDERS}\noutput \"r53\" {{\n  value = provider::multicloud::failover_seconds(\"route53\", 10, 2, 10)\n}}\noutput \"cf\" {{\n  value = provider::multicloud::failover_seconds(\"cloudflare_proxied\", 10, 2, 60)\n}}\n"
        ),
    );
    w.init();
    w.apply();
    let out = w.outputs();
    assert_eq!(out["r53"]["value"], 30);
    // Proxied: 10 × 2 plus a 4 s check tried twice, no TTL term.
    assert_eq!(out["cf"]["value"], 28);
    w.write("main.tf", &format!("{REQUIRED_PROVIDERS}\noutput \"bad\" {{\n  value = provider::multicloud::failover_seconds(\"route53\", 15, 2, 10)\n}}\n"));
    let err = w
        .fails(&["plan", "-input=false", "-no-color"])
        .replace('\n', " ");
    assert!(err.contains("interval_seconds 15 is not allowed"), "{err}");
}

/// Import by `<backend>:<zone>:<hostname>` into a fresh state: the plan afterwards creates and
/// replaces nothing (only fields no API records, like a backend's cloud, are filled in place).
fn import_existing(tf: Tf, dns: &Dns, import_id: &str) {
    let original = Workdir::new(tf, Install::Mirror, &config(dns, "weighted", 2, ""));
    original.init();
    original.apply();
    let adopted = Workdir::new(tf, Install::Mirror, &config(dns, "weighted", 2, ""));
    adopted.init();
    let bad = adopted
        .fails(&[
            "import",
            "-input=false",
            "-no-color",
            "multicloud_global_lb.app",
            HOST,
        ])
        .replace('\n', " ");
    assert!(bad.contains("route53:ZONE_ID:HOSTNAME"), "{bad}");
    adopted.ok(&[
        "import",
        "-input=false",
        "-no-color",
        "multicloud_global_lb.app",
        import_id,
    ]);
    let imported = lb_state(&adopted);
    assert_eq!(imported["policy"], "weighted");
    assert_eq!(imported["backends"]["gke"]["address"], "34.0.0.20");
    assert_eq!(
        imported["health_check"]["interval_seconds"], 10,
        "{imported}"
    );
    let change = lb_change(&adopted);
    let actions = change["actions"].as_array().unwrap();
    assert!(
        actions == &[J::from("update")] || actions == &[J::from("no-op")],
        "import must not recreate: {change}"
    );
    adopted.apply();
    adopted.assert_plan_empty();
}

fn import_route53(tf: Tf) {
    let moto = Moto::start();
    let zone_id = moto.create_hosted_zone(ZONE);
    let id = format!("route53:{zone_id}:{HOST}");
    import_existing(
        tf,
        &Dns::Route53 {
            moto: &moto,
            zone_id,
        },
        &id,
    );
}
both_versions!(import_route53);

fn import_cloudflare(tf: Tf) {
    let cf = CloudflareEmulator::start_with(ZONE, &["--plan", "enterprise"]);
    let id = format!("cloudflare:{}:{HOST}", cf.zone_id);
    import_existing(tf, &Dns::Cloudflare(&cf), &id);
}
both_versions!(import_cloudflare);
