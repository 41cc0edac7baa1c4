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

variable "restore_locations" {
  description = "By peer: Velero's read-only BackupStorageLocation on the peer's prefix (the manifest). Empty without backups."
  type        = map(any)
  default     = {}
  nullable    = false
}
