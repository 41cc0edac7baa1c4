terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 7.0, < 8.0"
    }
  }
}

provider "google" {
  project = "my-project"
  region  = "europe-west1"
}

# The required inputs only; every other input keeps its default (examples/complete sets them all).
module "backups" {
  source   = "../.."
  bucket   = "acme-platform-backups"
  location = "EUROPE-WEST1"
}
