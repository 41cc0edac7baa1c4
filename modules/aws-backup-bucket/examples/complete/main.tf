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
module "backups" {
  source          = "../.."
  bucket          = "acme-platform-backups"
  expiration_days = 37
  noncurrent_days = 7
  tags = {
    team = "platform"
  }
}
