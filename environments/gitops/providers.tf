provider "multicloud" {
  aws {
    region = "us-east-1"
  }

  gcp {
    project = "acme-platform"
  }
}

provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = {
      platform   = "acme"
      managed-by = "multicloud"
    }
  }
}

provider "kubernetes" {
  alias                  = "eks_use1"
  host                   = ephemeral.multicloud_cluster_auth.eks_use1.host
  cluster_ca_certificate = ephemeral.multicloud_cluster_auth.eks_use1.cluster_ca_certificate
  token                  = ephemeral.multicloud_cluster_auth.eks_use1.token
}

provider "kubernetes" {
  alias                  = "gke_euw1"
  host                   = ephemeral.multicloud_cluster_auth.gke_euw1.host
  cluster_ca_certificate = ephemeral.multicloud_cluster_auth.gke_euw1.cluster_ca_certificate
  token                  = ephemeral.multicloud_cluster_auth.gke_euw1.token
}

provider "kubernetes" {
  alias                  = "aks_weu"
  host                   = data.terraform_remote_state.azure.outputs.aks_weu_endpoint
  cluster_ca_certificate = base64decode(data.terraform_remote_state.azure.outputs.aks_weu_ca_certificate)

  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "kubelogin"
    args        = ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"]
  }
}

provider "helm" {
  alias = "eks_use1"
  kubernetes = {
    host                   = ephemeral.multicloud_cluster_auth.eks_use1.host
    cluster_ca_certificate = ephemeral.multicloud_cluster_auth.eks_use1.cluster_ca_certificate
    token                  = ephemeral.multicloud_cluster_auth.eks_use1.token
  }
}
