# Pinned: an upgrade is a change of chart_version in review, never a surprise.
resource "helm_release" "argo_cd" {
  name             = "argocd"
  repository       = var.chart_repository
  chart            = "argo-cd"
  version          = var.chart_version
  namespace        = "argocd"
  create_namespace = true
  values           = [var.values]
  wait             = true
  timeout          = 900
}

# The GitOps-bridge contract: the ApplicationSets select clusters by these labels and template their values from the annotations.
resource "kubernetes_secret_v1" "cluster" {
  for_each = var.clusters

  metadata {
    name        = "cluster-${each.key}"
    namespace   = helm_release.argo_cd.namespace
    labels      = each.value.labels
    annotations = each.value.annotations
  }

  type = "Opaque"
  data = {
    name   = each.key
    server = each.value.server
    config = var.cluster_configs[each.key]
  }
}

resource "kubernetes_manifest" "project" {
  manifest   = var.project
  depends_on = [helm_release.argo_cd]
}

# Syncs kubernetes/addons (the ApplicationSets) once every cluster Secret exists.
resource "kubernetes_manifest" "app_of_apps" {
  manifest   = var.app_of_apps
  depends_on = [kubernetes_manifest.project, kubernetes_secret_v1.cluster]
}
