terraform {
  required_version = ">= 1.10.0"

  required_providers {
    multicloud = {
      source  = "multicloud/multicloud"
      version = ">= 0.1.0"
    }
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }

  backend "s3" {
    bucket       = "acme-terraform-state"
    key          = "acme/global/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
}
