# Write-only keys and ephemeral resources need Terraform 1.11 or later.
terraform {
  required_version = ">= 1.11"
  required_providers {
    multicloud = {
      source = "multicloud/multicloud"
    }
  }
}

# Credentials and endpoints come from the environment: AWS_REGION, AWS_PROFILE or
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for AWS; GOOGLE_OAUTH_ACCESS_TOKEN for GCP
# (e.g. `export GOOGLE_OAUTH_ACCESS_TOKEN=$(gcloud auth print-access-token)`).
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

# One site per cloud. The ASNs must differ; both are known at plan.
resource "multicloud_vpn_gateway" "aws" {
  name = "aws-use1-wo"
  aws {
    region          = var.aws_region
    vpc_id          = var.aws_vpc_id
    amazon_side_asn = 64512
  }
}

resource "multicloud_vpn_gateway" "gcp" {
  name = "gcp-euw1-wo"
  gcp {
    project = var.gcp_project
    region  = var.gcp_region
    network = var.gcp_network
    asn     = 65010
  }
}

# A key valid for both clouds, generated for this run only: it is never written to plan or state.
ephemeral "multicloud_psk" "aws_gcp" {
  length = 40
}

# The key goes to both clouds' tunnels and nowhere else (`tunnel_psks` stays null). Raise
# `psk_wo_version` to rotate it: the tunnels are rebuilt with a freshly opened key.
resource "multicloud_vpn_connection" "aws_gcp" {
  name           = "aws-gcp-wo"
  a              = multicloud_vpn_gateway.aws
  b              = multicloud_vpn_gateway.gcp
  psk_wo         = ephemeral.multicloud_psk.aws_gcp.result
  psk_wo_version = 1
}

output "tunnels" {
  description = "Each tunnel's inside /30 and both ends: outside address, BGP address, ASN and status."
  value = [for t in multicloud_vpn_connection.aws_gcp.tunnels : {
    inside_cidr = t.inside_cidr
    in_sync     = t.in_sync
    aws         = { tunnel = t.a_interface, outside_ip = t.a_outside_ip, bgp_ip = t.a_bgp_ip, asn = t.a_asn, status = t.a_status }
    gcp         = { interface = t.b_interface, outside_ip = t.b_outside_ip, bgp_ip = t.b_bgp_ip, asn = t.b_asn, status = t.b_status }
  }]
}
