terraform {
  required_providers {
    multicloud = {
      source = "multicloud/multicloud"
    }
  }
}

# Credentials and endpoints come from the environment: AWS_REGION, AWS_PROFILE or
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; GOOGLE_OAUTH_ACCESS_TOKEN; ARM_ACCESS_TOKEN.
provider "multicloud" {}

variable "aws_region" {
  description = "AWS region of the VPC."
  type        = string
  default     = "us-east-1"
}

variable "aws_vpc_id" {
  description = "VPC (vpc-...) the AWS virtual private gateway attaches to."
  type        = string
}

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
  description = "Existing resource group for the gateway and its public IPs."
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

# One VPN site per cloud, each with its own BGP ASN, ready for multicloud_vpn_connection.

# AWS: a virtual private gateway attached to the VPC (or `transit_gateway_id` to use an existing
# transit gateway instead).
resource "multicloud_vpn_gateway" "aws" {
  name = "aws-use1"
  aws {
    region          = var.aws_region
    vpc_id          = var.aws_vpc_id
    amazon_side_asn = 64512
  }
}

# GCP: an HA VPN gateway (two interfaces) and a Cloud Router named `gcp-euw1-router`.
resource "multicloud_vpn_gateway" "gcp" {
  name = "gcp-euw1"
  gcp {
    project = var.gcp_project
    region  = var.gcp_region
    network = var.gcp_network
    asn     = 65010
  }
}

# Azure: two public IPs and an active-active, BGP-enabled gateway; Azure takes 30–45 minutes.
resource "multicloud_vpn_gateway" "azure" {
  name = "azure-weu"
  azure {
    subscription_id   = var.azure_subscription_id
    resource_group    = var.azure_resource_group
    location          = var.azure_location
    gateway_subnet_id = var.azure_gateway_subnet_id
    asn               = 65020
    sku               = "VpnGw1AZ"
  }
  timeouts {
    create = "60m"
    delete = "60m"
  }
}

output "gateways" {
  description = "Each site's id, ASN and public addresses (AWS's belong to each connection's tunnels)."
  value = {
    for g in [multicloud_vpn_gateway.aws, multicloud_vpn_gateway.gcp, multicloud_vpn_gateway.azure] :
    g.name => { cloud = g.cloud, id = g.id, asn = g.asn, public_ips = g.public_ips, bgp_peering_addresses = g.bgp_peering_addresses }
  }
}
