output "argocd_manager_token" {
  description = "Bearer token of argocd-manager (null when not created): the config of the cluster's Argo CD cluster Secret."
  value       = one(kubernetes_secret_v1.argocd_manager[*].data.token)
  sensitive   = true
}

output "istio_reader_token" {
  description = "Bearer token of the Istio reader (null without the mesh): what the peers' remote secrets carry."
  value       = one(kubernetes_secret_v1.istio_reader[*].data.token)
  sensitive   = true
}
