//! `modules/gcp-velero-identity`: the Google service account one cluster's Velero acts as on the
//! shared GCS backup bucket, from any cloud. A GKE cluster's Velero reaches it through GKE Workload
//! Identity; a cluster elsewhere (EKS, AKS) through workload identity federation: a provider for
//! the cluster's OIDC issuer in the platform's pool, whose tokens may impersonate the account. It
//! writes only under the cluster's own prefix and reads every cluster's (restores from peers).

use crate::expr::{Expr, bin, cond, eq, func, list, null, num, obj, r, s, tpl, ty, var};
use crate::model::{
    Item, Module, Output, RequiredProvider, Usage, Variable, body, data, locals, resource,
};

use super::{GOOGLE_VERSION, REQUIRED_TERRAFORM, notes};

pub const DIR: &str = "modules/gcp-velero-identity";

pub fn module() -> Module {
    Module {
        dir: DIR.into(),
        title: "gcp-velero-identity".into(),
        about: vec![
            "The Google service account of one cluster's Velero, for a backup bucket on GCS. On GKE \
             (`oidc_issuer_url` null) the cluster's Kubernetes service account `velero/velero-server` \
             may act as it through GKE Workload Identity (annotation `iam.gke.io/gcp-service-account`). \
             Elsewhere, a provider for the cluster's OIDC issuer in `workload_identity_pool_id` \
             admits only that service account's tokens for audience `audience`, and may impersonate \
             the account: Velero reads `credentials_json` (an external-account file, no secret in it) \
             through `GOOGLE_APPLICATION_CREDENTIALS`."
                .into(),
            "Least privilege: objects under `clusters/<cluster>/` created, replaced and deleted (an IAM \
             condition on the object name), every object of the bucket read and listed (backups of \
             the other clusters restore here), and the account may sign blobs as itself (Velero's \
             signed download URLs)."
                .into(),
        ],
        usage: Some(Usage::new("velero_identity", &super::local_source(DIR))),
        required_version: REQUIRED_TERRAFORM.into(),
        required_providers: vec![RequiredProvider::new(
            "google",
            "hashicorp/google",
            Some(GOOGLE_VERSION),
        )],
        variables: variables(),
        main: main(),
        outputs: outputs(),
        notes: notes(&[
            "GKE Workload Identity has one identity pool per project (`PROJECT.svc.id.goog`): every GKE \
             cluster of the project that runs `velero/velero-server` may act as every GKE cluster's \
             account there. Clusters outside GCP each have their own provider and subject.",
            "Changing `name` replaces the account: the cluster's Argo CD cluster Secret carries its \
             e-mail, so Velero follows at the next sync.",
        ]),
        ..Module::default()
    }
}

fn variables() -> Vec<Variable> {
    vec![
        Variable::new("name", ty::string(), "Account ID of the service account (6 to 30 characters).")
            .validate(
                func("can", [func("regex", [s("^[a-z][-a-z0-9]{4,28}[a-z0-9]$"), var("name")])]),
                "name must be 6 to 30 lowercase letters, digits or '-', starting with a letter (a service account ID).",
            )
            .replaces("the service account")
            .example(s("acme-eks-use1-velero")),
        Variable::new("project_id", ty::string(), "The project of the bucket, the account and the pool.")
            .example(s("my-project")),
        Variable::new("cluster", ty::string(), "The cluster's name: its backups are under clusters/CLUSTER/ in the bucket.")
            .example(s("eks-use1")),
        Variable::new("bucket", ty::string(), "The backup bucket's name.")
            .example(s("acme-platform-backups")),
        Variable::new("oidc_issuer_url", ty::string(), "The OIDC issuer of a cluster outside GCP (EKS's or AKS's, https://...). Null: a GKE cluster of project_id, through GKE Workload Identity.")
            .default(null())
            .validate(
                func("startswith", [func("coalesce", [var("oidc_issuer_url"), s("https://")]), s("https://")]),
                "oidc_issuer_url must start with https://.",
            )
            .example(s("https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE")),
        Variable::new("workload_identity_pool_id", ty::string(), "With oidc_issuer_url: the workload identity pool (its ID) the cluster's provider goes into.")
            .default(null())
            .example(s("acme-velero")),
        Variable::new("provider_id", ty::string(), "With oidc_issuer_url: the provider's ID in the pool (4 to 32 characters). Default the cluster's name.")
            .default(null())
            .example(s("eks-use1")),
        Variable::new("audience", ty::string(), "With oidc_issuer_url: the audience of the projected service-account tokens the provider accepts.")
            .default(s(crate::kubernetes::addons::GCP_FEDERATION_AUDIENCE))
            .not_null(),
        Variable::new("namespace", ty::string(), "Namespace of Velero's service account.")
            .default(s("velero"))
            .not_null(),
        Variable::new("service_account", ty::string(), "Velero's Kubernetes service account.")
            .default(s("velero-server"))
            .not_null(),
        Variable::new("token_path", ty::string(), "With oidc_issuer_url: where Velero's pod reads the projected token (the external-account file's credential_source).")
            .default(s("/var/run/secrets/gcp/token"))
            .not_null(),
    ]
}

fn federated() -> Expr {
    bin(
        var("oidc_issuer_url"),
        hcl::expr::BinaryOperator::NotEq,
        null(),
    )
}

fn count_if(c: Expr) -> Expr {
    cond(c, num(1), num(0))
}

fn main() -> Vec<Item> {
    let sa = || r("google_service_account.this.name");
    let member = || r("google_service_account.this.member");
    vec![
        data("google_project", "this", body().a("project_id", var("project_id")).build()),
        locals([
            ("subject", tpl("system:serviceaccount:${var.namespace}:${var.service_account}")),
            ("provider_id", func("coalesce", [var("provider_id"), var("cluster")])),
            // Each cluster's provider prefixes its subjects with the cluster's name: every cluster's
            // Velero has the same service account, and one pool holds every cluster's provider.
            ("federated_subject", tpl("${var.cluster}:${local.subject}")),
        ]),
        resource(
            "google_service_account",
            "this",
            body()
                .a("project", var("project_id"))
                .a("account_id", var("name"))
                .a("display_name", tpl("Velero of ${var.cluster}"))
                .a("description", tpl("Velero of cluster ${var.cluster}: backups under clusters/${var.cluster}/ in ${var.bucket}"))
                .build(),
        ),
        resource(
            "google_storage_bucket_iam_member",
            "read",
            body()
                .a("bucket", var("bucket"))
                .a("role", s("roles/storage.objectViewer"))
                .a("member", member())
                .build(),
        )
        .comment("Every cluster's backups, read and listed: restores from the peers."),
        resource(
            "google_storage_bucket_iam_member",
            "write_own_prefix",
            body()
                .a("bucket", var("bucket"))
                .a("role", s("roles/storage.objectUser"))
                .a("member", member())
                .b(
                    "condition",
                    body()
                        .a("title", s("velero-own-prefix"))
                        .a("description", tpl("Objects under clusters/${var.cluster}/ only"))
                        .a(
                            "expression",
                            // CEL accepts single-quoted strings: nothing to escape in HCL.
                            tpl("resource.name.startsWith('projects/_/buckets/${var.bucket}/objects/clusters/${var.cluster}/')"),
                        ),
                )
                .build(),
        )
        .comment("Creates, replaces and deletes objects only under the cluster's own prefix."),
        resource(
            "google_service_account_iam_member",
            "sign_blob",
            body()
                .a("service_account_id", sa())
                .a("role", s("roles/iam.serviceAccountTokenCreator"))
                .a("member", member())
                .build(),
        )
        .comment("Velero signs download URLs (velero backup logs, describe --details) with signBlob as itself."),
        resource(
            "google_service_account_iam_member",
            "gke",
            body()
                .a("count", count_if(eq(var("oidc_issuer_url"), null())))
                .a("service_account_id", sa())
                .a("role", s("roles/iam.workloadIdentityUser"))
                .a("member", tpl("serviceAccount:${var.project_id}.svc.id.goog[${var.namespace}/${var.service_account}]"))
                .build(),
        )
        .comment("GKE Workload Identity: the cluster's velero-server service account acts as this account."),
        resource(
            "google_iam_workload_identity_pool_provider",
            "cluster",
            body()
                .a("count", count_if(federated()))
                .a("project", var("project_id"))
                .a("workload_identity_pool_id", var("workload_identity_pool_id"))
                .a("workload_identity_pool_provider_id", r("local.provider_id"))
                .a("display_name", func("substr", [tpl("Velero ${var.cluster}"), num(0), num(32)]))
                .a("description", tpl("Velero of cluster ${var.cluster}"))
                .a(
                    "attribute_mapping",
                    obj([("google.subject", tpl("'${var.cluster}:' + assertion.sub"))]),
                )
                .a("attribute_condition", tpl("assertion.sub == '${local.subject}'"))
                .b(
                    "oidc",
                    body()
                        .a("issuer_uri", var("oidc_issuer_url"))
                        .a("allowed_audiences", list([var("audience")])),
                )
                .b(
                    "lifecycle",
                    body().b(
                        "precondition",
                        body()
                            .a("condition", bin(var("workload_identity_pool_id"), hcl::expr::BinaryOperator::NotEq, null()))
                            .a("error_message", s("A cluster outside GCP (oidc_issuer_url set) needs workload_identity_pool_id.")),
                    ),
                )
                .build(),
        )
        .comment("The cluster's issuer, admitting only Velero's service account, for the audience Velero's projected token asks for."),
        resource(
            "google_service_account_iam_member",
            "federated",
            body()
                .a("count", count_if(federated()))
                .a("service_account_id", sa())
                .a("role", s("roles/iam.workloadIdentityUser"))
                .a(
                    "member",
                    tpl("principal://iam.googleapis.com/projects/${data.google_project.this.number}/locations/global/workloadIdentityPools/${var.workload_identity_pool_id}/subject/${local.federated_subject}"),
                )
                .a("depends_on", list([r("google_iam_workload_identity_pool_provider.cluster")]))
                .build(),
        )
        .comment("Only this cluster's Velero (its provider's subject) may impersonate the account."),
    ]
}

fn outputs() -> Vec<Output> {
    let credentials = func(
        "jsonencode",
        [obj([
            ("type", s("external_account")),
            (
                "audience",
                tpl(
                    "//iam.googleapis.com/${google_iam_workload_identity_pool_provider.cluster[0].name}",
                ),
            ),
            (
                "subject_token_type",
                s("urn:ietf:params:oauth:token-type:jwt"),
            ),
            ("token_url", s("https://sts.googleapis.com/v1/token")),
            ("credential_source", obj([("file", var("token_path"))])),
            (
                "service_account_impersonation_url",
                tpl(
                    "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${google_service_account.this.email}:generateAccessToken",
                ),
            ),
        ])],
    );
    vec![
        Output::new(
            "email",
            "E-mail of the service account (the GKE annotation, Velero's serviceAccount config).",
            r("google_service_account.this.email"),
        ),
        Output::new(
            "credentials_json",
            "Outside GCP: the external-account file Velero reads through GOOGLE_APPLICATION_CREDENTIALS (no secret in it). Null on GKE.",
            cond(federated(), credentials, null()),
        ),
    ]
}
