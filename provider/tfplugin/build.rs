//! Compiles the protocol definitions in `proto/` into Rust (messages via prost,
//! gRPC servers and clients via tonic). `protox` is a pure-Rust protobuf
//! compiler, so no `protoc` binary is needed; it also ships the well-known
//! types (`google/protobuf/timestamp.proto`, `empty.proto`, ...).

use std::path::PathBuf;

const PROTOS: &[&str] = &["tfplugin6.proto", "plugin.proto", "health.proto"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let proto_dir = manifest_dir.join("proto");

    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={}", proto_dir.display());
    for file in PROTOS {
        println!("cargo:rerun-if-changed={}", proto_dir.join(file).display());
    }

    // tfplugin6 gets default stubs: the RPCs we do not offer (ephemeral resources, list resources,
    // actions, state stores) answer `Unimplemented` without a hand-written method each.
    let provider_fds = protox::compile([proto_dir.join("tfplugin6.proto")], [&proto_dir])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .build_transport(true)
        .generate_default_stubs(true)
        .compile_fds(provider_fds)?;

    let plugin_fds = protox::compile(
        [
            proto_dir.join("plugin.proto"),
            proto_dir.join("health.proto"),
        ],
        [&proto_dir],
    )?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .build_transport(true)
        .compile_fds(plugin_fds)?;

    Ok(())
}
