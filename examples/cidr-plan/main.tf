terraform {
  required_providers {
    multicloud = {
      source = "multicloud/multicloud"
    }
  }
}

# Address plan for three clusters; the on-premises range stays untouched.
data "multicloud_cidr_plan" "platform" {
  base_cidr = "10.0.0.0/8"
  reserved  = ["10.255.0.0/16"]

  clusters = [
    { name = "eks-use1", cloud = "aws", region = "us-east-1" },
    { name = "gke-euw1", cloud = "gcp", region = "europe-west1" },
    { name = "aks-weu", cloud = "azure", region = "westeurope", network_prefix = 18, subnet_prefix = 22, zones = 2 },
  ]
}

output "allocations" {
  value = data.multicloud_cidr_plan.platform.allocations
}
