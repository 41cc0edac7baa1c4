output "remote_secrets" {
  description = "Names of the Istio remote secrets, by peer."
  value       = { for peer, secret in kubernetes_secret_v1.remote : peer => secret.metadata[0].name }
}
