# The multicloud quickstart: an address plan for one cluster per cloud, the pre-shared keys
# their VPN links will use, and the Istio trust that spans them. Runs locally; no cloud account needed.
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

# The shared Istio root and one intermediate CA per cluster (ECDSA keeps the quickstart quick;
# the defaults follow Istio's RSA 4096 tooling).
resource "multicloud_mesh_trust" "mesh" {
  root {
    key_algorithm = "ECDSA_P256"
  }
  clusters = {
    for name, _ in data.multicloud_cidr_plan.platform.allocations :
    name => { network = name, key_algorithm = "ECDSA_P256" }
  }
}

output "allocations" {
  value = data.multicloud_cidr_plan.platform.allocations
}

output "intermediate_serials" {
  value = { for name, c in multicloud_mesh_trust.mesh.issued : name => c.serial }
}

output "psk_ids" {
  value = { for link, psk in multicloud_psk.links : link => psk.id }
}
