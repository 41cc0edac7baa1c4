# One hostname over the platform's ingress in two clouds on Route 53: EKS serves, GKE takes over
# when EKS fails its health checks, and the plan refuses settings slower than 45 seconds.
resource "multicloud_global_lb" "app" {
  hostname = "app.example.com"
  policy   = "failover"

  route53 {
    zone_id = "Z0123456789ABC"
  }

  health_check {
    protocol          = "HTTPS"
    port              = 443
    path              = "/healthz"
    interval_seconds  = 10
    failure_threshold = 2
  }
  ttl                  = 15
  max_failover_seconds = 45

  backends = {
    eks-use1 = { cloud = "aws", region = "us-east-1", address = "52.0.0.10", priority = 1 }
    gke-euw1 = { cloud = "gcp", region = "europe-west1", address = "34.0.0.20", priority = 2 }
  }
}

# 10 s × 2 failures + 15 s TTL = 35, known at plan.
output "estimated_failover_seconds" {
  value = multicloud_global_lb.app.estimated_failover_seconds
}
