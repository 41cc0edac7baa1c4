terraform {
  required_providers {
    multicloud = {
      source = "multicloud/multicloud"
    }
  }
}

# Route 53 endpoint and credentials come from the environment (AWS_REGION, AWS_ENDPOINT_URL, ...).
provider "multicloud" {}

variable "zone_id" {
  description = "Route 53 hosted zone that holds example.com."
  type        = string
}

# One name for the platform's ingress in three clouds: EKS serves, GKE then AKS take over when it
# fails, and the plan refuses settings that would fail over slower than 45 seconds.
resource "multicloud_global_lb" "app" {
  hostname = "app.example.com"
  policy   = "failover"

  route53 {
    zone_id = var.zone_id
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

output "estimated_failover_seconds" {
  value = multicloud_global_lb.app.estimated_failover_seconds
}
