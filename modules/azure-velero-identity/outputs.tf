output "client_id" {
  description = "Client ID of the identity (Velero's AZURE_CLIENT_ID, or its workload identity annotation on AKS)."
  value       = azurerm_user_assigned_identity.this.client_id
}

output "tenant_id" {
  description = "Tenant of the identity (Velero's AZURE_TENANT_ID outside AKS)."
  value       = azurerm_user_assigned_identity.this.tenant_id
}

output "principal_id" {
  description = "Object ID of the identity's service principal."
  value       = azurerm_user_assigned_identity.this.principal_id
}
