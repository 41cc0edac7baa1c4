terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

# Every input set.
module "velero_role" {
  source            = "../.."
  name              = "acme-eks-use1-velero"
  cluster           = "eks-use1"
  bucket            = "acme-platform-backups"
  kms_key_arn       = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  oidc_issuer_url   = "https://container.googleapis.com/v1/projects/my-project/locations/europe-west1/clusters/gke-euw1"
  oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"
  namespace         = "velero"
  service_account   = "velero-server"
  tags = {
    team = "platform"
  }
}
