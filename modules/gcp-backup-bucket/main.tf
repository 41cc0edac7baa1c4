# The project's Cloud Storage service agent: it encrypts and decrypts with the bucket's KMS key.
data "google_storage_project_service_account" "this" {
  count = var.kms_key_name != null ? 1 : 0
}

resource "google_kms_crypto_key_iam_member" "storage" {
  count         = var.kms_key_name != null ? 1 : 0
  crypto_key_id = var.kms_key_name
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = data.google_storage_project_service_account.this[0].member
}

# Velero deletes expired backups itself; the lifecycle removes what it leaves behind.
resource "google_storage_bucket" "this" {
  #checkov:skip=CKV_GCP_62:usage logs need a second bucket; Cloud Audit Logs (data access) are the usual audit of backups
  name                        = var.bucket
  location                    = var.location
  force_destroy               = false
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = var.labels

  versioning {
    enabled = true
  }

  dynamic "encryption" {
    for_each = var.kms_key_name != null ? [var.kms_key_name] : []

    content {
      default_kms_key_name = encryption.value
    }
  }

  lifecycle_rule {
    action {
      type = "Delete"
    }

    condition {
      age = var.expiration_days
    }
  }

  lifecycle_rule {
    action {
      type = "Delete"
    }

    condition {
      days_since_noncurrent_time = var.noncurrent_days
      with_state                 = "ARCHIVED"
    }
  }

  lifecycle_rule {
    action {
      type = "AbortIncompleteMultipartUpload"
    }

    condition {
      age = 7
    }
  }

  depends_on = [google_kms_crypto_key_iam_member.storage]
}
