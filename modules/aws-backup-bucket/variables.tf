variable "bucket" {
  description = "Name of the bucket (globally unique). Changing it replaces the bucket and everything in it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "bucket must be 3 to 63 lowercase letters, digits or '-', not starting or ending with '-'."
  }
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

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
