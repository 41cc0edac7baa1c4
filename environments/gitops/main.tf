# Each cluster's endpoint, CA and issuer from the cloud environments; cacerts from global.
data "terraform_remote_state" "aws" {
  backend = "s3"
  config = {
    bucket       = "acme-terraform-state"
    key          = "acme/aws/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
}

data "terraform_remote_state" "gcp" {
  backend = "gcs"
  config = {
    bucket = "acme-terraform-state-gcp"
    prefix = "acme/gcp"
  }
}

data "terraform_remote_state" "azure" {
  backend = "azurerm"
  config = {
    resource_group_name  = "acme-tfstate"
    storage_account_name = "acmetfstate"
    container_name       = "tfstate"
    key                  = "acme/azure.tfstate"
    use_azuread_auth     = true
  }
}

data "terraform_remote_state" "global" {
  backend = "s3"
  config = {
    bucket       = "acme-terraform-state"
    key          = "acme/global/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
}

locals {
  tags = {
    platform   = "acme"
    managed-by = "multicloud"
  }
}

ephemeral "multicloud_cluster_auth" "eks_use1" {
  cloud  = "aws"
  name   = "eks-use1"
  region = "us-east-1"
}

ephemeral "multicloud_cluster_auth" "gke_euw1" {
  cloud   = "gcp"
  name    = "gke-euw1"
  region  = "europe-west1"
  project = "acme-platform"
}

# Velero of eks-use1 signs in to the S3 bucket as this role (trusting the cluster's issuer).
module "eks-use1-velero" {
  source = "../../modules/aws-velero-role"
  providers = {
    aws = aws.us_east_1
  }
  name              = "acme-eks-use1-velero"
  cluster           = "eks-use1"
  bucket            = "acme-platform-backups"
  kms_key_arn       = data.terraform_remote_state.aws.outputs.backup_kms_key_arn
  oidc_issuer_url   = data.terraform_remote_state.aws.outputs.eks_use1_oidc_issuer_url
  oidc_provider_arn = data.terraform_remote_state.aws.outputs.eks_use1_oidc_provider_arn
  tags              = local.tags
}

# Velero of gke-euw1 signs in to the S3 bucket as this role (trusting the cluster's issuer).
module "gke-euw1-velero" {
  source = "../../modules/aws-velero-role"
  providers = {
    aws = aws.us_east_1
  }
  name            = "acme-gke-euw1-velero"
  cluster         = "gke-euw1"
  bucket          = "acme-platform-backups"
  kms_key_arn     = data.terraform_remote_state.aws.outputs.backup_kms_key_arn
  oidc_issuer_url = "https://container.googleapis.com/v1/projects/acme-platform/locations/europe-west1/clusters/gke-euw1"
  tags            = local.tags
}

# Velero of aks-weu signs in to the S3 bucket as this role (trusting the cluster's issuer).
module "aks-weu-velero" {
  source = "../../modules/aws-velero-role"
  providers = {
    aws = aws.us_east_1
  }
  name            = "acme-aks-weu-velero"
  cluster         = "aks-weu"
  bucket          = "acme-platform-backups"
  kms_key_arn     = data.terraform_remote_state.aws.outputs.backup_kms_key_arn
  oidc_issuer_url = data.terraform_remote_state.azure.outputs.aks_weu_oidc_issuer_url
  tags            = local.tags
}

module "eks-use1-access" {
  source = "../../modules/cluster-access"
  providers = {
    kubernetes = kubernetes.eks_use1
  }
  argocd_manager = false
  mesh           = true
  network        = "eks-use1-net"
  cacerts        = data.terraform_remote_state.global.outputs.mesh_cacerts_files["eks-use1"]
}

module "gke-euw1-access" {
  source = "../../modules/cluster-access"
  providers = {
    kubernetes = kubernetes.gke_euw1
  }
  argocd_manager = true
  mesh           = true
  network        = "gke-euw1-net"
  cacerts        = data.terraform_remote_state.global.outputs.mesh_cacerts_files["gke-euw1"]
}

module "aks-weu-access" {
  source = "../../modules/cluster-access"
  providers = {
    kubernetes = kubernetes.aks_weu
  }
  argocd_manager = true
  mesh           = true
  network        = "aks-weu-net"
  cacerts        = data.terraform_remote_state.global.outputs.mesh_cacerts_files["aks-weu"]
}

# Argo CD on eks-use1 and a cluster Secret per cluster: the facts the ApplicationSets select on.
module "hub" {
  source = "../../modules/gitops-hub"
  providers = {
    kubernetes = kubernetes.eks_use1
    helm       = helm.eks_use1
  }
  values = file("${path.root}/../../kubernetes/bootstrap/argo-cd.yaml")
  clusters = {
    eks-use1 = {
      server = "https://kubernetes.default.svc"
      labels = {
        "argocd.argoproj.io/secret-type" = "cluster"
        "multicloud.io/backup"           = "enabled"
        "multicloud.io/cloud"            = "aws"
        "multicloud.io/mesh"             = "enabled"
        "multicloud.io/region"           = "us-east-1"
        "multicloud.io/role"             = "hub"
        "multicloud.io/sample-app"       = "frontend"
      }
      annotations = {
        "multicloud.io/backup-bucket"   = "acme-platform-backups"
        "multicloud.io/backup-prefix"   = "clusters/eks-use1"
        "multicloud.io/backup-region"   = "us-east-1"
        "multicloud.io/cluster-name"    = "eks-use1"
        "multicloud.io/mesh-id"         = "acme"
        "multicloud.io/network"         = "eks-use1-net"
        "multicloud.io/trust-domain"    = "acme.internal"
        "multicloud.io/velero-identity" = module.eks-use1-velero.role_arn
      }
    }
    gke-euw1 = {
      server = data.terraform_remote_state.gcp.outputs.gke_euw1_endpoint
      labels = {
        "argocd.argoproj.io/secret-type" = "cluster"
        "multicloud.io/backup"           = "enabled"
        "multicloud.io/cloud"            = "gcp"
        "multicloud.io/mesh"             = "enabled"
        "multicloud.io/region"           = "europe-west1"
        "multicloud.io/role"             = "spoke"
        "multicloud.io/sample-app"       = "backend"
      }
      annotations = {
        "multicloud.io/backup-bucket"   = "acme-platform-backups"
        "multicloud.io/backup-prefix"   = "clusters/gke-euw1"
        "multicloud.io/backup-region"   = "us-east-1"
        "multicloud.io/cluster-name"    = "gke-euw1"
        "multicloud.io/mesh-id"         = "acme"
        "multicloud.io/network"         = "gke-euw1-net"
        "multicloud.io/trust-domain"    = "acme.internal"
        "multicloud.io/velero-identity" = module.gke-euw1-velero.role_arn
      }
    }
    aks-weu = {
      server = data.terraform_remote_state.azure.outputs.aks_weu_endpoint
      labels = {
        "argocd.argoproj.io/secret-type" = "cluster"
        "multicloud.io/backup"           = "enabled"
        "multicloud.io/cloud"            = "azure"
        "multicloud.io/mesh"             = "enabled"
        "multicloud.io/region"           = "westeurope"
        "multicloud.io/role"             = "spoke"
      }
      annotations = {
        "multicloud.io/backup-bucket"   = "acme-platform-backups"
        "multicloud.io/backup-prefix"   = "clusters/aks-weu"
        "multicloud.io/backup-region"   = "us-east-1"
        "multicloud.io/cluster-name"    = "aks-weu"
        "multicloud.io/mesh-id"         = "acme"
        "multicloud.io/network"         = "aks-weu-net"
        "multicloud.io/trust-domain"    = "acme.internal"
        "multicloud.io/velero-identity" = module.aks-weu-velero.role_arn
      }
    }
  }
  cluster_configs = {
    eks-use1 = jsonencode({ tlsClientConfig = { insecure = false } })
    gke-euw1 = jsonencode({ bearerToken = module.gke-euw1-access.argocd_manager_token, tlsClientConfig = { insecure = false, caData = data.terraform_remote_state.gcp.outputs.gke_euw1_ca_certificate } })
    aks-weu  = jsonencode({ bearerToken = module.aks-weu-access.argocd_manager_token, tlsClientConfig = { insecure = false, caData = data.terraform_remote_state.azure.outputs.aks_weu_ca_certificate } })
  }
  project = {
    apiVersion = "argoproj.io/v1alpha1"
    kind       = "AppProject"
    metadata = {
      name      = "platform"
      namespace = "argocd"
    }
    spec = {
      clusterResourceWhitelist = [{
        group = "*"
        kind  = "*"
      }]
      description = "The platform's add-ons, on every cluster"
      destinations = [{
        name      = "*"
        namespace = "*"
        server    = "*"
      }]
      sourceRepos = ["https://github.com/acme/platform.git", "https://argoproj.github.io/argo-helm", "https://istio-release.storage.googleapis.com/charts", "https://vmware-tanzu.github.io/helm-charts"]
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
      destination = {
        namespace = "argocd"
        server    = "https://kubernetes.default.svc"
      }
      project = "platform"
      source = {
        path           = "kubernetes/addons"
        repoURL        = "https://github.com/acme/platform.git"
        targetRevision = "main"
      }
      syncPolicy = {
        automated = {
          prune    = true
          selfHeal = true
        }
      }
    }
  }
}

# On eks-use1: one remote secret and one read-only backup location per other cluster.
module "eks-use1-peers" {
  source = "../../modules/cluster-peers"
  providers = {
    kubernetes = kubernetes.eks_use1
  }
  peers = {
    gke-euw1 = {
      server = data.terraform_remote_state.gcp.outputs.gke_euw1_endpoint
    }
    aks-weu = {
      server = data.terraform_remote_state.azure.outputs.aks_weu_endpoint
    }
  }
  peer_credentials = {
    gke-euw1 = {
      ca_certificate = data.terraform_remote_state.gcp.outputs.gke_euw1_ca_certificate
      token          = module.gke-euw1-access.istio_reader_token
    }
    aks-weu = {
      ca_certificate = data.terraform_remote_state.azure.outputs.aks_weu_ca_certificate
      token          = module.aks-weu-access.istio_reader_token
    }
  }
  database_certificates = var.sample_db_certificates
  restore_locations = {
    gke-euw1 = {
      apiVersion = "velero.io/v1"
      kind       = "BackupStorageLocation"
      metadata = {
        name      = "restore-gke-euw1"
        namespace = "velero"
      }
      spec = {
        accessMode = "ReadOnly"
        config = {
          region = "us-east-1"
        }
        default = false
        objectStorage = {
          bucket = "acme-platform-backups"
          prefix = "clusters/gke-euw1"
        }
        provider = "aws"
      }
    }
    aks-weu = {
      apiVersion = "velero.io/v1"
      kind       = "BackupStorageLocation"
      metadata = {
        name      = "restore-aks-weu"
        namespace = "velero"
      }
      spec = {
        accessMode = "ReadOnly"
        config = {
          region = "us-east-1"
        }
        default = false
        objectStorage = {
          bucket = "acme-platform-backups"
          prefix = "clusters/aks-weu"
        }
        provider = "aws"
      }
    }
  }
}

# On gke-euw1: one remote secret and one read-only backup location per other cluster.
module "gke-euw1-peers" {
  source = "../../modules/cluster-peers"
  providers = {
    kubernetes = kubernetes.gke_euw1
  }
  peers = {
    eks-use1 = {
      server = data.terraform_remote_state.aws.outputs.eks_use1_endpoint
    }
    aks-weu = {
      server = data.terraform_remote_state.azure.outputs.aks_weu_endpoint
    }
  }
  peer_credentials = {
    eks-use1 = {
      ca_certificate = data.terraform_remote_state.aws.outputs.eks_use1_ca_certificate
      token          = module.eks-use1-access.istio_reader_token
    }
    aks-weu = {
      ca_certificate = data.terraform_remote_state.azure.outputs.aks_weu_ca_certificate
      token          = module.aks-weu-access.istio_reader_token
    }
  }
  database_certificates = var.sample_db_certificates
  restore_locations = {
    eks-use1 = {
      apiVersion = "velero.io/v1"
      kind       = "BackupStorageLocation"
      metadata = {
        name      = "restore-eks-use1"
        namespace = "velero"
      }
      spec = {
        accessMode = "ReadOnly"
        config = {
          region = "us-east-1"
        }
        default = false
        objectStorage = {
          bucket = "acme-platform-backups"
          prefix = "clusters/eks-use1"
        }
        provider = "aws"
      }
    }
    aks-weu = {
      apiVersion = "velero.io/v1"
      kind       = "BackupStorageLocation"
      metadata = {
        name      = "restore-aks-weu"
        namespace = "velero"
      }
      spec = {
        accessMode = "ReadOnly"
        config = {
          region = "us-east-1"
        }
        default = false
        objectStorage = {
          bucket = "acme-platform-backups"
          prefix = "clusters/aks-weu"
        }
        provider = "aws"
      }
    }
  }
}

# On aks-weu: one remote secret and one read-only backup location per other cluster.
module "aks-weu-peers" {
  source = "../../modules/cluster-peers"
  providers = {
    kubernetes = kubernetes.aks_weu
  }
  peers = {
    eks-use1 = {
      server = data.terraform_remote_state.aws.outputs.eks_use1_endpoint
    }
    gke-euw1 = {
      server = data.terraform_remote_state.gcp.outputs.gke_euw1_endpoint
    }
  }
  peer_credentials = {
    eks-use1 = {
      ca_certificate = data.terraform_remote_state.aws.outputs.eks_use1_ca_certificate
      token          = module.eks-use1-access.istio_reader_token
    }
    gke-euw1 = {
      ca_certificate = data.terraform_remote_state.gcp.outputs.gke_euw1_ca_certificate
      token          = module.gke-euw1-access.istio_reader_token
    }
  }
  restore_locations = {
    eks-use1 = {
      apiVersion = "velero.io/v1"
      kind       = "BackupStorageLocation"
      metadata = {
        name      = "restore-eks-use1"
        namespace = "velero"
      }
      spec = {
        accessMode = "ReadOnly"
        config = {
          region = "us-east-1"
        }
        default = false
        objectStorage = {
          bucket = "acme-platform-backups"
          prefix = "clusters/eks-use1"
        }
        provider = "aws"
      }
    }
    gke-euw1 = {
      apiVersion = "velero.io/v1"
      kind       = "BackupStorageLocation"
      metadata = {
        name      = "restore-gke-euw1"
        namespace = "velero"
      }
      spec = {
        accessMode = "ReadOnly"
        config = {
          region = "us-east-1"
        }
        default = false
        objectStorage = {
          bucket = "acme-platform-backups"
          prefix = "clusters/gke-euw1"
        }
        provider = "aws"
      }
    }
  }
}
