//! GCP: the GCS state bucket (versioned, uniform bucket-level access, public access prevented),
//! a workload identity pool with a GitHub provider that admits only `[ci]`'s repository, and the
//! plan and apply service accounts, each impersonable only by its stage's OIDC subjects.

use super::{GITHUB_ISSUER, region, subjects};
use crate::expr::{Expr, func, num, obj, r, s, strs, tpl};
use crate::model::{Item, body, resource};
use crate::platform::{Ci, Cloud, Platform};
use crate::workflow::{Stage, vars};

/// (plan service account, apply service account, shared variable).
pub(super) fn identity_values() -> (Expr, Expr, Option<(&'static str, Expr, &'static str)>) {
    (
        r("google_service_account.plan.email"),
        r("google_service_account.apply.email"),
        Some((
            vars::GCP_WORKLOAD_IDENTITY_PROVIDER,
            r("google_iam_workload_identity_pool_provider.github.name"),
            "The workload identity provider that exchanges GitHub's tokens.",
        )),
    )
}

fn project(p: &Platform) -> Expr {
    s(p.gcp
        .as_ref()
        .map(|g| g.project_id.as_str())
        .unwrap_or_default())
}

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Plan => "plan",
        Stage::Apply => "apply",
    }
}

/// The project roles of each stage's service account.
fn project_roles(stage: Stage) -> &'static [&'static str] {
    match stage {
        // The Get/List calls of the plans' refreshes: networks, GKE, service accounts and the
        // project's IAM policy (narrower than the basic roles/viewer).
        Stage::Plan => &[
            "roles/compute.viewer",
            "roles/container.viewer",
            "roles/iam.serviceAccountViewer",
            "roles/iam.securityReviewer",
            "roles/serviceusage.serviceUsageViewer",
        ],
        // The VPC, firewalls, Cloud Router/NAT and HA VPN (network and security admin), GKE, and
        // the node service account with its project roles.
        Stage::Apply => &[
            "roles/compute.networkAdmin",
            "roles/compute.securityAdmin",
            "roles/container.admin",
            "roles/iam.serviceAccountAdmin",
            "roles/iam.serviceAccountUser",
            "roles/resourcemanager.projectIamAdmin",
        ],
    }
}

fn apis() -> Item {
    resource(
        "google_project_service",
        "ci",
        body()
            .a(
                "for_each",
                func(
                    "toset",
                    [strs([
                        "iam.googleapis.com",
                        "iamcredentials.googleapis.com",
                        "sts.googleapis.com",
                        "storage.googleapis.com",
                    ])],
                ),
            )
            .a("service", r("each.value"))
            .a("disable_on_destroy", false)
            .build(),
    )
    .comment("Workload identity federation exchanges tokens through STS and IAM Credentials.")
}

fn bucket(p: &Platform) -> Item {
    let name = p
        .gcp
        .as_ref()
        .map(|g| g.state_bucket.clone())
        .unwrap_or_default();
    resource(
        "google_storage_bucket",
        "state",
        body()
            .a("name", s(&name))
            .a("location", s(&region(p, Cloud::Gcp).to_ascii_uppercase()))
            .a("force_destroy", false)
            .a("uniform_bucket_level_access", true)
            .a("public_access_prevention", s("enforced"))
            .b("versioning", body().a("enabled", true))
            .b(
                "lifecycle_rule",
                body()
                    .b("action", body().a("type", s("Delete")))
                    .b(
                        "condition",
                        body()
                            .a("num_newer_versions", num(10))
                            .a("days_since_noncurrent_time", num(90)),
                    ),
            )
            .build(),
    )
    .comment("The state of every environment kept on GCP, under prefixes PLATFORM/ENVIRONMENT. Past states are kept 90 days, and always the last 10.")
    .skip("CKV_GCP_62", "usage logs need a second bucket; Cloud Audit Logs (data access) are the usual audit of a state bucket")
}

/// The repository, and exactly the subjects the service accounts below trust (CEL, single-quoted:
/// no escapes in the HCL).
fn attribute_condition(p: &Platform, ci: &Ci) -> String {
    let subjects: Vec<String> = [Stage::Plan, Stage::Apply]
        .iter()
        .flat_map(|stage| subjects(p, ci, Cloud::Gcp, *stage))
        .map(|sub| format!("assertion.sub == '{sub}'"))
        .collect();
    format!(
        "assertion.repository == '{}' && ({})",
        ci.github_repository,
        subjects.join(" || ")
    )
}

fn pool(p: &Platform, ci: &Ci) -> Vec<Item> {
    vec![
        resource(
            "google_iam_workload_identity_pool",
            "github",
            body()
                .a("workload_identity_pool_id", s(&format!("{}-github", p.name)))
                .a("display_name", s("GitHub Actions"))
                .a(
                    "description",
                    s(&format!("CI of {} (Terraform plan and apply)", ci.github_repository)),
                )
                .a("depends_on", crate::expr::list([r("google_project_service.ci")]))
                .build(),
        ),
        resource(
            "google_iam_workload_identity_pool_provider",
            "github",
            body()
                .a(
                    "workload_identity_pool_id",
                    r("google_iam_workload_identity_pool.github.workload_identity_pool_id"),
                )
                .a("workload_identity_pool_provider_id", s("github"))
                .a("display_name", s("GitHub"))
                .a(
                    "attribute_mapping",
                    obj([
                        ("google.subject", s("assertion.sub")),
                        ("attribute.repository", s("assertion.repository")),
                    ]),
                )
                .a("attribute_condition", s(&attribute_condition(p, ci)))
                .b("oidc", body().a("issuer_uri", s(GITHUB_ISSUER)))
                .build(),
        )
        .comment("Tokens of any other repository, or of a job no service account trusts, are refused here, before any binding is looked at."),
    ]
}

fn service_account(p: &Platform, ci: &Ci, stage: Stage) -> Vec<Item> {
    let name = stage_name(stage);
    let sa = format!("google_service_account.{name}");
    let mut items = vec![
        resource(
            "google_service_account",
            name,
            body()
                .a("account_id", s(&format!("{}-tf-{name}", p.name)))
                .a("display_name", s(&format!("Terraform {name} (CI)")))
                .a(
                    "description",
                    s(&format!(
                        "Terraform {name} in CI ({}), GitHub variable {}",
                        ci.github_repository,
                        vars::identity(Cloud::Gcp, stage)
                    )),
                )
                .build(),
        ),
        resource(
            "google_service_account_iam_member",
            &format!("{name}_github"),
            body()
                .a("for_each", func("toset", [strs(subjects(p, ci, Cloud::Gcp, stage))]))
                .a("service_account_id", r(&format!("{sa}.name")))
                .a("role", s("roles/iam.workloadIdentityUser"))
                .a(
                    "member",
                    tpl("principal://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/subject/${each.value}"),
                )
                .build(),
        )
        .comment(&format!(
            "Only these subjects may act as the {name} account: one principal per subject rather than the repository's principalSet, so a pull request can never act as the apply account."
        )),
    ];
    let mut project_binding = resource(
        "google_project_iam_member",
        name,
        body()
            .a("for_each", func("toset", [strs(project_roles(stage))]))
            .a("project", project(p))
            .a("role", r("each.value"))
            .a("member", r(&format!("{sa}.member")))
            .build(),
    );
    if stage == Stage::Apply {
        project_binding = project_binding
            .skip("CKV_GCP_41", "GKE node pools run as a service account that the environment creates; using it needs iam.serviceAccountUser")
            .skip("CKV_GCP_49", "the environment creates the node service account and grants it its project roles");
    }
    items.push(project_binding);
    items
}

/// The state bucket's IAM: applies read and write objects; plans read them and may write only lock
/// files (`PREFIX.tflock`), through an IAM condition on the object name.
fn state_access(p: &Platform) -> Vec<Item> {
    let bucket = p
        .gcp
        .as_ref()
        .map(|g| g.state_bucket.clone())
        .unwrap_or_default();
    vec![
        resource(
            "google_storage_bucket_iam_member",
            "apply_state",
            body()
                .a("bucket", r("google_storage_bucket.state.name"))
                .a("role", s("roles/storage.objectUser"))
                .a("member", r("google_service_account.apply.member"))
                .build(),
        ),
        resource(
            "google_storage_bucket_iam_member",
            "plan_state_read",
            body()
                .a("bucket", r("google_storage_bucket.state.name"))
                .a("role", s("roles/storage.objectViewer"))
                .a("member", r("google_service_account.plan.member"))
                .build(),
        ),
        resource(
            "google_storage_bucket_iam_member",
            "plan_state_lock",
            body()
                .a("bucket", r("google_storage_bucket.state.name"))
                .a("role", s("roles/storage.objectUser"))
                .a("member", r("google_service_account.plan.member"))
                .b(
                    "condition",
                    body()
                        .a("title", s("lock files only"))
                        .a(
                            "expression",
                            s(&format!(
                                "resource.name.startsWith('projects/_/buckets/{bucket}/objects/{}/') && resource.name.endsWith('.tflock')",
                                p.name
                            )),
                        ),
                )
                .build(),
        ),
    ]
}

pub(super) fn items(p: &Platform, ci: &Ci) -> Vec<Item> {
    let mut items = vec![apis(), bucket(p)];
    items.extend(pool(p, ci));
    items.extend(service_account(p, ci, Stage::Plan));
    items.extend(service_account(p, ci, Stage::Apply));
    items.extend(state_access(p));
    items
}
