//! Thin, typed clients for each cloud API the resources use. Clients only talk (requests,
//! responses, retries, endpoint overrides, tracing); resources decide what to do. The REST
//! clients (GCP, Azure, Cloudflare) send every request through [`http`], one retrying layer; GCP
//! and Azure take their bearer tokens from [`auth`], which finds credentials and refreshes them.

pub mod auth;
pub mod aws_sdk;
pub mod azure;
pub mod cloudflare;
pub mod ec2;
pub mod eks;
pub mod gcp;
pub mod gke;
pub mod http;
pub mod route53;
pub mod tunnel_config;
