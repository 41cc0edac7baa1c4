terraform {
  required_version = ">= 1.10.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 7.0, < 8.0"
    }
    multicloud = {
      source  = "multicloud/multicloud"
      version = ">= 0.1.0"
    }
  }

  backend "gcs" {
    bucket = "acme-terraform-state-gcp"
    prefix = "acme/gcp"
  }
}
