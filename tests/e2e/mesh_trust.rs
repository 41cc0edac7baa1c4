//! multicloud_mesh_trust on both Terraform versions: issue, verify with OpenSSL, add/remove
//! clusters without touching the others, expiry-driven renewal, two-step root rotation, bring your
//! own root, bad inputs.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value as J;

use crate::both_versions;
use crate::harness::{Install, REQUIRED_PROVIDERS, Tf, Workdir};

/// ECDSA keeps the suite fast; RSA is covered by the PKI unit tests.
pub(crate) fn config(root: &str, clusters: &[(&str, u32)], extra: &str) -> String {
    let clusters: String = clusters
        .iter()
        .map(|(n, days)| format!("    {n} = {{ network = \"net-{n}\", key_algorithm = \"ECDSA_P256\", validity_days = {days} }}\n"))
        .collect();
    format!(
        "{REQUIRED_PROVIDERS}\nresource \"multicloud_mesh_trust\" \"mesh\" {{\n  renew_before_days = 5\n{extra}\n  root {{\n    key_algorithm = \"ECDSA_P256\"\n    validity_days = 365\n{root}\n  }}\n  clusters = {{\n{clusters}  }}\n}}\n"
    )
}

const THREE: &[(&str, u32)] = &[("eks", 90), ("gke", 90), ("aks", 90)];

pub(crate) fn mesh(w: &Workdir) -> J {
    w.state_of("multicloud_mesh_trust.mesh")
}

pub(crate) fn openssl(args: &[&str], dir: &std::path::Path) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Every cluster's files verify as Istio will use them.
pub(crate) fn verify_all(w: &Workdir, m: &J) {
    verify_all_at(w, m, None)
}

/// The same, at a given moment (epoch seconds) when the provider's clock was moved.
fn verify_all_at(w: &Workdir, m: &J, at: Option<i64>) {
    let dir = w.path();
    let at = at.map(|t| t.to_string());
    let verify = |file: &str| {
        let mut args = vec!["verify"];
        if let Some(t) = &at {
            args.extend(["-attime", t.as_str()]);
        }
        args.extend(["-CAfile", "root-cert.pem", file]);
        openssl(&args, dir)
    };
    for (name, issued) in m["issued"].as_object().unwrap() {
        std::fs::write(
            dir.join("root-cert.pem"),
            issued["root_cert_pem"].as_str().unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.join("ca-cert.pem"),
            issued["ca_cert_pem"].as_str().unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.join("cert-chain.pem"),
            issued["cert_chain_pem"].as_str().unwrap(),
        )
        .unwrap();
        let (ok, out) = verify("ca-cert.pem");
        assert!(ok, "{name}: chain does not verify: {out}");
        let (ok, out) = verify("cert-chain.pem");
        assert!(ok, "{name}: cert-chain.pem does not verify: {out}");
        let (_, text) = openssl(&["x509", "-in", "ca-cert.pem", "-noout", "-text"], dir);
        assert!(text.contains("CA:TRUE, pathlen:0"), "{name}: {text}");
        assert!(
            text.contains("Certificate Sign, CRL Sign"),
            "{name}: {text}"
        );
        assert!(
            text.contains("DNS:istiod.istio-system.svc"),
            "{name}: {text}"
        );
        assert!(
            text.contains(&format!("L = {name}")) || text.contains(&format!("L={name}")),
            "{name}: {text}"
        );
        assert!(
            text.contains("Signature Algorithm: ecdsa-with-SHA256")
                || text.contains("Signature Algorithm: sha256WithRSAEncryption"),
            "{name}: {text}"
        );
        let secret = &m["issued_secrets"][name];
        assert!(
            secret["ca_key_pem"]
                .as_str()
                .unwrap()
                .contains("PRIVATE KEY")
        );
        assert!(
            secret["cacerts_manifest"]
                .as_str()
                .unwrap()
                .contains("name: cacerts")
        );
    }
}

pub(crate) fn serials(m: &J) -> BTreeMap<String, String> {
    m["issued"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["serial"].as_str().unwrap().to_string()))
        .collect()
}

fn planned_change(w: &Workdir) -> J {
    w.planned_change("multicloud_mesh_trust.mesh")
}

fn lifecycle(tf: Tf) {
    let w = Workdir::new(tf, Install::Mirror, &config("", THREE, ""));
    w.init();
    w.ok(&["validate", "-no-color"]);
    let out = w.apply();
    let m = mesh(&w);
    assert!(
        !out.contains("PRIVATE KEY"),
        "apply output shows a private key"
    );
    assert_eq!(m["issued"].as_object().unwrap().len(), 3);
    verify_all(&w, &m);
    w.assert_plan_empty();
    let before = serials(&m);

    // A fourth cluster is issued alone: the plan leaves the other three as they were.
    let four = [THREE, &[("eks2", 90)]].concat();
    w.write("main.tf", &config("", &four, ""));
    let change = planned_change(&w);
    for name in ["eks", "gke", "aks"] {
        assert_eq!(
            change["before"]["issued"][name], change["after"]["issued"][name],
            "{name} changed in plan"
        );
    }
    assert_eq!(change["after_unknown"]["issued"]["eks2"], true, "{change}");
    w.apply();
    let m = mesh(&w);
    verify_all(&w, &m);
    let after = serials(&m);
    for (name, serial) in &before {
        assert_eq!(&after[name], serial, "{name} was re-issued");
    }
    w.assert_plan_empty();

    // Removing one removes only it.
    w.write("main.tf", &config("", THREE, ""));
    let change = planned_change(&w);
    assert!(change["after"]["issued"].get("eks2").is_none());
    assert_eq!(
        change["before"]["issued"]["gke"],
        change["after"]["issued"]["gke"]
    );
    w.apply();
    assert_eq!(serials(&mesh(&w)), before);

    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(w.resources().is_empty());
}
both_versions!(lifecycle);

fn renewal_near_expiry(tf: Tf) {
    let w = Workdir::new(
        tf,
        Install::Mirror,
        &config("", &[("short", 10), ("long", 90)], ""),
    );
    w.init();
    w.apply();
    let before = serials(&mesh(&w));
    // Six days later "short" is within renew_before_days = 5 of its end; "long" is not.
    let later_time = time::OffsetDateTime::now_utc() + time::Duration::days(6);
    let later = later_time
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let w = w.env("MULTICLOUD_FAKE_NOW", &later);
    let change = planned_change(&w);
    assert_eq!(change["after_unknown"]["issued"]["short"], true, "{change}");
    assert_eq!(
        change["before"]["issued"]["long"],
        change["after"]["issued"]["long"]
    );
    w.apply();
    let after = serials(&mesh(&w));
    assert_ne!(after["short"], before["short"]);
    assert_eq!(after["long"], before["long"]);
    verify_all_at(&w, &mesh(&w), Some(later_time.unix_timestamp()));
    w.assert_plan_empty();
}
both_versions!(renewal_near_expiry);

fn pem_count(s: &str) -> usize {
    s.matches("BEGIN CERTIFICATE").count()
}

fn root_rotation(tf: Tf) {
    let w = Workdir::new(
        tf,
        Install::Mirror,
        &config("    common_name = \"Root CA\"", THREE, ""),
    );
    w.init();
    w.apply();
    let first = mesh(&w);
    let old_root = first["root_cert_pem"].as_str().unwrap().to_string();
    let before = serials(&first);

    // Step 1: the new root joins the trust bundle; intermediates stay.
    w.write(
        "main.tf",
        &config("    common_name = \"Root CA 2026\"", THREE, ""),
    );
    let change = planned_change(&w);
    for name in ["eks", "gke", "aks"] {
        assert_eq!(
            change["after"]["issued"][name]["ca_cert_pem"],
            change["before"]["issued"][name]["ca_cert_pem"]
        );
        assert_eq!(
            change["after_unknown"]["issued"][name]["root_cert_pem"], true,
            "{change}"
        );
    }
    w.apply();
    let step1 = mesh(&w);
    assert_eq!(
        serials(&step1),
        before,
        "step 1 must not re-issue intermediates"
    );
    assert_eq!(
        step1["root_cert_pem"], old_root,
        "old root still signs after step 1"
    );
    assert_eq!(pem_count(step1["trust_bundle_pem"].as_str().unwrap()), 2);
    verify_all(&w, &step1);

    // Step 2 is planned by itself: intermediates re-issued under the new root, old root still trusted.
    let change = planned_change(&w);
    assert_eq!(change["after_unknown"]["issued"]["eks"], true, "{change}");
    w.apply();
    let step2 = mesh(&w);
    assert_ne!(step2["root_cert_pem"], old_root);
    let roles: Vec<&str> = step2["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["active", "previous"]);
    for (name, serial) in serials(&step2) {
        assert_ne!(serial, before[&name], "{name} not re-issued in step 2");
    }
    verify_all(&w, &step2);
    w.assert_plan_empty();

    // Dropping the previous root is a separate, explicit change.
    w.write(
        "main.tf",
        &config(
            "    common_name = \"Root CA 2026\"",
            THREE,
            "  retain_previous_root = false",
        ),
    );
    w.apply();
    let done = mesh(&w);
    assert_eq!(pem_count(done["trust_bundle_pem"].as_str().unwrap()), 1);
    assert_eq!(
        serials(&done),
        serials(&step2),
        "dropping the old root must not re-issue"
    );
    verify_all(&w, &done);
    w.assert_plan_empty();
}
both_versions!(root_rotation);

/// A self-signed P-256 root in `byo-cert.pem` / `byo-key.pem` of the work directory.
pub(crate) fn make_root(w: &Workdir) {
    let (ok, out) = openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "byo-key.pem",
            "-out",
            "byo-cert.pem",
            "-days",
            "400",
            "-subj",
            "/O=Example/CN=Example Root",
            "-addext",
            "basicConstraints=critical,CA:true",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        w.path(),
    );
    assert!(ok, "{out}");
}

fn bring_your_own_root(tf: Tf) {
    let w = Workdir::new(tf, Install::Mirror, "");
    make_root(&w);
    let root = "    cert_pem = file(\"byo-cert.pem\")\n    key_pem  = file(\"byo-key.pem\")";
    w.write("main.tf", &config(root, &[("eks", 90)], ""));
    w.init();
    w.apply();
    let m = mesh(&w);
    let byo = std::fs::read_to_string(w.path().join("byo-cert.pem")).unwrap();
    assert_eq!(m["root_cert_pem"].as_str().unwrap().trim(), byo.trim());
    assert!(
        m["root_keys"].as_object().unwrap().is_empty(),
        "a supplied key is not copied into root_keys"
    );
    verify_all(&w, &m);
    w.assert_plan_empty();
}
both_versions!(bring_your_own_root);

fn bad_inputs(tf: Tf) {
    let w = Workdir::new(tf, Install::Mirror, &config("", THREE, ""));
    w.init();
    let cases = [
        (
            config("", THREE, "").replace(
                "\"ECDSA_P256\", validity_days = 90 }\n    gke",
                "\"RSA_1024\", validity_days = 90 }\n    gke",
            ),
            "RSA_1024",
            "RSA_2048",
        ),
        (
            config("", &[("eks", 0)], ""),
            "validity_days",
            "from 1 to 3650",
        ),
        (
            config("", &[("eks", 400)], ""),
            "validity_days",
            "exceeds the root's validity_days = 365",
        ),
        (
            config("    cert_pem = \"x\"", THREE, ""),
            "key_pem",
            "needs both cert_pem and key_pem",
        ),
        (
            config("", &[("eks", 5)], ""),
            "renew_before_days",
            "renewed on every plan",
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
            out.contains(explains),
            "diagnostic does not explain {explains:?}: {out}"
        );
    }
    w.write("main.tf", &config("", THREE, ""));
    let out = w
        .fails(&[
            "import",
            "-input=false",
            "-no-color",
            "multicloud_mesh_trust.mesh",
            "anything",
        ])
        .replace('\n', " ");
    assert!(
        out.contains("cannot be imported") && out.contains("bring your own root"),
        "{out}"
    );
}
both_versions!(bad_inputs);
