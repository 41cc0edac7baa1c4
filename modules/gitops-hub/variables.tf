variable "chart_repository" {
  description = "Helm repository of the argo-cd chart."
  type        = string
  default     = "https://argoproj.github.io/argo-helm"
  nullable    = false
}

variable "chart_version" {
  description = "Pinned version of the argo-cd chart."
  type        = string
  default     = "10.1.1"
  nullable    = false
}

variable "values" {
  description = "The chart's values (YAML), e.g. file(\"kubernetes/bootstrap/argo-cd.yaml\")."
  type        = string
}

variable "clusters" {
  description = "By cluster name: how Argo CD reaches it (https://kubernetes.default.svc for the hub) and the labels and annotations of its cluster Secret."
  type        = map(object({ server = string, labels = map(string), annotations = map(string) }))
  nullable    = false
}

variable "cluster_configs" {
  description = "By cluster name: the `config` of its cluster Secret (JSON: bearerToken, tlsClientConfig with caData)."
  type        = map(string)
  nullable    = false
  sensitive   = true
}

variable "project" {
  description = "The AppProject manifest of the platform's add-ons."
  type        = any
}

variable "app_of_apps" {
  description = "The Application manifest that syncs the ApplicationSets from git."
  type        = any
}
