//! End-to-end tests: real Terraform 1.0.3 and 1.15.5 driving the real provider binary.

mod harness;

mod actions;
mod azure_client;
mod azure_emulator;
mod cidr_plan;
mod cloudflare_emulator;
mod crash;
mod credentials;
mod debug_mode;
mod emulator;
mod ephemeral;
mod examples;
mod fault_proxy;
mod fault_storm;
mod functions;
mod gcp_client;
mod gcp_emulator;
mod gke_emulator;
mod global_lb;
mod grpc;
mod handshake;
mod identity;
mod install;
mod mesh_trust;
mod moto;
mod provider_config;
mod psk;
mod query;
mod registry_examples;
mod release;
mod schema_json;
mod vpn;
mod write_only;
