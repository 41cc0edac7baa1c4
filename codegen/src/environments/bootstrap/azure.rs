//! Azure: the state storage account and container (TLS 1.2, no public blob access, no shared keys,
//! blob versioning and soft delete), and the plan and apply identities.
//!
//! The identities are user-assigned managed identities with federated credentials, one per GitHub
//! subject: GitHub's tokens sign in as them exactly as they would as an Entra ID application
//! (`ARM_USE_OIDC`, `ARM_CLIENT_ID`), but they are plain azurerm resources in the state's resource
//! group. Whoever runs the bootstrap then needs no Entra ID directory role (application
//! registration), and the azuread provider, whose schema the generated-module checks do not have,
//! is not needed.

use super::{GITHUB_ISSUER, region, subjects};
use crate::expr::{Expr, func, num, r, s, strs};
use crate::model::{Item, body, data, resource};
use crate::platform::{Ci, Cloud, Platform};
use crate::workflow::{Stage, vars};

/// (plan client ID, apply client ID, shared variable).
pub(super) fn identity_values() -> (Expr, Expr, Option<(&'static str, Expr, &'static str)>) {
    (
        r("azurerm_user_assigned_identity.plan.client_id"),
        r("azurerm_user_assigned_identity.apply.client_id"),
        Some((
            vars::AZURE_TENANT_ID,
            r("azurerm_user_assigned_identity.apply.tenant_id"),
            "The Entra ID tenant the identities sign in to.",
        )),
    )
}

/// The built-in role the AKS module assigns (to the cluster identity, on its node subnet): the
/// only role the apply identity may hand out.
const NETWORK_CONTRIBUTOR: &str = "4d97b98b-1d4f-4787-a291-c67834d212e7";

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Plan => "plan",
        Stage::Apply => "apply",
    }
}

fn settings(p: &Platform) -> (String, String, String) {
    let a = p.azure.as_ref();
    (
        a.map(|a| a.state_resource_group.clone())
            .unwrap_or_default(),
        a.map(|a| a.state_storage_account.clone())
            .unwrap_or_default(),
        a.map(|a| a.state_container.clone()).unwrap_or_default(),
    )
}

fn storage(p: &Platform) -> Vec<Item> {
    let (group, account, container) = settings(p);
    let retention = || body().a("days", num(30));
    vec![
        resource(
            "azurerm_resource_group",
            "state",
            body()
                .a("name", s(&group))
                .a("location", s(&region(p, Cloud::Azure)))
                .build(),
        ),
        resource(
            "azurerm_storage_account",
            "state",
            body()
                .a("name", s(&account))
                .a("resource_group_name", r("azurerm_resource_group.state.name"))
                .a("location", r("azurerm_resource_group.state.location"))
                .a("account_tier", s("Standard"))
                .a("account_replication_type", s("GRS"))
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
                        .b("delete_retention_policy", retention())
                        .b("container_delete_retention_policy", retention()),
                )
                .b(
                    "sas_policy",
                    body().a("expiration_period", s("00.01:00:00")),
                )
                .build(),
        )
        .comment("The state of every environment kept on Azure. Entra ID only (the backends set use_azuread_auth): no shared keys.")
        .skip("CKV_AZURE_59", "CI runs on GitHub-hosted runners, whose addresses are not fixed; access is Entra ID only, without keys")
        .skip("CKV_AZURE_35", "as CKV_AZURE_59: a default-deny firewall would shut out the GitHub-hosted runners")
        .skip("CKV2_AZURE_33", "a private endpoint needs self-hosted runners in a VNet; see CKV_AZURE_59")
        .skip("CKV2_AZURE_1", "a customer-managed key needs a Key Vault the platform team runs; Microsoft-managed keys with infrastructure encryption protect the state")
        .skip("CKV_AZURE_33", "the account holds blobs only; it has no queues to log"),
        resource(
            "azurerm_storage_container",
            "state",
            body()
                .a("name", s(&container))
                .a("storage_account_id", r("azurerm_storage_account.state.id"))
                .a("container_access_type", s("private"))
                .build(),
        )
        .skip("CKV2_AZURE_21", "blob read logging needs a Log Analytics workspace the platform team chooses; the activity log records every access change"),
    ]
}

fn identity(p: &Platform, ci: &Ci, stage: Stage) -> Vec<Item> {
    let name = stage_name(stage);
    let id = format!("azurerm_user_assigned_identity.{name}");
    vec![
        resource(
            "azurerm_user_assigned_identity",
            name,
            body()
                .a("name", s(&format!("{}-terraform-{name}", p.name)))
                .a(
                    "resource_group_name",
                    r("azurerm_resource_group.state.name"),
                )
                .a("location", r("azurerm_resource_group.state.location"))
                .build(),
        )
        .comment(&format!(
            "Terraform {name} in CI ({}), GitHub variable {}.",
            ci.github_repository,
            vars::identity(Cloud::Azure, stage)
        )),
        resource(
            "azurerm_federated_identity_credential",
            &format!("{name}_github"),
            body()
                .a(
                    "for_each",
                    func("toset", [strs(subjects(p, ci, Cloud::Azure, stage))]),
                )
                // Credential names allow no ':' or '/': the subject with those replaced.
                .a(
                    "name",
                    func("replace", [r("each.value"), s("/[:/]/"), s("-")]),
                )
                .a(
                    "resource_group_name",
                    r("azurerm_resource_group.state.name"),
                )
                .a("parent_id", r(&format!("{id}.id")))
                .a("audience", strs(["api://AzureADTokenExchange"]))
                .a("issuer", s(GITHUB_ISSUER))
                .a("subject", r("each.value"))
                .build(),
        )
        .comment("One federated credential per subject: Entra ID matches subjects exactly."),
    ]
}

fn assignment(name: &str, scope: Expr, role: &str, principal: &str) -> crate::model::B {
    body()
        .a("scope", scope)
        .a("role_definition_name", s(role))
        .a(
            "principal_id",
            r(&format!(
                "azurerm_user_assigned_identity.{principal}.principal_id"
            )),
        )
        .a("principal_type", s("ServicePrincipal"))
        .a("description", s(name))
}

fn role_assignments() -> Vec<Item> {
    let subscription = || r("data.azurerm_subscription.current.id");
    let container = || r("azurerm_storage_container.state.id");
    let condition = format!(
        "((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/write'}})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{NETWORK_CONTRIBUTOR}}})) AND ((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/delete'}})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{NETWORK_CONTRIBUTOR}}}))"
    );
    vec![
        data("azurerm_subscription", "current", body().build()),
        resource(
            "azurerm_role_assignment",
            "plan_reader",
            assignment("Terraform plan: read the subscription", subscription(), "Reader", "plan").build(),
        ),
        resource(
            "azurerm_role_assignment",
            "plan_state",
            assignment(
                "Terraform plan: read the state, lease its blob (the lock)",
                container(),
                "Storage Blob Data Contributor",
                "plan",
            )
            .build(),
        )
        .comment("Azure's lock is a lease on the state blob, which takes write access to the container: a real team can give plans -lock=false and Storage Blob Data Reader instead."),
        resource(
            "azurerm_role_assignment",
            "apply_contributor",
            assignment(
                "Terraform apply: the environments' resource groups, networks and clusters",
                subscription(),
                "Contributor",
                "apply",
            )
            .build(),
        )
        .comment("The environments create their own resource groups, so the grant is on the subscription."),
        resource(
            "azurerm_role_assignment",
            "apply_network_contributor_grants",
            assignment(
                "Terraform apply: assign Network Contributor (AKS node subnets) and nothing else",
                subscription(),
                "Role Based Access Control Administrator",
                "apply",
            )
            .a("condition_version", s("2.0"))
            .a("condition", s(&condition))
            .build(),
        )
        .comment("Contributor cannot assign roles; this may assign and remove only Network Contributor."),
        resource(
            "azurerm_role_assignment",
            "apply_state",
            assignment(
                "Terraform apply: read and write the state",
                container(),
                "Storage Blob Data Contributor",
                "apply",
            )
            .build(),
        ),
    ]
}

pub(super) fn items(p: &Platform, ci: &Ci) -> Vec<Item> {
    let mut items = storage(p);
    items.extend(identity(p, ci, Stage::Plan));
    items.extend(identity(p, ci, Stage::Apply));
    items.extend(role_assignments());
    items
}
