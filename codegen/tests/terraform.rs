//! The generated tree with real Terraform 1.15.5:
//! - `terraform fmt -check -recursive` passes on a copy of it (byte-for-byte `terraform fmt` layout);
//! - every module, through its generated `examples/basic` and `examples/complete` (root modules that
//!   call it with `source = "../.."`; the README's usage is the basic call), and every environment
//!   passes `init`, `validate` and `plan` against the real aws/google/azurerm schemas served by the
//!   test double `multicloud-schema-provider`, and the real multicloud provider built from this
//!   workspace. Without `../shared/provider-schemas` that part says SKIPPED loudly.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use common::{schemas_dir, text, tf};
use multicloud_codegen::environments::gitops;
use multicloud_codegen::examples::Example;

#[test]
fn generated_tree_passes_terraform_fmt_check() {
    let dir = tempfile::Builder::new()
        .prefix("mc-fmt-")
        .tempdir()
        .expect("tempdir");
    let files = common::write_tree(dir.path());
    let cli = dir.path().join("empty.tfrc");
    std::fs::write(&cli, "").expect("cli config");
    let out = tf(
        dir.path(),
        &cli,
        &["fmt", "-check", "-recursive", "-diff", "-no-color"],
    );
    assert!(
        out.status.success(),
        "terraform fmt -check found differences:\n{}",
        text(&out)
    );
    eprintln!("terraform fmt -check -recursive: {files} generated files, no differences");
}

/// The providers the modules use, as (type, version, schema file).
const SCHEMAS: [(&str, &str); 5] = [
    ("aws", "6.19.0"),
    ("google", "7.9.0"),
    ("azurerm", "4.51.0"),
    ("helm", "3.0.2"),
    ("kubernetes", "2.38.0"),
];
const MULTICLOUD_VERSION: &str = "0.1.0";

fn exe(name: &str) -> PathBuf {
    match name {
        "schema-provider" => PathBuf::from(env!("CARGO_BIN_EXE_multicloud-schema-provider")),
        _ => unreachable!(),
    }
}

/// The real multicloud provider: `$MULTICLOUD_PROVIDER_BIN`, or built now with cargo.
fn multicloud_provider() -> PathBuf {
    if let Some(p) = std::env::var_os("MULTICLOUD_PROVIDER_BIN") {
        return PathBuf::from(p);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "build",
            "-q",
            "-p",
            "terraform-provider-multicloud",
            "--bin",
            "terraform-provider-multicloud",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(common::root())
        .output()
        .expect("run cargo build for the multicloud provider");
    assert!(
        out.status.success(),
        "cannot build terraform-provider-multicloud:\n{}",
        text(&out)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            v.get("executable")
                .and_then(|e| e.as_str())
                .map(PathBuf::from)
        })
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n == "terraform-provider-multicloud")
        })
        .expect("cargo reported no terraform-provider-multicloud executable")
}

/// A filesystem mirror: the schema double as hashicorp/aws, google and azurerm (a wrapper script
/// that names the schema file), and the real multicloud provider.
fn mirror(dir: &Path, schemas: &Path, with_multicloud: bool) -> PathBuf {
    let mirror = dir.join("mirror");
    for (name, version) in SCHEMAS {
        let pkg = mirror.join(format!(
            "registry.terraform.io/hashicorp/{name}/{version}/linux_amd64"
        ));
        std::fs::create_dir_all(&pkg).expect("mirror dir");
        let schema = schemas.join(format!("hashicorp-{name}-{version}.json.gz"));
        assert!(schema.exists(), "{} is missing", schema.display());
        let script = pkg.join(format!("terraform-provider-{name}_v{version}"));
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nexec '{}' --schema '{}' \"$@\"\n",
                exe("schema-provider").display(),
                schema.display()
            ),
        )
        .expect("wrapper");
        chmod_x(&script);
    }
    if !with_multicloud {
        return mirror;
    }
    let pkg = mirror.join(format!(
        "registry.terraform.io/multicloud/multicloud/{MULTICLOUD_VERSION}/linux_amd64"
    ));
    std::fs::create_dir_all(&pkg).expect("mirror dir");
    let dest = pkg.join(format!(
        "terraform-provider-multicloud_v{MULTICLOUD_VERSION}"
    ));
    // A hard link where possible: a debug provider is ~700 MB, two copies per run cost disk and time.
    let provider = multicloud_provider();
    if std::fs::hard_link(&provider, &dest).is_err() {
        std::fs::copy(&provider, &dest).expect("copy multicloud provider");
    }
    chmod_x(&dest);
    mirror
}

fn chmod_x(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

struct Outcome {
    dir: String,
    ok: bool,
    summary: String,
    log: String,
    seconds: f64,
}

/// init, validate, plan in one directory.
fn check_dir(dir: &Path, name: &str, cli: &Path) -> Outcome {
    let start = Instant::now();
    let mut log = String::new();
    let mut summary = String::new();
    let mut ok = true;
    for (step, args) in [
        ("init", vec!["init", "-input=false", "-no-color"]),
        ("validate", vec!["validate", "-no-color"]),
        (
            "plan",
            vec!["plan", "-input=false", "-no-color", "-lock=false"],
        ),
    ] {
        let out = tf(dir, cli, &args);
        let t = text(&out);
        log.push_str(&format!("--- terraform {step}\n{t}\n"));
        // Warnings (deprecated attributes, ...) count as failures: the modules must be clean.
        let warned = step != "init" && t.contains("Warning:");
        if !out.status.success() || warned {
            ok = false;
            summary = format!("{step} {}", if warned { "warned" } else { "FAILED" });
            break;
        }
        if step == "plan" && ok {
            summary = t
                .lines()
                .find(|l| l.starts_with("Plan:") || l.starts_with("No changes."))
                .unwrap_or("plan printed no summary")
                .to_string();
        }
    }
    Outcome {
        dir: name.to_string(),
        ok,
        summary,
        log,
        seconds: start.elapsed().as_secs_f64(),
    }
}

/// A scratch copy of the generated tree with a CLI config pointing at the mirror.
struct Scratch {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    cli: PathBuf,
}

fn scratch(schemas: &Path, with_multicloud: bool) -> Scratch {
    let dir = tempfile::Builder::new()
        .prefix("mc-schema-")
        .tempdir()
        .expect("tempdir");
    let mirror = mirror(dir.path(), schemas, with_multicloud);
    let cli = dir.path().join("terraform.rc");
    std::fs::write(
        &cli,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/hashicorp/*\", \"registry.terraform.io/multicloud/*\"]\n  }}\n}}\n",
            mirror.display()
        ),
    )
    .expect("cli config");
    let repo = dir.path().join("repo");
    common::write_tree(&repo);
    Scratch {
        _dir: dir,
        repo,
        cli,
    }
}

/// Runs init/validate/plan in every directory (three at a time), prints a table, fails on any
/// failure; returns the outcomes by directory name.
fn run_all(dirs: Vec<(PathBuf, String)>, cli: &Path) -> Vec<Outcome> {
    assert!(!dirs.is_empty(), "nothing to check");
    let queue = Mutex::new(dirs);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                loop {
                    let next = queue.lock().expect("queue").pop();
                    let Some((dir, name)) = next else { break };
                    let outcome = check_dir(&dir, &name, cli);
                    results.lock().expect("results").push(outcome);
                }
            });
        }
    });
    let mut results = results.into_inner().expect("results");
    results.sort_by(|a, b| a.dir.cmp(&b.dir));
    let mut failed = Vec::new();
    for r in &results {
        eprintln!(
            "{:<36} {:<6} {:>5.1}s  {}",
            r.dir,
            if r.ok { "ok" } else { "FAILED" },
            r.seconds,
            r.summary
        );
        if !r.ok {
            failed.push(format!("=== {}\n{}", r.dir, r.log));
        }
    }
    assert!(
        failed.is_empty(),
        "validate/plan failed:\n{}",
        failed.join("\n")
    );
    results
}

#[test]
fn modules_validate_and_plan_against_real_schemas() {
    let Some(schemas) = schemas_dir() else {
        eprintln!(
            "SKIPPED: ../shared/provider-schemas not found: the modules and their examples were NOT validated"
        );
        return;
    };
    let modules = multicloud_codegen::modules::all();
    // modules/networking needs the real multicloud provider; the cloud modules only the double.
    let with_multicloud = modules
        .iter()
        .any(|m| m.required_providers.iter().any(|p| p.name == "multicloud"));
    let sc = scratch(&schemas, with_multicloud);
    // Each example is a root module calling its module as a consumer would, as generated (the
    // scratch copy is the generated tree): planned where it lies, its `../..` resolving there.
    let mut dirs = Vec::new();
    for m in &modules {
        for e in Example::ALL {
            let dir = multicloud_codegen::examples::dir(m, e);
            let path = sc.repo.join(&dir);
            assert!(
                path.join("main.tf").is_file(),
                "{dir}/main.tf was not generated"
            );
            dirs.push((path, dir));
        }
    }
    let results = run_all(dirs, &sc.cli);
    let networking = |e: Example| {
        let dir = format!(
            "{}/examples/{}",
            multicloud_codegen::modules::networking::DIR,
            e.name()
        );
        results.iter().find(|r| r.dir == dir)
    };
    // basic: the default full mesh, one connection per pair of the three clouds.
    if let Some(n) = networking(Example::Basic) {
        for want in [
            "module.networking.multicloud_vpn_connection.this[\"eks-use1-gke-euw1\"] will be created",
            "module.networking.multicloud_vpn_connection.this[\"eks-use1-aks-weu\"] will be created",
            "module.networking.multicloud_vpn_connection.this[\"gke-euw1-aks-weu\"] will be created",
            "Plan: 6 to add",
        ] {
            assert!(
                n.log.contains(want),
                "{want:?} missing from the basic networking plan:\n{}",
                n.log
            );
        }
    }
    // complete: hub-and-spoke around eks-use1, two spokes and no third connection.
    if let Some(n) = networking(Example::Complete) {
        for want in [
            "module.networking.multicloud_vpn_connection.this[\"eks-use1-gke-euw1\"] will be created",
            "module.networking.multicloud_vpn_connection.this[\"eks-use1-aks-weu\"] will be created",
            "Plan: 5 to add",
        ] {
            assert!(
                n.log.contains(want),
                "{want:?} missing from the complete networking plan:\n{}",
                n.log
            );
        }
        assert!(!n.log.contains("gke-euw1-aks-weu"), "{}", n.log);
    }
}

#[test]
fn environments_validate_and_plan_against_real_schemas() {
    let Some(schemas) = schemas_dir() else {
        eprintln!(
            "SKIPPED: ../shared/provider-schemas not found: the environments were NOT validated"
        );
        return;
    };
    let tree = multicloud_codegen::tree_for_root(&common::root()).expect("tree");
    let envs: Vec<String> = tree
        .keys()
        .filter(|p| p.starts_with("environments/") && p.ends_with("/versions.tf"))
        .map(|p| p.trim_end_matches("/versions.tf").to_string())
        .collect();
    if envs.is_empty() {
        eprintln!("no environments generated (platform.toml absent)");
        return;
    }
    let platform = multicloud_codegen::platform::Platform::parse(
        &std::fs::read_to_string(common::root().join("platform.toml")).expect("platform.toml"),
        "platform.toml",
    )
    .expect("platform.toml");
    let sc = scratch(&schemas, true);
    let mut dirs = Vec::new();
    for env in envs {
        let d = sc.repo.join(&env);
        prepare_environment(&d, &platform, &env);
        dirs.push((d, env));
    }
    let results = run_all(dirs, &sc.cli);
    // The ranges come from the real multicloud_cidr_plan: the first cluster (AWS) gets the first /16.
    if let Some(aws) = results.iter().find(|r| r.dir == "environments/aws") {
        assert!(
            aws.log.contains("\"10.0.0.0/16\""),
            "the AWS VPC did not get its planned range:\n{}",
            aws.log
        );
    }
    // The bootstrap: the S3 state bucket and the roles trusting exactly the configured subjects.
    if let Some(boot) = results.iter().find(|r| r.dir == "environments/bootstrap")
        && let Some(ci) = &platform.ci
    {
        for want in [
            "aws_s3_bucket_versioning.state will be created".to_string(),
            "google_iam_workload_identity_pool_provider.github will be created".into(),
            "azurerm_federated_identity_credential.apply_github".into(),
            ci.environment_subject("global"),
            ci.plan_subjects()[0].clone(),
        ] {
            assert!(boot.log.contains(&want), "{want:?} missing:\n{}", boot.log);
        }
    }
    if let Some(g) = results.iter().find(|r| r.dir == gitops::DIR) {
        check_gitops_plan(&platform, &g.log);
    }
    // The global layer: every connection of the topology, each with its own inside addresses, and
    // the AWS route tables (from the made-up remote state) propagating the VPN's routes.
    if let Some(global) = results.iter().find(|r| r.dir == "environments/global")
        && let Some(links) = &platform.links
    {
        for (a, b) in links.connections(&platform) {
            let want = format!(
                "module.networking.multicloud_vpn_connection.this[\"{}-{}\"] will be created",
                a.name, b.name
            );
            assert!(
                global.log.contains(&want),
                "{want:?} missing:\n{}",
                global.log
            );
        }
        for want in [
            "\"169.254.21.0/30\"",
            "aws_vpn_gateway_route_propagation",
            "rtb-0123456789abcdef0",
        ] {
            assert!(
                global.log.contains(want),
                "{want:?} missing:\n{}",
                global.log
            );
        }
    }
}

/// Makes environment `env` of `platform` (written at `d`) plan offline: a local backend, the
/// states it reads made up, and for environments/gitops the clusters' credentials left unknown.
fn prepare_environment(d: &Path, platform: &multicloud_codegen::platform::Platform, env: &str) {
    // A local backend instead of the environment's remote one (override files replace it).
    std::fs::write(
        d.join("zz_test_override.tf"),
        "terraform {\n  backend \"local\" {}\n}\n",
    )
    .expect("override");
    // environments/global: the other environments' states and its inputs, made up.
    for (name, text) in multicloud_codegen::harness::environment_test_files(platform, env) {
        std::fs::write(d.join(name), text).expect("test file");
    }
    // environments/gitops: the states it reads, made up, and the clusters' credentials left
    // unknown (offline, multicloud_cluster_auth cannot reach EKS or GKE).
    if env == gitops::DIR {
        for (name, text) in gitops::test_files(platform) {
            std::fs::write(d.join(name), text).expect("test file");
        }
        let main = d.join("main.tf");
        let text = std::fs::read_to_string(&main).expect("main.tf");
        std::fs::write(&main, gitops::unknown_cluster_auth(&text)).expect("main.tf");
    }
}

/// The repository's platform.toml with the backup bucket in `cloud`.
fn with_backup_in(text: &str, cloud: &str) -> String {
    let at = text
        .find("\n[backup]\n")
        .expect("[backup] in platform.toml");
    let line = text[at..]
        .lines()
        .find(|l| l.starts_with("cloud "))
        .expect("backup.cloud")
        .to_string();
    format!(
        "{}{}",
        &text[..at],
        text[at..].replacen(&line, &format!("cloud = \"{cloud}\""), 1)
    )
}

/// With the bucket on GCS and on Azure: the bucket cloud's environment makes the bucket, and
/// environments/gitops every cluster's Velero identity in the bucket's cloud (GKE Workload
/// Identity, or a pool provider for an issuer elsewhere; a federated credential on Azure), all
/// planned against the real google/azurerm/kubernetes schemas.
#[test]
fn a_bucket_on_gcs_or_azure_plans_with_every_clusters_identity() {
    let Some(schemas) = schemas_dir() else {
        eprintln!(
            "SKIPPED: ../shared/provider-schemas not found: the GCS and Azure backup environments were NOT validated"
        );
        return;
    };
    let text =
        std::fs::read_to_string(common::root().join("platform.toml")).expect("platform.toml");
    let sc = scratch(&schemas, true);
    let mut dirs = Vec::new();
    let mut platforms = Vec::new();
    for cloud in ["gcp", "azure"] {
        let p = multicloud_codegen::platform::Platform::parse(
            &with_backup_in(&text, cloud),
            "platform.toml",
        )
        .unwrap_or_else(|e| panic!("backup.cloud = {cloud}: {e}"));
        let root = sc._dir.path().join(format!("repo-{cloud}"));
        common::write_tree(&root);
        for (path, body) in multicloud_codegen::tree_for_platform(&p) {
            let full = root.join(&path);
            std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            std::fs::write(full, body).expect("write");
        }
        for env in [format!("environments/{cloud}"), gitops::DIR.to_string()] {
            let d = root.join(&env);
            prepare_environment(&d, &p, &env);
            dirs.push((d, format!("{cloud}: {env}")));
        }
        platforms.push((cloud, p));
    }
    let results = run_all(dirs, &sc.cli);
    let log = |name: &str| {
        &results
            .iter()
            .find(|r| r.dir == name)
            .unwrap_or_else(|| panic!("{name} was not planned"))
            .log
    };
    let created = |addr: &str| format!("# {addr} will be created");
    for (cloud, p) in &platforms {
        let bucket_env = log(&format!("{cloud}: environments/{cloud}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let gitops_log = log(&format!("{cloud}: {}", gitops::DIR));
        let flat = gitops_log.split_whitespace().collect::<Vec<_>>().join(" ");
        let n = p.clusters.len();
        let count = |needle: &str| gitops_log.matches(needle).count();
        let outside: Vec<&str> = p
            .clusters
            .iter()
            .filter(|c| c.cloud.as_str() != *cloud)
            .map(|c| c.name.as_str())
            .collect();
        match *cloud {
            "gcp" => {
                for w in [
                    created("module.backups.google_storage_bucket.this"),
                    "uniform_bucket_level_access = true".into(),
                    "public_access_prevention = \"enforced\"".into(),
                ] {
                    assert!(bucket_env.contains(&w), "{w:?} missing:\n{bucket_env}");
                }
                assert!(
                    gitops_log.contains(&created("google_iam_workload_identity_pool.velero")),
                    "{gitops_log}"
                );
                assert_eq!(
                    count(".google_service_account.this will be created"),
                    n,
                    "a service account per cluster"
                );
                assert_eq!(
                    count(".google_storage_bucket_iam_member.write_own_prefix will be created"),
                    n
                );
                // GKE through Workload Identity; every other cluster through its own pool provider.
                for c in &p.clusters {
                    let gke = c.cloud.as_str() == "gcp";
                    for (addr, want) in [
                        (
                            format!(
                                "module.{}-velero.google_service_account_iam_member.gke[0]",
                                c.name
                            ),
                            gke,
                        ),
                        (
                            format!(
                                "module.{}-velero.google_iam_workload_identity_pool_provider.cluster[0]",
                                c.name
                            ),
                            !gke,
                        ),
                        (
                            format!(
                                "module.{}-velero.google_service_account_iam_member.federated[0]",
                                c.name
                            ),
                            !gke,
                        ),
                        (
                            format!(
                                "module.{}-access.kubernetes_config_map_v1.velero_gcp_credentials[0]",
                                c.name
                            ),
                            !gke,
                        ),
                    ] {
                        assert_eq!(
                            gitops_log.contains(&created(&addr)),
                            want,
                            "{addr}: {gitops_log}"
                        );
                    }
                    let prefix = format!(
                        "startsWith('projects/_/buckets/{}/objects/clusters/{}/')",
                        p.backup.as_ref().unwrap().bucket,
                        c.name
                    );
                    assert!(flat.contains(&prefix), "{prefix} missing:\n{gitops_log}");
                }
                assert_eq!(
                    count(".google_iam_workload_identity_pool_provider.cluster[0] will be created"),
                    outside.len()
                );
                for name in &outside {
                    for w in [
                        format!("workload_identity_pool_provider_id = \"{name}\""),
                        format!("\"google.subject\" = \"'{name}:' + assertion.sub\""),
                    ] {
                        assert!(flat.contains(&w), "{w} missing:\n{gitops_log}");
                    }
                }
                assert!(flat.contains("attribute_condition = \"assertion.sub == 'system:serviceaccount:velero:velero-server'\""), "{gitops_log}");
                assert!(
                    flat.contains("allowed_audiences = [ + \"multicloud-velero\", ]"),
                    "{gitops_log}"
                );
            }
            _ => {
                for w in [
                    created("module.backups.azurerm_storage_account.this"),
                    created("module.backups.azurerm_storage_container.this"),
                    created("module.backups.azurerm_role_definition.velero"),
                    created("module.backups.azurerm_storage_management_policy.this"),
                    "min_tls_version = \"TLS1_2\"".into(),
                    "shared_access_key_enabled = false".into(),
                ] {
                    assert!(bucket_env.contains(&w), "{w:?} missing:\n{bucket_env}");
                }
                assert_eq!(
                    count(".azurerm_user_assigned_identity.this will be created"),
                    n
                );
                assert_eq!(
                    count(".azurerm_federated_identity_credential.velero will be created"),
                    n
                );
                assert_eq!(count(".azurerm_role_assignment.velero will be created"), n);
                for c in &p.clusters {
                    let w = format!("StringStartsWith 'clusters/{}/'", c.name);
                    assert!(flat.contains(&w), "{w} missing:\n{gitops_log}");
                }
                assert!(
                    flat.contains("subject = \"system:serviceaccount:velero:velero-server\""),
                    "{gitops_log}"
                );
                assert!(
                    flat.contains("\"api://AzureADTokenExchange\""),
                    "{gitops_log}"
                );
                // GKE's issuer is known before apply; the others' come from their environments.
                assert!(
                    flat.contains("issuer = \"https://container.googleapis.com/v1/projects/"),
                    "{gitops_log}"
                );
            }
        }
        // No S3 role where the bucket is not on S3, and the restore locations still per pair.
        assert_eq!(count(".aws_iam_role.this will be created"), 0);
        assert_eq!(
            count(".kubernetes_manifest.restore_location["),
            n * (n - 1),
            "{cloud}"
        );
    }
}

/// What environments/gitops plans for the platform: per cluster its cluster Secret on the hub,
/// `cacerts`, the Istio reader's token and Velero's role; per ordered pair of clusters a remote
/// secret and a read-only backup location; Argo CD once, with the project and app-of-apps.
fn check_gitops_plan(platform: &multicloud_codegen::platform::Platform, log: &str) {
    let names: Vec<&str> = platform.clusters.iter().map(|c| c.name.as_str()).collect();
    let created = |addr: &str| format!("# {addr} will be created");
    let mut want = vec![
        created("module.hub.helm_release.argo_cd"),
        created("module.hub.kubernetes_manifest.project"),
        created("module.hub.kubernetes_manifest.app_of_apps"),
    ];
    for c in &names {
        want.push(created(&format!(
            "module.hub.kubernetes_secret_v1.cluster[\"{c}\"]"
        )));
        want.push(created(&format!(
            "module.{c}-access.kubernetes_secret_v1.cacerts[0]"
        )));
        want.push(created(&format!(
            "module.{c}-access.kubernetes_secret_v1.istio_reader[0]"
        )));
        want.push(created(&format!("module.{c}-velero.aws_iam_role.this")));
        for peer in names.iter().filter(|p| *p != c) {
            want.push(created(&format!(
                "module.{c}-peers.kubernetes_secret_v1.remote[\"{peer}\"]"
            )));
            want.push(created(&format!(
                "module.{c}-peers.kubernetes_manifest.restore_location[\"{peer}\"]"
            )));
        }
    }
    for w in &want {
        assert!(
            log.contains(w.as_str()),
            "{w:?} missing from the gitops plan:\n{log}"
        );
    }
    let count = |needle: &str| log.matches(needle).count();
    let n = names.len();
    assert_eq!(
        count("kubernetes_secret_v1.cluster["),
        n,
        "one cluster Secret per cluster"
    );
    assert_eq!(
        count(".kubernetes_secret_v1.remote["),
        n * (n - 1),
        "a remote secret per ordered pair"
    );
    assert_eq!(
        count(".kubernetes_secret_v1.cacerts[0] will be created"),
        n,
        "a cacerts per cluster"
    );
    assert_eq!(
        count(".aws_iam_role.this will be created"),
        n,
        "a Velero role per cluster"
    );
    // The hub's Secret says it is the hub and reaches itself in-cluster; a spoke's names its role.
    let flat = log.split_whitespace().collect::<Vec<_>>().join(" ");
    for w in [
        "\"multicloud.io/role\" = \"hub\"",
        "\"multicloud.io/role\" = \"spoke\"",
        "\"istio/multiCluster\" = \"true\"",
        "\"networking.istio.io/cluster\" = \"gke-euw1\"",
        "name = \"istio-remote-secret-aks-weu\"",
        "accessMode = \"ReadOnly\"",
        "system:serviceaccount:velero:velero-server",
        // The role's name is the one the kubernetes side expects (velero_identity_name).
        "name = \"acme-gke-euw1-velero\"",
        "backups under clusters/eks-use1/ in acme-platform-backups",
    ] {
        assert!(
            flat.contains(w),
            "{w:?} missing from the gitops plan:\n{log}"
        );
    }
    // The sample database's certificates (the test's made-up input) on its clusters only.
    if let Some(app) = &platform.sample_app {
        for c in &names {
            for secret in ["database_ca", "database_replication"] {
                let addr = created(&format!(
                    "module.{c}-peers.kubernetes_secret_v1.{secret}[0]"
                ));
                assert_eq!(
                    log.contains(&addr),
                    app.clusters().contains(c),
                    "{addr} on {c}:\n{log}"
                );
            }
        }
        assert!(flat.contains("name = \"sample-db-replication\""), "{log}");
        assert!(flat.contains("type = \"kubernetes.io/tls\""), "{log}");
    }
    // Only EKS has an IRSA provider already: GKE and AKS get one made for their issuer.
    assert_eq!(
        count(".aws_iam_openid_connect_provider.this[0] will be created"),
        n - 1
    );
}

/// The double really validates: an attribute the real schema lacks is an error.
#[test]
fn schema_double_rejects_unknown_attributes() {
    let Some(schemas) = schemas_dir() else {
        eprintln!("SKIPPED: ../shared/provider-schemas not found");
        return;
    };
    let work = tempfile::Builder::new()
        .prefix("mc-neg-")
        .tempdir()
        .expect("tempdir");
    let mirror = mirror(work.path(), &schemas, false);
    let cli = work.path().join("terraform.rc");
    std::fs::write(
        &cli,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/hashicorp/*\", \"registry.terraform.io/multicloud/*\"]\n  }}\n}}\n",
            mirror.display()
        ),
    )
    .expect("cli config");
    std::fs::write(
        work.path().join("main.tf"),
        "terraform {\n  required_providers {\n    google = { source = \"hashicorp/google\" }\n  }\n}\n\nresource \"google_compute_network\" \"n\" {\n  name           = \"n\"\n  no_such_thing  = true\n}\n",
    )
    .expect("main.tf");
    let init = tf(work.path(), &cli, &["init", "-input=false", "-no-color"]);
    assert!(init.status.success(), "{}", text(&init));
    let out = tf(work.path(), &cli, &["validate", "-no-color"]);
    let t = text(&out);
    assert!(
        !out.status.success() && t.contains("no_such_thing"),
        "validate should fail:\n{t}"
    );
}

/// Figures, not a pass/fail: how long the double takes to load each schema (it does so at every
/// provider start, several times per Terraform command).
#[test]
fn schema_load_figures() {
    let Some(schemas) = schemas_dir() else {
        eprintln!("SKIPPED: ../shared/provider-schemas not found");
        return;
    };
    for (name, version) in SCHEMAS {
        let start = Instant::now();
        let s = multicloud_codegen::schema_double::ProviderSchemas::load(
            &schemas.join(format!("hashicorp-{name}-{version}.json.gz")),
        )
        .expect("load schema");
        let provider = multicloud_codegen::schema_double::SchemaProvider::new(s);
        let service = tfplugin::server::ProviderService::new(provider);
        drop(service);
        eprintln!(
            "{name} {version}: loaded and converted in {:.0} ms",
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
}
