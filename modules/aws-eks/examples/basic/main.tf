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
module "eks" {
  source               = "../.."
  name                 = "eks-use1"
  azs                  = ["us-east-1a", "us-east-1b", "us-east-1c"]
  vpc_cidr             = "10.0.0.0/16"
  private_subnet_cidrs = ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
  public_subnet_cidrs  = ["10.0.48.0/20", "10.0.64.0/20", "10.0.80.0/20"]
  service_cidr         = "10.1.0.0/20"
}
