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
    # access_token: GOOGLE_OAUTH_ACCESS_TOKEN, e.g. `export GOOGLE_OAUTH_ACCESS_TOKEN=$(gcloud auth print-access-token)`
  }

  azure {
    subscription_id = "00000000-0000-0000-0000-000000000000" # ARM_SUBSCRIPTION_ID
    tenant_id       = "11111111-1111-1111-1111-111111111111" # ARM_TENANT_ID
    # access_token: ARM_ACCESS_TOKEN, e.g. `export ARM_ACCESS_TOKEN=$(az account get-access-token --query accessToken -o tsv)`
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
