locals {
  subject = "system:serviceaccount:${var.namespace}:${var.service_account}"
}

resource "azurerm_user_assigned_identity" "this" {
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  tags                = var.tags
}

# The cluster's issuer, for Velero's service account only.
resource "azurerm_federated_identity_credential" "velero" {
  name                = "velero-${var.cluster}"
  resource_group_name = var.resource_group_name
  parent_id           = azurerm_user_assigned_identity.this.id
  issuer              = var.oidc_issuer_url
  subject             = local.subject
  audience            = ["api://AzureADTokenExchange"]
}

# Reads every cluster's backups (restores from peers); writes and deletes only its own.
resource "azurerm_role_assignment" "velero" {
  scope              = var.container_id
  role_definition_id = var.role_definition_id
  principal_id       = azurerm_user_assigned_identity.this.principal_id
  principal_type     = "ServicePrincipal"
  description        = "Velero of cluster ${var.cluster}: writes only under clusters/${var.cluster}/"
  condition_version  = "2.0"
  condition          = "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write'}) AND !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action'}) AND !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'clusters/${var.cluster}/'))"
}
