variable "peers" {
  description = "The other clusters of the mesh, by name: their API endpoint (https://...). Empty without the mesh."
  type        = map(object({ server = string }))
  default     = {}
  nullable    = false
}

variable "peer_credentials" {
  description = "By peer: its API's CA (base64 PEM) and the token of its Istio reader."
  type        = map(object({ ca_certificate = string, token = string }))
  default     = {}
  nullable    = false
  sensitive   = true
}

variable "database_certificates" {
  description = "On an app cluster of the sample application: the replication CA (certificate and EC key, SEC1 PEM: CloudNativePG signs with it) and the streaming_replica client certificate and key it issued. Null: no database Secrets here."
  type        = object({ ca_cert_pem = string, ca_key_pem = string, replication_cert_pem = string, replication_key_pem = string })
  default     = null
  sensitive   = true

  validation {
    condition     = var.database_certificates == null || alltrue([startswith(try(var.database_certificates.ca_cert_pem, ""), "-----BEGIN CERTIFICATE-----"), startswith(try(var.database_certificates.ca_key_pem, ""), "-----BEGIN EC PRIVATE KEY-----"), startswith(try(var.database_certificates.replication_cert_pem, ""), "-----BEGIN CERTIFICATE-----"), can(regex("^-----BEGIN (EC |RSA )?PRIVATE KEY-----", try(var.database_certificates.replication_key_pem, "")))])
    error_message = "database_certificates: the certificates must be PEM certificates, ca_key_pem an EC private key in SEC1 PEM (-----BEGIN EC PRIVATE KEY-----, what CloudNativePG signs with), replication_key_pem a PEM private key."
  }
}

variable "restore_locations" {
  description = "By peer: Velero's read-only BackupStorageLocation on the peer's prefix (the manifest). Empty without backups."
  type        = map(any)
  default     = {}
  nullable    = false
}
