variable "name" {
  description = "Prefix of every gateway name (NAME-SITE) and connection name (NAME-A-B), e.g. the platform's name. Names may have at most 40 characters. Changing it replaces every gateway and connection."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", var.name))
    error_message = "name must be lowercase letters, digits and '-', start with a letter, end with a letter or digit, and be 2 to 24 characters."
  }
}

variable "base_cidr" {
  description = "The IPv4 range the address plan draws every cluster's ranges from."
  type        = string

  validation {
    condition     = can(cidrhost(var.base_cidr, 0))
    error_message = "base_cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "reserved" {
  description = "Ranges the address plan leaves alone (on-premises networks, existing VPCs)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "clusters" {
  description = "Every cluster of the platform, in a stable order (append new ones at the end): the address plan's input. A site's position here numbers its default ASN and its connections' inside addresses. Changing it replaces the gateway and connections of every site whose cluster changes position (only append, as for the address plan)."
  type        = list(object({ name = string, cloud = string, region = string, zones = optional(number) }))

  validation {
    condition     = length(var.clusters) > 0
    error_message = "clusters must name at least one cluster."
  }
}

variable "sites" {
  description = "VPN sites by cluster name (each one of clusters), with exactly one of aws (region, vpc_id), gcp (project, region, network) or azure (subscription_id, resource_group, location, gateway_subnet_id of its GatewaySubnet, sku): where that cluster network's gateway goes. asn / amazon_side_asn default to 64512 + the cluster's position. Changing it replaces a site's gateway and every connection to it when that site's settings change; a new site only adds."
  type        = map(object({ aws = optional(object({ region = string, vpc_id = string, amazon_side_asn = optional(number) })), gcp = optional(object({ project = string, region = string, network = string, asn = optional(number) })), azure = optional(object({ subscription_id = string, resource_group = string, location = string, gateway_subnet_id = string, asn = optional(number), sku = optional(string) })) }))
  nullable    = false

  validation {
    condition     = alltrue([for s in values(var.sites) : length([for c in [s.aws, s.gcp, s.azure] : c if c != null]) == 1])
    error_message = "Every site needs exactly one of aws, gcp or azure."
  }
}

variable "topology" {
  description = "full-mesh (every pair of sites in different clouds) or hub-and-spoke (every site to hub). Changing it replaces no gateway: connections the new topology lacks are destroyed and new ones created, connections in both stay."
  type        = string
  default     = "full-mesh"
  nullable    = false

  validation {
    condition     = contains(["full-mesh", "hub-and-spoke"], var.topology)
    error_message = "topology must be full-mesh or hub-and-spoke."
  }
}

variable "hub" {
  description = "hub-and-spoke: the site every other site connects to. Changing it replaces no gateway: the old hub's connections are destroyed and the new hub's created."
  type        = string
  default     = null
}

variable "tunnel_count" {
  description = "Tunnels per connection: 4 (both interfaces of both sides, GCP's 99.99% SLA) or 2. Changing it replaces every connection."
  type        = number
  default     = 4
  nullable    = false

  validation {
    condition     = contains([2, 4], var.tunnel_count)
    error_message = "tunnel_count must be 4 or 2."
  }
}

variable "ike_version" {
  description = "IKE version of every tunnel: 2 or 1. Changing it replaces every connection."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = contains([1, 2], var.ike_version)
    error_message = "ike_version must be 2 or 1."
  }
}
