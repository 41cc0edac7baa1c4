# By name and the two gateways, in the order of `a` and `b`, each written as
# multicloud_vpn_gateway's import takes it.
terraform import multicloud_vpn_connection.aws_gcp "aws-gcp,aws/us-east-1/vgw-0123456789abcdef0,gcp/my-project/europe-west1/gcp-euw1"
