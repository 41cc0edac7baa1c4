//! `modules/azure-velero-identity`: the user-assigned identity one cluster's Velero signs in as to
//! the shared Azure backup container, from any cloud: a federated identity credential trusts the
//! cluster's OIDC issuer (AKS's, EKS's or GKE's) for Velero's service account only, and the
//! container's Velero role is assigned with a condition that limits writes and deletes to the
//! cluster's own prefix.

use crate::expr::{obj, r, s, strs, tpl, ty, var};
use crate::model::{
    Item, Module, Output, RequiredProvider, Usage, Variable, body, locals, resource,
};

use super::azure_backup_storage::VELERO_DATA_ACTIONS;
use super::{AZURERM_VERSION, REQUIRED_TERRAFORM, notes};

pub const DIR: &str = "modules/azure-velero-identity";
/// The audience Entra ID's token exchange accepts (what AKS's workload identity webhook asks for).
pub const AUDIENCE: &str = "api://AzureADTokenExchange";

pub fn module() -> Module {
    Module {
        dir: DIR.into(),
        title: "azure-velero-identity".into(),
        about: vec![
            "The user-assigned identity of one cluster's Velero, for a backup container on Azure. A \
             federated identity credential trusts the cluster's OIDC issuer for one Kubernetes service \
             account (`velero/velero-server` by default) and audience `api://AzureADTokenExchange`: \
             on AKS the workload identity webhook projects that token (label \
             `azure.workload.identity/use`, annotation `azure.workload.identity/client-id`); on EKS \
             or GKE Velero's pod projects it itself and names the identity with `AZURE_CLIENT_ID` and \
             `AZURE_TENANT_ID`."
                .into(),
            "Least privilege: the container's Velero role (`azure-backup-storage`) with a condition: \
             blobs are written, created and deleted only under `clusters/<cluster>/`; every blob is \
             read (backups of the other clusters restore here)."
                .into(),
        ],
        usage: Some(Usage::new("velero_identity", &super::local_source(DIR))),
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
            "Entra ID accepts at most 20 federated credentials per identity; this module makes one.",
            "Changing `name` replaces the identity (a new client ID): the cluster's Argo CD cluster \
             Secret carries it, so Velero follows at the next sync.",
        ]),
        ..Module::default()
    }
}

fn variables() -> Vec<Variable> {
    vec![
        Variable::new("name", ty::string(), "Name of the user-assigned identity.")
            .replaces("the identity")
            .example(s("acme-gke-euw1-velero")),
        Variable::new("resource_group_name", ty::string(), "Resource group of the identity (the backup account's).")
            .example(s("acme-backups")),
        Variable::new("location", ty::string(), "Azure region of the identity.")
            .example(s("westeurope")),
        Variable::new("cluster", ty::string(), "The cluster's name: its backups are under clusters/CLUSTER/ in the container.")
            .example(s("gke-euw1")),
        Variable::new("oidc_issuer_url", ty::string(), "The cluster's OIDC issuer (https://...): AKS's oidc_issuer_url, EKS's, or GKE's https://container.googleapis.com/v1/projects/P/locations/L/clusters/C.")
            .validate(
                crate::expr::func("startswith", [var("oidc_issuer_url"), s("https://")]),
                "oidc_issuer_url must start with https://.",
            )
            .example(s("https://container.googleapis.com/v1/projects/my-project/locations/europe-west1/clusters/gke-euw1")),
        Variable::new("container_id", ty::string(), "Resource ID of the backup container (the role assignment's scope).")
            .example(s("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/acme-backups/providers/Microsoft.Storage/storageAccounts/acmeplatformbackups/blobServices/default/containers/velero")),
        Variable::new("role_definition_id", ty::string(), "The Velero role of the backup container (azure-backup-storage's velero_role_definition_id).")
            .example(s("/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/00000000-0000-0000-0000-000000000001")),
        Variable::new("namespace", ty::string(), "Namespace of Velero's service account.")
            .default(s("velero"))
            .not_null(),
        Variable::new("service_account", ty::string(), "Velero's service account.")
            .default(s("velero-server"))
            .not_null(),
        Variable::new("tags", ty::map(ty::string()), "Tags added to every resource.")
            .default(obj::<_, &str>([]))
            .not_null()
            .example(obj([("team", s("platform"))])),
    ]
}

/// Azure ABAC (condition version 2.0): the writing data actions are allowed only on blob paths
/// under the cluster's prefix; everything else the role grants (reading) is unconditional.
fn own_prefix_condition() -> crate::expr::Expr {
    let writes: Vec<String> = VELERO_DATA_ACTIONS
        .iter()
        .filter(|a| !a.ends_with("/read"))
        .map(|a| format!("!(ActionMatches{{'{a}'}})"))
        .collect();
    // One line: a quoted HCL string cannot hold newlines, and the condition ignores them.
    tpl(&format!(
        "(({}) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'clusters/${{var.cluster}}/'))",
        writes.join(" AND ")
    ))
}

fn main() -> Vec<Item> {
    vec![
        locals([(
            "subject",
            tpl("system:serviceaccount:${var.namespace}:${var.service_account}"),
        )]),
        resource(
            "azurerm_user_assigned_identity",
            "this",
            body()
                .a("name", var("name"))
                .a("resource_group_name", var("resource_group_name"))
                .a("location", var("location"))
                .a("tags", var("tags"))
                .build(),
        ),
        resource(
            "azurerm_federated_identity_credential",
            "velero",
            body()
                .a("name", tpl("velero-${var.cluster}"))
                .a("resource_group_name", var("resource_group_name"))
                .a("parent_id", r("azurerm_user_assigned_identity.this.id"))
                .a("issuer", var("oidc_issuer_url"))
                .a("subject", r("local.subject"))
                .a("audience", strs([AUDIENCE]))
                .build(),
        )
        .comment("The cluster's issuer, for Velero's service account only."),
        resource(
            "azurerm_role_assignment",
            "velero",
            body()
                .a("scope", var("container_id"))
                .a("role_definition_id", var("role_definition_id"))
                .a("principal_id", r("azurerm_user_assigned_identity.this.principal_id"))
                .a("principal_type", s("ServicePrincipal"))
                .a("description", tpl("Velero of cluster ${var.cluster}: writes only under clusters/${var.cluster}/"))
                .a("condition_version", s("2.0"))
                .a("condition", own_prefix_condition())
                .build(),
        )
        .comment("Reads every cluster's backups (restores from peers); writes and deletes only its own."),
    ]
}

fn outputs() -> Vec<Output> {
    vec![
        Output::new(
            "client_id",
            "Client ID of the identity (Velero's AZURE_CLIENT_ID, or its workload identity annotation on AKS).",
            r("azurerm_user_assigned_identity.this.client_id"),
        ),
        Output::new(
            "tenant_id",
            "Tenant of the identity (Velero's AZURE_TENANT_ID outside AKS).",
            r("azurerm_user_assigned_identity.this.tenant_id"),
        ),
        Output::new(
            "principal_id",
            "Object ID of the identity's service principal.",
            r("azurerm_user_assigned_identity.this.principal_id"),
        ),
    ]
}
