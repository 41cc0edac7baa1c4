terraform {
  required_version = ">= 1.5.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.0, < 5.0"
    }
  }
}

provider "azurerm" {
  subscription_id = "00000000-0000-0000-0000-000000000000"

  features {}
}

# The required inputs only; every other input keeps its default (examples/complete sets them all).
module "aks" {
  source       = "../.."
  name         = "aks-weu"
  location     = "westeurope"
  vnet_cidr    = "10.0.0.0/16"
  subnet_cidr  = "10.0.0.0/20"
  pod_cidr     = "10.1.0.0/16"
  service_cidr = "10.2.0.0/20"
}
