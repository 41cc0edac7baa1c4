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
module "backups" {
  source               = "../.."
  storage_account_name = "acmeplatformbackups"
  resource_group_name  = "acme-backups"
  location             = "westeurope"
}
