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
module "velero_identity" {
  source              = "../.."
  name                = "acme-gke-euw1-velero"
  resource_group_name = "acme-backups"
  location            = "westeurope"
  cluster             = "gke-euw1"
  oidc_issuer_url     = "https://container.googleapis.com/v1/projects/my-project/locations/europe-west1/clusters/gke-euw1"
  container_id        = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/acme-backups/providers/Microsoft.Storage/storageAccounts/acmeplatformbackups/blobServices/default/containers/velero"
  role_definition_id  = "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/00000000-0000-0000-0000-000000000001"
  namespace           = "velero"
  service_account     = "velero-server"
  tags = {
    team = "platform"
  }
}
