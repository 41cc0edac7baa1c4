variable "bucket" {
  description = "Name of the bucket (globally unique). Changing it replaces the bucket and everything in it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "bucket must be 3 to 63 lowercase letters, digits or '-', not starting or ending with '-'."
  }
}

variable "location" {
  description = "The bucket's location: a region such as EUROPE-WEST1 (or a multi-region). Changing it replaces the bucket and everything in it."
  type        = string
}

variable "expiration_days" {
  description = "Objects are deleted this many days after they were written: Velero's retention plus a margin."
  type        = number
  default     = 37
  nullable    = false

  validation {
    condition     = var.expiration_days >= 1
    error_message = "expiration_days must be at least 1."
  }
}

variable "noncurrent_days" {
  description = "Overwritten or deleted objects stay recoverable this many days."
  type        = number
  default     = 7
  nullable    = false
}

variable "kms_key_name" {
  description = "A Cloud KMS key (projects/P/locations/L/keyRings/R/cryptoKeys/K, in the bucket's location) that encrypts new objects. Null: Google-managed keys."
  type        = string
  default     = null
}

variable "labels" {
  description = "Labels of the bucket."
  type        = map(string)
  default     = {}
  nullable    = false
}
