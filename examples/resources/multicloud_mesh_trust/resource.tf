# One Istio trust domain across EKS, GKE and AKS: a shared root CA and an intermediate CA per
# cluster. Adding a cluster issues only its intermediate; changing `root` rotates the root in two
# applies without breaking mTLS.
resource "multicloud_mesh_trust" "mesh" {
  trust_domain      = "cluster.local"
  renew_before_days = 30

  root {
    common_name  = "Platform Root CA"
    organization = "Example Corp"
  }

  clusters = {
    eks-use1 = { network = "aws-use1" }
    gke-euw1 = { network = "gcp-euw1" }
    aks-weu  = { network = "azure-weu" }
  }
}

# The ready-to-apply `cacerts` Secret of one cluster, e.g.
# terraform output -raw cacerts_eks_use1 | kubectl --context eks-use1 apply -f -
output "cacerts_eks_use1" {
  value     = multicloud_mesh_trust.mesh.issued_secrets["eks-use1"].cacerts_manifest
  sensitive = true
}
