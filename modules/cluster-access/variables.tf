variable "argocd_manager" {
  description = "Create the argocd-manager service account and token (not needed on the hub, which Argo CD reaches in-cluster)."
  type        = bool
  default     = true
  nullable    = false
}

variable "mesh" {
  description = "The cluster is in the Istio mesh: create istio-system with cacerts, and the reader for the peers' remote secrets."
  type        = bool
  default     = false
  nullable    = false
}

variable "network" {
  description = "The cluster's Istio network (label topology.istio.io/network of istio-system)."
  type        = string
  default     = null
}

variable "cacerts" {
  description = "With mesh: the cacerts files ca-cert.pem, ca-key.pem, root-cert.pem and cert-chain.pem (multicloud_mesh_trust's issued and issued_secrets of this cluster)."
  type        = map(string)
  default     = {}
  nullable    = false
  sensitive   = true
}

variable "velero_gcp_credentials" {
  description = "Outside GCP, with the backup bucket on GCS: Google's external-account file for Velero (JSON, no secret), written to the ConfigMap velero-gcp-credentials in namespace velero. Null: neither is made."
  type        = string
  default     = null
}
