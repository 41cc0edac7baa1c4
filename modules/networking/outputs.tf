output "allocations" {
  description = "The address plan by cluster name: network_cidr, subnet_cidrs, pod_cidr, service_cidr."
  value       = data.multicloud_cidr_plan.this.allocations
}

output "gateways" {
  description = "By site: the gateway's cloud id (the virtual private gateway on AWS), name, cloud, BGP ASN and public addresses."
  value = { for n, g in local.gateways : n => {
    id         = g.id
    name       = g.name
    cloud      = g.cloud
    asn        = g.asn
    public_ips = g.public_ips
  } }
}

output "connections" {
  description = "By key A-B: the connection's name, its sites, inside CIDRs and tunnels (interfaces, BGP addresses, status)."
  value = { for k, c in multicloud_vpn_connection.this : k => {
    name         = c.name
    a            = local.connections[k].a
    b            = local.connections[k].b
    inside_cidrs = c.inside_cidrs
    tunnels      = c.tunnels
  } }
}
