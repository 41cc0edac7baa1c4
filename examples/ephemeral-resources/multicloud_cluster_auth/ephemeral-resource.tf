# Terraform 1.10+. Short-lived credentials for the kubernetes and helm providers, opened on every
# run and never stored in plan or state (unlike a data source's token, which would be).
ephemeral "multicloud_cluster_auth" "eks" {
  cloud  = "aws"
  name   = "platform-eks"
  region = "us-east-1" # default: the provider's aws.region
}

# GKE: `region` is the cluster's location (a region, or a zone for a zonal cluster) and required.
ephemeral "multicloud_cluster_auth" "gke" {
  cloud   = "gcp"
  name    = "platform-gke"
  region  = "europe-west1"
  project = "my-project" # default: the provider's gcp.project
}

provider "kubernetes" {
  host                   = ephemeral.multicloud_cluster_auth.eks.host
  cluster_ca_certificate = ephemeral.multicloud_cluster_auth.eks.cluster_ca_certificate
  token                  = ephemeral.multicloud_cluster_auth.eks.token
}

# hashicorp/helm 3.x: `kubernetes` is an attribute (helm 2.x spells it as a block, without `=`).
provider "helm" {
  kubernetes = {
    host                   = ephemeral.multicloud_cluster_auth.eks.host
    cluster_ca_certificate = ephemeral.multicloud_cluster_auth.eks.cluster_ca_certificate
    token                  = ephemeral.multicloud_cluster_auth.eks.token
  }
}

provider "kubernetes" {
  alias                  = "gke"
  host                   = ephemeral.multicloud_cluster_auth.gke.host
  cluster_ca_certificate = ephemeral.multicloud_cluster_auth.gke.cluster_ca_certificate
  token                  = ephemeral.multicloud_cluster_auth.gke.token
}

provider "helm" {
  alias = "gke"
  kubernetes = {
    host                   = ephemeral.multicloud_cluster_auth.gke.host
    cluster_ca_certificate = ephemeral.multicloud_cluster_auth.gke.cluster_ca_certificate
    token                  = ephemeral.multicloud_cluster_auth.gke.token
  }
}
