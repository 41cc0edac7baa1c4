variable "name" {
  description = "Name of the IAM role. Changing it replaces the role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "name must be 1 to 64 letters, digits or +=,.@_- (IAM role names)."
  }
}

variable "cluster" {
  description = "The cluster's name: its backups are under clusters/CLUSTER/ in the bucket."
  type        = string
}

variable "bucket" {
  description = "The backup bucket's name."
  type        = string
}

variable "kms_key_arn" {
  description = "The KMS key the bucket encrypts with."
  type        = string
}

variable "oidc_issuer_url" {
  description = "The cluster's OIDC issuer (https://...): EKS's, GKE's https://container.googleapis.com/v1/projects/P/locations/L/clusters/C, or AKS's oidc_issuer_url."
  type        = string

  validation {
    condition     = startswith(var.oidc_issuer_url, "https://")
    error_message = "oidc_issuer_url must start with https://."
  }
}

variable "oidc_provider_arn" {
  description = "An IAM OIDC provider that already exists for oidc_issuer_url (EKS's IRSA provider). Null: one is made here."
  type        = string
  default     = null
}

variable "namespace" {
  description = "Namespace of Velero's service account."
  type        = string
  default     = "velero"
  nullable    = false
}

variable "service_account" {
  description = "Velero's service account."
  type        = string
  default     = "velero-server"
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
