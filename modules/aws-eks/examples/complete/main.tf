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
module "eks" {
  source                       = "../.."
  name                         = "eks-use1"
  kubernetes_version           = "1.33"
  azs                          = ["us-east-1a", "us-east-1b", "us-east-1c"]
  vpc_cidr                     = "10.0.0.0/16"
  private_subnet_cidrs         = ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
  public_subnet_cidrs          = ["10.0.48.0/20", "10.0.64.0/20", "10.0.80.0/20"]
  service_cidr                 = "10.1.0.0/20"
  endpoint_public_access       = false
  endpoint_public_access_cidrs = []
  cluster_log_types            = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
  log_retention_days           = 365
  admin_principal_arns         = ["arn:aws:iam::123456789012:role/platform-admin"]
  deletion_protection          = true
  on_demand_instance_types     = ["m6i.large"]
  on_demand_min_size           = 3
  on_demand_max_size           = 9
  spot_enabled                 = true
  spot_instance_types          = ["m6i.large", "m6a.large", "m5.large"]
  spot_min_size                = 0
  spot_max_size                = 12
  disk_size_gb                 = 100
  peer_cidrs                   = ["10.16.0.0/16", "10.32.0.0/16"]
  tags = {
    team        = "platform"
    cost-center = "1234"
  }
}
