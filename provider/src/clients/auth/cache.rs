//! [`Credentials`]: the handle clients hold. A token given as a setting is sent as it is; one
//! from a [`TokenSource`] is cached and replaced before it expires.
//!
//! When to replace: [`REFRESH_EARLY`] (5 minutes) before the expiry, as Google's and Microsoft's
//! libraries do, but never later than half-way through the token's life, so that a short-lived
//! token (a few seconds in the tests, a few minutes from some federated issuers) is also replaced
//! while it still works. The cache's lock is held during a fetch: requests that need a token while
//! one is being fetched wait for that fetch instead of starting their own (single flight), and a
//! caller cancelled mid-fetch drops only its own wait (the next caller fetches again).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use tokio::sync::Mutex;

use super::{AccessToken, AuthError, Secret, TokenSource};

/// How long before its expiry a token is replaced, at most.
pub const REFRESH_EARLY: Duration = Duration::from_secs(300);

/// Where a client's bearer tokens come from. Cheap to clone: clones share one cache, so every
/// client built from one provider configuration shares its tokens.
#[derive(Clone)]
pub struct Credentials(Arc<Inner>);

enum Inner {
    /// No Authorization header (the token endpoints' own client).
    Anonymous,
    /// A token given as it is: never refreshed.
    Fixed {
        token: Secret,
        origin: String,
    },
    Refreshing(Refreshing),
}

struct Refreshing {
    source: Box<dyn TokenSource>,
    slot: Mutex<Option<Cached>>,
    fetches: AtomicU64,
}

struct Cached {
    token: AccessToken,
    obtained: SystemTime,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            Inner::Anonymous => f.write_str("Credentials(none)"),
            _ => write!(f, "Credentials({}, token: <redacted>)", self.origin()),
        }
    }
}

impl Credentials {
    pub fn anonymous() -> Credentials {
        Credentials(Arc::new(Inner::Anonymous))
    }

    /// A token used as it is; `origin` names where it came from (e.g. `gcp.access_token`).
    pub fn fixed(token: &str, origin: &str) -> Credentials {
        Credentials(Arc::new(Inner::Fixed {
            token: Secret::new(token.trim()),
            origin: origin.to_string(),
        }))
    }

    pub fn refreshing(source: impl TokenSource + 'static) -> Credentials {
        Credentials(Arc::new(Inner::Refreshing(Refreshing {
            source: Box::new(source),
            slot: Mutex::new(None),
            fetches: AtomicU64::new(0),
        })))
    }

    pub fn origin(&self) -> &str {
        match &*self.0 {
            Inner::Anonymous => "no credentials",
            Inner::Fixed { origin, .. } => origin,
            Inner::Refreshing(r) => r.source.origin(),
        }
    }

    /// How many tokens have been fetched so far (0 for a fixed token).
    pub fn fetches(&self) -> u64 {
        match &*self.0 {
            Inner::Refreshing(r) => r.fetches.load(Ordering::Relaxed),
            _ => 0,
        }
    }

    /// The token to send now, or None for anonymous credentials.
    pub async fn bearer(&self) -> Result<Option<String>, AuthError> {
        Ok(self.token().await?.map(|t| t.secret.expose().to_string()))
    }

    /// The current token (cached, or fetched when the cached one is due for replacement).
    pub async fn token(&self) -> Result<Option<AccessToken>, AuthError> {
        match &*self.0 {
            Inner::Anonymous => Ok(None),
            Inner::Fixed { token, .. } => Ok(Some(AccessToken {
                secret: token.clone(),
                expires_at: None,
            })),
            Inner::Refreshing(r) => r.token().await.map(Some),
        }
    }
}

impl Refreshing {
    async fn token(&self) -> Result<AccessToken, AuthError> {
        let mut slot = self.slot.lock().await;
        let now = SystemTime::now();
        if let Some(c) = &*slot
            && !due(c.token.expires_at, c.obtained, now)
        {
            return Ok(c.token.clone());
        }
        let token = self.source.fetch().await?;
        let n = self.fetches.fetch_add(1, Ordering::Relaxed) + 1;
        let valid_for_s = token
            .expires_at
            .and_then(|e| e.duration_since(now).ok())
            .map(|d| d.as_secs());
        // The source and the lifetime only: never the token.
        tracing::debug!(
            origin = self.source.origin(),
            valid_for_s,
            fetches = n,
            "fetched an access token"
        );
        *slot = Some(Cached {
            token: token.clone(),
            obtained: now,
        });
        Ok(token)
    }
}

/// Whether a token obtained at `obtained` and expiring at `expires_at` should be replaced at
/// `now`: from [`REFRESH_EARLY`] before its expiry, or half-way through its life if that is
/// sooner. A token with no known expiry is kept.
pub fn due(expires_at: Option<SystemTime>, obtained: SystemTime, now: SystemTime) -> bool {
    let Some(expires_at) = expires_at else {
        return false;
    };
    let lifetime = expires_at.duration_since(obtained).unwrap_or_default();
    let early = REFRESH_EARLY.min(lifetime / 2);
    match expires_at.checked_sub(early) {
        Some(refresh_at) => now >= refresh_at,
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU32;

    use async_trait::async_trait;

    use super::*;

    #[test]
    fn a_token_is_replaced_five_minutes_early_or_half_way_if_short_lived() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let s = Duration::from_secs;
        let hour = Some(t0 + s(3600));
        assert!(!due(hour, t0, t0 + s(3600 - 301)));
        assert!(due(hour, t0, t0 + s(3600 - 300)));
        let short = Some(t0 + s(10));
        assert!(!due(short, t0, t0 + s(4)));
        assert!(due(short, t0, t0 + s(5)));
        // Already expired when obtained (a clock far off): replaced at every use.
        assert!(due(Some(t0), t0 + s(1), t0 + s(1)));
        assert!(!due(None, t0, t0 + s(1_000_000)));
    }

    /// Counts fetches; each token lives `life` and the fetch takes `delay`.
    struct Counting {
        n: AtomicU32,
        life: Duration,
        delay: Duration,
    }

    #[async_trait]
    impl TokenSource for Counting {
        fn origin(&self) -> &str {
            "counting test source"
        }
        async fn fetch(&self) -> Result<AccessToken, AuthError> {
            tokio::time::sleep(self.delay).await;
            let n = self.n.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(AccessToken {
                secret: Secret::new(format!("token-{n}")),
                expires_at: Some(SystemTime::now() + self.life),
            })
        }
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch_and_a_due_token_is_replaced() {
        let creds = Credentials::refreshing(Counting {
            n: AtomicU32::new(0),
            life: Duration::from_millis(600),
            delay: Duration::from_millis(50),
        });
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let c = creds.clone();
                tokio::spawn(async move { c.bearer().await })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap().as_deref(), Some("token-1"));
        }
        assert_eq!(creds.fetches(), 1);
        // Half of its 600 ms life gone: replaced, once.
        tokio::time::sleep(Duration::from_millis(320)).await;
        assert_eq!(creds.bearer().await.unwrap().as_deref(), Some("token-2"));
        assert_eq!(creds.bearer().await.unwrap().as_deref(), Some("token-2"));
        assert_eq!(creds.fetches(), 2);
    }

    #[tokio::test]
    async fn a_failed_fetch_is_reported_and_tried_again_next_time() {
        struct FailOnce(AtomicU32);
        #[async_trait]
        impl TokenSource for FailOnce {
            fn origin(&self) -> &str {
                "GOOGLE_CREDENTIALS"
            }
            async fn fetch(&self) -> Result<AccessToken, AuthError> {
                if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
                    return Err(AuthError::new(self.origin(), "token endpoint said no"));
                }
                Ok(AccessToken {
                    secret: Secret::new("ok"),
                    expires_at: None,
                })
            }
        }
        let creds = Credentials::refreshing(FailOnce(AtomicU32::new(0)));
        let err = creds.bearer().await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "GOOGLE_CREDENTIALS: token endpoint said no"
        );
        assert_eq!(creds.bearer().await.unwrap().as_deref(), Some("ok"));
    }

    #[test]
    fn debug_never_shows_a_token() {
        let c = Credentials::fixed("ya29.very-secret", "gcp.access_token");
        let text = format!("{c:?}");
        assert!(!text.contains("very-secret") && text.contains("gcp.access_token"));
        assert_eq!(format!("{:?}", Secret::new("x")), "<redacted>");
    }
}
