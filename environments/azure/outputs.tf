output "aks_weu_cluster_name" {
  description = "Name of cluster aks-weu."
  value       = module.aks-weu.cluster_name
}

output "aks_weu_network_id" {
  description = "Network (VPC / VNet) of cluster aks-weu."
  value       = module.aks-weu.vnet_id
}

output "aks_weu_ranges" {
  description = "Address ranges of cluster aks-weu from the platform plan."
  value       = local.ranges["aks-weu"]
}

output "aks_weu_resource_group_name" {
  description = "Resource group of cluster aks-weu."
  value       = module.aks-weu.resource_group_name
}

output "aks_weu_gateway_subnet_id" {
  description = "GatewaySubnet of cluster aks-weu's VNet (for its VPN gateway)."
  value       = module.aks-weu.gateway_subnet_id
}
