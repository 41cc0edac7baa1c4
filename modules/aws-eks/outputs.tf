output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the EKS cluster."
  value       = aws_eks_cluster.this.arn
}

output "cluster_endpoint" {
  description = "Kubernetes API endpoint."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_ca_certificate" {
  description = "Base64 CA certificate of the Kubernetes API."
  value       = aws_eks_cluster.this.certificate_authority[0].data
}

output "cluster_security_group_id" {
  description = "Security group EKS created for the control plane and nodes."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "oidc_provider_arn" {
  description = "ARN of the IAM OIDC provider (IRSA trust policies)."
  value       = aws_iam_openid_connect_provider.this.arn
}

output "oidc_issuer_url" {
  description = "OIDC issuer URL of the cluster."
  value       = aws_eks_cluster.this.identity[0].oidc[0].issuer
}

output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "private_subnet_ids" {
  description = "IDs of the private subnets, by zone order."
  value       = aws_subnet.private[*].id
}

output "public_subnet_ids" {
  description = "IDs of the public subnets, by zone order."
  value       = aws_subnet.public[*].id
}

output "private_route_table_ids" {
  description = "Route tables of the private subnets (for VPN routes)."
  value       = aws_route_table.private[*].id
}

output "node_role_arn" {
  description = "IAM role of the nodes."
  value       = aws_iam_role.nodes.arn
}

output "kms_key_arn" {
  description = "KMS key encrypting secrets, logs and node volumes."
  value       = aws_kms_key.this.arn
}

output "lb_controller_role_arn" {
  description = "IAM role of the AWS Load Balancer Controller (kube-system/aws-load-balancer-controller)."
  value       = aws_iam_role.lb_controller.arn
}

output "node_group_names" {
  description = "Names of the managed node groups."
  value       = concat([aws_eks_node_group.on_demand.node_group_name], aws_eks_node_group.spot[*].node_group_name)
}
