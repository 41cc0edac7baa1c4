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

module "gke-euw1" {
  source           = "../../modules/gcp-gke"
  project_id       = "acme-platform"
  name             = "gke-euw1"
  region           = "europe-west1"
  subnet_cidr      = local.ranges["gke-euw1"].network_cidr
  pods_cidr        = local.ranges["gke-euw1"].pod_cidr
  services_cidr    = local.ranges["gke-euw1"].service_cidr
  master_ipv4_cidr = "172.16.0.0/28"
  peer_cidrs       = [local.ranges["eks-use1"].network_cidr, local.ranges["aks-weu"].network_cidr]
  labels           = local.tags
}
