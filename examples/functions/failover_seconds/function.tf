# Terraform 1.8+. The arithmetic multicloud_global_lb checks against `max_failover_seconds`:
# probe interval × failure threshold, plus the DNS backend's aggregation, plus the TTL.
output "route53_failover_seconds" {
  value = provider::multicloud::failover_seconds("route53", 10, 2, 15)
  # => 35
}

# Cloudflare retries a failed check once after a timeout of min(5, (interval − 1) / 2) s.
output "cloudflare_failover_seconds" {
  value = provider::multicloud::failover_seconds("cloudflare", 10, 2, 15)
  # => 43
}

# Proxied hostnames: clients keep Cloudflare's addresses, so no TTL.
output "cloudflare_proxied_failover_seconds" {
  value = provider::multicloud::failover_seconds("cloudflare_proxied", 10, 2, 15)
  # => 28
}
