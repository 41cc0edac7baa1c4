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
module "peers" {
  source = "../.."
  peers = {
    gke-euw1 = {
      server = "https://10.16.0.2"
    }
  }
  peer_credentials = {
    gke-euw1 = {
      ca_certificate = "LS0tLS1CRUdJTi..."
      token          = "eyJhbGciOi..."
    }
  }
  database_certificates = {
    ca_cert_pem          = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"
    ca_key_pem           = "-----BEGIN EC PRIVATE KEY-----\n...\n-----END EC PRIVATE KEY-----\n"
    replication_cert_pem = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"
    replication_key_pem  = "-----BEGIN EC PRIVATE KEY-----\n...\n-----END EC PRIVATE KEY-----\n"
  }
  restore_locations = {
    gke-euw1 = {
      apiVersion = "velero.io/v1"
      kind       = "BackupStorageLocation"
      metadata = {
        name      = "restore-gke-euw1"
        namespace = "velero"
      }
      spec = {
        provider = "aws"
        objectStorage = {
          bucket = "acme-platform-backups"
          prefix = "clusters/gke-euw1"
        }
        accessMode = "ReadOnly"
        default    = false
        config = {
          region = "us-east-1"
        }
      }
    }
  }
}
