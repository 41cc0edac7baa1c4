terraform {
  required_providers {
    multicloud = {
      source = "multicloud/multicloud"
    }
  }
}

# Credentials and endpoints come from the environment: AWS_REGION, AWS_PROFILE or
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for AWS; ARM_ACCESS_TOKEN for Azure
# (e.g. `export ARM_ACCESS_TOKEN=$(az account get-access-token --query accessToken -o tsv)`).
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

resource "multicloud_vpn_gateway" "aws" {
  name = "aws-use1"
  aws {
    region = var.aws_region
    vpc_id = var.aws_vpc_id
  }
}

# Azure takes 30–45 minutes to create (and to delete) a virtual network gateway.
resource "multicloud_vpn_gateway" "azure" {
  name = "azure-weu"
  azure {
    subscription_id   = var.azure_subscription_id
    resource_group    = var.azure_resource_group
    location          = var.azure_location
    gateway_subnet_id = var.azure_gateway_subnet_id
    asn               = 65020
  }
  timeouts {
    create = "60m"
    delete = "60m"
  }
}

# Four tunnels: two AWS VPN connections, one towards each Azure gateway instance. Azure speaks BGP
# only from 169.254.21.0–169.254.22.255, so every inside /30 is allocated there.
resource "multicloud_vpn_connection" "aws_azure" {
  name = "aws-azure"
  a    = multicloud_vpn_gateway.aws
  b    = multicloud_vpn_gateway.azure
  timeouts {
    create = "60m"
  }
}

output "tunnels" {
  description = "Each tunnel's inside /30 and both ends: outside address, BGP address, ASN and status."
  value = [for t in multicloud_vpn_connection.aws_azure.tunnels : {
    inside_cidr = t.inside_cidr
    in_sync     = t.in_sync
    aws         = { tunnel = t.a_interface, outside_ip = t.a_outside_ip, bgp_ip = t.a_bgp_ip, asn = t.a_asn, status = t.a_status }
    azure       = { instance = t.b_interface, outside_ip = t.b_outside_ip, bgp_ip = t.b_bgp_ip, asn = t.b_asn, status = t.b_status }
  }]
}
