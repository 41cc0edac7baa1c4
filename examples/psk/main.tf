terraform {
  required_providers {
    multicloud = {
      source = "multicloud/multicloud"
    }
  }
}

# One key for every tunnel of a link; bump `rotation` to rotate it.
resource "multicloud_psk" "aws_gcp" {
  length = 40
  keepers = {
    link     = "aws-use1-gcp-euw1"
    rotation = "2026-11"
  }
}

output "psk_id" {
  value = multicloud_psk.aws_gcp.id
}

output "psk" {
  value     = multicloud_psk.aws_gcp.result
  sensitive = true
}
