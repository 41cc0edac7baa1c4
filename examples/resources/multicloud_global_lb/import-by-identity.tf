# Terraform 1.12+. On Cloudflare: dns_backend = "cloudflare" and the Cloudflare zone id.
import {
  to = multicloud_global_lb.app
  identity = {
    dns_backend = "route53"
    zone_id     = "Z0123456789ABC"
    hostname    = "app.example.com"
  }
}
