# The multicloud quickstart: an address plan for one cluster per cloud, the pre-shared keys
# their VPN links use, an HA VPN between AWS and GCP, the Istio trust that spans the clusters, and
# one global hostname in front. Runs locally; no cloud account needed.
terraform {
  required_providers {
    multicloud = {
      source = "multicloud/multicloud"
    }
  }
}

# Settings come from the environment: the quickstart script points AWS (Route 53 and EC2) at moto
# and GCP at a local Compute emulator.
provider "multicloud" {}

variable "zone_id" {
  description = "Route 53 hosted zone of example.com."
  type        = string
}

variable "aws_vpc_id" {
  description = "VPC of the EKS cluster, where the AWS VPN gateway attaches."
  type        = string
}

variable "gcp_project" {
  description = "Google Cloud project of the GKE cluster."
  type        = string
}

variable "gcp_network" {
  description = "VPC network of the GKE cluster."
  type        = string
}

data "multicloud_cidr_plan" "platform" {
  base_cidr = "10.0.0.0/8"

  clusters = [
    { name = "eks-use1", cloud = "aws", region = "us-east-1" },
    { name = "gke-euw1", cloud = "gcp", region = "europe-west1" },
    { name = "aks-weu", cloud = "azure", region = "westeurope" },
  ]
}

resource "multicloud_psk" "links" {
  for_each = toset(["aws-gcp", "aws-azure", "gcp-azure"])
  keepers = {
    link = each.key
  }
}

# The AWS and GCP sites and four BGP tunnels between them, keyed with the aws-gcp key above.
resource "multicloud_vpn_gateway" "aws" {
  name = "aws-use1"
  aws {
    region = "us-east-1"
    vpc_id = var.aws_vpc_id
  }
}

resource "multicloud_vpn_gateway" "gcp" {
  name = "gcp-euw1"
  gcp {
    project = var.gcp_project
    region  = "europe-west1"
    network = var.gcp_network
    asn     = 65010
  }
}

resource "multicloud_vpn_connection" "aws_gcp" {
  name = "aws-gcp"
  a    = multicloud_vpn_gateway.aws
  b    = multicloud_vpn_gateway.gcp
  psk  = multicloud_psk.links["aws-gcp"].result
}

# The shared Istio root and one intermediate CA per cluster (ECDSA keeps the quickstart quick;
# the defaults follow Istio's RSA 4096 tooling).
resource "multicloud_mesh_trust" "mesh" {
  root {
    key_algorithm = "ECDSA_P256"
  }
  clusters = {
    for name, _ in data.multicloud_cidr_plan.platform.allocations :
    name => { network = name, key_algorithm = "ECDSA_P256" }
  }
}

# One global hostname in front of the three clusters' ingress, with a 45-second failover budget.
resource "multicloud_global_lb" "app" {
  hostname = "app.example.com"
  policy   = "weighted"
  route53 {
    zone_id = var.zone_id
  }
  health_check {
    interval_seconds  = 10
    failure_threshold = 2
  }
  ttl                  = 15
  max_failover_seconds = 45
  backends = {
    eks-use1 = { cloud = "aws", region = "us-east-1", address = "52.0.0.10", weight = 100 }
    gke-euw1 = { cloud = "gcp", region = "europe-west1", address = "34.0.0.20", weight = 100 }
    aks-weu  = { cloud = "azure", region = "westeurope", address = "20.0.0.30", weight = 50 }
  }
}

output "allocations" {
  value = data.multicloud_cidr_plan.platform.allocations
}

output "intermediate_serials" {
  value = { for name, c in multicloud_mesh_trust.mesh.issued : name => c.serial }
}

output "failover_seconds" {
  value = multicloud_global_lb.app.estimated_failover_seconds
}

output "psk_ids" {
  value = { for link, psk in multicloud_psk.links : link => psk.id }
}

output "vpn_tunnels" {
  value = [for t in multicloud_vpn_connection.aws_gcp.tunnels : {
    inside_cidr = t.inside_cidr
    aws         = "${t.a_outside_ip} ${t.a_bgp_ip} AS${t.a_asn}"
    gcp         = "${t.b_outside_ip} ${t.b_bgp_ip} AS${t.b_asn}"
    status      = "${coalesce(t.a_status, "?")} / ${coalesce(t.b_status, "?")}"
  }]
}
