//! Where the GCP and Azure clients' bearer tokens come from: one chain of credential sources per
//! cloud, in the order and with the names of that cloud's own Terraform provider
//! ([`gcp::resolve`], [`azure::resolve`]), behind one handle, [`Credentials`], that the HTTP
//! layer asks for a token on every attempt. The handle caches the token and fetches the next one
//! before the current one expires, one fetch at a time however many requests wait
//! ([`cache`]), so that a long operation never sends an expired token.
//!
//! The flows (OAuth 2.0 JWT-bearer and refresh-token grants, STS token exchange, IAM
//! `generateAccessToken`, the GCE metadata server; Entra client credentials with a secret, a
//! certificate or a federated assertion, managed identity, the Azure CLI) are written here on
//! the shared HTTP layer rather than taken from `google-cloud-auth` or `azure_identity`; the
//! provider docs' Authentication section says why (in short: Google's crate signs service-account
//! JWTs itself and never calls the key file's `token_uri`, Microsoft's is a beta that fixes the
//! managed-identity endpoint and needs OpenSSL for certificates). RS256 comes from aws-lc-rs,
//! which rustls already brings.
//!
//! Secrets (keys, client secrets, refresh tokens, assertions, tokens) live in [`Secret`], whose
//! `Debug` and `Display` show nothing, and are never logged: logs name the source and the
//! token's lifetime only.

pub mod azure;
mod cache;
mod endpoint;
pub mod gcp;
mod jwt;

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;

pub use cache::Credentials;

/// A secret string. Shown nowhere: `Debug` prints `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(s: impl Into<Arc<str>>) -> Secret {
        Secret(s.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A bearer token and when it stops being accepted (None: not known, e.g. a token given as a
/// setting, which is then used as it is).
#[derive(Clone, Debug)]
pub struct AccessToken {
    pub secret: Secret,
    pub expires_at: Option<SystemTime>,
}

/// Why no token could be had. `origin` names the credential source as the user configured it
/// (the setting or environment variable, the file), `message` what went wrong; neither ever
/// holds a secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct AuthError {
    pub origin: String,
    pub message: String,
}

impl AuthError {
    pub fn new(origin: impl Into<String>, message: impl Into<String>) -> AuthError {
        AuthError {
            origin: origin.into(),
            message: message.into(),
        }
    }
}

/// One way of getting a fresh token (a flow with its inputs). Callers never see this: they hold
/// [`Credentials`], which caches what `fetch` returns.
#[async_trait]
pub trait TokenSource: Send + Sync {
    /// The source as the user configured it, for messages and logs, e.g. `service account key
    /// from GOOGLE_APPLICATION_CREDENTIALS (/path/key.json)`.
    fn origin(&self) -> &str;

    /// A new token, not a cached one.
    async fn fetch(&self) -> Result<AccessToken, AuthError>;
}

/// What a credential chain reads: provider settings after their environment fallback, and raw
/// environment variables, both as captured when the provider was configured.
pub trait Lookup {
    /// The value of setting `key` (e.g. `gcp.credentials`) and where it came from (the setting's
    /// name, or the environment variable it was read from); Err when it is not known yet.
    fn setting(&self, key: &str) -> Result<Option<(String, String)>, AuthError>;

    /// An environment variable that is no setting's fallback (e.g. `GCE_METADATA_HOST`).
    fn env(&self, name: &str) -> Option<String>;
}

/// A boolean setting (`true`/`false`, or `1`/`0` from the environment).
pub(crate) fn flag(lookup: &dyn Lookup, key: &str) -> Result<Option<bool>, AuthError> {
    match lookup.setting(key)? {
        None => Ok(None),
        Some((v, from)) => match v.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" => Ok(Some(false)),
            _ => Err(AuthError::new(from, "must be true or false")),
        },
    }
}
