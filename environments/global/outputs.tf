output "allocations" {
  description = "The platform's address plan by cluster name."
  value       = module.networking.allocations
}

output "vpn_gateways" {
  description = "VPN gateways by site: cloud id, name, cloud, ASN, public addresses."
  value       = module.networking.gateways
}

output "vpn_connections" {
  description = "VPN connections by key A-B: name, sites, inside CIDRs, tunnels."
  value       = module.networking.connections
}

output "mesh_trust_bundle_pem" {
  description = "Every trusted mesh root: each cluster's root-cert.pem."
  value       = multicloud_mesh_trust.mesh.trust_bundle_pem
}

output "mesh_cacerts" {
  description = "By cluster: the ready-to-apply `cacerts` Secret for istio-system (terraform output -json mesh_cacerts)."
  value       = { for name, secret in multicloud_mesh_trust.mesh.issued_secrets : name => secret.cacerts_manifest }
  sensitive   = true
}

output "mesh_cacerts_files" {
  description = "By cluster: the files of its `cacerts` Secret (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem), which environments/gitops writes."
  value = { for name, issued in multicloud_mesh_trust.mesh.issued : name => {
    "ca-cert.pem"    = issued.ca_cert_pem
    "ca-key.pem"     = multicloud_mesh_trust.mesh.issued_secrets[name].ca_key_pem
    "root-cert.pem"  = issued.root_cert_pem
    "cert-chain.pem" = issued.cert_chain_pem
  } }
  sensitive = true
}

output "hostname" {
  description = "The global hostname."
  value       = multicloud_global_lb.ingress.hostname
}

output "estimated_failover_seconds" {
  description = "How long a failover takes with these settings (detection + aggregation + TTL)."
  value       = multicloud_global_lb.ingress.estimated_failover_seconds
}
