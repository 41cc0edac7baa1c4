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
module "aks" {
  source                   = "../.."
  name                     = "aks-weu"
  location                 = "westeurope"
  kubernetes_version       = "1.33"
  vnet_cidr                = "10.0.0.0/16"
  subnet_cidr              = "10.0.0.0/20"
  gateway_subnet_cidr      = "10.0.16.0/27"
  pod_cidr                 = "10.1.0.0/16"
  service_cidr             = "10.2.0.0/20"
  private_cluster          = true
  api_authorized_ip_ranges = []
  admin_group_object_ids   = ["00000000-0000-0000-0000-000000000000"]
  zones                    = ["1", "2", "3"]
  system_vm_size           = "Standard_D4ds_v5"
  system_min_count         = 3
  system_max_count         = 6
  spot_enabled             = true
  spot_vm_size             = "Standard_D4ds_v5"
  spot_min_count           = 0
  spot_max_count           = 12
  log_retention_days       = 90
  tags = {
    team        = "platform"
    cost-center = "1234"
  }
}
