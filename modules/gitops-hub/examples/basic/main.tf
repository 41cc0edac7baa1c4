terraform {
  required_version = ">= 1.5.0"

  required_providers {
    helm = {
      source  = "hashicorp/helm"
      version = ">= 3.0, < 4.0"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.38, < 3.0"
    }
  }
}

# The required inputs only; every other input keeps its default (examples/complete sets them all).
module "hub" {
  source = "../.."
  values = "configs:\n  params:\n    server.insecure: false\n"
  clusters = {
    eks-use1 = {
      server = "https://kubernetes.default.svc"
      labels = {
        "argocd.argoproj.io/secret-type" = "cluster"
        "multicloud.io/cloud"            = "aws"
      }
      annotations = {
        "multicloud.io/cluster-name" = "eks-use1"
      }
    }
  }
  cluster_configs = {
    eks-use1 = "{\"tlsClientConfig\":{\"insecure\":false}}"
  }
  project = {
    apiVersion = "argoproj.io/v1alpha1"
    kind       = "AppProject"
    metadata = {
      name      = "platform"
      namespace = "argocd"
    }
    spec = {
      sourceRepos = ["https://github.com/acme/platform.git"]
    }
  }
  app_of_apps = {
    apiVersion = "argoproj.io/v1alpha1"
    kind       = "Application"
    metadata = {
      name      = "platform-addons"
      namespace = "argocd"
    }
    spec = {
      project = "platform"
      source = {
        repoURL        = "https://github.com/acme/platform.git"
        targetRevision = "main"
        path           = "kubernetes/addons"
      }
      destination = {
        server    = "https://kubernetes.default.svc"
        namespace = "argocd"
      }
    }
  }
}
