# By DNS backend, zone and hostname: `route53:ZONE_ID:HOSTNAME` or `cloudflare:ZONE_ID:HOSTNAME`.
terraform import multicloud_global_lb.app route53:Z0123456789ABC:app.example.com
