output "cluster_name" {
  description = "Name of the GKE cluster."
  value       = google_container_cluster.this.name
}

output "cluster_id" {
  description = "ID of the GKE cluster."
  value       = google_container_cluster.this.id
}

output "location" {
  description = "Region of the cluster."
  value       = google_container_cluster.this.location
}

output "endpoint" {
  description = "Kubernetes API endpoint (private when private_endpoint is true)."
  value       = google_container_cluster.this.endpoint
  sensitive   = true
}

output "ca_certificate" {
  description = "Base64 CA certificate of the Kubernetes API."
  value       = google_container_cluster.this.master_auth[0].cluster_ca_certificate
  sensitive   = true
}

output "network_id" {
  description = "ID of the VPC network."
  value       = google_compute_network.this.id
}

output "network_name" {
  description = "Name of the VPC network."
  value       = google_compute_network.this.name
}

output "subnet_id" {
  description = "ID of the subnet."
  value       = google_compute_subnetwork.this.id
}

output "router_name" {
  description = "Name of the Cloud Router (for VPN attachments)."
  value       = google_compute_router.this.name
}

output "node_service_account" {
  description = "Email of the nodes' service account."
  value       = google_service_account.nodes.email
}

output "workload_identity_pool" {
  description = "Workload identity pool: bind Kubernetes service accounts as PROJECT.svc.id.goog[NAMESPACE/KSA]."
  value       = "${var.project_id}.svc.id.goog"
}
