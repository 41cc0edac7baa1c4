# istiod here watches each peer's services and endpoints with the peer's reader token.
resource "kubernetes_secret_v1" "remote" {
  for_each = var.peers

  metadata {
    name      = "istio-remote-secret-${each.key}"
    namespace = "istio-system"
    labels = {
      "istio/multiCluster" = "true"
    }
    annotations = {
      "networking.istio.io/cluster" = each.key
    }
  }

  type = "Opaque"
  data = {
    (each.key) = yamlencode({ apiVersion = "v1", kind = "Config", clusters = [{ name = each.key, cluster = { server = each.value.server, certificate-authority-data = var.peer_credentials[each.key].ca_certificate } }], contexts = [{ name = each.key, context = { cluster = each.key, user = each.key } }], current-context = each.key, users = [{ name = each.key, user = { token = var.peer_credentials[each.key].token } }] })
  }
}

# Read-only: this cluster restores the peer's backups, never writes under its prefix.
resource "kubernetes_manifest" "restore_location" {
  for_each = var.restore_locations
  manifest = each.value
}

# The replication CA, the same on every app cluster: each member accepts the others' streaming_replica certificate.
resource "kubernetes_secret_v1" "database_ca" {
  count = var.database_certificates == null ? 0 : 1

  metadata {
    name      = "sample-db-ca"
    namespace = "sample-app"
    labels = {
      "app.kubernetes.io/managed-by" = "terraform"
      "cnpg.io/reload"               = "true"
    }
  }

  type = "Opaque"
  data = {
    "ca.crt" = var.database_certificates.ca_cert_pem
    "ca.key" = var.database_certificates.ca_key_pem
  }
}

# The streaming_replica client certificate a replica presents to the primary.
resource "kubernetes_secret_v1" "database_replication" {
  count = var.database_certificates == null ? 0 : 1

  metadata {
    name      = "sample-db-replication"
    namespace = "sample-app"
    labels = {
      "app.kubernetes.io/managed-by" = "terraform"
      "cnpg.io/reload"               = "true"
    }
  }

  type = "kubernetes.io/tls"
  data = {
    "tls.crt" = var.database_certificates.replication_cert_pem
    "tls.key" = var.database_certificates.replication_key_pem
  }
}
