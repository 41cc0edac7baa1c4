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

# The required inputs only; every other input keeps its default (examples/complete sets them all).
module "backups" {
  source = "../.."
  bucket = "acme-platform-backups"
}
