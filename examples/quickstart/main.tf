# The multicloud quickstart: an address plan for one cluster per cloud, and the pre-shared key
# their VPN links will use. Runs locally; no cloud account needed.
terraform {
  required_providers {
    multicloud = {
      source = "multicloud/multicloud"
    }
  }
}

provider "multicloud" {}

data "multicloud_cidr_plan" "platform" {
  base_cidr = "10.0.0.0/8"

  clusters = [
    { name = "eks-use1", cloud = "aws", region = "us-east-1" },
    { name = "gke-euw1", cloud = "gcp", region = "europe-west1" },
    { name = "aks-weu", cloud = "azure", region = "westeurope" },
  ]
}

resource "multicloud_psk" "links" {
  for_each = toset(["aws-gcp", "aws-azure", "gcp-azure"])
  keepers = {
    link = each.key
  }
}

output "allocations" {
  value = data.multicloud_cidr_plan.platform.allocations
}

output "psk_ids" {
  value = { for link, psk in multicloud_psk.links : link => psk.id }
}
