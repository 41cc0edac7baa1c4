output "cluster_secrets" {
  description = "The Argo CD cluster Secrets on the hub, by cluster."
  value       = module.hub.cluster_secrets
}
