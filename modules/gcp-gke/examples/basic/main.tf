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
module "gke" {
  source           = "../.."
  project_id       = "my-project"
  name             = "gke-euw1"
  region           = "europe-west1"
  subnet_cidr      = "10.0.0.0/20"
  pods_cidr        = "10.1.0.0/16"
  services_cidr    = "10.2.0.0/20"
  master_ipv4_cidr = "172.16.0.0/28"
}
