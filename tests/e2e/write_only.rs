//! Write-only attributes (Terraform 1.11+): the secret reaches the provider in the configuration
//! only, and is found in no state file, plan file or TRACE log; a changed `*_wo_version`
//! re-applies it. Terraform 1.0.3 would store such a value, so it is refused there, naming the
//! attribute.

use std::path::Path;
use std::process::Command;

use crate::harness::{Install, Tf, Workdir};
use crate::mesh_trust::{config, make_root, mesh, serials, verify_all};
use crate::vpn::Clouds;

/// Every file Terraform wrote in the work directory (state, backups, plan files unzipped) and the
/// TRACE log, as text.
pub(crate) fn everything_written(dir: &Path, log: &Path) -> String {
    let mut text = std::fs::read_to_string(log).unwrap_or_default();
    assert!(text.contains("[TRACE]"), "the TRACE log is empty");
    for entry in std::fs::read_dir(dir).expect("work dir").flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".tfplan") || name == "tfplan" {
            // A plan file is a zip: look inside every member.
            let out = Command::new("python3")
                .args([
                    "-c",
                    "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nfor n in z.namelist(): sys.stdout.write(z.read(n).decode('utf-8', 'replace'))",
                ])
                .arg(&path)
                .output()
                .expect("python3");
            assert!(out.status.success(), "cannot read plan file {name}");
            text.push_str(&String::from_utf8_lossy(&out.stdout));
        } else if name.starts_with("terraform.tfstate") {
            text.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
    text
}

/// The base64 body of a PEM key: what would show if the key leaked anywhere.
fn pem_body(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 20)
        .map(str::to_string)
        .collect()
}

fn byo_wo(version: u32) -> String {
    format!(
        "    cert_pem           = file(\"byo-cert.pem\")\n    key_pem_wo         = file(\"byo-key.pem\")\n    key_pem_wo_version = {version}"
    )
}

#[test]
fn mesh_trust_root_key_write_only() {
    let log = tempfile::NamedTempFile::new().unwrap();
    let w = Workdir::new(Tf::V1_15_5, Install::Mirror, "")
        .env("TF_LOG", "TRACE")
        .env("TF_LOG_PATH", log.path().to_str().unwrap());
    make_root(&w);
    w.write(
        "main.tf",
        &config(&byo_wo(1), &[("eks", 90), ("gke", 90)], ""),
    );
    w.init();
    w.ok(&["plan", "-no-color", "-input=false", "-out=create.tfplan"]);
    w.ok(&["apply", "-no-color", "-input=false", "create.tfplan"]);
    let m = mesh(&w);
    assert!(m["root"]["key_pem_wo"].is_null());
    assert_eq!(m["root"]["key_pem_wo_version"], 1);
    assert!(m["root_keys"].as_object().unwrap().is_empty());
    verify_all(&w, &m);
    w.assert_plan_empty();
    let first = serials(&m);

    // A new version re-applies the key: every intermediate is signed again, and still verifies.
    w.write(
        "main.tf",
        &config(&byo_wo(2), &[("eks", 90), ("gke", 90)], ""),
    );
    w.ok(&["plan", "-no-color", "-input=false", "-out=reapply.tfplan"]);
    w.ok(&["apply", "-no-color", "-input=false", "reapply.tfplan"]);
    let m = mesh(&w);
    let again = serials(&m);
    assert_eq!(again.len(), 2);
    for (cluster, serial) in &again {
        assert_ne!(
            Some(serial),
            first.get(cluster),
            "{cluster} was not re-issued"
        );
    }
    verify_all(&w, &m);
    w.assert_plan_empty();

    let key = std::fs::read_to_string(w.path().join("byo-key.pem")).unwrap();
    let written = everything_written(w.path(), log.path());
    for line in pem_body(&key) {
        assert!(
            !written.contains(&line),
            "the root key leaked into state, a plan file or the log"
        );
    }
}

#[test]
fn write_only_is_refused_where_terraform_would_store_it() {
    let w = Workdir::new(Tf::V1_0_3, Install::Mirror, "");
    make_root(&w);
    w.write("main.tf", &config(&byo_wo(1), &[("eks", 90)], ""));
    w.init();
    let err = w
        .fails(&["plan", "-no-color", "-input=false"])
        .replace('\n', " ");
    assert!(
        err.contains("Write-only attribute needs Terraform 1.11 or later"),
        "{err}"
    );
    assert!(err.contains("root.key_pem_wo"), "{err}");
    assert!(!w.path().join("terraform.tfstate").exists());
}

/// The pre-shared keys of the GCP emulator's tunnels (the API itself never returns them).
fn gcp_tunnel_keys(c: &Clouds) -> Vec<String> {
    let state = c.gcp.as_ref().expect("gcp").state();
    let tunnels = state["vpnTunnels"].as_array().cloned().unwrap_or_default();
    assert!(!tunnels.is_empty(), "no GCP tunnels: {state}");
    let mut keys: Vec<String> = tunnels
        .iter()
        .filter_map(|t| t["sharedSecret"].as_str().map(str::to_string))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

#[test]
fn vpn_connection_key_write_only_from_an_ephemeral_key() {
    let c = Clouds::start(&["aws", "gcp"]).expect("no Azure needed");
    let log = tempfile::NamedTempFile::new().unwrap();
    let config = |version: u32| {
        format!(
            "{}\nephemeral \"multicloud_psk\" \"k\" {{\n  length = 40\n}}\n",
            c.config(
                "aws",
                "gcp",
                &format!("  psk_wo         = ephemeral.multicloud_psk.k.result\n  psk_wo_version = {version}\n")
            )
        )
    };
    let w = Workdir::new(Tf::V1_15_5, Install::Mirror, &config(1))
        .env("TF_LOG", "TRACE")
        .env("TF_LOG_PATH", log.path().to_str().unwrap());
    w.init();
    w.ok(&["plan", "-no-color", "-input=false", "-out=create.tfplan"]);
    w.ok(&["apply", "-no-color", "-input=false", "create.tfplan"]);
    let link = w.state_of("multicloud_vpn_connection.link");
    assert!(
        link["psk_wo"].is_null() && link["tunnel_psks"].is_null(),
        "{link}"
    );
    let keys = gcp_tunnel_keys(&c);
    assert_eq!(keys.len(), 1, "every tunnel gets the one key: {keys:?}");
    let first = keys[0].clone();
    assert_eq!(first.len(), 40);
    assert!(multicloud_provider::resources::psk::check_key(&first).is_none());
    // A new ephemeral key is opened on every run; without a new version nothing changes.
    w.assert_plan_empty();
    assert_eq!(gcp_tunnel_keys(&c), vec![first.clone()]);

    // A new version applies a new key: the connection is rebuilt with it.
    w.write("main.tf", &config(2));
    w.ok(&["plan", "-no-color", "-input=false", "-out=rotate.tfplan"]);
    w.ok(&["apply", "-no-color", "-input=false", "rotate.tfplan"]);
    let keys = gcp_tunnel_keys(&c);
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_ne!(keys[0], first, "psk_wo_version did not apply a new key");
    w.assert_plan_empty();

    let written = everything_written(w.path(), log.path());
    for key in [&first, &keys[0]] {
        assert!(
            !written.contains(key.as_str()),
            "a key leaked into state, a plan file or the log"
        );
    }
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(c.leftovers().is_empty(), "{:?}", c.leftovers());
}
