# Terraform 1.8+. The same plan as `data "multicloud_cidr_plan"`, as an expression: usable in
# locals, variable validations and module arguments. Clusters take the data source's attributes.
output "platform_ranges" {
  value = provider::multicloud::cidr_subnets("10.0.0.0/8", [
    { name = "eks-use1", cloud = "aws", region = "us-east-1" },
    { name = "gke-euw1", cloud = "gcp", region = "europe-west1" },
    { name = "aks-weu", cloud = "azure", region = "westeurope" },
  ], null)
  # => {
  #   "aks-weu": { "network_cidr": "10.5.0.0/16", "pod_cidr": "10.6.0.0/16", "service_cidr": "10.2.32.0/20", "subnet_cidrs": ["10.5.0.0/20"] },
  #   "eks-use1": { "network_cidr": "10.0.0.0/16", "pod_cidr": "10.1.0.0/16", "service_cidr": "10.2.0.0/20", "subnet_cidrs": ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"] },
  #   "gke-euw1": { "network_cidr": "10.3.0.0/16", "pod_cidr": "10.4.0.0/16", "service_cidr": "10.2.16.0/20", "subnet_cidrs": ["10.3.0.0/20"] }
  # }
}
