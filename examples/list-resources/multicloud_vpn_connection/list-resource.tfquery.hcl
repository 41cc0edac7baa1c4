# Terraform 1.14+. `terraform query` lists the connections this provider built between two
# gateways (e.g. after a state was lost); `-generate-config-out=generated.tf` writes what imports
# them. Gateways as `list "multicloud_vpn_gateway"` reports them.
list "multicloud_vpn_connection" "links" {
  provider = multicloud
  config {
    gateway_a = "aws/us-east-1/vgw-0123456789abcdef0"
    gateway_b = "projects/my-project/regions/europe-west1/vpnGateways/gcp-euw1"
  }
}
