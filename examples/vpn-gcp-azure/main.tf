terraform {
  required_providers {
    multicloud = {
      source = "multicloud/multicloud"
    }
  }
}

# Credentials and endpoints come from the environment: GOOGLE_OAUTH_ACCESS_TOKEN for GCP
# (`gcloud auth print-access-token`), ARM_ACCESS_TOKEN for Azure
# (`az account get-access-token --query accessToken -o tsv`).
provider "multicloud" {}

variable "gcp_project" {
  description = "Google Cloud project that holds the VPC network."
  type        = string
}

variable "gcp_region" {
  description = "GCP region for the HA VPN gateway and its Cloud Router."
  type        = string
  default     = "europe-west1"
}

variable "gcp_network" {
  description = "Name of the GCP VPC network to connect."
  type        = string
}

variable "azure_subscription_id" {
  description = "Azure subscription of the virtual network."
  type        = string
}

variable "azure_resource_group" {
  description = "Existing resource group for the gateway, its public IPs and the connection's objects."
  type        = string
}

variable "azure_location" {
  description = "Azure region of the virtual network."
  type        = string
  default     = "westeurope"
}

variable "azure_gateway_subnet_id" {
  description = "Resource id of the virtual network's subnet named GatewaySubnet (/27 or larger)."
  type        = string
}

resource "multicloud_vpn_gateway" "gcp" {
  name = "gcp-euw1"
  gcp {
    project = var.gcp_project
    region  = var.gcp_region
    network = var.gcp_network
    asn     = 65010
  }
}

# Azure's default ASN 65515; 65517–65520 and a few others are refused at plan.
resource "multicloud_vpn_gateway" "azure" {
  name = "azure-weu"
  azure {
    subscription_id   = var.azure_subscription_id
    resource_group    = var.azure_resource_group
    location          = var.azure_location
    gateway_subnet_id = var.azure_gateway_subnet_id
  }
  timeouts {
    create = "60m"
    delete = "60m"
  }
}

# One key for all four tunnels, rotated by changing `rotation` (which replaces the connection).
resource "multicloud_psk" "gcp_azure" {
  keepers = {
    link     = "gcp-euw1-azure-weu"
    rotation = "2026-01"
  }
}

# Both gateways are active-active with two interfaces, so the four tunnels cross them: 0↔0, 0↔1,
# 1↔0, 1↔1. The inside /30s are given here rather than derived from the name, e.g. to stay clear
# of other connections on the same gateways; with Azure they must lie in 169.254.21.0/24 or
# 169.254.22.0/24.
resource "multicloud_vpn_connection" "gcp_azure" {
  name         = "gcp-azure"
  a            = multicloud_vpn_gateway.gcp
  b            = multicloud_vpn_gateway.azure
  psk          = multicloud_psk.gcp_azure.result
  inside_cidrs = ["169.254.21.0/30", "169.254.21.4/30", "169.254.22.0/30", "169.254.22.4/30"]
  timeouts {
    create = "60m"
  }
}

output "tunnels" {
  description = "Each tunnel's inside /30 and both ends: outside address, BGP address, ASN and status."
  value = [for t in multicloud_vpn_connection.gcp_azure.tunnels : {
    inside_cidr = t.inside_cidr
    in_sync     = t.in_sync
    gcp         = { interface = t.a_interface, outside_ip = t.a_outside_ip, bgp_ip = t.a_bgp_ip, asn = t.a_asn, status = t.a_status }
    azure       = { instance = t.b_interface, outside_ip = t.b_outside_ip, bgp_ip = t.b_bgp_ip, asn = t.b_asn, status = t.b_status }
  }]
}
