terraform {
  required_version = ">= 1.5.0"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.38, < 3.0"
    }
  }
}

# Every input set.
module "access" {
  source         = "../.."
  argocd_manager = true
  mesh           = true
  network        = "eks-use1-net"
  cacerts = {
    "ca-cert.pem"    = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"
    "ca-key.pem"     = "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n"
    "root-cert.pem"  = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"
    "cert-chain.pem" = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"
  }
}
