# One VPN site per cloud, each with its own BGP ASN, ready for multicloud_vpn_connection.

# AWS: a virtual private gateway attached to the VPC (or `transit_gateway_id` to use an existing
# transit gateway instead).
resource "multicloud_vpn_gateway" "aws" {
  name = "aws-use1"
  aws {
    region          = "us-east-1"
    vpc_id          = "vpc-0123456789abcdef0"
    amazon_side_asn = 64512
  }
}

# GCP: an HA VPN gateway (two interfaces) and its Cloud Router `gcp-euw1-router`.
resource "multicloud_vpn_gateway" "gcp" {
  name = "gcp-euw1"
  gcp {
    project = "my-project"
    region  = "europe-west1"
    network = "platform"
    asn     = 65010
  }
}

# Azure: two public IPs and an active-active, BGP-enabled gateway in the VNet's GatewaySubnet.
# Azure takes 30–45 minutes to create one, hence the longer timeouts.
resource "multicloud_vpn_gateway" "azure" {
  name = "azure-weu"
  azure {
    subscription_id   = "00000000-0000-0000-0000-000000000000"
    resource_group    = "platform-network"
    location          = "westeurope"
    gateway_subnet_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/platform-network/providers/Microsoft.Network/virtualNetworks/platform/subnets/GatewaySubnet"
    asn               = 65020
  }
  timeouts {
    create = "60m"
    delete = "60m"
  }
}
