//! `modules/azure-backup-storage`: the storage account and blob container every cluster's Velero
//! backs up to when `[backup] cloud = "azure"`, under `clusters/<cluster>/`: blob versioning and
//! soft delete, TLS 1.2, no public access and no shared keys (Entra ID only), a lifecycle that
//! ends what Velero's own expiry leaves behind, and the custom role the Velero identities get on
//! the container (as `aws-backup-bucket` on S3).

use crate::expr::{list, num, obj, r, s, strs, tpl, ty, var};
use crate::model::{Item, Module, Output, RequiredProvider, Usage, Variable, body, resource};

use super::{AZURERM_VERSION, REQUIRED_TERRAFORM, notes};

pub const DIR: &str = "modules/azure-backup-storage";

/// What Velero does in the container (its plugin and Kopia, with `useAAD`): the blobs' data
/// actions and the user delegation key of signed download URLs. No container deletion, no
/// version deletion, no permanent delete: a compromised cluster cannot remove history.
pub const VELERO_ACTIONS: [&str; 2] = [
    "Microsoft.Storage/storageAccounts/blobServices/containers/read",
    "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
];
pub const VELERO_DATA_ACTIONS: [&str; 4] = [
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
];

pub fn module() -> Module {
    Module {
        dir: DIR.into(),
        title: "azure-backup-storage".into(),
        about: vec![
            "The storage account and blob container the platform's Velero instances share: every \
             cluster writes under `clusters/<cluster>/` and reads the others' prefixes, so a backup \
             made in one cloud restores in another. StorageV2 with TLS 1.2, HTTPS only, no public \
             blobs, no shared keys or local users (Entra ID only: Velero runs with `useAAD`), \
             infrastructure encryption, blob versioning, soft delete of blobs and containers, and \
             a lifecycle: blobs are deleted a margin after Velero's own retention, old versions \
             after `noncurrent_days`."
                .into(),
            "It also defines the role the Velero identities get on the container (`velero_role_definition_id`): \
             read, write and delete blobs and get a user delegation key, nothing else. \
             `azure-velero-identity` assigns it to each cluster's identity with a condition that \
             limits writes and deletes to the cluster's own prefix."
                .into(),
        ],
        usage: Some(Usage::new("backups", &super::local_source(DIR))),
        required_version: REQUIRED_TERRAFORM.into(),
        required_providers: vec![RequiredProvider::new(
            "azurerm",
            "hashicorp/azurerm",
            Some(AZURERM_VERSION),
        )],
        variables: variables(),
        main: main(),
        outputs: outputs(),
        notes: notes(&[
            "Changing `storage_account_name`, `resource_group_name` or `location` replaces the \
             account and everything in it.",
            "`expiration_days` is a safety net behind Velero's `ttl`: keep it longer than the \
             retention of the longest schedule, or Velero finds backups whose files are gone.",
            "The account accepts requests from any network: Velero on EKS and GKE reaches it over \
             the internet, with Entra ID tokens only.",
        ]),
        ..Module::default()
    }
}

fn variables() -> Vec<Variable> {
    vec![
        Variable::new("storage_account_name", ty::string(), "Name of the storage account (globally unique).")
            .validate(
                crate::expr::func("can", [crate::expr::func("regex", [s("^[a-z0-9]{3,24}$"), var("storage_account_name")])]),
                "storage_account_name must be 3 to 24 lowercase letters or digits.",
            )
            .replaces("the account and every backup in it")
            .example(s("acmeplatformbackups")),
        Variable::new("resource_group_name", ty::string(), "Resource group created for the account (and the Velero identities).")
            .replaces("the account and every backup in it")
            .example(s("acme-backups")),
        Variable::new("location", ty::string(), "Azure region of the account.")
            .replaces("the account and every backup in it")
            .example(s("westeurope")),
        Variable::new("container_name", ty::string(), "The blob container Velero uses as its bucket.")
            .default(s("velero"))
            .not_null(),
        Variable::new("expiration_days", ty::number(), "Blobs are deleted this many days after they were last written: Velero's retention plus a margin.")
            .default(num(37))
            .validate(
                crate::expr::bin(var("expiration_days"), hcl::expr::BinaryOperator::GreaterEq, num(1)),
                "expiration_days must be at least 1.",
            )
            .not_null(),
        Variable::new("noncurrent_days", ty::number(), "Overwritten or deleted blobs (old versions, soft-deleted blobs and containers) stay recoverable this many days.")
            .default(num(7))
            .validate(
                crate::expr::and(
                    crate::expr::bin(var("noncurrent_days"), hcl::expr::BinaryOperator::GreaterEq, num(1)),
                    crate::expr::bin(var("noncurrent_days"), hcl::expr::BinaryOperator::LessEq, num(365)),
                ),
                "noncurrent_days must be 1 to 365 (Azure's soft-delete range).",
            )
            .not_null(),
        Variable::new("replication_type", ty::string(), "The account's replication: GRS keeps a copy in the paired region.")
            .default(s("GRS"))
            .not_null(),
        Variable::new("tags", ty::map(ty::string()), "Tags added to every resource.")
            .default(obj::<_, &str>([]))
            .not_null()
            .example(obj([("team", s("platform"))])),
    ]
}

fn main() -> Vec<Item> {
    let keep = || body().a("days", var("noncurrent_days"));
    vec![
        resource(
            "azurerm_resource_group",
            "this",
            body()
                .a("name", var("resource_group_name"))
                .a("location", var("location"))
                .a("tags", var("tags"))
                .build(),
        ),
        resource(
            "azurerm_storage_account",
            "this",
            body()
                .a("name", var("storage_account_name"))
                .a("resource_group_name", r("azurerm_resource_group.this.name"))
                .a("location", r("azurerm_resource_group.this.location"))
                .a("account_kind", s("StorageV2"))
                .a("account_tier", s("Standard"))
                .a("account_replication_type", var("replication_type"))
                .a("min_tls_version", s("TLS1_2"))
                .a("https_traffic_only_enabled", true)
                .a("allow_nested_items_to_be_public", false)
                .a("shared_access_key_enabled", false)
                .a("default_to_oauth_authentication", true)
                .a("local_user_enabled", false)
                .a("infrastructure_encryption_enabled", true)
                .a("cross_tenant_replication_enabled", false)
                .b(
                    "blob_properties",
                    body()
                        .a("versioning_enabled", true)
                        .b("delete_retention_policy", keep())
                        .b("container_delete_retention_policy", keep()),
                )
                .b("sas_policy", body().a("expiration_period", s("00.01:00:00")))
                .a("tags", var("tags"))
                .build(),
        )
        .comment("Entra ID only: Velero signs in with its workload identity (useAAD), never with a key.")
        .skip("CKV_AZURE_59", "Velero on EKS and GKE reaches the account over the internet from addresses Azure does not know; access is Entra ID only, without keys")
        .skip("CKV_AZURE_35", "as CKV_AZURE_59: a default-deny firewall would shut out the clusters in the other clouds")
        .skip("CKV2_AZURE_33", "a private endpoint serves only networks peered with Azure; see CKV_AZURE_59")
        .skip("CKV2_AZURE_1", "a customer-managed key needs a Key Vault the platform team runs; Microsoft-managed keys with infrastructure encryption protect the backups")
        .skip("CKV_AZURE_33", "the account holds blobs only; it has no queues to log")
        .skip("CKV_AZURE_206", "replication_type defaults to GRS; the team may choose ZRS or RA-GRS"),
        resource(
            "azurerm_storage_container",
            "this",
            body()
                .a("name", var("container_name"))
                .a("storage_account_id", r("azurerm_storage_account.this.id"))
                .a("container_access_type", s("private"))
                .build(),
        )
        .skip("CKV2_AZURE_21", "blob read logging needs a Log Analytics workspace the platform team chooses; the activity log records every access change"),
        resource(
            "azurerm_storage_management_policy",
            "this",
            body()
                .a("storage_account_id", r("azurerm_storage_account.this.id"))
                .b(
                    "rule",
                    body()
                        .a("name", s("velero-leftovers"))
                        .a("enabled", true)
                        .b(
                            "filters",
                            body()
                                .a("blob_types", strs(["blockBlob"]))
                                .a("prefix_match", list([tpl("${var.container_name}/")])),
                        )
                        .b(
                            "actions",
                            body()
                                .b(
                                    "base_blob",
                                    body().a("delete_after_days_since_modification_greater_than", var("expiration_days")),
                                )
                                .b("version", body().a("delete_after_days_since_creation", var("noncurrent_days"))),
                        ),
                )
                .build(),
        )
        .comment("Velero deletes expired backups itself; this removes what it leaves behind."),
        resource(
            "azurerm_role_definition",
            "velero",
            body()
                .a("name", tpl("Velero backups (${var.storage_account_name})"))
                .a("scope", r("azurerm_storage_account.this.id"))
                .a("description", s("What Velero does in its backup container: read, write and delete blobs, and sign download URLs with a user delegation key."))
                .b(
                    "permissions",
                    body()
                        .a("actions", strs(VELERO_ACTIONS))
                        .a("data_actions", strs(VELERO_DATA_ACTIONS)),
                )
                .a("assignable_scopes", list([r("azurerm_storage_account.this.id")]))
                .build(),
        )
        .comment("Narrower than Storage Blob Data Contributor: no container management, no deleting versions."),
    ]
}

fn outputs() -> Vec<Output> {
    vec![
        Output::new(
            "storage_account_name",
            "Name of the storage account.",
            r("azurerm_storage_account.this.name"),
        ),
        Output::new(
            "storage_account_id",
            "ID of the storage account.",
            r("azurerm_storage_account.this.id"),
        ),
        Output::new(
            "blob_endpoint",
            "The account's blob endpoint (Velero's storageAccountURI).",
            r("azurerm_storage_account.this.primary_blob_endpoint"),
        ),
        Output::new(
            "resource_group_name",
            "The resource group of the account.",
            r("azurerm_resource_group.this.name"),
        ),
        Output::new(
            "container_name",
            "The blob container (Velero's bucket).",
            r("azurerm_storage_container.this.name"),
        ),
        Output::new(
            "container_id",
            "Resource ID of the container: the scope of the Velero role assignments.",
            r("azurerm_storage_container.this.id"),
        ),
        Output::new(
            "velero_role_definition_id",
            "The role to assign to each Velero identity on the container.",
            r("azurerm_role_definition.velero.role_definition_resource_id"),
        ),
    ]
}
