terraform {
  required_version = ">= 1.5.0"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.38, < 3.0"
    }
  }
}

# Every input set.
module "access" {
  source         = "../.."
  argocd_manager = true
  mesh           = true
  network        = "eks-use1-net"
  cacerts = {
    "ca-cert.pem"    = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"
    "ca-key.pem"     = "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n"
    "root-cert.pem"  = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"
    "cert-chain.pem" = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"
  }
  velero_gcp_credentials = "{\"type\":\"external_account\",\"audience\":\"//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-velero/providers/eks-use1\",\"subject_token_type\":\"urn:ietf:params:oauth:token-type:jwt\",\"token_url\":\"https://sts.googleapis.com/v1/token\",\"credential_source\":{\"file\":\"/var/run/secrets/gcp/token\"},\"service_account_impersonation_url\":\"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/acme-eks-use1-velero@my-project.iam.gserviceaccount.com:generateAccessToken\"}"
}
