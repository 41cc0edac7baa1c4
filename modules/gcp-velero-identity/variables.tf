variable "name" {
  description = "Account ID of the service account (6 to 30 characters). Changing it replaces the service account."
  type        = string

  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$", var.name))
    error_message = "name must be 6 to 30 lowercase letters, digits or '-', starting with a letter (a service account ID)."
  }
}

variable "project_id" {
  description = "The project of the bucket, the account and the pool."
  type        = string
}

variable "cluster" {
  description = "The cluster's name: its backups are under clusters/CLUSTER/ in the bucket."
  type        = string
}

variable "bucket" {
  description = "The backup bucket's name."
  type        = string
}

variable "oidc_issuer_url" {
  description = "The OIDC issuer of a cluster outside GCP (EKS's or AKS's, https://...). Null: a GKE cluster of project_id, through GKE Workload Identity."
  type        = string
  default     = null

  validation {
    condition     = startswith(coalesce(var.oidc_issuer_url, "https://"), "https://")
    error_message = "oidc_issuer_url must start with https://."
  }
}

variable "workload_identity_pool_id" {
  description = "With oidc_issuer_url: the workload identity pool (its ID) the cluster's provider goes into."
  type        = string
  default     = null
}

variable "provider_id" {
  description = "With oidc_issuer_url: the provider's ID in the pool (4 to 32 characters). Default the cluster's name."
  type        = string
  default     = null
}

variable "audience" {
  description = "With oidc_issuer_url: the audience of the projected service-account tokens the provider accepts."
  type        = string
  default     = "multicloud-velero"
  nullable    = false
}

variable "namespace" {
  description = "Namespace of Velero's service account."
  type        = string
  default     = "velero"
  nullable    = false
}

variable "service_account" {
  description = "Velero's Kubernetes service account."
  type        = string
  default     = "velero-server"
  nullable    = false
}

variable "token_path" {
  description = "With oidc_issuer_url: where Velero's pod reads the projected token (the external-account file's credential_source)."
  type        = string
  default     = "/var/run/secrets/gcp/token"
  nullable    = false
}
