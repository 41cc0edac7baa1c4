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
module "backups" {
  source          = "../.."
  bucket          = "acme-platform-backups"
  location        = "EUROPE-WEST1"
  expiration_days = 37
  noncurrent_days = 7
  kms_key_name    = "projects/my-project/locations/europe-west1/keyRings/backups/cryptoKeys/velero"
  labels = {
    team = "platform"
  }
}
