# By cloud and the cloud's own id, e.g. to take back a gateway whose state was lost.
terraform import multicloud_vpn_gateway.aws aws/us-east-1/vgw-0123456789abcdef0 # or aws/REGION/tgw-…
terraform import multicloud_vpn_gateway.gcp gcp/my-project/europe-west1/gcp-euw1 # or projects/…/vpnGateways/gcp-euw1
terraform import multicloud_vpn_gateway.azure azure/00000000-0000-0000-0000-000000000000/platform-network/azure-weu # or the gateway's resource id
