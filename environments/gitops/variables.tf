variable "sample_db_certificates" {
  description = "The sample database's replication certificates, written on every app cluster (modules/cluster-peers): a CA (certificate and EC key in SEC1 PEM) and the streaming_replica client certificate and key it issued. Null: the Secrets are not written and the database members cannot replicate. See the README for the openssl commands."
  type        = object({ ca_cert_pem = string, ca_key_pem = string, replication_cert_pem = string, replication_key_pem = string })
  default     = null
  sensitive   = true
}
