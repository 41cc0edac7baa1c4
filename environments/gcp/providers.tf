provider "google" {
  project = "acme-platform"
  region  = "europe-west1"
  default_labels = {
    platform   = "acme"
    managed-by = "multicloud"
  }
}
