//! What every operation receives besides its request: the configured provider data and
//! Terraform's cancellation.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::diag::{Diagnostic, Diagnostics};

/// Everything an operation may need besides its values.
pub struct Ctx<D> {
    data: Option<Arc<D>>,
    /// Cancelled when Terraform sends StopProvider (the user pressed Ctrl-C).
    pub cancel: CancellationToken,
}

impl<D> Ctx<D> {
    pub fn new(data: Option<Arc<D>>, cancel: CancellationToken) -> Self {
        Ctx { data, cancel }
    }

    /// The configured provider data; an error diagnostic when the provider is not configured yet
    /// (Terraform configures it before any apply, so this only happens on misuse).
    pub fn data(&self) -> Result<&D, Diagnostics> {
        self.data.as_deref().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "The multicloud provider was used before Terraform configured it.",
            )
            .into()
        })
    }
}

/// What the running Terraform says it can handle (absent before protocol 6.7, i.e. all false).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientCaps {
    /// Terraform 1.11+: write-only attributes are kept out of plan and state.
    pub write_only_attributes: bool,
    /// Terraform 1.9+ (with the experiment on): an operation may be deferred.
    pub deferral: bool,
}
