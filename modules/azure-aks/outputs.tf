output "cluster_name" {
  description = "Name of the AKS cluster."
  value       = azurerm_kubernetes_cluster.this.name
}

output "cluster_id" {
  description = "ID of the AKS cluster."
  value       = azurerm_kubernetes_cluster.this.id
}

output "resource_group_name" {
  description = "Resource group of the cluster and network."
  value       = azurerm_resource_group.this.name
}

output "oidc_issuer_url" {
  description = "OIDC issuer URL (federated credentials for workload identity)."
  value       = azurerm_kubernetes_cluster.this.oidc_issuer_url
}

output "vnet_id" {
  description = "ID of the VNet."
  value       = azurerm_virtual_network.this.id
}

output "vnet_name" {
  description = "Name of the VNet."
  value       = azurerm_virtual_network.this.name
}

output "subnet_id" {
  description = "ID of the node subnet."
  value       = azurerm_subnet.nodes.id
}

output "gateway_subnet_id" {
  description = "ID of the GatewaySubnet (null without gateway_subnet_cidr)."
  value       = one(azurerm_subnet.gateway[*].id)
}

output "log_analytics_workspace_id" {
  description = "ID of the Log Analytics workspace."
  value       = azurerm_log_analytics_workspace.this.id
}

output "kubelet_identity_object_id" {
  description = "Object ID of the kubelet identity (grant it AcrPull on registries)."
  value       = one(azurerm_kubernetes_cluster.this.kubelet_identity[*].object_id)
}

output "host" {
  description = "Kubernetes API server address."
  value       = azurerm_kubernetes_cluster.this.kube_config[0].host
  sensitive   = true
}

output "cluster_ca_certificate" {
  description = "Base64 CA certificate of the Kubernetes API."
  value       = azurerm_kubernetes_cluster.this.kube_config[0].cluster_ca_certificate
  sensitive   = true
}
