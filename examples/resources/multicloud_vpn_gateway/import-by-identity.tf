# Terraform 1.12+. `region` is for AWS only, whose gateway ids are regional.
import {
  to = multicloud_vpn_gateway.aws
  identity = {
    cloud  = "aws"
    region = "us-east-1"
    id     = "vgw-0123456789abcdef0"
  }
}

import {
  to = multicloud_vpn_gateway.gcp
  identity = {
    cloud = "gcp"
    id    = "projects/my-project/regions/europe-west1/vpnGateways/gcp-euw1"
  }
}

import {
  to = multicloud_vpn_gateway.azure
  identity = {
    cloud = "azure"
    id    = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/platform-network/providers/Microsoft.Network/virtualNetworkGateways/azure-weu"
  }
}
