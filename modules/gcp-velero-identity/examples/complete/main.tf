terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 7.0, < 8.0"
    }
  }
}

provider "google" {
  project = "my-project"
  region  = "europe-west1"
}

# Every input set.
module "velero_identity" {
  source                    = "../.."
  name                      = "acme-eks-use1-velero"
  project_id                = "my-project"
  cluster                   = "eks-use1"
  bucket                    = "acme-platform-backups"
  oidc_issuer_url           = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
  workload_identity_pool_id = "acme-velero"
  provider_id               = "eks-use1"
  audience                  = "multicloud-velero"
  namespace                 = "velero"
  service_account           = "velero-server"
  token_path                = "/var/run/secrets/gcp/token"
}
