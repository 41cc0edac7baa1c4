data "google_project" "this" {
  project_id = var.project_id
}

locals {
  subject           = "system:serviceaccount:${var.namespace}:${var.service_account}"
  provider_id       = coalesce(var.provider_id, var.cluster)
  federated_subject = "${var.cluster}:${local.subject}"
}

resource "google_service_account" "this" {
  project      = var.project_id
  account_id   = var.name
  display_name = "Velero of ${var.cluster}"
  description  = "Velero of cluster ${var.cluster}: backups under clusters/${var.cluster}/ in ${var.bucket}"
}

# Every cluster's backups, read and listed: restores from the peers.
resource "google_storage_bucket_iam_member" "read" {
  bucket = var.bucket
  role   = "roles/storage.objectViewer"
  member = google_service_account.this.member
}

# Creates, replaces and deletes objects only under the cluster's own prefix.
resource "google_storage_bucket_iam_member" "write_own_prefix" {
  bucket = var.bucket
  role   = "roles/storage.objectUser"
  member = google_service_account.this.member

  condition {
    title       = "velero-own-prefix"
    description = "Objects under clusters/${var.cluster}/ only"
    expression  = "resource.name.startsWith('projects/_/buckets/${var.bucket}/objects/clusters/${var.cluster}/')"
  }
}

# Velero signs download URLs (velero backup logs, describe --details) with signBlob as itself.
resource "google_service_account_iam_member" "sign_blob" {
  service_account_id = google_service_account.this.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = google_service_account.this.member
}

# GKE Workload Identity: the cluster's velero-server service account acts as this account.
resource "google_service_account_iam_member" "gke" {
  count              = var.oidc_issuer_url == null ? 1 : 0
  service_account_id = google_service_account.this.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project_id}.svc.id.goog[${var.namespace}/${var.service_account}]"
}

# The cluster's issuer, admitting only Velero's service account, for the audience Velero's projected token asks for.
resource "google_iam_workload_identity_pool_provider" "cluster" {
  count                              = var.oidc_issuer_url != null ? 1 : 0
  project                            = var.project_id
  workload_identity_pool_id          = var.workload_identity_pool_id
  workload_identity_pool_provider_id = local.provider_id
  display_name                       = substr("Velero ${var.cluster}", 0, 32)
  description                        = "Velero of cluster ${var.cluster}"
  attribute_mapping = {
    "google.subject" = "'${var.cluster}:' + assertion.sub"
  }
  attribute_condition = "assertion.sub == '${local.subject}'"

  oidc {
    issuer_uri        = var.oidc_issuer_url
    allowed_audiences = [var.audience]
  }

  lifecycle {
    precondition {
      condition     = var.workload_identity_pool_id != null
      error_message = "A cluster outside GCP (oidc_issuer_url set) needs workload_identity_pool_id."
    }
  }
}

# Only this cluster's Velero (its provider's subject) may impersonate the account.
resource "google_service_account_iam_member" "federated" {
  count              = var.oidc_issuer_url != null ? 1 : 0
  service_account_id = google_service_account.this.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principal://iam.googleapis.com/projects/${data.google_project.this.number}/locations/global/workloadIdentityPools/${var.workload_identity_pool_id}/subject/${local.federated_subject}"
  depends_on         = [google_iam_workload_identity_pool_provider.cluster]
}
