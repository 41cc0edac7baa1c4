//! The deploy scripts (`scripts/deploy-*.sh`) and the DR playbooks (`scripts/dr/*.sh`), run for
//! real against stand-ins of terraform, kubectl, velero and cargo that log every call and answer
//! like a healthy platform (codegen/tests/ops/fake_tool.py): the order of the steps, the checks
//! between them, and that a failure stops everything after it, naming the step.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Fakes {
    dir: tempfile::TempDir,
}

impl Fakes {
    fn new() -> Fakes {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let fake = root().join("codegen/tests/ops/fake_tool.py");
        for tool in ["terraform", "kubectl", "velero", "cargo"] {
            let path = bin.join(tool);
            // The shim tells the fake which tool it plays.
            std::fs::write(
                &path,
                format!(
                    "#!/bin/sh\nFAKE_TOOL={tool} exec python3 {} \"$@\"\n",
                    fake.display()
                ),
            )
            .unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Fakes { dir }
    }

    fn log(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("calls.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn run(&self, script: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new("bash");
        cmd.arg(root().join(script))
            .args(args)
            .env("PATH", path)
            .env("FAKE_LOG", self.dir.path().join("calls.log"))
            .env("FAKE_CLUSTERS", "eks-use1,gke-euw1,aks-weu")
            .env("OPS_POLL", "0");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run the script")
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn position(log: &[String], needle: &str) -> usize {
    log.iter()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no call containing {needle:?} in:\n{}", log.join("\n")))
}

fn env_dir(env: &str) -> String {
    root()
        .join("environments")
        .join(env)
        .canonicalize()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| Path::new("environments").join(env).display().to_string())
}

#[test]
fn deploy_multicloud_applies_the_clouds_then_global_and_checks_between() {
    let f = Fakes::new();
    let out = f.run("scripts/deploy-multicloud.sh", &["--yes"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let log = f.log();
    let apply = |env: &str| {
        position(
            &log,
            &format!(
                "terraform -chdir={} apply -input=false tfplan",
                env_dir(env)
            ),
        )
    };
    assert!(position(&log, "cargo run -q -p multicloud-codegen -- --check") < apply("aws"));
    // Each cloud converges and its clusters answer before the next cloud starts.
    assert!(apply("aws") < position(&log, "kubectl --context eks-use1 get --raw /readyz"));
    assert!(position(&log, "kubectl --context eks-use1 get --raw /readyz") < apply("gcp"));
    assert!(apply("gcp") < apply("azure"));
    assert!(apply("azure") < apply("global"));
    // Then the platform above the clusters, on the hub and every cluster.
    assert!(
        apply("global")
            < position(
                &log,
                "kubectl --context eks-use1 -n argocd get applications"
            )
    );
    for c in ["eks-use1", "gke-euw1", "aks-weu"] {
        position(
            &log,
            &format!("kubectl --context {c} -n velero get backupstoragelocations"),
        );
        position(
            &log,
            &format!(
                "kubectl --context {c} -n istio-system get secrets -l istio/multiCluster=true"
            ),
        );
    }
    assert!(text(&out).contains("done: the platform is deployed and checked"));
}

#[test]
fn a_failed_apply_stops_the_deploy_and_names_the_step() {
    let f = Fakes::new();
    let gcp_apply = format!("terraform -chdir={} apply", env_dir("gcp"));
    let out = f.run(
        "scripts/deploy-multicloud.sh",
        &["--yes"],
        &[("FAKE_FAIL", &gcp_apply)],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("FAILED at step: environments/gcp: apply the saved plan"),
        "{}",
        text(&out)
    );
    let log = f.log();
    assert!(
        log.last().unwrap().contains(&gcp_apply),
        "calls after the failure:\n{}",
        log.join("\n")
    );
    assert!(!log.iter().any(|l| l.contains("environments/global")));
}

#[test]
fn dry_run_prints_every_step_and_changes_nothing() {
    let f = Fakes::new();
    let out = f.run("scripts/deploy-multicloud.sh", &["--dry-run"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(f.log().is_empty(), "dry run called: {:?}", f.log());
    let t = text(&out);
    for env in ["aws", "gcp", "azure", "global"] {
        assert!(
            t.contains(&format!("== environments/{env}: apply the saved plan")),
            "{t}"
        );
    }
}

#[test]
fn losing_a_cloud_restores_its_clusters_elsewhere_and_checks_the_global_hostname() {
    let f = Fakes::new();
    let out = f.run(
        "scripts/dr/failover.sh",
        &["--cloud", "azure", "--yes"],
        &[("FAKE_LOST", "aks-weu")],
    );
    assert!(out.status.success(), "{}", text(&out));
    let log = f.log();
    // Into the first survivor in another cloud, from the newest Completed backup of aks-weu.
    let restore = position(
        &log,
        "velero --kubecontext eks-use1 restore create from-aks-weu-",
    );
    assert!(
        log[restore].contains("--from-backup aks-weu-new"),
        "{}",
        log[restore]
    );
    assert!(position(&log, "get backupstoragelocations.velero.io restore-aks-weu") < restore);
    assert!(
        restore
            < position(
                &log,
                "kubectl --context eks-use1 -n sample-app wait deployment --all"
            )
    );
    assert!(restore < position(&log, "apply -refresh-only"));
    assert!(
        text(&out).contains("aks-weu restored on eks-use1"),
        "{}",
        text(&out)
    );
}

#[test]
fn the_playbook_refuses_to_finish_while_a_lost_backend_still_looks_healthy() {
    let f = Fakes::new();
    let out = f.run(
        "scripts/dr/failover.sh",
        &["--cluster", "gke-euw1", "--to", "aks-weu", "--yes"],
        &[
            ("FAKE_LOST", "gke-euw1"),
            ("FAKE_STILL_HEALTHY", "gke-euw1"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("still sees gke-euw1 healthy"),
        "{}",
        text(&out)
    );
    let bad = f.run("scripts/dr/failover.sh", &["--cloud", "ibm"], &[]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad).contains("no cluster in platform.toml matches --cloud ibm"),
        "{}",
        text(&bad)
    );
}

#[test]
fn one_cloud_deploy_applies_it_and_checks_its_clusters() {
    let f = Fakes::new();
    let out = f.run("scripts/deploy-gcp.sh", &["--yes"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let log = f.log();
    let apply = position(
        &log,
        &format!(
            "terraform -chdir={} apply -input=false tfplan",
            env_dir("gcp")
        ),
    );
    assert!(apply < position(&log, "plan -input=false -detailed-exitcode"));
    assert!(apply < position(&log, "kubectl --context gke-euw1 get --raw /readyz"));
    assert!(
        !log.iter()
            .any(|l| l.contains("environments/aws") || l.contains("eks-use1"))
    );
}
