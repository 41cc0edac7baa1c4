//! Running as a Terraform plugin: launch checks, listening, AutoMTLS, the handshake line, serving the
//! provider with go-plugin's companion services, and shutting down cleanly.

pub mod handshake;
mod listener;
mod parent_watch;
mod plugin_services;
mod rpc;
mod service;
#[cfg(test)]
mod tests;
pub mod tls;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::framework::Provider;
use crate::proto::{health, plugin, tfplugin6};
use handshake::{LaunchError, ListenAddr};
pub use service::ProviderService;

/// Terraform and terraform-plugin-go accept 256 MiB messages; tonic's default is 4 MiB.
const MAX_MESSAGE_BYTES: usize = 256 << 20;
/// How long in-flight requests may finish after Shutdown before the process exits regardless.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

pub struct ServeOptions {
    /// The provider's source address, e.g. `registry.terraform.io/multicloud/multicloud`.
    pub provider_address: &'static str,
    /// The provider's release version (`0.1.0`): what `--version` prints and the log says, the
    /// same as the release's file names and manifest.
    pub version: &'static str,
}

/// The whole life of the plugin process. Returns the process exit code.
pub fn serve<P: Provider>(provider: P, opts: ServeOptions) -> ExitCode {
    // Asked by a person or a release script, not by Terraform: no handshake.
    if std::env::args().skip(1).any(|a| a == "--version") {
        println!(
            "terraform-provider-{} v{} (plugin protocol {}.0)",
            provider.name(),
            opts.version,
            handshake::PROTOCOL_VERSION
        );
        return ExitCode::SUCCESS;
    }
    crate::logging::init();
    install_panic_hook();
    let debug = std::env::args().skip(1).any(|a| a == "--debug");
    let version = if debug {
        handshake::PROTOCOL_VERSION
    } else {
        match handshake::check_launch(
            std::env::var(handshake::MAGIC_COOKIE_KEY).ok().as_deref(),
            std::env::var("PLUGIN_PROTOCOL_VERSIONS").ok().as_deref(),
        ) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(1);
            }
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("terraform-provider-{}: cannot start: {e}", provider.name());
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(provider, opts, version, debug)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("terraform-provider: {e}");
            ExitCode::from(1)
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum ServeError {
    #[error("{0}")]
    Launch(#[from] LaunchError),
    #[error("cannot listen: {0}")]
    Listen(std::io::Error),
    #[error("{0}")]
    Tls(#[from] tls::TlsSetupError),
    #[error("cannot write the handshake: {0}")]
    Handshake(std::io::Error),
    #[error("gRPC server failed: {0}")]
    Grpc(#[from] tonic::transport::Error),
}

async fn run<P: Provider>(
    provider: P,
    opts: ServeOptions,
    version: u32,
    debug: bool,
) -> Result<(), ServeError> {
    let shutdown = CancellationToken::new();
    if !debug {
        parent_watch::exit_with_parent(shutdown.clone());
    }
    let bound = listener::bind().map_err(ServeError::Listen)?;
    let addr = bound.addr();
    // Debug servers are attached to by hand (TF_REATTACH_PROVIDERS), and Terraform then skips TLS.
    let tls = match std::env::var("PLUGIN_CLIENT_CERT") {
        Ok(pem) if !debug && !pem.trim().is_empty() => Some(tls::auto_mtls(&pem)?),
        _ => None,
    };
    announce(&opts, version, &addr, tls.as_ref(), debug).map_err(ServeError::Handshake)?;
    tracing::info!(
        version = opts.version,
        protocol = version,
        network = addr.network(),
        address = %addr.address(),
        tls = tls.is_some(),
        "serving"
    );

    let incoming = listener::incoming(bound, tls.map(|t| t.config), shutdown.clone());
    let provider_service =
        tfplugin6::provider_server::ProviderServer::new(ProviderService::new(provider))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let controller =
        plugin::grpc_controller_server::GrpcControllerServer::new(plugin_services::Controller {
            shutdown: shutdown.clone(),
            keep_running: debug,
        });
    let stdio = plugin::grpc_stdio_server::GrpcStdioServer::new(plugin_services::Stdio {
        shutdown: shutdown.clone(),
    });
    let health = health::health_server::HealthServer::new(plugin_services::Health);

    let stop_signal = shutdown.clone();
    if debug {
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            stop_signal.cancel();
        });
    }
    let serving = tonic::transport::Server::builder()
        .add_service(provider_service)
        .add_service(controller)
        .add_service(stdio)
        .add_service(health)
        .serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned());
    // Graceful shutdown waits for clients to hang up; one that keeps its connection open must not
    // keep the process alive (go-plugin kills us 2 s after Shutdown anyway).
    let grace_over = async {
        shutdown.cancelled().await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    let result = tokio::select! {
        r = serving => r,
        _ = grace_over => {
            tracing::debug!("clients still connected after shutdown grace period; exiting");
            Ok(())
        }
    };
    if let ListenAddr::Unix(path) = &addr {
        let _ = std::fs::remove_file(path);
    }
    result?;
    // Give the Shutdown response time to leave before the process exits.
    tokio::time::sleep(Duration::from_millis(5)).await;
    Ok(())
}

fn announce(
    opts: &ServeOptions,
    version: u32,
    addr: &ListenAddr,
    tls: Option<&tls::AutoMtls>,
    debug: bool,
) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if debug {
        writeln!(
            out,
            "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\t{}\n",
            handshake::reattach_line(opts.provider_address, addr, std::process::id())
        )?;
    } else {
        let cert = tls.map(|t| t.server_cert_der.as_slice());
        writeln!(out, "{}", handshake::handshake_line(version, addr, cert))?;
    }
    out.flush()
}

/// Terraform treats stderr lines starting with "panic: " as a crash of the whole run; a panic in a
/// handler is caught and reported as a diagnostic instead, so it is only logged here.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| l.to_string()).unwrap_or_default();
        tracing::error!(location = %location, "internal error (caught and reported as a diagnostic)");
    }));
}
