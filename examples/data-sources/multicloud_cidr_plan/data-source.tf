# Address plan for one cluster per cloud, checked against EKS, GKE and AKS rules; the on-premises
# range stays untouched. Append new clusters at the end: appending never moves the others.
data "multicloud_cidr_plan" "platform" {
  base_cidr = "10.0.0.0/8"
  reserved  = ["10.255.0.0/16"]

  clusters = [
    { name = "eks-use1", cloud = "aws", region = "us-east-1" },
    { name = "gke-euw1", cloud = "gcp", region = "europe-west1" },
    { name = "aks-weu", cloud = "azure", region = "westeurope", network_prefix = 18, subnet_prefix = 22 },
  ]
}

# By cluster name: network_cidr, subnet_cidrs, pod_cidr and service_cidr, e.g. for each cloud's
# VPC / VNet and cluster modules.
output "eks_use1_network" {
  value = data.multicloud_cidr_plan.platform.allocations["eks-use1"].network_cidr
}

output "allocations" {
  value = data.multicloud_cidr_plan.platform.allocations
}
