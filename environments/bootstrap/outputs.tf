output "aws_plan_role_arn" {
  description = "GitHub repository variable AWS_PLAN_ROLE_ARN: The AWS plan identity (pull requests and main)."
  value       = aws_iam_role.plan.arn
}

output "aws_role_arn" {
  description = "GitHub environment variable AWS_ROLE_ARN of aws, global, gitops: the apply identity their jobs use."
  value       = aws_iam_role.apply.arn
}

output "gcp_workload_identity_provider" {
  description = "GitHub repository variable GCP_WORKLOAD_IDENTITY_PROVIDER: The workload identity provider that exchanges GitHub's tokens."
  value       = google_iam_workload_identity_pool_provider.github.name
}

output "gcp_plan_service_account" {
  description = "GitHub repository variable GCP_PLAN_SERVICE_ACCOUNT: The GCP plan identity (pull requests and main)."
  value       = google_service_account.plan.email
}

output "gcp_service_account" {
  description = "GitHub environment variable GCP_SERVICE_ACCOUNT of gcp, global, gitops: the apply identity their jobs use."
  value       = google_service_account.apply.email
}

output "azure_tenant_id" {
  description = "GitHub repository variable AZURE_TENANT_ID: The Entra ID tenant the identities sign in to."
  value       = azurerm_user_assigned_identity.apply.tenant_id
}

output "azure_plan_client_id" {
  description = "GitHub repository variable AZURE_PLAN_CLIENT_ID: The Azure plan identity (pull requests and main)."
  value       = azurerm_user_assigned_identity.plan.client_id
}

output "azure_client_id" {
  description = "GitHub environment variable AZURE_CLIENT_ID of azure, global, gitops: the apply identity their jobs use."
  value       = azurerm_user_assigned_identity.apply.client_id
}

output "gh_variable_commands" {
  description = "The gh commands that set every variable above where the workflow reads it (run them in a clone of the repository)."
  value       = ["gh variable set AWS_PLAN_ROLE_ARN --body '${aws_iam_role.plan.arn}'", "gh variable set AWS_ROLE_ARN --env aws --body '${aws_iam_role.apply.arn}'", "gh variable set AWS_ROLE_ARN --env global --body '${aws_iam_role.apply.arn}'", "gh variable set AWS_ROLE_ARN --env gitops --body '${aws_iam_role.apply.arn}'", "gh variable set GCP_WORKLOAD_IDENTITY_PROVIDER --body '${google_iam_workload_identity_pool_provider.github.name}'", "gh variable set GCP_PLAN_SERVICE_ACCOUNT --body '${google_service_account.plan.email}'", "gh variable set GCP_SERVICE_ACCOUNT --env gcp --body '${google_service_account.apply.email}'", "gh variable set GCP_SERVICE_ACCOUNT --env global --body '${google_service_account.apply.email}'", "gh variable set GCP_SERVICE_ACCOUNT --env gitops --body '${google_service_account.apply.email}'", "gh variable set AZURE_TENANT_ID --body '${azurerm_user_assigned_identity.apply.tenant_id}'", "gh variable set AZURE_PLAN_CLIENT_ID --body '${azurerm_user_assigned_identity.plan.client_id}'", "gh variable set AZURE_CLIENT_ID --env azure --body '${azurerm_user_assigned_identity.apply.client_id}'", "gh variable set AZURE_CLIENT_ID --env global --body '${azurerm_user_assigned_identity.apply.client_id}'", "gh variable set AZURE_CLIENT_ID --env gitops --body '${azurerm_user_assigned_identity.apply.client_id}'"]
}
