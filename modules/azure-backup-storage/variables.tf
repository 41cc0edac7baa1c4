variable "storage_account_name" {
  description = "Name of the storage account (globally unique). Changing it replaces the account and every backup in it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.storage_account_name))
    error_message = "storage_account_name must be 3 to 24 lowercase letters or digits."
  }
}

variable "resource_group_name" {
  description = "Resource group created for the account (and the Velero identities). Changing it replaces the account and every backup in it."
  type        = string
}

variable "location" {
  description = "Azure region of the account. Changing it replaces the account and every backup in it."
  type        = string
}

variable "container_name" {
  description = "The blob container Velero uses as its bucket."
  type        = string
  default     = "velero"
  nullable    = false
}

variable "expiration_days" {
  description = "Blobs are deleted this many days after they were last written: Velero's retention plus a margin."
  type        = number
  default     = 37
  nullable    = false

  validation {
    condition     = var.expiration_days >= 1
    error_message = "expiration_days must be at least 1."
  }
}

variable "noncurrent_days" {
  description = "Overwritten or deleted blobs (old versions, soft-deleted blobs and containers) stay recoverable this many days."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.noncurrent_days >= 1 && var.noncurrent_days <= 365
    error_message = "noncurrent_days must be 1 to 365 (Azure's soft-delete range)."
  }
}

variable "replication_type" {
  description = "The account's replication: GRS keeps a copy in the paired region."
  type        = string
  default     = "GRS"
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
