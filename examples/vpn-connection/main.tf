terraform {
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
  name = "aws-use1"
  aws {
    region          = var.aws_region
    vpc_id          = var.aws_vpc_id
    amazon_side_asn = 64512
  }
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

# Four tunnels with BGP (GCP's 99.99 % HA VPN topology): two AWS VPN connections, one per GCP
# interface, each with two tunnels. Inside /30s, BGP addresses and a distinct key per tunnel are
# chosen at plan; `terraform plan` shows them before anything exists.
resource "multicloud_vpn_connection" "aws_gcp" {
  name = "aws-gcp"
  a    = multicloud_vpn_gateway.aws
  b    = multicloud_vpn_gateway.gcp
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
