//! terraform-provider-multicloud: started by Terraform, never by hand (it says so and exits 1);
//! `--version` prints its version.

use std::process::ExitCode;

fn main() -> ExitCode {
    tfplugin::server::serve(
        multicloud_provider::MulticloudProvider,
        tfplugin::server::ServeOptions {
            provider_address: multicloud_provider::PROVIDER_ADDRESS,
            version: env!("CARGO_PKG_VERSION"),
        },
    )
}
