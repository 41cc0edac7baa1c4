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

output "aks_weu_endpoint" {
  description = "API endpoint of cluster aks-weu (https URL), for environments/gitops."
  value       = module.aks-weu.host
  sensitive   = true
}

output "aks_weu_ca_certificate" {
  description = "Base64 CA certificate of cluster aks-weu's API, for environments/gitops."
  value       = module.aks-weu.cluster_ca_certificate
  sensitive   = true
}

output "aks_weu_oidc_issuer_url" {
  description = "OIDC issuer of cluster aks-weu (workload identities)."
  value       = module.aks-weu.oidc_issuer_url
}

output "aks_weu_resource_group_name" {
  description = "Resource group of cluster aks-weu."
  value       = module.aks-weu.resource_group_name
}

output "aks_weu_gateway_subnet_id" {
  description = "GatewaySubnet of cluster aks-weu's VNet (for its VPN gateway)."
  value       = module.aks-weu.gateway_subnet_id
}
