terraform {
  required_version = ">= 1.10.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.0, < 5.0"
    }
    multicloud = {
      source  = "multicloud/multicloud"
      version = ">= 0.1.0"
    }
  }

  backend "azurerm" {
    resource_group_name  = "acme-tfstate"
    storage_account_name = "acmetfstate"
    container_name       = "tfstate"
    key                  = "acme/azure.tfstate"
    use_azuread_auth     = true
  }
}
