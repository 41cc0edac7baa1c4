output "gke_euw1_cluster_name" {
  description = "Name of cluster gke-euw1."
  value       = module.gke-euw1.cluster_name
}

output "gke_euw1_network_id" {
  description = "Network (VPC / VNet) of cluster gke-euw1."
  value       = module.gke-euw1.network_id
}

output "gke_euw1_ranges" {
  description = "Address ranges of cluster gke-euw1 from the platform plan."
  value       = local.ranges["gke-euw1"]
}

output "gke_euw1_endpoint" {
  description = "API endpoint of cluster gke-euw1 (https URL), for environments/gitops."
  value       = "https://${module.gke-euw1.endpoint}"
  sensitive   = true
}

output "gke_euw1_ca_certificate" {
  description = "Base64 CA certificate of cluster gke-euw1's API, for environments/gitops."
  value       = module.gke-euw1.ca_certificate
  sensitive   = true
}

output "gke_euw1_network_name" {
  description = "VPC network name of cluster gke-euw1."
  value       = module.gke-euw1.network_name
}
