variable "name" {
  description = "Cluster name; every resource name derives from it. Lowercase letters, digits and '-', starting with a letter, at most 24 characters. Changing it replaces every resource of the module."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", var.name))
    error_message = "name must be lowercase letters, digits and '-', start with a letter, end with a letter or digit, and be 2 to 24 characters."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane and nodes (upgraded in place, one minor at a time)."
  type        = string
  default     = "1.33"
}

variable "azs" {
  description = "Availability zones, one private and one public subnet in each (at least two). Changing it replaces the subnets, NAT gateways and the cluster."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 2
    error_message = "azs needs at least two availability zones."
  }
}

variable "vpc_cidr" {
  description = "IPv4 range of the VPC. Changing it replaces every resource of the module."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "private_subnet_cidrs" {
  description = "One range per zone, inside vpc_cidr, for nodes and internal load balancers. Changing it replaces the changed subnets and the cluster."
  type        = list(string)
}

variable "public_subnet_cidrs" {
  description = "One range per zone, inside vpc_cidr, for NAT gateways and internet-facing load balancers. Changing it replaces the changed public subnets and their NAT gateways."
  type        = list(string)
}

variable "service_cidr" {
  description = "Kubernetes service range: outside the VPC, a /12 to /24 in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16. Changing it replaces the cluster."
  type        = string

  validation {
    condition     = can(cidrhost(var.service_cidr, 0))
    error_message = "service_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "endpoint_public_access" {
  description = "Also serve the Kubernetes API on a public endpoint, limited to endpoint_public_access_cidrs."
  type        = bool
  default     = false
  nullable    = false
}

variable "endpoint_public_access_cidrs" {
  description = "Ranges allowed to reach the public endpoint (never 0.0.0.0/0)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for c in var.endpoint_public_access_cidrs : c != "0.0.0.0/0"])
    error_message = "endpoint_public_access_cidrs must not contain 0.0.0.0/0."
  }
}

variable "cluster_log_types" {
  description = "Control-plane logs sent to CloudWatch."
  type        = list(string)
  default     = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
}

variable "log_retention_days" {
  description = "Retention of the control-plane and flow logs, in days."
  type        = number
  default     = 365
}

variable "admin_principal_arns" {
  description = "IAM roles or users given cluster-admin through access entries."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "deletion_protection" {
  description = "Refuse to delete the cluster (set to false, apply, then destroy)."
  type        = bool
  default     = true
  nullable    = false
}

variable "on_demand_instance_types" {
  description = "Instance types of the on-demand node group. Changing it replaces the on-demand node group."
  type        = list(string)
  default     = ["m6i.large"]
}

variable "on_demand_min_size" {
  description = "Minimum nodes of the on-demand group."
  type        = number
  default     = 3
}

variable "on_demand_max_size" {
  description = "Maximum nodes of the on-demand group."
  type        = number
  default     = 9
}

variable "spot_enabled" {
  description = "Create the spot node group (tainted `node.multicloud.io/spot=true:NoSchedule`)."
  type        = bool
  default     = true
  nullable    = false
}

variable "spot_instance_types" {
  description = "Instance types of the spot node group (several, for capacity). Changing it replaces the spot node group."
  type        = list(string)
  default     = ["m6i.large", "m6a.large", "m5.large"]
}

variable "spot_min_size" {
  description = "Minimum nodes of the spot group."
  type        = number
  default     = 0
}

variable "spot_max_size" {
  description = "Maximum nodes of the spot group."
  type        = number
  default     = 12
}

variable "disk_size_gb" {
  description = "Root volume of every node, in GiB (a new launch template version, rolled out in place)."
  type        = number
  default     = 100
}

variable "peer_cidrs" {
  description = "Ranges of clusters in other clouds, reached over the VPN, that may open connections to nodes and pods (all protocols). Empty: none."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
  nullable    = false
}
