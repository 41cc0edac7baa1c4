# The whole platform's address plan: identical in every environment, append new clusters at the end.
data "multicloud_cidr_plan" "platform" {
  base_cidr = "10.0.0.0/8"
  reserved  = ["10.255.0.0/16"]
  clusters = [{
    name   = "eks-use1"
    cloud  = "aws"
    region = "us-east-1"
    zones  = 6
    }, {
    name   = "gke-euw1"
    cloud  = "gcp"
    region = "europe-west1"
    }, {
    name   = "aks-weu"
    cloud  = "azure"
    region = "westeurope"
    zones  = 2
  }]
}

locals {
  ranges = data.multicloud_cidr_plan.platform.allocations
  tags = {
    platform   = "acme"
    managed-by = "multicloud"
  }
}

module "eks-use1" {
  source = "../../modules/aws-eks"
  providers = {
    aws = aws.us_east_1
  }
  name                 = "eks-use1"
  azs                  = ["us-east-1a", "us-east-1b", "us-east-1c"]
  vpc_cidr             = local.ranges["eks-use1"].network_cidr
  private_subnet_cidrs = slice(local.ranges["eks-use1"].subnet_cidrs, 0, 3)
  public_subnet_cidrs  = slice(local.ranges["eks-use1"].subnet_cidrs, 3, 6)
  service_cidr         = local.ranges["eks-use1"].service_cidr
  kubernetes_version   = "1.33"
  admin_principal_arns = ["arn:aws:iam::123456789012:role/platform-admin"]
  peer_cidrs           = [local.ranges["gke-euw1"].network_cidr, local.ranges["gke-euw1"].pod_cidr, local.ranges["aks-weu"].network_cidr]
  tags                 = local.tags
}

# Velero's bucket for every cluster (clusters/<cluster>/): backups expire after 720h in Velero, their objects 7 days later here.
module "backups" {
  source = "../../modules/aws-backup-bucket"
  providers = {
    aws = aws.us_east_1
  }
  bucket          = "acme-platform-backups"
  expiration_days = 37
  tags            = local.tags
}
