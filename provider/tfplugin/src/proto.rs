//! Generated protobuf messages and gRPC services (see `build.rs` and `proto/`).
//!
//! * [`tfplugin6`]: Terraform plugin protocol 6.10 (`tfplugin6.Provider`).
//! * [`plugin`]: go-plugin's `GRPCController`, `GRPCStdio` and `GRPCBroker`.
//! * [`health`]: the standard `grpc.health.v1.Health` service.
//!
//! Each module contains the prost message types plus tonic `*_server` and
//! `*_client` submodules.

// Generated code: keep the crate's lint settings from firing on it.
#![allow(
    missing_docs,
    unreachable_pub,
    unused_qualifications,
    non_camel_case_types,
    non_snake_case,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    clippy::restriction,
    rustdoc::all
)]

/// Terraform plugin protocol 6 (`package tfplugin6`).
pub mod tfplugin6 {
    include!(concat!(env!("OUT_DIR"), "/tfplugin6.rs"));
}

/// go-plugin internal services (`package plugin`).
pub mod plugin {
    include!(concat!(env!("OUT_DIR"), "/plugin.rs"));
}

/// gRPC health checking (`package grpc.health.v1`).
pub mod health {
    include!(concat!(env!("OUT_DIR"), "/grpc.health.v1.rs"));
}
