# Terraform 1.11+ (ephemeral resources are 1.10+, write-only arguments such as `psk_wo` 1.11+).
# A key valid for AWS, GCP and Azure, made for this run only: it is never written to plan or
# state, and goes to the clouds' tunnels through the write-only `psk_wo`.
ephemeral "multicloud_psk" "aws_gcp" {
  length = 40
}

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

# Terraform cannot compare write-only values: raise `psk_wo_version` to rotate the key (the
# tunnels are rebuilt with a freshly opened one).
resource "multicloud_vpn_connection" "aws_gcp" {
  name           = "aws-gcp"
  a              = multicloud_vpn_gateway.aws
  b              = multicloud_vpn_gateway.gcp
  psk_wo         = ephemeral.multicloud_psk.aws_gcp.result
  psk_wo_version = 1
}
