provider "aws" {
  region = "us-east-1"

  default_tags {
    tags = {
      platform   = "acme"
      managed-by = "multicloud"
    }
  }
}

provider "google" {
  project = "acme-platform"
  region  = "europe-west1"
  default_labels = {
    platform   = "acme"
    managed-by = "multicloud"
  }
}

provider "azurerm" {
  subscription_id     = "00000000-0000-0000-0000-000000000000"
  storage_use_azuread = true

  features {}
}
