output "bucket" {
  description = "Name of the bucket."
  value       = google_storage_bucket.this.name
}

output "url" {
  description = "gs:// URL of the bucket."
  value       = google_storage_bucket.this.url
}

output "kms_key_name" {
  description = "The Cloud KMS key encrypting new objects (null: Google-managed)."
  value       = one(google_storage_bucket.this.encryption[*].default_kms_key_name)
}
