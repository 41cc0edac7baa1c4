variable "name" {
  description = "Name of the user-assigned identity. Changing it replaces the identity."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the identity (the backup account's)."
  type        = string
}

variable "location" {
  description = "Azure region of the identity."
  type        = string
}

variable "cluster" {
  description = "The cluster's name: its backups are under clusters/CLUSTER/ in the container."
  type        = string
}

variable "oidc_issuer_url" {
  description = "The cluster's OIDC issuer (https://...): AKS's oidc_issuer_url, EKS's, or GKE's https://container.googleapis.com/v1/projects/P/locations/L/clusters/C."
  type        = string

  validation {
    condition     = startswith(var.oidc_issuer_url, "https://")
    error_message = "oidc_issuer_url must start with https://."
  }
}

variable "container_id" {
  description = "Resource ID of the backup container (the role assignment's scope)."
  type        = string
}

variable "role_definition_id" {
  description = "The Velero role of the backup container (azure-backup-storage's velero_role_definition_id)."
  type        = string
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
