# What the VPN sites attach to, from the cloud environments' states (apply those first).
data "terraform_remote_state" "aws" {
  backend = "s3"
  config = {
    bucket       = "acme-terraform-state"
    key          = "acme/aws/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
}

data "terraform_remote_state" "gcp" {
  backend = "gcs"
  config = {
    bucket = "acme-terraform-state-gcp"
    prefix = "acme/gcp"
  }
}

data "terraform_remote_state" "azure" {
  backend = "azurerm"
  config = {
    resource_group_name  = "acme-tfstate"
    storage_account_name = "acmetfstate"
    container_name       = "tfstate"
    key                  = "acme/azure.tfstate"
    use_azuread_auth     = true
  }
}

# The VPN between the clouds: a gateway per site, connections by the topology of platform.toml.
module "networking" {
  source    = "../../modules/networking"
  name      = "acme"
  base_cidr = "10.0.0.0/8"
  reserved  = ["10.255.0.0/16"]
  clusters = [{
    name   = "eks-use1"
    cloud  = "aws"
    region = "us-east-1"
    zones  = 6
    }, {
    name   = "gke-euw1"
    cloud  = "gcp"
    region = "europe-west1"
    }, {
    name   = "aks-weu"
    cloud  = "azure"
    region = "westeurope"
    zones  = 2
  }]
  topology     = "full-mesh"
  tunnel_count = 4
  sites = {
    eks-use1 = {
      aws = {
        region = "us-east-1"
        vpc_id = data.terraform_remote_state.aws.outputs.eks_use1_network_id
      }
    }
    gke-euw1 = {
      gcp = {
        project = "acme-platform"
        region  = "europe-west1"
        network = data.terraform_remote_state.gcp.outputs.gke_euw1_network_name
      }
    }
    aks-weu = {
      azure = {
        subscription_id   = "00000000-0000-0000-0000-000000000000"
        resource_group    = data.terraform_remote_state.azure.outputs.aks_weu_resource_group_name
        location          = "westeurope"
        gateway_subnet_id = data.terraform_remote_state.azure.outputs.aks_weu_gateway_subnet_id
      }
    }
  }
}

# eks-use1's private route tables learn the other clouds' ranges from its virtual private gateway (BGP).
resource "aws_vpn_gateway_route_propagation" "eks-use1" {
  provider       = aws.us_east_1
  for_each       = toset(data.terraform_remote_state.aws.outputs.eks_use1_private_route_table_ids)
  vpn_gateway_id = module.networking.gateways["eks-use1"].id
  route_table_id = each.value
}

# One Istio root and an intermediate CA per cluster. Each cluster is its own Istio network: pods
# reach other clouds through east-west gateways (AKS overlay pod addresses are not routable).
resource "multicloud_mesh_trust" "mesh" {
  trust_domain = "acme.internal"
  clusters = {
    eks-use1 = {
      network = "eks-use1-net"
    }
    gke-euw1 = {
      network = "gke-euw1-net"
    }
    aks-weu = {
      network = "aks-weu-net"
    }
  }
}

# One hostname over the clusters' ingress; the plan refuses settings slower than max_failover_seconds.
resource "multicloud_global_lb" "ingress" {
  hostname = "app.acme.example"
  policy   = "latency"

  route53 {
    zone_id = "Z0123456789ABCDEFGHIJ"
  }

  health_check {
    protocol          = "HTTPS"
    port              = 443
    path              = "/healthz"
    interval_seconds  = 10
    failure_threshold = 3
  }

  ttl                  = 30
  max_failover_seconds = 60
  backends = {
    eks-use1 = {
      cloud   = "aws"
      region  = "us-east-1"
      address = var.ingress_addresses["eks-use1"]
    }
    gke-euw1 = {
      cloud   = "gcp"
      region  = "europe-west1"
      address = var.ingress_addresses["gke-euw1"]
    }
    aks-weu = {
      cloud   = "azure"
      region  = "westeurope"
      address = var.ingress_addresses["aks-weu"]
    }
  }
}
