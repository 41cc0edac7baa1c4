//! `environments/bootstrap`: what has to exist before CI can run the other environments, made once
//! by a person with administrator rights. For each cloud that keeps state (a cloud with clusters,
//! or the one keeping global's state): the state bucket the backends of `environments/` name
//! ([`super::state`]), and the two CI identities of `.github/workflows/terraform-environments.yml`
//! ([`crate::workflow`]): a plan identity trusted by pull requests and main (read access, and of
//! the state only reading and the lock file) and an apply identity trusted only by the jobs of the
//! GitHub environments that apply to that cloud. Its outputs are the GitHub variables the workflow
//! reads, with the `gh` commands that set them.
//!
//! Its own state is local: the buckets it would keep it in are what it creates. The README says
//! how to move it into the bucket afterwards.

mod aws;
mod azure;
mod gcp;

use super::{ENV_REQUIRED_TERRAFORM, regenerate_note, tags};
use crate::expr::{Expr, list, s, tpl};
use crate::model::{Item, Module, Output, RequiredProvider, body, labeled};
use crate::modules::{AWS_VERSION, AZURERM_VERSION, GOOGLE_VERSION};
use crate::platform::{Ci, Cloud, Platform};
use crate::workflow::{self, Stage, vars};

pub const DIR: &str = "environments/bootstrap";

/// GitHub's OIDC issuer: every identity below trusts tokens it signed, and only for `[ci]`'s
/// repository.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// The clouds the bootstrap prepares: those whose backends keep some environment's state.
pub fn clouds(p: &Platform) -> Vec<Cloud> {
    let mut clouds = p.clouds();
    clouds.extend(p.global_state_cloud());
    clouds.sort();
    clouds.dedup();
    clouds.retain(|c| p.has_settings(*c));
    clouds
}

/// The OIDC subjects `cloud`'s identity for `stage` trusts: plans run outside any GitHub
/// environment (pull requests, main), applies only in the environments that apply to `cloud`.
pub fn subjects(p: &Platform, ci: &Ci, cloud: Cloud, stage: Stage) -> Vec<String> {
    match stage {
        Stage::Plan => ci.plan_subjects().to_vec(),
        Stage::Apply => workflow::apply_environments(p, cloud)
            .iter()
            .map(|env| ci.environment_subject(env))
            .collect(),
    }
}

/// The region a cloud's bootstrap resources go to: AWS's state region, else the first cluster's.
fn region(p: &Platform, cloud: Cloud) -> String {
    match cloud {
        Cloud::Aws => p
            .aws
            .as_ref()
            .map(|a| a.state_region.clone())
            .unwrap_or_default(),
        _ => p
            .clusters_on(cloud)
            .next()
            .map(|c| c.region.clone())
            .unwrap_or_default(),
    }
}

/// Where a GitHub variable is set: for the whole repository (plans and shared settings), or in one
/// GitHub environment (its apply identity).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Repository,
    Environment(String),
}

/// A GitHub variable the workflow reads, and the bootstrap expression that gives its value.
pub struct GithubVariable {
    pub name: &'static str,
    pub scope: Scope,
    pub value: Expr,
    pub description: String,
}

/// Every GitHub variable the bootstrap provides for the workflow.
pub fn github_variables(p: &Platform) -> Vec<GithubVariable> {
    let mut out = Vec::new();
    for cloud in clouds(p) {
        let (plan, apply, shared) = match cloud {
            Cloud::Aws => aws::identity_values(),
            Cloud::Gcp => gcp::identity_values(),
            Cloud::Azure => azure::identity_values(),
        };
        if let Some((name, value, what)) = shared {
            out.push(GithubVariable {
                name,
                scope: Scope::Repository,
                value,
                description: what.into(),
            });
        }
        out.push(GithubVariable {
            name: vars::identity(cloud, Stage::Plan),
            scope: Scope::Repository,
            value: plan,
            description: format!(
                "The {} plan identity (pull requests and main).",
                super::cloud_title(cloud)
            ),
        });
        for env in workflow::apply_environments(p, cloud) {
            out.push(GithubVariable {
                name: vars::identity(cloud, Stage::Apply),
                scope: Scope::Environment(env.clone()),
                value: apply.clone(),
                description: format!(
                    "The {} apply identity, for the jobs of GitHub environment {env}.",
                    super::cloud_title(cloud)
                ),
            });
        }
    }
    out
}

/// `gh variable set NAME [--env ENV] --body VALUE`, as an HCL template.
fn gh_command(v: &GithubVariable) -> Expr {
    let env = match &v.scope {
        Scope::Repository => String::new(),
        Scope::Environment(e) => format!(" --env {e}"),
    };
    tpl(&format!(
        "gh variable set {}{env} --body '${{{}}}'",
        v.name,
        crate::render::inline(&v.value)
    ))
}

fn outputs(p: &Platform) -> Vec<Output> {
    let all = github_variables(p);
    let mut out: Vec<Output> = Vec::new();
    for v in &all {
        // An apply identity is one value however many environments it is set in.
        let name = v.name.to_ascii_lowercase();
        if out.iter().any(|o| o.name == name) {
            continue;
        }
        let description = match &v.scope {
            Scope::Repository => {
                format!("GitHub repository variable {}: {}", v.name, v.description)
            }
            Scope::Environment(_) => {
                let envs: Vec<String> = all
                    .iter()
                    .filter(|w| w.name == v.name)
                    .filter_map(|w| match &w.scope {
                        Scope::Environment(e) => Some(e.clone()),
                        Scope::Repository => None,
                    })
                    .collect();
                format!(
                    "GitHub environment variable {} of {}: the apply identity their jobs use.",
                    v.name,
                    envs.join(", ")
                )
            }
        };
        out.push(Output::new(&name, &description, v.value.clone()));
    }
    out.push(Output::new(
        "gh_variable_commands",
        "The gh commands that set every variable above where the workflow reads it (run them in a clone of the repository).",
        list(all.iter().map(gh_command)),
    ));
    out
}

fn providers(p: &Platform) -> Vec<hcl::Block> {
    let mut blocks = Vec::new();
    for cloud in clouds(p) {
        blocks.push(match cloud {
            Cloud::Aws => labeled(
                "provider",
                &["aws"],
                body()
                    .a("region", s(&region(p, cloud)))
                    .b("default_tags", body().a("tags", tags(p)))
                    .build(),
            ),
            Cloud::Gcp => labeled(
                "provider",
                &["google"],
                body()
                    .a(
                        "project",
                        s(p.gcp
                            .as_ref()
                            .map(|g| g.project_id.as_str())
                            .unwrap_or_default()),
                    )
                    .a("region", s(&region(p, cloud)))
                    .a("default_labels", tags(p))
                    .build(),
            ),
            Cloud::Azure => labeled(
                "provider",
                &["azurerm"],
                body()
                    .a(
                        "subscription_id",
                        s(p.azure
                            .as_ref()
                            .map(|a| a.subscription_id.as_str())
                            .unwrap_or_default()),
                    )
                    // The state account allows no shared keys: containers are made with Entra ID.
                    .a("storage_use_azuread", true)
                    .b("features", body())
                    .build(),
            ),
        });
    }
    blocks
}

fn required_providers(p: &Platform) -> Vec<RequiredProvider> {
    clouds(p)
        .into_iter()
        .map(|c| match c {
            Cloud::Aws => RequiredProvider::new("aws", "hashicorp/aws", Some(AWS_VERSION)),
            Cloud::Gcp => RequiredProvider::new("google", "hashicorp/google", Some(GOOGLE_VERSION)),
            Cloud::Azure => {
                RequiredProvider::new("azurerm", "hashicorp/azurerm", Some(AZURERM_VERSION))
            }
        })
        .collect()
}

fn notes(p: &Platform, ci: &Ci) -> Vec<(String, String)> {
    let envs = workflow::ci_environments(p);
    // This environment's providers, then the others' (built here: `super::all` includes this one).
    let this = Module {
        dir: DIR.into(),
        required_providers: required_providers(p),
        ..Module::default()
    };
    let mut others: Vec<Module> = p
        .clouds()
        .into_iter()
        .map(|c| super::cloud::environment(p, c))
        .collect();
    if p.has_global() {
        others.push(super::global::environment(p));
    }
    let locks: Vec<String> = std::iter::once(&this)
        .chain(&others)
        .flat_map(|m| workflow::lock_commands(m, &ci.lock_platforms))
        .collect();
    let first = clouds(p).first().copied().unwrap_or(Cloud::Aws);
    let where_ = format!(
        "the {} bucket it created (`{}` backend, key `bootstrap`)",
        super::cloud_title(first),
        super::state::backend_kind(first)
    );
    let state = if ci.bootstrap_remote_state {
        format!(
            "This environment keeps its state in {where_}, since `ci.bootstrap_remote_state = true` in \
             `platform.toml`. It was local until then: its first apply creates that bucket."
        )
    } else {
        format!(
            "This environment keeps its state in a local `terraform.tfstate` (ignored by git): the buckets it \
             could keep it in are what it creates. Keep that file safe until it is moved. To move it into \
             {where_}: after the first apply, set `bootstrap_remote_state = true` in `[ci]` of \
             `platform.toml`, regenerate (`versions.tf` gets the backend), then run \
             `terraform init -migrate-state` here and answer yes."
        )
    };
    vec![
        (
            "Order".into(),
            format!(
                "1. **Bootstrap**, once, as an administrator of each cloud (AWS credentials, `gcloud auth \
                 application-default login`, `az login`): `terraform init`, `terraform apply`.\n\
                 2. **Set the GitHub variables**. First create the GitHub environments {envs} (Settings > \
                 Environments), each with required reviewers (who approves its applies) and deployment \
                 branches limited to `main`: the apply identities trust only their jobs. Then, with `gh` \
                 logged in to `{repo}`: `terraform output -json gh_variable_commands | jq -r '.[]' | sh`. \
                 Also set the repository variable `{mirror}` (the multicloud provider's network mirror, \
                 docs/install.md) and the repository secret `{passphrase}` (any long random string; it \
                 encrypts the saved plans).\n\
                 3. **Commit the provider lock files** of every environment (below), then **push**: pull \
                 requests plan, `main` applies after approval.",
                repo = ci.github_repository,
                envs = envs.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", "),
                mirror = vars::PROVIDER_MIRROR,
                passphrase = vars::PLAN_PASSPHRASE,
            ),
        ),
        ("State of this environment".into(), state),
        (
            "Provider lock files".into(),
            format!(
                "Every environment commits its `.terraform.lock.hcl` with the hashes of {}. From the \
                 repository root, with `{}` set to the mirror:\n\n```shell\n{}\n```\n\nCI runs the same \
                 commands and fails when they change a file.",
                ci.lock_platforms.join(", "),
                vars::PROVIDER_MIRROR,
                locks.join("\n")
            ),
        ),
        (
            "Least privilege".into(),
            "Plan identities read the clouds and, of the state, read it and write only its lock file; apply \
             identities are trusted only by the jobs of their GitHub environments. The apply rights are \
             what the generated environments create, by service (AWS `PowerUserAccess` plus IAM only on the \
             clusters' own names, GCP network/GKE/IAM roles, Azure `Contributor` plus role assignments \
             limited to Network Contributor). A team narrows them further with a permissions boundary on \
             the roles the environments create (AWS), IAM conditions on the granted roles (GCP), and \
             Contributor on the clusters' resource groups once they exist instead of the subscription \
             (Azure)."
                .into(),
        ),
        regenerate_note(),
    ]
}

pub fn environment(p: &Platform, ci: &Ci) -> Module {
    let mut main: Vec<Item> = Vec::new();
    for cloud in clouds(p) {
        main.extend(match cloud {
            Cloud::Aws => aws::items(p, ci),
            Cloud::Gcp => gcp::items(p, ci),
            Cloud::Azure => azure::items(p, ci),
        });
    }
    let names: Vec<&str> = clouds(p).iter().map(|c| super::cloud_title(*c)).collect();
    Module {
        dir: DIR.into(),
        title: DIR.into(),
        about: vec![
            format!(
                "The state buckets and CI identities of platform `{}` on {}, applied once by hand before \
                 CI runs the other environments. Generated from `platform.toml`; do not edit.",
                p.name,
                names.join(", ")
            ),
            format!(
                "Each cloud gets a plan identity, trusted by pull requests and `main` of `{}`, and an apply \
                 identity trusted only by the jobs of the GitHub environments that apply to it; \
                 `.github/workflows/terraform-environments.yml` uses them.",
                ci.github_repository
            ),
        ],
        usage: None,
        required_version: ENV_REQUIRED_TERRAFORM.into(),
        required_providers: required_providers(p),
        // Local until the bucket exists; then the first cloud's backend, as the others use it.
        backend: ci.bootstrap_remote_state.then(|| {
            super::state::backend(
                p,
                clouds(p).first().copied().unwrap_or(Cloud::Aws),
                "bootstrap",
            )
        }),
        provider_blocks: providers(p),
        variables: Vec::new(),
        main,
        outputs: outputs(p),
        notes: notes(p, ci),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::tests::THREE;

    fn with_ci(extra: &str) -> Platform {
        Platform::parse(
            &format!("{THREE}{extra}[ci]\ngithub_repository = \"acme/platform\"\n"),
            "platform.toml",
        )
        .unwrap()
    }

    #[test]
    fn apply_identities_trust_exactly_the_environments_that_apply_to_their_cloud() {
        // No global layer: each cloud's apply identity trusts its own environment only.
        let p = with_ci("");
        let ci = p.ci.clone().unwrap();
        assert_eq!(
            subjects(&p, &ci, Cloud::Gcp, Stage::Apply),
            ["repo:acme/platform:environment:gcp"]
        );
        // Links between all three: global creates VPN sites everywhere, and its state is on AWS.
        let p = with_ci("[links]\ntopology = \"full-mesh\"\n");
        for cloud in [Cloud::Aws, Cloud::Gcp, Cloud::Azure] {
            assert_eq!(
                subjects(&p, &ci, cloud, Stage::Apply),
                [
                    format!("repo:acme/platform:environment:{}", cloud.as_str()),
                    "repo:acme/platform:environment:global".into()
                ]
            );
        }
        // A mesh only: global touches only the cloud that keeps its state.
        let p =
            with_ci("[mesh]\nenabled = true\ntrust_domain = \"a.b\"\n[global]\nstate = \"gcp\"\n");
        assert_eq!(subjects(&p, &ci, Cloud::Aws, Stage::Apply).len(), 1);
        assert_eq!(subjects(&p, &ci, Cloud::Gcp, Stage::Apply).len(), 2);
        assert_eq!(
            subjects(&p, &ci, Cloud::Azure, Stage::Plan),
            ci.plan_subjects()
        );
    }

    #[test]
    fn every_variable_the_workflow_reads_is_an_output_or_set_by_the_team() {
        let p = with_ci("[links]\ntopology = \"full-mesh\"\n");
        let yaml = workflow::workflow(&p);
        let outputs: Vec<String> = outputs(&p)
            .iter()
            .map(|o| o.name.to_ascii_uppercase())
            .collect();
        let mut read = 0;
        for part in yaml.split("${{ vars.").skip(1) {
            let name = part.split_whitespace().next().unwrap_or_default();
            read += 1;
            assert!(
                outputs.iter().any(|o| o == name)
                    || [
                        vars::PROVIDER_MIRROR,
                        "INGRESS_ADDRESSES",
                        "CLOUDFLARE_ACCOUNT_ID"
                    ]
                    .contains(&name),
                "the workflow reads vars.{name}, which the bootstrap does not output"
            );
        }
        assert!(read > 10);
    }

    /// The bootstrap creates exactly the buckets the backends name, and its state policies cover
    /// every key the backends write (all under the platform's name).
    #[test]
    fn the_buckets_and_keys_are_the_backends_ones() {
        let p = with_ci("[links]\ntopology = \"full-mesh\"\n");
        let tree = crate::tree_for_platform(&p);
        let main = &tree[&format!("{DIR}/main.tf")];
        let attr = |text: &str, key: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| {
                    let (k, v) = l.split_once('=')?;
                    (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
                })
                .collect()
        };
        // Buckets are `bucket` (S3) or `name` (GCS, Azure) there.
        let made: Vec<String> = [attr(main, "bucket"), attr(main, "name")].concat();
        let mut backends = 0;
        for (path, text) in tree.iter().filter(|(p, _)| p.ends_with("/versions.tf")) {
            if !text.contains("backend \"") {
                continue;
            }
            backends += 1;
            for key in [
                "bucket",
                "storage_account_name",
                "container_name",
                "resource_group_name",
            ] {
                for name in attr(text, key) {
                    assert!(
                        made.contains(&name),
                        "{path}: {key} {name:?} is not created by the bootstrap"
                    );
                }
            }
            for key in ["key", "prefix"] {
                for k in attr(text, key) {
                    assert!(
                        k.starts_with(&format!("{}/", p.name)),
                        "{path}: {key} {k:?}"
                    );
                }
            }
            if text.contains("backend \"s3\"") {
                assert_eq!(attr(text, "use_lockfile"), ["true"], "{path}");
            }
        }
        assert_eq!(backends, 4, "aws, gcp, azure and global have backends");
        assert!(
            main.contains(&format!("/{}/*.tflock", p.name)),
            "lock files of the platform's keys"
        );
    }

    #[test]
    fn the_readme_says_bootstrap_then_variables_then_push() {
        let p = with_ci("");
        let readme = &crate::tree_for_platform(&p)[&format!("{DIR}/README.md")];
        let at = |s: &str| {
            readme
                .find(s)
                .unwrap_or_else(|| panic!("{s:?} missing:\n{readme}"))
        };
        assert!(at("**Bootstrap**") < at("**Set the GitHub variables**"));
        assert!(at("**Set the GitHub variables**") < at("**push**"));
        assert!(at("<!-- BEGIN_TF_DOCS -->") < at("## Order"));
        // Local state until platform.toml says the bucket exists; then the first cloud's backend.
        let versions =
            |p: &Platform| crate::tree_for_platform(p)[&format!("{DIR}/versions.tf")].clone();
        assert!(!versions(&p).contains("backend"));
        let migrated = Platform::parse(
            &format!("{THREE}[ci]\ngithub_repository = \"acme/platform\"\nbootstrap_remote_state = true\n"),
            "platform.toml",
        )
        .unwrap();
        assert!(
            versions(&migrated).contains("key          = \"acme/bootstrap/terraform.tfstate\"")
        );
    }

    #[test]
    fn no_ci_section_no_bootstrap() {
        let p = Platform::parse(THREE, "platform.toml").unwrap();
        let tree = crate::tree_for_platform(&p);
        assert!(!tree.keys().any(|k| k.starts_with(DIR)));
    }
}
