//! `.github/workflows/terraform-environments.yml`: the pipeline of the generated platform.
//!
//! - Every run checks that the generated tree is current and formatted, runs checkov over
//!   `modules/` and `environments/`, and checks that the committed `.terraform.lock.hcl` of every
//!   environment holds the hashes of every platform of `ci.lock_platforms`.
//! - Pull requests plan each environment (the plan goes to the job summary, optionally also a PR
//!   comment) with a plan identity: read access to the clouds, and to the state only what a plan
//!   needs (read, and the lock file).
//! - A push to `main` plans again, saves each plan that has changes as an artifact of the run, and a
//!   separate apply job per environment applies exactly that plan, in the GitHub environment of the
//!   same name: its required reviewers approve the apply, and only its jobs get the apply identity.
//!   The cloud environments are applied before `environments/global`, which reads their states.
//!
//! Credentials are the clouds' own: AWS through `configure-aws-credentials`, GCP through the
//! external-account file of `google-github-actions/auth` (`GOOGLE_APPLICATION_CREDENTIALS`, read by
//! the google provider, the gcs backend and the multicloud provider alike), Azure through
//! azurerm's `ARM_USE_OIDC` with GitHub's token request variables. The identities, and the
//! variables naming them, come from `environments/bootstrap`.

mod yaml;

use crate::modules::MULTICLOUD_SOURCE;
use crate::platform::{Ci, Cloud, Platform};
use yaml::{Map, strs};

pub const PATH: &str = ".github/workflows/terraform-environments.yml";
pub const TERRAFORM_VERSION: &str = "1.15.5";
/// The checkov release the workflow installs; `scripts/check-generated.sh` runs the same one.
pub const CHECKOV_VERSION: &str = "3.3.30";

/// Actions, each pinned to a release.
pub mod actions {
    pub const CHECKOUT: &str = "actions/checkout@v4.2.2";
    pub const SETUP_TERRAFORM: &str = "hashicorp/setup-terraform@v3.1.2";
    pub const SETUP_PYTHON: &str = "actions/setup-python@v5.6.0";
    pub const UPLOAD_ARTIFACT: &str = "actions/upload-artifact@v4.6.2";
    pub const DOWNLOAD_ARTIFACT: &str = "actions/download-artifact@v4.2.1";
    pub const AWS_CREDENTIALS: &str = "aws-actions/configure-aws-credentials@v4.2.1";
    pub const GCP_AUTH: &str = "google-github-actions/auth@v2.1.10";
    pub const AZURE_LOGIN: &str = "azure/login@v2.3.0";
}

/// The kubelogin release the gitops jobs install (AKS tokens).
const KUBELOGIN_VERSION: &str = "v0.2.10";
const KUBELOGIN_SCRIPT: &str = r#"az aks install-cli --kubelogin-version VERSION \
  --install-location "$HOME/.local/bin/kubectl" --kubelogin-install-location "$HOME/.local/bin/kubelogin"
echo "$HOME/.local/bin" >>"$GITHUB_PATH"
"#;

/// Which identity a job uses: plans read, applies write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Plan,
    Apply,
}

/// The GitHub variables the workflow reads that `environments/bootstrap` outputs, and where each
/// is set: repository variables for the plans, environment variables for the applies (only jobs
/// of that GitHub environment see them).
pub mod vars {
    use super::Stage;
    use crate::platform::Cloud;

    pub const GCP_WORKLOAD_IDENTITY_PROVIDER: &str = "GCP_WORKLOAD_IDENTITY_PROVIDER";
    pub const AZURE_TENANT_ID: &str = "AZURE_TENANT_ID";
    /// Set by the team, not the bootstrap: the HTTPS network mirror of the multicloud provider.
    pub const PROVIDER_MIRROR: &str = "MULTICLOUD_PROVIDER_MIRROR";
    /// A repository secret: the passphrase the saved plans are encrypted with.
    pub const PLAN_PASSPHRASE: &str = "TF_PLAN_PASSPHRASE";

    /// The variable naming `cloud`'s identity for `stage`: the AWS role, the GCP service account
    /// or the Azure client ID.
    pub fn identity(cloud: Cloud, stage: Stage) -> &'static str {
        match (cloud, stage) {
            (Cloud::Aws, Stage::Plan) => "AWS_PLAN_ROLE_ARN",
            (Cloud::Aws, Stage::Apply) => "AWS_ROLE_ARN",
            (Cloud::Gcp, Stage::Plan) => "GCP_PLAN_SERVICE_ACCOUNT",
            (Cloud::Gcp, Stage::Apply) => "GCP_SERVICE_ACCOUNT",
            (Cloud::Azure, Stage::Plan) => "AZURE_PLAN_CLIENT_ID",
            (Cloud::Azure, Stage::Apply) => "AZURE_CLIENT_ID",
        }
    }
}

/// The environments CI plans and applies, in apply order: the cloud ones, then `global`, then
/// `gitops` (on the clusters themselves; it reads all the others' states).
pub fn ci_environments(p: &Platform) -> Vec<String> {
    let mut envs: Vec<String> = p.clouds().iter().map(|c| c.as_str().to_string()).collect();
    if p.has_global() {
        envs.push("global".into());
    }
    if p.gitops.is_some() {
        envs.push(GITOPS.into());
    }
    envs
}

/// `environments/gitops`: Argo CD, the cluster Secrets and the per-cluster objects.
const GITOPS: &str = "gitops";

/// The clouds whose credentials the jobs of environment `env` need. A cloud environment: its
/// cloud. `environments/global`: its VPN sites' clouds, the cloud that keeps its state, and AWS
/// for a Route 53 hostname.
pub fn credential_clouds(p: &Platform, env: &str) -> Vec<Cloud> {
    if env == GITOPS {
        // Every cluster's API (through its cloud's credentials), the bucket's cloud for the
        // Velero identities, and every state it reads.
        let mut clouds = p.clouds();
        clouds.extend(p.backup.as_ref().map(|b| b.cloud));
        clouds.extend(p.global_state_cloud());
        clouds.sort();
        clouds.dedup();
        return clouds;
    }
    if env != "global" {
        return p
            .clouds()
            .into_iter()
            .filter(|c| c.as_str() == env)
            .collect();
    }
    let mut clouds: Vec<Cloud> = p.vpn_sites().iter().map(|c| c.cloud).collect();
    clouds.extend(p.global_state_cloud());
    if p.global_lb.as_ref().is_some_and(|lb| lb.is_route53()) {
        clouds.push(Cloud::Aws);
    }
    clouds.sort();
    clouds.dedup();
    clouds
}

/// The GitHub environments whose apply jobs use `cloud`'s apply identity.
pub fn apply_environments(p: &Platform, cloud: Cloud) -> Vec<String> {
    ci_environments(p)
        .into_iter()
        .filter(|env| credential_clouds(p, env).contains(&cloud))
        .collect()
}

/// The artifact holding environment `env`'s saved plan of the commit being built.
pub fn artifact_name(env: &str) -> String {
    format!("tfplan-{env}-${{{{ github.sha }}}}")
}

fn var(name: &str) -> String {
    format!("${{{{ vars.{name} }}}}")
}

fn secret(name: &str) -> String {
    format!("${{{{ secrets.{name} }}}}")
}

fn header(p: &Platform, ci: &Ci) -> Vec<String> {
    let envs = ci_environments(p);
    let mut h: Vec<String> = [
        "Generated by multicloud-codegen from platform.toml; do not edit.",
        "",
        "Pull requests: each environment is planned with a read-only plan identity; the plan goes to the",
        "job summary. A push to main plans again and then applies exactly the saved plan of that commit,",
        "environment by environment (the cloud ones first, then global, which reads their states), each",
        "apply waiting for the approval of its GitHub environment. Every run also checks that the generated",
        "tree is current, runs checkov, and checks the committed provider lock files.",
        "",
        "Set up, once (environments/bootstrap/README.md has the commands and the values):",
    ]
    .map(String::from)
    .to_vec();
    h.push(format!(
        "1. Settings > Environments: create {}. In each, tick \"Required reviewers\" and name who",
        envs.join(", ")
    ));
    h.extend(
        [
            "   approves applies, and under \"Deployment branches and tags\" allow only main. The cloud",
            "   identities trust only jobs of these environments (and plans of pull requests and main).",
            "2. Repository variables: the plan identities and shared settings that environments/bootstrap",
            "   outputs, and MULTICLOUD_PROVIDER_MIRROR (the HTTPS network mirror serving the multicloud",
            "   provider, docs/install.md). Environment variables: each environment's apply identities.",
            "   With a global hostname, also the repository variable INGRESS_ADDRESSES (JSON: cluster name",
            "   -> ingress address), the input of environments/global.",
            "3. Repository secret TF_PLAN_PASSPHRASE: saved plans hold the state's secrets (VPN keys, the",
            "   mesh CA), and artifacts can be downloaded by anyone who reads the repository, so they are",
            "   encrypted with it.",
        ]
        .map(String::from),
    );
    if p.global_lb.as_ref().is_some_and(|lb| !lb.is_route53()) {
        h.push(
            "4. CLOUDFLARE_API_TOKEN: a read-only token as repository secret, an edit token as secret of the global environment."
                .into(),
        );
    }
    h.push(String::new());
    h.push(format!(
        "Provider lock files: environments/*/.terraform.lock.hcl are committed, with the hashes of {}.",
        ci.lock_platforms.join(", ")
    ));
    h.push(
        "The lock-files job fails when one is missing or stale; its step shows the commands to run.".into(),
    );
    h
}

pub fn workflow(p: &Platform) -> String {
    let default_ci = Ci::default();
    let ci = p.ci.as_ref().unwrap_or(&default_ci);
    let paths = strs([
        "platform.toml",
        "codegen/**",
        "modules/**",
        "environments/**",
        PATH,
    ]);
    let mut jobs = Map::new()
        .spaced()
        .with("generated", generated_job())
        .with("checkov", checkov_job())
        .with("lock-files", lock_files_job(p, ci));
    let envs = ci_environments(p);
    for env in &envs {
        jobs = jobs.commented(
            &plan_comment(env),
            &format!("plan-{env}"),
            plan_job(p, ci, env),
        );
        jobs = jobs.with(&format!("apply-{env}"), apply_job(p, env));
    }
    let root = Map::new()
        .spaced()
        .with("name", "terraform-environments")
        .with(
            "on",
            Map::new()
                .with("pull_request", Map::new().with("paths", paths.clone()))
                .with(
                    "push",
                    Map::new()
                        .with("branches", strs(["main"]))
                        .with("paths", paths),
                ),
        )
        .with("permissions", Map::new().with("contents", "read"))
        .commented(
            &["One run per branch at a time, never cancelled: an apply is never cut off half-way, and main's runs apply in push order."],
            "concurrency",
            Map::new()
                .with("group", "terraform-environments-${{ github.ref }}")
                .with("cancel-in-progress", false),
        )
        .with(
            "defaults",
            Map::new().with("run", Map::new().with("shell", "bash")),
        )
        .with("jobs", jobs);
    yaml::document(&header(p, ci), &root)
}

fn plan_comment(env: &str) -> Vec<String> {
    match env {
        "global" => vec![
            "environments/global reads the cloud environments' states: on main it is planned after their applies.".into(),
        ],
        GITOPS => vec![
            "environments/gitops works on the clusters and reads every other state: on main it is planned after global's apply.".into(),
        ],
        _ => Vec::new(),
    }
}

fn checkout() -> Map {
    Map::new().with("uses", actions::CHECKOUT)
}

fn setup_terraform() -> Map {
    Map::new().with("uses", actions::SETUP_TERRAFORM).with(
        "with",
        Map::new()
            .with("terraform_version", TERRAFORM_VERSION)
            // The wrapper turns exit codes into outputs; the plan step reads -detailed-exitcode itself.
            .with("terraform_wrapper", false),
    )
}

fn run(name: &str, script: &str) -> Map {
    Map::new().with("name", name).with("run", script)
}

fn generated_job() -> Map {
    Map::new()
        .with("name", "generated tree is current and formatted")
        .with("runs-on", "ubuntu-latest")
        .with(
            "steps",
            vec![
                checkout(),
                run(
                    "Rust toolchain",
                    "rustup toolchain install stable --profile minimal\nrustup default stable\n",
                ),
                run(
                    "multicloud-codegen --check",
                    "cargo run -q -p multicloud-codegen -- --check",
                ),
                setup_terraform(),
                run(
                    "terraform fmt",
                    "terraform fmt -check -recursive -diff modules environments",
                ),
            ],
        )
}

fn checkov_job() -> Map {
    Map::new()
        .with("name", "checkov")
        .with("runs-on", "ubuntu-latest")
        .with(
            "steps",
            vec![
                checkout(),
                Map::new()
                    .with("uses", actions::SETUP_PYTHON)
                    .with("with", Map::new().with("python-version", "3.12")),
                run(
                    "install checkov",
                    &format!("python -m pip install checkov=={CHECKOV_VERSION}"),
                ),
                run(
                    "checkov",
                    "checkov -d modules -d environments --framework terraform --quiet --compact",
                ),
            ],
        )
}

/// The `terraform providers lock` commands that write environment `dir`'s lock file: registry
/// providers from their registries, the multicloud provider from the team's network mirror.
pub fn lock_commands(m: &crate::model::Module, platforms: &[String]) -> Vec<String> {
    let platform_args: String = platforms
        .iter()
        .map(|p| format!(" -platform={p}"))
        .collect();
    let mut registry: Vec<&str> = Vec::new();
    let mut mirrored: Vec<&str> = Vec::new();
    for rp in &m.required_providers {
        if rp.source == MULTICLOUD_SOURCE {
            mirrored.push(&rp.source);
        } else {
            registry.push(&rp.source);
        }
    }
    let mut out = vec![format!("terraform -chdir={} get", m.dir)];
    if !registry.is_empty() {
        out.push(format!(
            "terraform -chdir={} providers lock{platform_args} {}",
            m.dir,
            registry.join(" ")
        ));
    }
    if !mirrored.is_empty() {
        out.push(format!(
            "terraform -chdir={} providers lock -net-mirror=\"${}\"{platform_args} {}",
            m.dir,
            vars::PROVIDER_MIRROR,
            mirrored.join(" ")
        ));
    }
    out
}

fn lock_files_job(p: &Platform, ci: &Ci) -> Map {
    let mut script = String::from(
        "# Adds what a lock file lacks (a provider, a platform's hashes) and keeps the versions it has:\n\
         # anything it changes means the committed file is missing or stale.\n",
    );
    for m in crate::environments::all(p) {
        for c in lock_commands(&m, &ci.lock_platforms) {
            script.push_str(&c);
            script.push('\n');
        }
    }
    script.push_str(
        "if [ -n \"$(git status --porcelain --untracked-files=all -- 'environments/*/.terraform.lock.hcl')\" ]; then\n\
         \x20 git status --short -- environments\n\
         \x20 git diff -- environments\n\
         \x20 echo \"::error::environments/*/.terraform.lock.hcl are missing or stale: run the commands of this step and commit the files\"\n\
         \x20 exit 1\n\
         fi\n",
    );
    Map::new()
        .with("name", "provider lock files are committed and complete")
        .with("runs-on", "ubuntu-latest")
        .with(
            "steps",
            vec![
                checkout(),
                setup_terraform(),
                Map::new()
                    .with("name", "terraform providers lock")
                    .with(
                        "env",
                        Map::new().with(vars::PROVIDER_MIRROR, var(vars::PROVIDER_MIRROR)),
                    )
                    .with("run", script),
            ],
        )
}

/// Writes a CLI configuration that installs the multicloud provider from the team's mirror and
/// every other provider from its registry.
fn provider_installation() -> Map {
    let script = format!(
        r#"if [ -z "${mirror}" ]; then
  echo "::error::Set the repository variable {mirror} to the HTTPS network mirror serving the multicloud provider (docs/install.md)"
  exit 1
fi
cat >"$RUNNER_TEMP/terraform.rc" <<EOF
provider_installation {{
  network_mirror {{
    url     = "${mirror}"
    include = ["registry.terraform.io/{source}"]
  }}
  direct {{
    exclude = ["registry.terraform.io/{source}"]
  }}
}}
EOF
echo "TF_CLI_CONFIG_FILE=$RUNNER_TEMP/terraform.rc" >>"$GITHUB_ENV"
"#,
        mirror = vars::PROVIDER_MIRROR,
        source = MULTICLOUD_SOURCE
    );
    Map::new()
        .with("name", "provider installation")
        .with(
            "env",
            Map::new().with(vars::PROVIDER_MIRROR, var(vars::PROVIDER_MIRROR)),
        )
        .with("run", script)
}

/// The steps that give a job `clouds`' credentials for `stage` (Azure's are environment variables,
/// see [`job_env`]).
fn credential_steps(p: &Platform, clouds: &[Cloud], stage: Stage) -> Vec<Map> {
    let mut steps = Vec::new();
    if clouds.contains(&Cloud::Aws) {
        let region = p
            .aws
            .as_ref()
            .map(|a| a.state_region.as_str())
            .unwrap_or("us-east-1");
        steps.push(
            Map::new()
                .with("name", "AWS credentials")
                .with("uses", actions::AWS_CREDENTIALS)
                .with(
                    "with",
                    Map::new()
                        .with("role-to-assume", var(vars::identity(Cloud::Aws, stage)))
                        .with("aws-region", region),
                ),
        );
    }
    if clouds.contains(&Cloud::Gcp) {
        steps.push(
            Map::new()
                .comment("Exports GOOGLE_APPLICATION_CREDENTIALS, an external-account file that every Google client here reads.")
                .with("name", "GCP credentials")
                .with("uses", actions::GCP_AUTH)
                .with(
                    "with",
                    Map::new()
                        .with(
                            "workload_identity_provider",
                            var(vars::GCP_WORKLOAD_IDENTITY_PROVIDER),
                        )
                        .with("service_account", var(vars::identity(Cloud::Gcp, stage)))
                        .with("create_credentials_file", true),
                ),
        );
    }
    steps
}

/// AKS accepts Entra ID tokens only: the gitops jobs log the Azure CLI in with the job's OIDC
/// identity, and the kubernetes and helm providers' kubelogin exec turns that login into tokens.
fn aks_login_steps(p: &Platform, stage: Stage) -> Vec<Map> {
    let subscription = p
        .azure
        .as_ref()
        .map(|a| a.subscription_id.clone())
        .unwrap_or_default();
    vec![
        Map::new()
            .with("name", "Azure CLI login (for kubelogin)")
            .with("uses", actions::AZURE_LOGIN)
            .with(
                "with",
                Map::new()
                    .with("client-id", var(vars::identity(Cloud::Azure, stage)))
                    .with("tenant-id", var(vars::AZURE_TENANT_ID))
                    .with("subscription-id", subscription),
            ),
        // The runner's Azure CLI installs kubelogin at a pinned release (the setup action has
        // no release pinned finer than v1.2).
        run(
            "kubelogin",
            &KUBELOGIN_SCRIPT.replace("VERSION", KUBELOGIN_VERSION),
        ),
    ]
}

/// The job's environment: automation settings, Azure's OIDC settings (azurerm's names, read by
/// the azurerm provider and backend and the multicloud provider), and global's inputs.
fn job_env(p: &Platform, env: &str, stage: Stage) -> Map {
    let clouds = credential_clouds(p, env);
    let mut m = Map::new()
        .with("TF_IN_AUTOMATION", "1")
        .with("TF_INPUT", "0");
    if clouds.contains(&Cloud::Azure) {
        let subscription = p
            .azure
            .as_ref()
            .map(|a| a.subscription_id.as_str())
            .unwrap_or_default();
        m = m
            .with("ARM_USE_OIDC", "true")
            .with("ARM_CLIENT_ID", var(vars::identity(Cloud::Azure, stage)))
            .with("ARM_TENANT_ID", var(vars::AZURE_TENANT_ID))
            .with("ARM_SUBSCRIPTION_ID", subscription);
    }
    if env == GITOPS && p.clusters_on(Cloud::Azure).next().is_some() {
        m = m.with("AAD_LOGIN_METHOD", "azurecli");
    }
    if env == "global" {
        if p.global_lb.is_some() && stage == Stage::Plan {
            m = m.with(
                &format!("TF_VAR_{}", crate::environments::global::INGRESS_VARIABLE),
                var("INGRESS_ADDRESSES"),
            );
        }
        if p.global_lb.as_ref().is_some_and(|lb| !lb.is_route53()) {
            m = m
                .with("CLOUDFLARE_API_TOKEN", secret("CLOUDFLARE_API_TOKEN"))
                .with("CLOUDFLARE_ACCOUNT_ID", var("CLOUDFLARE_ACCOUNT_ID"));
        }
    }
    m
}

fn init_steps(p: &Platform, env: &str, stage: Stage) -> Vec<Map> {
    let mut steps = vec![checkout(), setup_terraform(), provider_installation()];
    steps.extend(credential_steps(p, &credential_clouds(p, env), stage));
    if env == GITOPS && p.clusters_on(Cloud::Azure).next().is_some() {
        steps.extend(aks_login_steps(p, stage));
    }
    steps.push(
        run(
            "terraform init",
            "terraform init -input=false -no-color -lockfile=readonly",
        )
        .comment(
            "-lockfile=readonly: the committed lock file decides the provider versions and hashes.",
        ),
    );
    steps
}

const PLAN_SCRIPT: &str = r#"code=0
terraform plan -input=false -no-color -lock-timeout=5m -detailed-exitcode -out=tfplan || code=$?
case "$code" in
  0) echo "changes=false" >>"$GITHUB_OUTPUT" ;;
  2) echo "changes=true" >>"$GITHUB_OUTPUT" ;;
  *) exit "$code" ;;
esac
"#;

/// The plan, fenced, into the job summary; GitHub refuses a step summary over 1 MiB, so it is cut
/// with a note well before that.
const SUMMARY_SCRIPT: &str = r#"terraform show -no-color tfplan >tfplan.txt
size=$(wc -c <tfplan.txt)
limit=1000000
{
  printf '## terraform plan: environments/%s\n\n' "$ENVIRONMENT"
  echo '````text'
  head -c "$limit" tfplan.txt
  echo
  echo '````'
  if [ "$size" -gt "$limit" ]; then
    echo
    echo "Cut at $limit of $size bytes (GitHub's summary limit is 1 MiB): run terraform show on the saved plan for the rest."
  fi
} >>"$GITHUB_STEP_SUMMARY"
"#;

/// A pull-request comment is limited to 65,536 characters.
const COMMENT_SCRIPT: &str = r#"size=$(wc -c <tfplan.txt)
limit=60000
{
  printf '#### terraform plan: environments/%s\n\n' "$ENVIRONMENT"
  echo '````text'
  head -c "$limit" tfplan.txt
  echo
  echo '````'
  if [ "$size" -gt "$limit" ]; then
    echo "Cut at $limit of $size bytes: the whole plan is in the run's job summary."
  fi
} >comment.md
gh pr comment "$PR_NUMBER" --body-file comment.md
"#;

const ENCRYPT_SCRIPT: &str = r#"if [ -z "$TF_PLAN_PASSPHRASE" ]; then
  echo "::error::Set the repository secret TF_PLAN_PASSPHRASE: the saved plan holds the state's secrets"
  exit 1
fi
gpg --batch --yes --pinentry-mode loopback --passphrase-file <(printf '%s' "$TF_PLAN_PASSPHRASE") \
  --symmetric --cipher-algo AES256 --output tfplan.gpg tfplan
"#;

const DECRYPT_SCRIPT: &str = r#"gpg --batch --yes --pinentry-mode loopback --passphrase-file <(printf '%s' "$TF_PLAN_PASSPHRASE") \
  --output tfplan --decrypt tfplan.gpg
"#;

const ON_MAIN: &str = "github.event_name == 'push' && github.ref == 'refs/heads/main'";

fn plan_job(p: &Platform, ci: &Ci, env: &str) -> Map {
    let mut needs = vec!["generated".to_string()];
    let mut condition = None;
    if env == "global" || env == GITOPS {
        // On main, global plans after the cloud applies, and gitops after those and global's
        // (each skipped when it had no changes); any failure before it stops it.
        let mut before: Vec<String> = p.clouds().iter().map(|c| c.as_str().to_string()).collect();
        if env == GITOPS && p.has_global() {
            before.push("global".into());
        }
        for e in before {
            needs.push(format!("plan-{e}"));
            needs.push(format!("apply-{e}"));
        }
        condition = Some("!cancelled() && !contains(needs.*.result, 'failure')");
    }
    let mut permissions = Map::new()
        .with("contents", "read")
        .with("id-token", "write");
    if ci.plan_comment {
        permissions = permissions.with("pull-requests", "write");
    }
    let mut steps = init_steps(p, env, Stage::Plan);
    steps.push(run("terraform validate", "terraform validate -no-color"));
    steps.push(
        Map::new()
            .with("id", "plan")
            .with("name", "terraform plan")
            .with("run", PLAN_SCRIPT)
            .comment(
                "-detailed-exitcode: 2 means changes, and only then is there something to apply.",
            ),
    );
    steps.push(run("plan summary", SUMMARY_SCRIPT));
    if ci.plan_comment {
        steps.push(
            Map::new()
                .with("name", "plan comment")
                .with("if", "github.event_name == 'pull_request'")
                .with(
                    "env",
                    Map::new()
                        .with("GH_TOKEN", "${{ github.token }}")
                        .with("GH_REPO", "${{ github.repository }}")
                        .with("PR_NUMBER", "${{ github.event.pull_request.number }}"),
                )
                .with("run", COMMENT_SCRIPT),
        );
    }
    let saved = format!("{ON_MAIN} && steps.plan.outputs.changes == 'true'");
    steps.push(
        Map::new()
            .with("name", "encrypt the saved plan")
            .with("if", saved.as_str())
            .with(
                "env",
                Map::new().with(vars::PLAN_PASSPHRASE, secret(vars::PLAN_PASSPHRASE)),
            )
            .with("run", ENCRYPT_SCRIPT),
    );
    steps.push(
        Map::new()
            .with("uses", actions::UPLOAD_ARTIFACT)
            .with("if", saved.as_str())
            .with(
                "with",
                Map::new()
                    .with("name", artifact_name(env))
                    .with("path", format!("environments/{env}/tfplan.gpg"))
                    .with("if-no-files-found", "error")
                    .with("retention-days", "7"),
            ),
    );
    Map::new()
        .with("name", format!("plan {env}"))
        .with("needs", strs(&needs))
        .opt("if", condition)
        .with("runs-on", "ubuntu-latest")
        .with("permissions", permissions)
        .with(
            "outputs",
            Map::new().with("changes", "${{ steps.plan.outputs.changes }}"),
        )
        .with("defaults", working_directory(env))
        .with("env", job_env(p, env, Stage::Plan).with("ENVIRONMENT", env))
        .with("steps", steps)
}

fn working_directory(env: &str) -> Map {
    Map::new().with(
        "run",
        Map::new().with("working-directory", format!("environments/{env}")),
    )
}

fn apply_job(p: &Platform, env: &str) -> Map {
    let mut steps = init_steps(p, env, Stage::Apply);
    steps.push(
        Map::new().with("uses", actions::DOWNLOAD_ARTIFACT).with(
            "with",
            Map::new()
                .with("name", artifact_name(env))
                .with("path", format!("environments/{env}")),
        ),
    );
    steps.push(
        Map::new()
            .with("name", "decrypt the saved plan")
            .with(
                "env",
                Map::new().with(vars::PLAN_PASSPHRASE, secret(vars::PLAN_PASSPHRASE)),
            )
            .with("run", DECRYPT_SCRIPT),
    );
    steps.push(
        run(
            "terraform apply",
            "terraform apply -input=false -no-color -lock-timeout=5m tfplan",
        )
        .comment("Exactly the reviewed plan: Terraform refuses it if the state moved on since (a stale plan)."),
    );
    Map::new()
        .with("name", format!("apply {env}"))
        .with("needs", strs([format!("plan-{env}"), "checkov".into(), "lock-files".into()]))
        .with(
            "if",
            format!("{ON_MAIN} && needs.plan-{env}.outputs.changes == 'true'"),
        )
        .with("runs-on", "ubuntu-latest")
        .commented(
            &["Its required reviewers approve the apply; the apply identities trust only this environment's jobs."],
            "environment",
            env,
        )
        .with(
            "permissions",
            Map::new().with("contents", "read").with("id-token", "write"),
        )
        .with("defaults", working_directory(env))
        .with("env", job_env(p, env, Stage::Apply))
        .with("steps", steps)
}
