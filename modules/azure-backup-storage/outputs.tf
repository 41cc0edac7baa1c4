output "storage_account_name" {
  description = "Name of the storage account."
  value       = azurerm_storage_account.this.name
}

output "storage_account_id" {
  description = "ID of the storage account."
  value       = azurerm_storage_account.this.id
}

output "blob_endpoint" {
  description = "The account's blob endpoint (Velero's storageAccountURI)."
  value       = azurerm_storage_account.this.primary_blob_endpoint
}

output "resource_group_name" {
  description = "The resource group of the account."
  value       = azurerm_resource_group.this.name
}

output "container_name" {
  description = "The blob container (Velero's bucket)."
  value       = azurerm_storage_container.this.name
}

output "container_id" {
  description = "Resource ID of the container: the scope of the Velero role assignments."
  value       = azurerm_storage_container.this.id
}

output "velero_role_definition_id" {
  description = "The role to assign to each Velero identity on the container."
  value       = azurerm_role_definition.velero.role_definition_resource_id
}
