terraform {
  required_version = ">= 1.5.0"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.38, < 3.0"
    }
  }
}

# The required inputs only; every other input keeps its default (examples/complete sets them all).
module "access" {
  source = "../.."
}
