# One key for every tunnel of a link. Any change to `keepers` generates a new key, so bumping
# `rotation` rotates it.
resource "multicloud_psk" "aws_gcp" {
  length = 40
  keepers = {
    link     = "aws-use1-gcp-euw1"
    rotation = "2026-11"
  }
}

# The key is sensitive and lives only in the state: protect the state as you would the key.
output "aws_gcp_psk_id" {
  value = multicloud_psk.aws_gcp.id
}
