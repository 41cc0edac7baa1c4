//! Thin, typed clients for each cloud API the resources use. Clients only talk (requests,
//! responses, retries, endpoint overrides, tracing); resources decide what to do.

pub mod cloudflare;
pub mod route53;
