//! End-to-end tests: real Terraform 1.0.3 and 1.15.5 driving the real provider binary.

mod harness;

mod cidr_plan;
mod debug_mode;
mod examples;
mod grpc;
mod handshake;
mod install;
mod mesh_trust;
mod provider_config;
mod psk;
