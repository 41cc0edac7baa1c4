//! The generated workflow, read back as YAML: the job graph that makes it safe to apply (plans on
//! pull requests, applies only on main, behind their GitHub environment, of exactly the saved plan
//! of the same run, cloud environments before global), the checks every run makes (checkov, lock
//! files), pinned actions, and credentials through the clouds' own mechanisms.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use multicloud_codegen::platform::Platform;
use multicloud_codegen::workflow::{self, CHECKOV_VERSION};
use serde_yaml_ng::Value;

fn platform_text() -> String {
    std::fs::read_to_string(common::root().join("platform.toml")).expect("platform.toml")
}

fn parse(text: &str) -> (Platform, Value) {
    let p = Platform::parse(text, "platform.toml").expect("platform.toml parses");
    let yaml = workflow::workflow(&p);
    let doc: Value = serde_yaml_ng::from_str(&yaml)
        .unwrap_or_else(|e| panic!("the workflow is not YAML: {e}\n{yaml}"));
    (p, doc)
}

fn jobs(doc: &Value) -> BTreeMap<String, Value> {
    doc["jobs"]
        .as_mapping()
        .expect("jobs")
        .iter()
        .map(|(k, v)| (k.as_str().expect("job id").to_string(), v.clone()))
        .collect()
}

fn needs(job: &Value) -> Vec<String> {
    match &job["needs"] {
        Value::Sequence(s) => s
            .iter()
            .filter_map(|n| n.as_str())
            .map(String::from)
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn steps(job: &Value) -> Vec<Value> {
    job["steps"].as_sequence().cloned().unwrap_or_default()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

/// The `with.name` of the step using `action` (without version) in `job`.
fn artifact(job: &Value, action: &str) -> (String, String) {
    let step = steps(job)
        .into_iter()
        .find(|s| str_of(s, "uses").starts_with(&format!("{action}@")))
        .unwrap_or_else(|| panic!("no {action} step"));
    (
        str_of(&step["with"], "name").to_string(),
        str_of(&step["with"], "path").to_string(),
    )
}

fn scripts(job: &Value) -> String {
    steps(job)
        .iter()
        .map(|s| str_of(s, "run").to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn applies_run_on_main_only_behind_their_environment_with_the_saved_plan() {
    let (p, doc) = parse(&platform_text());
    let jobs = jobs(&doc);
    let envs = workflow::ci_environments(&p);
    assert!(
        envs.contains(&"global".to_string()),
        "the repository's platform has a global layer"
    );
    for env in &envs {
        let plan = &jobs[&format!("plan-{env}")];
        let apply = &jobs[&format!("apply-{env}")];
        // Plans never wait for reviewers: no GitHub environment, so the plan identity's subjects.
        assert!(
            plan["environment"].is_null(),
            "plan-{env} runs in an environment"
        );
        assert_eq!(
            str_of(apply, "environment"),
            env,
            "apply-{env}'s environment"
        );
        assert!(
            needs(apply).contains(&format!("plan-{env}")),
            "apply-{env} needs its plan"
        );
        for gate in ["checkov", "lock-files"] {
            assert!(
                needs(apply).contains(&gate.to_string()),
                "apply-{env} needs {gate}"
            );
        }
        let when = str_of(apply, "if");
        for part in [
            "github.event_name == 'push'",
            "github.ref == 'refs/heads/main'",
            &format!("needs.plan-{env}.outputs.changes == 'true'"),
        ] {
            assert!(
                when.contains(part),
                "apply-{env} if: {when:?} lacks {part:?}"
            );
        }
        assert_eq!(
            str_of(&plan["outputs"], "changes"),
            "${{ steps.plan.outputs.changes }}"
        );
        // The artifact the apply downloads is the one this run's plan uploaded, of this commit.
        let (up, up_path) = artifact(plan, "actions/upload-artifact");
        let (down, down_path) = artifact(apply, "actions/download-artifact");
        assert_eq!(up, down, "{env}: artifact names differ");
        assert!(up.contains("${{ github.sha }}"), "{up}");
        assert_eq!(up_path, format!("{down_path}/tfplan.gpg"));
        let upload = steps(plan)
            .into_iter()
            .find(|s| str_of(s, "uses").starts_with("actions/upload-artifact@"))
            .expect("upload step");
        assert!(
            str_of(&upload, "if").contains("refs/heads/main"),
            "plans are uploaded from main only"
        );
        // The apply applies the saved plan and plans nothing itself.
        let apply_scripts = scripts(apply);
        assert!(
            apply_scripts
                .contains("terraform apply -input=false -no-color -lock-timeout=5m tfplan"),
            "{apply_scripts}"
        );
        assert!(!apply_scripts.contains("terraform plan"), "{apply_scripts}");
        // Both use the committed lock file as it is.
        for job in [plan, apply] {
            assert!(
                scripts(job).contains("terraform init -input=false -no-color -lockfile=readonly")
            );
        }
        // The plan is shown in the job summary, fenced, with the cut-off note.
        let plan_scripts = scripts(plan);
        for want in [
            "terraform show -no-color tfplan",
            "$GITHUB_STEP_SUMMARY",
            "'````text'",
            "Cut at",
        ] {
            assert!(plan_scripts.contains(want), "plan-{env} lacks {want:?}");
        }
        assert!(plan_scripts.contains("-detailed-exitcode -out=tfplan"));
    }
    // Cloud environments are applied before global plans (it reads their states).
    let global = &jobs["plan-global"];
    for cloud in p.clouds() {
        assert!(needs(global).contains(&format!("apply-{}", cloud.as_str())));
    }
    assert!(str_of(global, "if").contains("!contains(needs.*.result, 'failure')"));
    // gitops works on the clusters and reads every state: after the clouds and global.
    let gitops = &jobs["plan-gitops"];
    for env in p.clouds().iter().map(|c| c.as_str()).chain(["global"]) {
        assert!(
            needs(gitops).contains(&format!("apply-{env}")),
            "plan-gitops before apply-{env}"
        );
    }
    // AKS takes Entra ID tokens only: the gitops jobs install kubelogin and log the CLI in.
    assert!(scripts(gitops).contains("--kubelogin-version"));
}

#[test]
fn the_job_graph_is_complete_and_acyclic() {
    let (_, doc) = parse(&platform_text());
    let jobs = jobs(&doc);
    let mut done: BTreeSet<String> = BTreeSet::new();
    // Kahn's algorithm: every job becomes ready once its needs are done.
    while done.len() < jobs.len() {
        let ready: Vec<String> = jobs
            .iter()
            .filter(|(id, j)| !done.contains(*id) && needs(j).iter().all(|n| done.contains(n)))
            .map(|(id, _)| id.clone())
            .collect();
        assert!(
            !ready.is_empty(),
            "a cycle or an unknown job among {:?}",
            jobs.keys()
                .filter(|k| !done.contains(*k))
                .collect::<Vec<_>>()
        );
        done.extend(ready);
    }
    assert_eq!(
        str_of(&doc["concurrency"], "group"),
        "terraform-environments-${{ github.ref }}"
    );
    assert_eq!(doc["concurrency"]["cancel-in-progress"], Value::Bool(false));
    assert_eq!(doc["on"]["push"]["branches"][0].as_str(), Some("main"));
    assert!(doc["on"]["pull_request"].is_mapping());
}

#[test]
fn every_action_is_pinned_to_a_release() {
    let (_, doc) = parse(&platform_text());
    let mut seen = 0;
    for (id, job) in jobs(&doc) {
        for s in steps(&job) {
            let uses = str_of(&s, "uses");
            if uses.is_empty() {
                continue;
            }
            seen += 1;
            let (action, version) = uses.split_once('@').unwrap_or((uses, ""));
            let semver = version.strip_prefix('v').is_some_and(|v| {
                v.split('.').count() == 3
                    && v.split('.')
                        .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            });
            let sha = version.len() == 40 && version.bytes().all(|b| b.is_ascii_hexdigit());
            assert!(
                semver || sha,
                "{id}: {action}@{version} is not pinned to vX.Y.Z or a commit"
            );
        }
    }
    assert!(seen > 10, "only {seen} actions");
}

#[test]
fn checkov_and_lock_files_are_checked_on_every_run() {
    let (p, doc) = parse(&platform_text());
    let jobs = jobs(&doc);
    let checkov = scripts(&jobs["checkov"]);
    assert!(
        checkov.contains(&format!("checkov=={CHECKOV_VERSION}")),
        "{checkov}"
    );
    assert!(
        checkov.contains("-d modules -d environments --framework terraform"),
        "{checkov}"
    );
    // scripts/check-generated.sh runs the same release locally.
    let script =
        std::fs::read_to_string(common::root().join("scripts/check-generated.sh")).expect("script");
    assert!(
        script.contains(&format!("CHECKOV_VERSION={CHECKOV_VERSION}")),
        "check-generated.sh pins another checkov"
    );

    let lock = scripts(&jobs["lock-files"]);
    let ci = p.ci.as_ref().expect("[ci]");
    for m in multicloud_codegen::environments::all(&p) {
        for rp in &m.required_providers {
            let line = lock
                .lines()
                .find(|l| {
                    l.contains(&format!("-chdir={} providers lock", m.dir))
                        && l.split_whitespace().any(|w| w == rp.source)
                })
                .unwrap_or_else(|| panic!("{}: {} is not locked:\n{lock}", m.dir, rp.source));
            for platform in &ci.lock_platforms {
                assert!(line.contains(&format!("-platform={platform}")), "{line}");
            }
            assert_eq!(
                line.contains("-net-mirror="),
                rp.source == "multicloud/multicloud",
                "{line}"
            );
        }
    }
    assert!(
        lock.contains("git status --porcelain --untracked-files=all"),
        "{lock}"
    );
}

#[test]
fn credentials_are_the_clouds_own() {
    let (p, doc) = parse(&platform_text());
    let text = workflow::workflow(&p);
    for bearer in [
        "GOOGLE_OAUTH_ACCESS_TOKEN",
        "ARM_ACCESS_TOKEN",
        "token_format",
        "az account get-access-token",
    ] {
        assert!(
            !text.contains(bearer),
            "the workflow still exports a bearer token ({bearer})"
        );
    }
    for (id, job) in jobs(&doc) {
        let Some(env) = id
            .strip_prefix("plan-")
            .or_else(|| id.strip_prefix("apply-"))
        else {
            continue;
        };
        let stage = if id.starts_with("plan-") { "PLAN_" } else { "" };
        let clouds: Vec<&str> = workflow::credential_clouds(&p, env)
            .iter()
            .map(|c| c.as_str())
            .collect();
        assert_eq!(str_of(&job["permissions"], "id-token"), "write", "{id}");
        let all = serde_yaml_ng::to_string(&job).expect("yaml");
        let gcp = steps(&job)
            .into_iter()
            .find(|s| str_of(s, "uses").starts_with("google-github-actions/auth@"));
        assert_eq!(gcp.is_some(), clouds.contains(&"gcp"), "{id}: GCP step");
        if let Some(g) = gcp {
            assert_eq!(g["with"]["create_credentials_file"], Value::Bool(true));
            assert_eq!(
                str_of(&g["with"], "service_account"),
                format!("${{{{ vars.GCP_{stage}SERVICE_ACCOUNT }}}}")
            );
        }
        let aws = steps(&job)
            .into_iter()
            .find(|s| str_of(s, "uses").starts_with("aws-actions/configure-aws-credentials@"));
        assert_eq!(aws.is_some(), clouds.contains(&"aws"), "{id}: AWS step");
        if let Some(a) = aws {
            assert_eq!(
                str_of(&a["with"], "role-to-assume"),
                format!("${{{{ vars.AWS_{stage}ROLE_ARN }}}}")
            );
        }
        assert_eq!(
            str_of(&job["env"], "ARM_USE_OIDC") == "true",
            clouds.contains(&"azure"),
            "{id}: {all}"
        );
        if clouds.contains(&"azure") {
            assert_eq!(
                str_of(&job["env"], "ARM_CLIENT_ID"),
                format!("${{{{ vars.AZURE_{stage}CLIENT_ID }}}}")
            );
            assert_eq!(
                str_of(&job["env"], "ARM_SUBSCRIPTION_ID"),
                p.azure.as_ref().expect("[azure]").subscription_id
            );
        }
    }
}

#[test]
fn plan_comments_follow_platform_toml() {
    let with = platform_text();
    assert!(
        with.contains("plan_comment = true"),
        "the repository's platform.toml comments plans"
    );
    let without = with.replace("plan_comment = true", "plan_comment = false");
    for (text, comment) in [(with, true), (without, false)] {
        let (_, doc) = parse(&text);
        let plan = &jobs(&doc)["plan-aws"];
        assert_eq!(scripts(plan).contains("gh pr comment"), comment);
        assert_eq!(
            str_of(&plan["permissions"], "pull-requests") == "write",
            comment
        );
    }
}

/// actionlint, where installed (`$ACTIONLINT`, or `actionlint` on PATH).
#[test]
fn actionlint_accepts_the_workflow() {
    let bin = std::env::var("ACTIONLINT").unwrap_or_else(|_| "actionlint".into());
    let Ok(version) = std::process::Command::new(&bin).arg("-version").output() else {
        eprintln!(
            "SKIPPED: actionlint is not installed (set ACTIONLINT=/path/to/actionlint): the workflow was NOT linted"
        );
        return;
    };
    assert!(version.status.success());
    let out = std::process::Command::new(&bin)
        .arg("-no-color")
        .arg(common::root().join(workflow::PATH))
        .output()
        .expect("run actionlint");
    assert!(out.status.success(), "actionlint:\n{}", common::text(&out));
}
