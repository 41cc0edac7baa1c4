//! Talking to token endpoints (OAuth token URLs, STS, IAM credentials, metadata servers, CI token
//! services) through the shared HTTP layer: same retries (429 and 5xx, connection failures), the
//! same rule that no body or query is logged. A token request changes nothing, so it is marked
//! safe to send twice. Answers are read into an [`AccessToken`] or an [`AuthError`] that carries
//! the endpoint's own words (`error`, `error_description`), which name the problem (wrong key,
//! unknown client, expired assertion) without repeating any secret.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, Url};
use serde_json::Value;

use super::{AccessToken, AuthError, Credentials, Secret};
use crate::clients::http::{Classify, Failure, Http, Request, RetryPolicy};

/// A token request and its retries end within this.
const DEADLINE: Duration = Duration::from_secs(60);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
const RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    base_delay: Duration::from_millis(200),
    max_delay: Duration::from_secs(3),
    max_retry_after: Duration::from_secs(10),
};

#[derive(Clone, Copy)]
struct Policy;

impl Classify for Policy {
    fn retryable(&self, status: u16, _body: &[u8]) -> bool {
        matches!(status, 429 | 500 | 502 | 503 | 504)
    }
}

/// A client for token endpoints: anonymous (the request carries its own proof), or with a bearer
/// token (IAM `generateAccessToken` is called with the token it replaces).
#[derive(Clone, Debug)]
pub(crate) struct TokenClient {
    http: Http<Policy>,
    origin: String,
}

impl TokenClient {
    pub fn new(origin: &str, auth: Credentials) -> Result<TokenClient, AuthError> {
        // Token endpoints answer where they are asked; a redirect would carry the secret away.
        let http = Http::new("token endpoint", auth, Policy, false)
            .map_err(|e| AuthError::new(origin, format!("cannot create an HTTP client: {e}")))?
            .with_retry(RETRY)
            .with_attempt_timeout(ATTEMPT_TIMEOUT);
        Ok(TokenClient {
            http,
            origin: origin.to_string(),
        })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn error(&self, message: impl Into<String>) -> AuthError {
        AuthError::new(&self.origin, message)
    }

    /// POSTs a form and returns the JSON answer.
    pub async fn post_form(&self, url: &Url, form: &[(&str, &str)]) -> Result<Value, AuthError> {
        let req = Request::new(Method::POST, url).form(form).idempotent();
        self.json(url, req).await
    }

    /// POSTs JSON and returns the JSON answer.
    pub async fn post_json(&self, url: &Url, body: &Value) -> Result<Value, AuthError> {
        let req = Request::new(Method::POST, url).json(body).idempotent();
        self.json(url, req).await
    }

    /// GETs with extra headers and returns the JSON answer.
    pub async fn get(&self, url: &Url, headers: &[(&str, &str)]) -> Result<Value, AuthError> {
        let body = self.get_raw(url, headers).await?;
        serde_json::from_slice(&body)
            .map_err(|e| self.error(format!("{} answered with invalid JSON: {e}", where_(url))))
    }

    /// GETs with extra headers and returns the body as it is.
    pub async fn get_raw(&self, url: &Url, headers: &[(&str, &str)]) -> Result<Vec<u8>, AuthError> {
        let mut req = Request::new(Method::GET, url);
        for (k, v) in headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| self.error(format!("invalid header name {k:?}")))?;
            let value = HeaderValue::from_str(v)
                .map_err(|_| self.error(format!("the value of header {k} cannot be sent")))?;
            req = req.header(name, value);
        }
        self.send(url, req).await
    }

    async fn json(&self, url: &Url, req: Request<'_>) -> Result<Value, AuthError> {
        let body = self.send(url, req).await?;
        serde_json::from_slice(&body)
            .map_err(|e| self.error(format!("{} answered with invalid JSON: {e}", where_(url))))
    }

    async fn send(&self, url: &Url, req: Request<'_>) -> Result<Vec<u8>, AuthError> {
        let budget = self.http.budget().with_deadline(DEADLINE);
        let outcome = self.http.send(req, &budget).await;
        let at = where_(url);
        match outcome.result {
            Ok(reply) => Ok(reply.body),
            Err(Failure::Status(reply)) => Err(self.error(format!(
                "{at} answered HTTP {}: {}",
                reply.status,
                endpoint_error(&reply.body)
            ))),
            Err(Failure::Transport(e)) => Err(self.error(format!(
                "cannot reach {at}: {}",
                crate::clients::http::error_chain(&e.without_url())
            ))),
            Err(Failure::Stopped(stop)) => Err(self.error(format!("token request to {at} {stop}"))),
            Err(Failure::Auth(e)) => Err(e),
        }
    }
}

/// The URL without its query (which may hold a token), for messages.
fn where_(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// What a token endpoint said about a refusal: OAuth's `error` and `error_description`,
/// Google's `{error: {status, message}}`, or the start of a body that is neither.
pub(crate) fn endpoint_error(body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let text = |v: &Value| {
        v.as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let first = |s: String| {
        s.lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(400)
            .collect::<String>()
    };
    if let Some(code) = text(&v["error"]) {
        return match text(&v["error_description"]) {
            Some(d) => format!("{code}: {}", first(d)),
            None => code,
        };
    }
    if let Some(m) = text(&v["error"]["message"]) {
        let status = text(&v["error"]["status"]).unwrap_or_default();
        return format!("{status} {}", first(m)).trim().to_string();
    }
    let raw = String::from_utf8_lossy(body);
    let raw = raw.trim();
    if raw.is_empty() || v.is_object() {
        "no error description".to_string()
    } else {
        // A proxy's HTML page, say: its first words are enough to recognise it.
        first(raw.to_string()).chars().take(120).collect()
    }
}

/// The token in an OAuth-style answer: `access_token` (or `field`) and `expires_in` (seconds, a
/// number or a string), or `expires_on` (Unix seconds, as Azure's managed identity gives it).
pub(crate) fn token_from(
    v: &Value,
    field: &str,
    client: &TokenClient,
) -> Result<AccessToken, AuthError> {
    let secret = v[field]
        .as_str()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| client.error(format!("the answer has no {field}")))?;
    if secret.contains(|c: char| c.is_control() || c == ' ') {
        return Err(client.error(format!(
            "the {field} it gave cannot be sent in an HTTP header"
        )));
    }
    let number = |v: &Value| {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
    };
    let now = SystemTime::now();
    let expires_at = if let Some(secs) = number(&v["expires_in"]) {
        Some(now + Duration::from_secs(secs))
    } else {
        number(&v["expires_on"]).map(|t| SystemTime::UNIX_EPOCH + Duration::from_secs(t))
    };
    Ok(AccessToken {
        secret: Secret::new(secret),
        expires_at,
    })
}

/// An RFC 3339 time (IAM's `expireTime`).
pub(crate) fn rfc3339(s: &str) -> Option<SystemTime> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    Some(SystemTime::from(t))
}

/// An http(s) URL, or an error naming where it was given.
pub(crate) fn url(s: &str, what: &str, origin: &str) -> Result<Url, AuthError> {
    Url::parse(s.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        .ok_or_else(|| AuthError::new(origin, format!("{what} is not an http(s) URL: {s:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_read_in_the_endpoint_s_words() {
        assert_eq!(
            endpoint_error(
                br#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#
            ),
            "invalid_grant: Invalid JWT Signature."
        );
        assert_eq!(
            endpoint_error(
                br#"{"error":{"code":403,"status":"PERMISSION_DENIED","message":"no"}}"#
            ),
            "PERMISSION_DENIED no"
        );
        assert_eq!(
            endpoint_error(b"<html>Bad Gateway</html>"),
            "<html>Bad Gateway</html>"
        );
        assert_eq!(endpoint_error(b""), "no error description");
    }

    #[test]
    fn tokens_and_their_expiry_are_read() {
        let c = TokenClient::new("test", Credentials::anonymous()).unwrap();
        let t = token_from(
            &serde_json::json!({"access_token": "a", "expires_in": "60"}),
            "access_token",
            &c,
        )
        .unwrap();
        let left = t
            .expires_at
            .unwrap()
            .duration_since(SystemTime::now())
            .unwrap();
        assert!(left > Duration::from_secs(58) && left <= Duration::from_secs(60));
        let t = token_from(
            &serde_json::json!({"access_token": "a", "expires_on": "2000000000"}),
            "access_token",
            &c,
        )
        .unwrap();
        assert_eq!(
            t.expires_at,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000))
        );
        let e = token_from(&serde_json::json!({"token": "a"}), "access_token", &c).unwrap_err();
        assert_eq!(e.to_string(), "test: the answer has no access_token");
        assert!(
            token_from(
                &serde_json::json!({"access_token": "a b"}),
                "access_token",
                &c
            )
            .is_err()
        );
    }
}
