output "eks_use1_cluster_name" {
  description = "Name of cluster eks-use1."
  value       = module.eks-use1.cluster_name
}

output "eks_use1_network_id" {
  description = "Network (VPC / VNet) of cluster eks-use1."
  value       = module.eks-use1.vpc_id
}

output "eks_use1_ranges" {
  description = "Address ranges of cluster eks-use1 from the platform plan."
  value       = local.ranges["eks-use1"]
}

output "eks_use1_endpoint" {
  description = "API endpoint of cluster eks-use1 (https URL), for environments/gitops."
  value       = module.eks-use1.cluster_endpoint
  sensitive   = true
}

output "eks_use1_ca_certificate" {
  description = "Base64 CA certificate of cluster eks-use1's API, for environments/gitops."
  value       = module.eks-use1.cluster_ca_certificate
  sensitive   = true
}

output "eks_use1_oidc_issuer_url" {
  description = "OIDC issuer of cluster eks-use1 (workload identities)."
  value       = module.eks-use1.oidc_issuer_url
}

output "eks_use1_oidc_provider_arn" {
  description = "IRSA OIDC provider of cluster eks-use1."
  value       = module.eks-use1.oidc_provider_arn
}

output "eks_use1_private_route_table_ids" {
  description = "Private route tables of cluster eks-use1 (VPN routes propagate into them)."
  value       = module.eks-use1.private_route_table_ids
}

output "backup_bucket" {
  description = "The backup bucket, for environments/gitops."
  value       = module.backups.bucket
}

output "backup_kms_key_arn" {
  description = "The backup bucket's KMS key, for environments/gitops."
  value       = module.backups.kms_key_arn
}
