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

module "aks-weu" {
  source                 = "../../modules/azure-aks"
  name                   = "aks-weu"
  location               = "westeurope"
  vnet_cidr              = local.ranges["aks-weu"].network_cidr
  subnet_cidr            = local.ranges["aks-weu"].subnet_cidrs[0]
  pod_cidr               = local.ranges["aks-weu"].pod_cidr
  service_cidr           = local.ranges["aks-weu"].service_cidr
  zones                  = ["1", "2", "3"]
  gateway_subnet_cidr    = local.ranges["aks-weu"].subnet_cidrs[1]
  admin_group_object_ids = ["11111111-1111-1111-1111-111111111111"]
  tags                   = local.tags
}
