# An HA VPN between AWS and GCP: two sites and four BGP tunnels between them (GCP's 99.99 %
# topology). Inside /30s, BGP addresses, ASNs and keys are chosen and checked at plan, so
# `terraform plan` shows every tunnel before anything exists.
resource "multicloud_vpn_gateway" "aws" {
  name = "aws-use1"
  aws {
    region = "us-east-1"
    vpc_id = "vpc-0123456789abcdef0"
  }
}

resource "multicloud_vpn_gateway" "gcp" {
  name = "gcp-euw1"
  gcp {
    project = "my-project"
    region  = "europe-west1"
    network = "platform"
    asn     = 65010
  }
}

# One key for every tunnel, valid in both clouds (without `psk`, each tunnel gets its own).
# On Terraform 1.11+ prefer `psk_wo` fed from `ephemeral "multicloud_psk"`, which stores no key.
resource "multicloud_psk" "aws_gcp" {}

resource "multicloud_vpn_connection" "aws_gcp" {
  name = "aws-gcp"
  # The gateways themselves, not their ids: their cloud, region and ASN are then known at plan.
  a   = multicloud_vpn_gateway.aws
  b   = multicloud_vpn_gateway.gcp
  psk = multicloud_psk.aws_gcp.result
}

output "tunnels" {
  value = [for t in multicloud_vpn_connection.aws_gcp.tunnels : {
    inside_cidr = t.inside_cidr
    aws         = "${t.a_outside_ip} ${t.a_bgp_ip} AS${t.a_asn}"
    gcp         = "${t.b_outside_ip} ${t.b_bgp_ip} AS${t.b_asn}"
  }]
}
