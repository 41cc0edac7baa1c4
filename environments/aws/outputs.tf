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

output "eks_use1_private_route_table_ids" {
  description = "Private route tables of cluster eks-use1 (VPN routes propagate into them)."
  value       = module.eks-use1.private_route_table_ids
}
