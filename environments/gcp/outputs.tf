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

output "gke_euw1_network_name" {
  description = "VPC network name of cluster gke-euw1."
  value       = module.gke-euw1.network_name
}
