# Terraform 1.14+. Run the drill on demand (it changes nothing Terraform manages):
#   terraform apply -invoke=action.multicloud_failover_drill.eks_out
# It takes the EKS backend out, measures how long until DNS answers stop naming it, puts it back,
# and fails when that took longer than the budget.
resource "multicloud_global_lb" "app" {
  hostname = "app.example.com"
  policy   = "failover"
  route53 {
    zone_id = "Z0123456789ABC"
  }
  health_check {
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

action "multicloud_failover_drill" "eks_out" {
  config {
    global_lb_id = multicloud_global_lb.app.id
    backend      = "eks-use1"
    # The load balancer's own budget (default: its estimated failover time, 35 s here). Answers
    # come from the system resolver, so this measures what clients see, TTL included; `resolver`
    # can name the zone's authoritative server instead.
    max_failover_seconds = multicloud_global_lb.app.max_failover_seconds
  }
}
