//! The Terraform side of `[backup]`: the one bucket in its cloud's environment (S3, GCS, or an
//! Azure storage account and container) with the outputs `environments/gitops` reads, and in
//! `environments/gitops` each cluster's Velero identity in the bucket's cloud, trusting the
//! cluster's own OIDC issuer (IRSA or an IAM OIDC provider on AWS, GKE Workload Identity or a
//! workload identity pool provider on GCP, a federated identity credential on Azure). What the
//! identities are called and how the Velero values refer to them is in `kubernetes::addons`; the
//! two sides meet in the cluster Secret's annotations (`kubernetes::facts`).

use serde_json::{Value, json};

use super::provider_alias;
use crate::expr::{Expr, num, obj, r, s, strs};
use crate::model::{Item, Output, RequiredProvider, body, labeled, module_call, resource};
use crate::modules::{
    AWS_VERSION, AZURERM_VERSION, GOOGLE_VERSION, aws_backup_bucket, aws_velero_role,
    azure_backup_storage, azure_velero_identity, gcp_backup_bucket, gcp_velero_identity,
    local_source,
};
use crate::platform::{Backup, Cloud, Cluster, Platform, velero_identity_name};

/// Days the bucket keeps a backup's objects beyond Velero's own retention.
pub const EXPIRATION_MARGIN_DAYS: u32 = 7;

/// Outputs of the bucket cloud's environment that `environments/gitops` reads, by cloud.
const AWS_OUTPUTS: [(&str, &str, &str); 2] = [
    ("backup_bucket", "bucket", "The backup bucket"),
    (
        "backup_kms_key_arn",
        "kms_key_arn",
        "The backup bucket's KMS key",
    ),
];
const GCP_OUTPUTS: [(&str, &str, &str); 1] = [("backup_bucket", "bucket", "The backup bucket")];
const AZURE_OUTPUTS: [(&str, &str, &str); 4] = [
    (
        "backup_storage_account",
        "storage_account_name",
        "The backup storage account",
    ),
    (
        "backup_resource_group",
        "resource_group_name",
        "The backup storage account's resource group",
    ),
    (
        "backup_container_id",
        "container_id",
        "The backup container (scope of the Velero roles)",
    ),
    (
        "backup_role_definition_id",
        "velero_role_definition_id",
        "The Velero role of the backup container",
    ),
];

fn outputs_of(cloud: Cloud) -> &'static [(&'static str, &'static str, &'static str)] {
    match cloud {
        Cloud::Aws => &AWS_OUTPUTS,
        Cloud::Gcp => &GCP_OUTPUTS,
        Cloud::Azure => &AZURE_OUTPUTS,
    }
}

fn snake(name: &str) -> String {
    name.replace('-', "_")
}

fn expiration_days(b: &Backup) -> i64 {
    (b.retention_hours.div_ceil(24) + EXPIRATION_MARGIN_DAYS) as i64
}

/// The shared backup bucket, in the bucket cloud's environment.
pub fn bucket_call(p: &Platform, b: &Backup) -> Vec<Item> {
    let days = expiration_days(b);
    let call = match b.cloud {
        Cloud::Aws => module_call(
            "backups",
            &local_source(aws_backup_bucket::DIR),
            body()
                .a(
                    "providers",
                    obj([("aws", r(&format!("aws.{}", provider_alias(b.region(p)))))]),
                )
                .a("bucket", s(&b.bucket))
                .a("expiration_days", num(days))
                .a("tags", r("local.tags"))
                .build(),
        ),
        // The provider's default_labels label the bucket.
        Cloud::Gcp => module_call(
            "backups",
            &local_source(gcp_backup_bucket::DIR),
            body()
                .a("bucket", s(&b.bucket))
                .a("location", s(&b.region(p).to_ascii_uppercase()))
                .a("expiration_days", num(days))
                .build(),
        ),
        Cloud::Azure => module_call(
            "backups",
            &local_source(azure_backup_storage::DIR),
            body()
                .a("storage_account_name", s(&b.azure_account()))
                .a("resource_group_name", s(&Backup::azure_resource_group(p)))
                .a("location", s(b.region(p)))
                .a(
                    "container_name",
                    s(crate::kubernetes::addons::AZURE_BACKUP_CONTAINER),
                )
                .a("expiration_days", num(days))
                .a("tags", r("local.tags"))
                .build(),
        ),
    };
    vec![call.comment(&format!(
        "Velero's bucket for every cluster (clusters/<cluster>/): backups expire after {}h in Velero, their objects {EXPIRATION_MARGIN_DAYS} days later here.",
        b.retention_hours
    ))]
}

pub fn bucket_outputs(b: &Backup) -> Vec<Output> {
    outputs_of(b.cloud)
        .iter()
        .map(|(name, module_output, what)| {
            Output::new(
                name,
                &format!("{what}, for environments/gitops."),
                r(&format!("module.backups.{module_output}")),
            )
        })
        .collect()
}

/// What `environments/gitops` reads from the bucket cloud's state.
fn bucket_state(b: &Backup, output: &str) -> Expr {
    debug_assert!(outputs_of(b.cloud).iter().any(|(n, _, _)| *n == output));
    r(&format!(
        "data.terraform_remote_state.{}.outputs.{output}",
        b.cloud.as_str()
    ))
}

/// A cloud environment's output about cluster `c` (endpoint, CA, OIDC issuer).
fn cluster_state(c: &Cluster, what: &str) -> Expr {
    r(&format!(
        "data.terraform_remote_state.{}.outputs.{}_{what}",
        c.cloud.as_str(),
        snake(&c.name)
    ))
}

/// The OIDC issuer of `c` as other clouds trust it (GKE's is a fixed URL).
fn issuer(p: &Platform, c: &Cluster) -> Expr {
    match c.cloud {
        Cloud::Gcp => s(&super::gitops::gke_issuer(p, c)),
        Cloud::Aws | Cloud::Azure => cluster_state(c, "oidc_issuer_url"),
    }
}

fn module_name(c: &Cluster) -> String {
    format!("{}-velero", c.name)
}

/// The value of `c`'s `multicloud.io/velero-identity` annotation: the role ARN (S3), the
/// service account's e-mail (GCS) or the identity's client ID (Azure).
pub fn identity(b: &Backup, c: &Cluster) -> Expr {
    let output = match b.cloud {
        Cloud::Aws => "role_arn",
        Cloud::Gcp => "email",
        Cloud::Azure => "client_id",
    };
    r(&format!("module.{}.{output}", module_name(c)))
}

/// The value of `c`'s `multicloud.io/velero-tenant-id` annotation (bucket on Azure).
pub fn tenant(c: &Cluster) -> Expr {
    r(&format!("module.{}.tenant_id", module_name(c)))
}

/// With the bucket on GCS, a cluster in another cloud reads Google's external-account file from
/// the ConfigMap `velero-gcp-credentials` (written by `cluster-access`).
pub fn gcp_credentials(b: &Backup, c: &Cluster) -> Option<Expr> {
    (b.cloud == Cloud::Gcp && c.cloud != Cloud::Gcp)
        .then(|| r(&format!("module.{}.credentials_json", module_name(c))))
}

fn gcp_project(p: &Platform) -> String {
    p.gcp
        .as_ref()
        .map(|g| g.project_id.clone())
        .unwrap_or_default()
}

/// The required providers and provider configurations the identities need in
/// `environments/gitops`: the bucket's cloud's.
pub fn providers(p: &Platform, b: &Backup) -> (RequiredProvider, Vec<hcl::Block>) {
    match b.cloud {
        Cloud::Aws => (
            RequiredProvider::new("aws", "hashicorp/aws", Some(AWS_VERSION)),
            super::aws_providers(p, std::iter::once(b.region(p))),
        ),
        Cloud::Gcp => (
            RequiredProvider::new("google", "hashicorp/google", Some(GOOGLE_VERSION)),
            vec![labeled(
                "provider",
                &["google"],
                body()
                    .a("project", s(&gcp_project(p)))
                    .a("region", s(b.region(p)))
                    .a("default_labels", super::tags(p))
                    .build(),
            )],
        ),
        Cloud::Azure => (
            RequiredProvider::new("azurerm", "hashicorp/azurerm", Some(AZURERM_VERSION)),
            vec![labeled(
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
                    .b("features", body())
                    .build(),
            )],
        ),
    }
}

/// Items of `environments/gitops`: what the identities share (on GCP, the workload identity pool
/// of the clusters in other clouds) and one identity module per cluster.
pub fn identity_items(p: &Platform, b: &Backup) -> Vec<Item> {
    let mut items = Vec::new();
    let federated = p.clusters.iter().any(|c| c.cloud != Cloud::Gcp);
    if b.cloud == Cloud::Gcp && federated {
        items.extend(gcp_pool(p));
    }
    items.extend(p.clusters.iter().map(|c| identity_call(p, b, c)));
    items
}

/// GCP: the pool holding one OIDC provider per cluster outside GCP, and the APIs the token
/// exchange goes through.
fn gcp_pool(p: &Platform) -> Vec<Item> {
    let project = gcp_project(p);
    vec![
        resource(
            "google_project_service",
            "velero_federation",
            body()
                .a("for_each", crate::expr::func("toset", [strs(["iam.googleapis.com", "iamcredentials.googleapis.com", "sts.googleapis.com"])]))
                .a("project", s(&project))
                .a("service", r("each.value"))
                .a("disable_on_destroy", false)
                .build(),
        )
        .comment("Velero outside GCP exchanges its cluster's tokens through STS and impersonates through IAM Credentials."),
        resource(
            "google_iam_workload_identity_pool",
            "velero",
            body()
                .a("project", s(&project))
                .a("workload_identity_pool_id", s(&Backup::gcp_pool_id(p)))
                .a("display_name", s(&format!("Velero of {}", p.name)))
                .a("description", s("The OIDC issuers of the platform's clusters outside GCP, one provider each, for Velero's backups"))
                .a("depends_on", crate::expr::list([r("google_project_service.velero_federation")]))
                .build(),
        ),
    ]
}

fn identity_call(p: &Platform, b: &Backup, c: &Cluster) -> Item {
    let name = velero_identity_name(p, &c.name);
    let (source, args, what) = match b.cloud {
        Cloud::Aws => {
            let args = body()
                // One aws provider: the bucket's region.
                .a(
                    "providers",
                    obj([("aws", r(&format!("aws.{}", provider_alias(b.region(p)))))]),
                )
                .a("name", s(&name))
                .a("cluster", s(&c.name))
                .a("bucket", s(&b.bucket))
                .a("kms_key_arn", bucket_state(b, "backup_kms_key_arn"))
                .a("oidc_issuer_url", issuer(p, c))
                .when(c.cloud == Cloud::Aws, |a| {
                    a.a("oidc_provider_arn", cluster_state(c, "oidc_provider_arn"))
                })
                .a("tags", r("local.tags"));
            (
                aws_velero_role::DIR,
                args,
                "signs in to the S3 bucket as this role (trusting the cluster's issuer)",
            )
        }
        Cloud::Gcp => {
            let args = body()
                .a("name", s(&name))
                .a("project_id", s(&gcp_project(p)))
                .a("cluster", s(&c.name))
                .a("bucket", bucket_state(b, "backup_bucket"))
                .when(c.cloud != Cloud::Gcp, |a| {
                    a.a("oidc_issuer_url", issuer(p, c))
                        .a(
                            "workload_identity_pool_id",
                            r("google_iam_workload_identity_pool.velero.workload_identity_pool_id"),
                        )
                        .a("provider_id", s(&Backup::gcp_provider_id(&c.name)))
                });
            let what = if c.cloud == Cloud::Gcp {
                "acts as this service account through GKE Workload Identity"
            } else {
                "impersonates this service account through workload identity federation (its issuer's provider in the pool)"
            };
            (gcp_velero_identity::DIR, args, what)
        }
        Cloud::Azure => {
            let args = body()
                .a("name", s(&name))
                .a(
                    "resource_group_name",
                    bucket_state(b, "backup_resource_group"),
                )
                .a("location", s(b.region(p)))
                .a("cluster", s(&c.name))
                .a("oidc_issuer_url", issuer(p, c))
                .a("container_id", bucket_state(b, "backup_container_id"))
                .a(
                    "role_definition_id",
                    bucket_state(b, "backup_role_definition_id"),
                )
                .a("tags", r("local.tags"));
            (
                azure_velero_identity::DIR,
                args,
                "signs in to the backup container as this identity (a federated credential on the cluster's issuer)",
            )
        }
    };
    module_call(&module_name(c), &local_source(source), args.build())
        .comment(&format!("Velero of {} {what}.", c.name))
}

/// Test support: the backup outputs of the bucket cloud's state, made up with the right shapes.
pub fn test_outputs(p: &Platform, cloud: Cloud) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    let Some(b) = p.backup.as_ref().filter(|b| b.cloud == cloud) else {
        return m;
    };
    let sub = p
        .azure
        .as_ref()
        .map(|a| a.subscription_id.clone())
        .unwrap_or_default();
    let account = b.azure_account();
    let group = Backup::azure_resource_group(p);
    for (name, _, _) in outputs_of(cloud) {
        let v = match *name {
            "backup_bucket" => b.bucket.clone(),
            "backup_kms_key_arn" => {
                "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000".into()
            }
            "backup_storage_account" => account.clone(),
            "backup_resource_group" => group.clone(),
            "backup_container_id" => format!(
                "/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Storage/storageAccounts/{account}/blobServices/default/containers/{}",
                crate::kubernetes::addons::AZURE_BACKUP_CONTAINER
            ),
            "backup_role_definition_id" => format!(
                "/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/00000000-0000-0000-0000-000000000001"
            ),
            other => other.to_string(),
        };
        m.insert(name.to_string(), json!({"value": v, "type": "string"}));
    }
    m
}
