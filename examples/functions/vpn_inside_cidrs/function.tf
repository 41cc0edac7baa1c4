# Terraform 1.8+. The inside /30 per tunnel that a multicloud_vpn_connection named "aws-gcp"
# between an AWS and a GCP gateway allocates (e.g. for firewall rules written before the
# connection exists). A gateway shared with other connections can shift it: see the docs.
output "aws_gcp_inside_cidrs" {
  value = provider::multicloud::vpn_inside_cidrs("aws-gcp", 4, "aws", "gcp")
  # => ["169.254.80.40/30", "169.254.80.44/30", "169.254.80.48/30", "169.254.80.52/30"]
}

# With Azure in the pair, inside 169.254.21.0/24–169.254.22.0/24 (Azure's APIPA range).
output "gcp_azure_inside_cidrs" {
  value = provider::multicloud::vpn_inside_cidrs("gcp-azure", 2, "gcp", "azure")
  # => ["169.254.21.184/30", "169.254.21.188/30"]
}
