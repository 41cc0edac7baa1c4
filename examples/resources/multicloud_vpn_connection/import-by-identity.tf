# Terraform 1.12+. The gateways as multicloud_vpn_gateway's import takes them, in the order of
# `a` and `b` (what `list "multicloud_vpn_gateway"` reports).
import {
  to = multicloud_vpn_connection.aws_gcp
  identity = {
    name      = "aws-gcp"
    gateway_a = "aws/us-east-1/vgw-0123456789abcdef0"
    gateway_b = "projects/my-project/regions/europe-west1/vpnGateways/gcp-euw1"
  }
}
