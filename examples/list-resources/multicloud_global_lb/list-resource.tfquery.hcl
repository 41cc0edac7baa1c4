# Terraform 1.14+. `terraform query` lists the global hostnames in the zone;
# `terraform query -generate-config-out=generated.tf` writes a resource and an import block for each.
list "multicloud_global_lb" "found" {
  provider = multicloud
  config {
    hostname_suffix = ".example.com"
    # Exactly one of route53 { zone_id } or cloudflare { zone_id }.
    route53 {
      zone_id = "Z0123456789ABC"
    }
  }
}
