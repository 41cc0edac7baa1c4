//! multicloud-schema-provider: a test-only Terraform provider plugin that serves a real provider's
//! schema (see `multicloud_codegen::schema_double`). Started by Terraform through a wrapper script
//! in a filesystem mirror: `multicloud-schema-provider --schema FILE.json.gz`.

use std::path::PathBuf;
use std::process::ExitCode;

use multicloud_codegen::schema_double::{ProviderSchemas, SchemaProvider};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut schema = std::env::var_os("MULTICLOUD_SCHEMA_FILE").map(PathBuf::from);
    while let Some(a) = args.next() {
        if a == "--schema" {
            schema = args.next().map(PathBuf::from);
        }
    }
    let Some(path) = schema else {
        eprintln!(
            "multicloud-schema-provider: pass --schema FILE (a `terraform providers schema -json` document)"
        );
        return ExitCode::from(2);
    };
    let schemas = match ProviderSchemas::load(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("multicloud-schema-provider: {e}");
            return ExitCode::from(1);
        }
    };
    let address: &'static str = Box::leak(schemas.address.clone().into_boxed_str());
    tfplugin::server::serve(
        SchemaProvider::new(schemas),
        tfplugin::server::ServeOptions {
            provider_address: address,
            version: env!("CARGO_PKG_VERSION"),
        },
    )
}
