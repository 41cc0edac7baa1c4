# Terraform 1.14+. `terraform query` lists the VPN gateways in these scopes, hand-built ones
# included; `terraform query -generate-config-out=generated.tf` writes what imports them.
list "multicloud_vpn_gateway" "sites" {
  provider = multicloud
  config {
    name_prefix = "platform-"
    # One or more scopes.
    aws {
      region = "us-east-1"
    }
    gcp {
      project = "my-project"
      region  = "europe-west1"
    }
    azure {
      subscription_id = "00000000-0000-0000-0000-000000000000"
      resource_group  = "platform-network"
    }
  }
}
