//! Exiting when Terraform is gone.
//!
//! go-plugin stops a provider with the Shutdown RPC (and SIGKILL 2 s later). A Terraform that is
//! itself killed (SIGKILL, the OOM killer, a cancelled CI job) sends neither, and the provider used
//! to serve its socket forever, re-parented to init (tests/e2e/crash.rs saw it).
//!
//! The provider's other ties to Terraform do not say when it is gone: stdin is Terraform's own
//! stdin, inherited (often /dev/null, at end of file from the start, or a terminal that outlives
//! Terraform); stdout and stderr are pipes that only fail when written to; and a `--debug` server's
//! gRPC connections come and go by design. `PR_SET_PDEATHSIG` fires when the *thread* that spawned
//! the process ends, not the process (Go may spawn from a thread that later exits, and so do
//! Rust's test threads). So a thread watches `getppid()`: the kernel re-parents an orphan at
//! once, to init or a subreaper, and the parent id changes.
//!
//! Not used for `--debug` servers (TF_REATTACH_PROVIDERS): they belong to the developer's shell.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How often the parent is checked: a getppid() call, nothing else.
const POLL: Duration = Duration::from_millis(100);
/// After a shutdown for a lost parent, how long the normal way out (the gRPC server's 500 ms grace,
/// then the socket file removed) may take before the process exits regardless: work in a blocking
/// thread (key generation) would otherwise hold the runtime open, and nobody is left to receive
/// its result.
const EXIT_AFTER: Duration = Duration::from_secs(1);

/// Starts the watch: `shutdown` is cancelled when the process that started this one exits, and
/// the process exits [`EXIT_AFTER`] later if it has not by then. The watch ends with a normal
/// shutdown.
pub fn exit_with_parent(shutdown: CancellationToken) {
    let parent = std::os::unix::process::parent_id();
    let watch = move || {
        while !shutdown.is_cancelled() {
            std::thread::sleep(POLL);
            if std::os::unix::process::parent_id() != parent {
                tracing::warn!(
                    parent,
                    "the process that started this provider (Terraform) is gone; shutting down"
                );
                shutdown.cancel();
                std::thread::sleep(EXIT_AFTER);
                std::process::exit(1);
            }
        }
    };
    if let Err(e) = std::thread::Builder::new()
        .name("parent-watch".into())
        .spawn(watch)
    {
        tracing::warn!(error = %e, "cannot watch the parent process; a killed Terraform will leave this provider running");
    }
}
