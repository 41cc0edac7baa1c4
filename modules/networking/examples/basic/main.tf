terraform {
  required_version = ">= 1.5.0"

  required_providers {
    multicloud = {
      source  = "multicloud/multicloud"
      version = ">= 0.1.0"
    }
  }
}

# The required inputs only; every other input keeps its default (examples/complete sets them all).
module "networking" {
  source    = "../.."
  name      = "acme"
  base_cidr = "10.0.0.0/8"
  clusters = [{
    name   = "eks-use1"
    cloud  = "aws"
    region = "us-east-1"
    }, {
    name   = "gke-euw1"
    cloud  = "gcp"
    region = "europe-west1"
    }, {
    name   = "aks-weu"
    cloud  = "azure"
    region = "westeurope"
  }]
  sites = {
    eks-use1 = {
      aws = {
        region = "us-east-1"
        vpc_id = "vpc-0123456789abcdef0"
      }
    }
    gke-euw1 = {
      gcp = {
        project = "my-project"
        region  = "europe-west1"
        network = "gke-euw1"
      }
    }
    aks-weu = {
      azure = {
        subscription_id   = "00000000-0000-0000-0000-000000000000"
        resource_group    = "aks-weu-rg"
        location          = "westeurope"
        gateway_subnet_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/aks-weu-rg/providers/Microsoft.Network/virtualNetworks/aks-weu-vnet/subnets/GatewaySubnet"
      }
    }
  }
}
