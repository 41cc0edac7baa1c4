terraform {
  required_providers {
    multicloud = {
      source = "multicloud/multicloud"
    }
  }
}

# One Istio trust domain across EKS, GKE and AKS: a shared root, an intermediate per cluster.
resource "multicloud_mesh_trust" "mesh" {
  trust_domain      = "cluster.local"
  renew_before_days = 30

  root {
    common_name   = "Platform Root CA"
    organization  = "Example Corp"
    key_algorithm = "RSA_4096"
    validity_days = 3650
  }

  clusters = {
    eks-use1 = { network = "aws-use1" }
    gke-euw1 = { network = "gcp-euw1" }
    aks-weu  = { network = "azure-weu", key_algorithm = "ECDSA_P256", validity_days = 365 }
  }
}

# Apply with: terraform output -raw cacerts_eks_use1 | kubectl --context eks-use1 apply -f -
output "cacerts_eks_use1" {
  value     = multicloud_mesh_trust.mesh.issued_secrets["eks-use1"].cacerts_manifest
  sensitive = true
}

output "intermediates" {
  value = { for name, c in multicloud_mesh_trust.mesh.issued : name => { serial = c.serial, not_after = c.not_after } }
}
