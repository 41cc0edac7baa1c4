variable "name" {
  description = "Cluster name; every resource name derives from it. Lowercase letters, digits and '-', starting with a letter, at most 24 characters. Changing it replaces every resource of the module."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", var.name))
    error_message = "name must be lowercase letters, digits and '-', start with a letter, end with a letter or digit, and be 2 to 24 characters."
  }
}

variable "location" {
  description = "Azure region of every resource. Changing it replaces every resource of the module."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version (patches are applied automatically; minors upgrade in place)."
  type        = string
  default     = "1.33"
}

variable "vnet_cidr" {
  description = "Address space of the VNet. Changing it replaces the VNet, the subnet and the cluster."
  type        = string

  validation {
    condition     = can(cidrhost(var.vnet_cidr, 0))
    error_message = "vnet_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "subnet_cidr" {
  description = "Node subnet, inside vnet_cidr. Changing it replaces the subnet and the cluster."
  type        = string

  validation {
    condition     = can(cidrhost(var.subnet_cidr, 0))
    error_message = "subnet_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "gateway_subnet_cidr" {
  description = "A range inside vnet_cidr, /27 or larger, for the subnet named GatewaySubnet that a VPN gateway needs (modules/networking); null for none. Changing it replaces the GatewaySubnet, which Azure refuses while a VPN gateway is in it (remove the gateway first)."
  type        = string
  default     = null

  validation {
    condition     = var.gateway_subnet_cidr == null || can(cidrhost(var.gateway_subnet_cidr, 0))
    error_message = "gateway_subnet_cidr must be an IPv4 CIDR block such as 10.0.16.0/20, or null."
  }
}

variable "pod_cidr" {
  description = "Overlay pod range, outside the VNet. Changing it replaces the cluster."
  type        = string

  validation {
    condition     = can(cidrhost(var.pod_cidr, 0))
    error_message = "pod_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "service_cidr" {
  description = "Kubernetes service range, outside the VNet and pod_cidr. Changing it replaces the cluster."
  type        = string

  validation {
    condition     = can(cidrhost(var.service_cidr, 0))
    error_message = "service_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "private_cluster" {
  description = "Serve the Kubernetes API only on a private endpoint in the VNet. Changing it replaces the cluster."
  type        = bool
  default     = true
  nullable    = false
}

variable "api_authorized_ip_ranges" {
  description = "Ranges allowed to reach a public API endpoint (when private_cluster is false)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "admin_group_object_ids" {
  description = "Entra ID groups that administer the cluster."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "zones" {
  description = "Availability zones of the node pools. Changing it replaces the spot pool (the system pool rotates)."
  type        = list(string)
  default     = ["1", "2", "3"]
}

variable "system_vm_size" {
  description = "VM size of the system pool (rotated through a temporary pool)."
  type        = string
  default     = "Standard_D4ds_v5"
}

variable "system_min_count" {
  description = "Minimum nodes of the system pool."
  type        = number
  default     = 3
}

variable "system_max_count" {
  description = "Maximum nodes of the system pool."
  type        = number
  default     = 6
}

variable "spot_enabled" {
  description = "Create the spot user pool."
  type        = bool
  default     = true
  nullable    = false
}

variable "spot_vm_size" {
  description = "VM size of the spot pool. Changing it replaces the spot node pool."
  type        = string
  default     = "Standard_D4ds_v5"
}

variable "spot_min_count" {
  description = "Minimum nodes of the spot pool."
  type        = number
  default     = 0
}

variable "spot_max_count" {
  description = "Maximum nodes of the spot pool."
  type        = number
  default     = 12
}

variable "log_retention_days" {
  description = "Retention of the Log Analytics workspace, in days."
  type        = number
  default     = 90
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
