terraform {
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
    multicloud = {
      source  = "multicloud/multicloud"
      version = ">= 0.1.0"
    }
  }

  backend "s3" {
    bucket       = "acme-terraform-state"
    key          = "acme/aws/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
}
