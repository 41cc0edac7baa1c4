output "argo_cd_version" {
  description = "The argo-cd chart version installed."
  value       = helm_release.argo_cd.version
}

output "cluster_secrets" {
  description = "Names of the Argo CD cluster Secrets, by cluster."
  value       = { for name, secret in kubernetes_secret_v1.cluster : name => secret.metadata[0].name }
}
