resource "azurerm_resource_group" "this" {
  name     = var.resource_group_name
  location = var.location
  tags     = var.tags
}

# Entra ID only: Velero signs in with its workload identity (useAAD), never with a key.
resource "azurerm_storage_account" "this" {
  #checkov:skip=CKV_AZURE_59:Velero on EKS and GKE reaches the account over the internet from addresses Azure does not know; access is Entra ID only, without keys
  #checkov:skip=CKV_AZURE_35:as CKV_AZURE_59: a default-deny firewall would shut out the clusters in the other clouds
  #checkov:skip=CKV2_AZURE_33:a private endpoint serves only networks peered with Azure; see CKV_AZURE_59
  #checkov:skip=CKV2_AZURE_1:a customer-managed key needs a Key Vault the platform team runs; Microsoft-managed keys with infrastructure encryption protect the backups
  #checkov:skip=CKV_AZURE_33:the account holds blobs only; it has no queues to log
  #checkov:skip=CKV_AZURE_206:replication_type defaults to GRS; the team may choose ZRS or RA-GRS
  name                              = var.storage_account_name
  resource_group_name               = azurerm_resource_group.this.name
  location                          = azurerm_resource_group.this.location
  account_kind                      = "StorageV2"
  account_tier                      = "Standard"
  account_replication_type          = var.replication_type
  min_tls_version                   = "TLS1_2"
  https_traffic_only_enabled        = true
  allow_nested_items_to_be_public   = false
  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  local_user_enabled                = false
  infrastructure_encryption_enabled = true
  cross_tenant_replication_enabled  = false

  blob_properties {
    versioning_enabled = true

    delete_retention_policy {
      days = var.noncurrent_days
    }

    container_delete_retention_policy {
      days = var.noncurrent_days
    }
  }

  sas_policy {
    expiration_period = "00.01:00:00"
  }

  tags = var.tags
}

resource "azurerm_storage_container" "this" {
  #checkov:skip=CKV2_AZURE_21:blob read logging needs a Log Analytics workspace the platform team chooses; the activity log records every access change
  name                  = var.container_name
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}

# Velero deletes expired backups itself; this removes what it leaves behind.
resource "azurerm_storage_management_policy" "this" {
  storage_account_id = azurerm_storage_account.this.id

  rule {
    name    = "velero-leftovers"
    enabled = true

    filters {
      blob_types   = ["blockBlob"]
      prefix_match = ["${var.container_name}/"]
    }

    actions {
      base_blob {
        delete_after_days_since_modification_greater_than = var.expiration_days
      }

      version {
        delete_after_days_since_creation = var.noncurrent_days
      }
    }
  }
}

# Narrower than Storage Blob Data Contributor: no container management, no deleting versions.
resource "azurerm_role_definition" "velero" {
  name        = "Velero backups (${var.storage_account_name})"
  scope       = azurerm_storage_account.this.id
  description = "What Velero does in its backup container: read, write and delete blobs, and sign download URLs with a user delegation key."

  permissions {
    actions      = ["Microsoft.Storage/storageAccounts/blobServices/containers/read", "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"]
    data_actions = ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read", "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write", "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action", "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete"]
  }

  assignable_scopes = [azurerm_storage_account.this.id]
}
