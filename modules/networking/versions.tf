terraform {
  required_version = ">= 1.5.0"

  required_providers {
    multicloud = {
      source  = "multicloud/multicloud"
      version = ">= 0.1.0"
    }
  }
}
