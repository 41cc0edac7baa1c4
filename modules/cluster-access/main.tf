# Argo CD on the hub deploys here as this account (what `argocd cluster add` makes).
resource "kubernetes_service_account_v1" "argocd_manager" {
  count = var.argocd_manager ? 1 : 0

  metadata {
    name      = "argocd-manager"
    namespace = "kube-system"
    labels = {
      "app.kubernetes.io/managed-by" = "terraform"
    }
  }

  automount_service_account_token = false
}

# The add-ons install CRDs, webhooks and cluster roles: Argo CD needs cluster-admin, as upstream documents.
resource "kubernetes_cluster_role_binding_v1" "argocd_manager" {
  count = var.argocd_manager ? 1 : 0

  metadata {
    name = "argocd-manager-role-binding"
    labels = {
      "app.kubernetes.io/managed-by" = "terraform"
    }
  }

  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "cluster-admin"
  }

  subject {
    kind      = "ServiceAccount"
    name      = kubernetes_service_account_v1.argocd_manager[0].metadata[0].name
    namespace = "kube-system"
  }
}

resource "kubernetes_secret_v1" "argocd_manager" {
  count = var.argocd_manager ? 1 : 0

  metadata {
    name      = "argocd-manager-token"
    namespace = "kube-system"
    annotations = {
      "kubernetes.io/service-account.name" = kubernetes_service_account_v1.argocd_manager[0].metadata[0].name
    }
  }

  type                           = "kubernetes.io/service-account-token"
  wait_for_service_account_token = true
}

# Before Argo CD installs istiod: cacerts must be there when istiod starts, or it makes its own CA.
resource "kubernetes_namespace_v1" "istio_system" {
  count = var.mesh ? 1 : 0

  metadata {
    name = "istio-system"
    labels = {
      "app.kubernetes.io/managed-by" = "terraform"
      "topology.istio.io/network"    = var.network
    }
  }
}

# The cluster's intermediate CA under the platform's one root (multicloud_mesh_trust).
resource "kubernetes_secret_v1" "cacerts" {
  count = var.mesh ? 1 : 0

  metadata {
    name = "cacerts"
    labels = {
      "app.kubernetes.io/managed-by" = "terraform"
    }
    namespace = kubernetes_namespace_v1.istio_system[0].metadata[0].name
  }

  type = "Opaque"
  data = var.cacerts
}

# The peers' istiod watch this cluster's services and endpoints as this account (their remote secret holds its token).
resource "kubernetes_service_account_v1" "istio_reader" {
  count = var.mesh ? 1 : 0

  metadata {
    name = "multicloud-istio-reader"
    labels = {
      "app.kubernetes.io/managed-by" = "terraform"
    }
    namespace = kubernetes_namespace_v1.istio_system[0].metadata[0].name
  }

  automount_service_account_token = false
}

# Read only, and only what endpoint discovery reads.
resource "kubernetes_cluster_role_v1" "istio_reader" {
  count = var.mesh ? 1 : 0

  metadata {
    name = "multicloud-istio-reader"
    labels = {
      "app.kubernetes.io/managed-by" = "terraform"
    }
  }

  rule {
    api_groups = [""]
    resources  = ["endpoints", "services", "pods", "nodes", "namespaces"]
    verbs      = ["get", "list", "watch"]
  }

  rule {
    api_groups = ["discovery.k8s.io"]
    resources  = ["endpointslices"]
    verbs      = ["get", "list", "watch"]
  }
}

resource "kubernetes_cluster_role_binding_v1" "istio_reader" {
  count = var.mesh ? 1 : 0

  metadata {
    name = "multicloud-istio-reader"
    labels = {
      "app.kubernetes.io/managed-by" = "terraform"
    }
  }

  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = kubernetes_cluster_role_v1.istio_reader[0].metadata[0].name
  }

  subject {
    kind      = "ServiceAccount"
    name      = kubernetes_service_account_v1.istio_reader[0].metadata[0].name
    namespace = "istio-system"
  }
}

resource "kubernetes_secret_v1" "istio_reader" {
  count = var.mesh ? 1 : 0

  metadata {
    name      = "multicloud-istio-reader-token"
    namespace = "istio-system"
    annotations = {
      "kubernetes.io/service-account.name" = kubernetes_service_account_v1.istio_reader[0].metadata[0].name
    }
  }

  type                           = "kubernetes.io/service-account-token"
  wait_for_service_account_token = true
}

# Before Argo CD installs Velero, whose pods mount the ConfigMap below (Argo CD's CreateNamespace then finds it).
resource "kubernetes_namespace_v1" "velero" {
  count = var.velero_gcp_credentials != null ? 1 : 0

  metadata {
    name = "velero"
    labels = {
      "app.kubernetes.io/managed-by" = "terraform"
    }
  }
}

# Velero exchanges its projected token at Google's STS and impersonates its service account as this file says.
resource "kubernetes_config_map_v1" "velero_gcp_credentials" {
  count = var.velero_gcp_credentials != null ? 1 : 0

  metadata {
    name = "velero-gcp-credentials"
    labels = {
      "app.kubernetes.io/managed-by" = "terraform"
    }
    namespace = kubernetes_namespace_v1.velero[0].metadata[0].name
  }

  data = {
    "credentials.json" = var.velero_gcp_credentials
  }
}
