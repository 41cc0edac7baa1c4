output "role_arn" {
  description = "ARN of the role (Velero's AWS_ROLE_ARN, or its IRSA annotation on EKS)."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the role."
  value       = aws_iam_role.this.name
}

output "oidc_provider_arn" {
  description = "The IAM OIDC provider the role trusts."
  value       = local.provider_arn
}
