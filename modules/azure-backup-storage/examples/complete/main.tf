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

# Every input set.
module "backups" {
  source               = "../.."
  storage_account_name = "acmeplatformbackups"
  resource_group_name  = "acme-backups"
  location             = "westeurope"
  container_name       = "velero"
  expiration_days      = 37
  noncurrent_days      = 7
  replication_type     = "GRS"
  tags = {
    team = "platform"
  }
}
