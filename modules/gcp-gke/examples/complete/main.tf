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

# Every input set.
module "gke" {
  source           = "../.."
  project_id       = "my-project"
  name             = "gke-euw1"
  region           = "europe-west1"
  subnet_cidr      = "10.0.0.0/20"
  pods_cidr        = "10.1.0.0/16"
  services_cidr    = "10.2.0.0/20"
  master_ipv4_cidr = "172.16.0.0/28"
  private_endpoint = true
  master_authorized_networks = [{
    cidr_block   = "10.0.0.0/8"
    display_name = "platform"
  }]
  release_channel        = "REGULAR"
  maintenance_start_time = "03:00"
  deletion_protection    = true
  on_demand_machine_type = "e2-standard-4"
  on_demand_min_nodes    = 3
  on_demand_max_nodes    = 9
  spot_enabled           = true
  spot_machine_type      = "e2-standard-4"
  spot_min_nodes         = 0
  spot_max_nodes         = 12
  disk_size_gb           = 100
  peer_cidrs             = ["10.16.0.0/16", "10.32.0.0/16"]
  labels = {
    team        = "platform"
    cost-center = "1234"
  }
}
