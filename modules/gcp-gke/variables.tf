variable "project_id" {
  description = "GCP project that holds every resource of the module. Changing it replaces every resource of the module."
  type        = string
}

variable "name" {
  description = "Cluster name; every resource name derives from it. Lowercase letters, digits and '-', starting with a letter, at most 24 characters. Changing it replaces every resource of the module."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", var.name))
    error_message = "name must be lowercase letters, digits and '-', start with a letter, end with a letter or digit, and be 2 to 24 characters."
  }
}

variable "region" {
  description = "Region of the network and of the regional cluster. Changing it replaces every resource of the module."
  type        = string
}

variable "subnet_cidr" {
  description = "Primary range of the subnet: node addresses. Changing it replaces the subnet and the cluster, unless the new range only expands the old one."
  type        = string

  validation {
    condition     = can(cidrhost(var.subnet_cidr, 0))
    error_message = "subnet_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "pods_cidr" {
  description = "Secondary range for pods (at least a /21). Changing it replaces the cluster: GKE cannot change a range in use, so plan a new cluster."
  type        = string

  validation {
    condition     = can(cidrhost(var.pods_cidr, 0))
    error_message = "pods_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "services_cidr" {
  description = "Secondary range for services. Changing it replaces the cluster: GKE cannot change a range in use, so plan a new cluster."
  type        = string

  validation {
    condition     = can(cidrhost(var.services_cidr, 0))
    error_message = "services_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "master_ipv4_cidr" {
  description = "A /28 for the control plane's private endpoint, unused elsewhere in the network. Changing it replaces the cluster."
  type        = string

  validation {
    condition     = endswith(var.master_ipv4_cidr, "/28")
    error_message = "master_ipv4_cidr must be a /28, e.g. 172.16.0.0/28."
  }
}

variable "private_endpoint" {
  description = "Serve the Kubernetes API only on the private endpoint (reach it from the VPC or a peered network)."
  type        = bool
  default     = true
  nullable    = false
}

variable "master_authorized_networks" {
  description = "Networks allowed to reach the Kubernetes API endpoint."
  type        = list(object({ cidr_block = string, display_name = string }))
  default     = []
  nullable    = false
}

variable "release_channel" {
  description = "GKE release channel: RAPID, REGULAR, STABLE or EXTENDED."
  type        = string
  default     = "REGULAR"

  validation {
    condition     = contains(["RAPID", "REGULAR", "STABLE", "EXTENDED"], var.release_channel)
    error_message = "release_channel must be RAPID, REGULAR, STABLE or EXTENDED."
  }
}

variable "maintenance_start_time" {
  description = "Daily maintenance window start (UTC, HH:MM)."
  type        = string
  default     = "03:00"
}

variable "deletion_protection" {
  description = "Refuse to destroy the cluster (set to false, apply, then destroy)."
  type        = bool
  default     = true
  nullable    = false
}

variable "on_demand_machine_type" {
  description = "Machine type of the on-demand pool (changed in place by a surge upgrade)."
  type        = string
  default     = "e2-standard-4"
}

variable "on_demand_min_nodes" {
  description = "Minimum nodes of the on-demand pool across all zones."
  type        = number
  default     = 3
}

variable "on_demand_max_nodes" {
  description = "Maximum nodes of the on-demand pool across all zones."
  type        = number
  default     = 9
}

variable "spot_enabled" {
  description = "Create the spot node pool (tainted; tolerate `cloud.google.com/gke-spot` to use it)."
  type        = bool
  default     = true
  nullable    = false
}

variable "spot_machine_type" {
  description = "Machine type of the spot pool (changed in place by a surge upgrade)."
  type        = string
  default     = "e2-standard-4"
}

variable "spot_min_nodes" {
  description = "Minimum nodes of the spot pool across all zones."
  type        = number
  default     = 0
}

variable "spot_max_nodes" {
  description = "Maximum nodes of the spot pool across all zones."
  type        = number
  default     = 12
}

variable "disk_size_gb" {
  description = "Boot disk size of every node, in GB (changed in place by a surge upgrade)."
  type        = number
  default     = 100
}

variable "peer_cidrs" {
  description = "Ranges of clusters in other clouds, reached over the VPN, that may open connections to nodes and pods (all protocols). Empty: none."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "labels" {
  description = "Labels added to every resource that takes labels."
  type        = map(string)
  default     = {}
  nullable    = false
}
