output "email" {
  description = "E-mail of the service account (the GKE annotation, Velero's serviceAccount config)."
  value       = google_service_account.this.email
}

output "credentials_json" {
  description = "Outside GCP: the external-account file Velero reads through GOOGLE_APPLICATION_CREDENTIALS (no secret in it). Null on GKE."
  value       = var.oidc_issuer_url != null ? jsonencode({ type = "external_account", audience = "//iam.googleapis.com/${google_iam_workload_identity_pool_provider.cluster[0].name}", subject_token_type = "urn:ietf:params:oauth:token-type:jwt", token_url = "https://sts.googleapis.com/v1/token", credential_source = { file = var.token_path }, service_account_impersonation_url = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${google_service_account.this.email}:generateAccessToken" }) : null
}
