variable "ingress_addresses" {
  description = "Each cluster's ingress address (its load balancer's IPv4 address or hostname) by cluster name: what the global hostname answers with and health-checks. Known once each cluster's ingress controller runs; CI passes it as TF_VAR_ingress_addresses."
  type        = map(string)
  nullable    = false

  validation {
    condition     = alltrue([for c in ["eks-use1", "gke-euw1", "aks-weu"] : contains(keys(var.ingress_addresses), c)])
    error_message = "ingress_addresses needs an address for each of eks-use1, gke-euw1, aks-weu."
  }
}
