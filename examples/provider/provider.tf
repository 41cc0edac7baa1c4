# Every setting may instead come from the environment variable named beside it, which is where
# credentials belong: this block only says where the platform lives. Endpoint overrides
# (`endpoint`, `ec2_endpoint`, ...) are for local emulators and are left out here.
provider "multicloud" {
  aws {
    region  = "us-east-1" # AWS_REGION
    profile = "platform"  # AWS_PROFILE; or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
  }

  gcp {
    project = "example-platform" # GOOGLE_PROJECT
    # Credentials as hashicorp/google finds them: GOOGLE_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS
    # (service account key, workload identity federation), `gcloud auth application-default login`,
    # or the metadata server on GCE/GKE; optionally impersonating a service account:
    impersonate_service_account = "terraform@example-platform.iam.gserviceaccount.com" # GOOGLE_IMPERSONATE_SERVICE_ACCOUNT
  }

  azure {
    subscription_id = "00000000-0000-0000-0000-000000000000" # ARM_SUBSCRIPTION_ID
    tenant_id       = "11111111-1111-1111-1111-111111111111" # ARM_TENANT_ID
    # Credentials as azurerm finds them: ARM_CLIENT_ID with ARM_CLIENT_SECRET or
    # ARM_CLIENT_CERTIFICATE_PATH, OIDC from CI (here: GitHub Actions' id-token), managed identity
    # (ARM_USE_MSI), or `az login`.
    client_id = "22222222-2222-2222-2222-222222222222" # ARM_CLIENT_ID
    use_oidc  = true                                   # ARM_USE_OIDC
  }

  cloudflare {
    account_id = "023e105f4ecef8ad9ca31a8372d0c353" # CLOUDFLARE_ACCOUNT_ID
    # A secret given as a sensitive variable (TF_VAR_cloudflare_api_token) rather than written here;
    # leaving it out reads CLOUDFLARE_API_TOKEN instead.
    api_token = var.cloudflare_api_token
  }
}

variable "cloudflare_api_token" {
  description = "Cloudflare API token with Load Balancing and DNS edit rights on the zone."
  type        = string
  sensitive   = true
}
