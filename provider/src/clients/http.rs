//! The one way the REST clients (GCP Compute, Azure Network, Cloudflare) send a request: retries
//! with exponential backoff and jitter, the server's `Retry-After`, replay only of what is safe to
//! send twice, a timeout per attempt, and a [`Budget`] (Terraform's cancel and an optional
//! deadline) that ends an attempt or a wait at once. Long-running-operation polling stays in each
//! client, but it sleeps through a [`Budget`] too, so it stops the same way.
//!
//! A client keeps its own error type and says which of its API's answers are worth sending again
//! ([`Classify`]); the rest is decided here, the same for every cloud:
//!
//! - Replay: GET, HEAD, PUT, DELETE and OPTIONS are idempotent; a POST or PATCH is only when the
//!   caller says so ([`Request::idempotent`]: it carries an idempotency token such as GCP's
//!   `requestId`, or it changes nothing). An idempotent request is retried after any transient
//!   failure; any other only when the failure shows that the server did not apply it: no
//!   connection was made, or the answer is a refusal ([`Classify::refused`], 429 by default).
//! - Delay: exponential backoff with equal jitter (half the step fixed, half random), so that
//!   clients throttled together do not come back in lockstep. A server's `Retry-After`
//!   (delay-seconds or HTTP-date, capped by [`RetryPolicy::max_retry_after`] so that a bogus header
//!   cannot stall an apply) is a floor, plus up to 250 ms of spread for the same reason.
//! - Ambiguity: the [`Outcome`] says whether an earlier attempt may have been applied (an answer
//!   of 500 or more, or a connection that broke after the request went out), so that the caller
//!   can reconcile: GCP adopts an object found after an ambiguous insert, Cloudflare looks for it
//!   before posting a create again.
//! - Logs: one debug line per attempt (method, path, status or error, milliseconds). Never the
//!   query nor a body (they may hold tokens and shared secrets); the bearer token is shown
//!   nowhere, `Debug` included.
//! - Credentials: each attempt asks the client's [`Credentials`] for the bearer token, so a token
//!   that expires during a long operation (an Azure gateway build of 30–45 minutes) is replaced
//!   before it does: the credentials cache it and fetch a new one ahead of its expiry
//!   ([`crate::clients::auth`]). A token that cannot be had fails the request at once
//!   ([`Failure::Auth`]); the token endpoint's own retries are behind that.
//!
//! Why no crate: `reqwest-middleware` 0.5 and `reqwest-retry` 0.9 do build on reqwest 0.13, but
//! their retry decision sees neither the request (so not whether it may be replayed) nor the
//! response body (Azure's retryable 409 `AnotherOperationInProgress` is known only from it), their
//! backoff does not see `Retry-After` (an open issue upstream), and they report neither how many
//! attempts were made nor whether an earlier one may have been applied, which two of the clients
//! need. `backon` is a generic retry loop: it would replace the backoff arithmetic only, while
//! cancellation, the deadline, `Retry-After` and the replay rules would still be written here.
//! What remains is one short loop.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

use rand::Rng;
use reqwest::header::{CONTENT_LENGTH, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{Method, Url};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::clients::auth::{AuthError, Credentials};

pub const USER_AGENT: &str = concat!("terraform-provider-multicloud/", env!("CARGO_PKG_VERSION"));
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Per attempt, from connecting until the whole body is read.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
/// Overrides [`DEFAULT_ATTEMPT_TIMEOUT`] for every client, the AWS SDK's included (seconds,
/// fractions allowed). Meant for tests that hold answers past the deadline (tests/e2e/fault_storm.rs
/// sets 2 s, so that a slow answer costs seconds rather than a minute), and for networks where a
/// minute is the wrong bound.
pub const ATTEMPT_TIMEOUT_ENV: &str = "MULTICLOUD_ATTEMPT_TIMEOUT_SECONDS";

/// The per-attempt timeout: [`ATTEMPT_TIMEOUT_ENV`] when it holds a positive number of seconds,
/// else [`DEFAULT_ATTEMPT_TIMEOUT`].
pub fn attempt_timeout() -> Duration {
    std::env::var(ATTEMPT_TIMEOUT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .unwrap_or(DEFAULT_ATTEMPT_TIMEOUT)
}
/// Random extra on top of a server's `Retry-After`: many clients told the same time would
/// otherwise all come back at that very moment.
const RETRY_AFTER_SPREAD: Duration = Duration::from_millis(250);

// ---------------------------------------------------------------------------------------------
// Delays
// ---------------------------------------------------------------------------------------------

/// How requests are retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, including the first.
    pub max_attempts: u32,
    /// First backoff; doubles per attempt, with jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Longest `Retry-After` honoured.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Suits Terraform runs against a throttling API (Cloudflare blocks for up to five minutes).
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The pause after failed attempt `attempt` (1-based): a step of `base_delay` doubled per
    /// attempt up to `max_delay`, of which half is fixed and half random (equal jitter), so the
    /// pause is within [step / 2, step].
    pub fn backoff(&self, attempt: u32) -> Duration {
        let step = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.max_delay);
        step / 2 + jitter(step / 2)
    }

    /// The pause before the next attempt: the backoff, or what the server asked (capped, plus
    /// spread) when that is longer.
    pub fn delay(&self, attempt: u32, asked: Option<Duration>) -> Duration {
        let backoff = self.backoff(attempt);
        match asked {
            Some(asked) => {
                backoff.max(asked.min(self.max_retry_after) + jitter(RETRY_AFTER_SPREAD))
            }
            None => backoff,
        }
    }
}

/// A uniformly random duration in [0, max], in whole milliseconds.
pub fn jitter(max: Duration) -> Duration {
    let max_ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::rng().random_range(0..=max_ms))
}

/// `Retry-After` as a wait from now: delay-seconds, or an HTTP-date (one in the past is no wait).
/// Not capped here: the policy caps what it honours.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// Cancellation and deadline
// ---------------------------------------------------------------------------------------------

/// Why work stopped before it finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Terraform cancelled the operation.
    Cancelled,
    /// The budget's deadline passed.
    DeadlineExceeded,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stop::Cancelled => "cancelled",
            Stop::DeadlineExceeded => "past its deadline",
        })
    }
}

/// What bounds one logical operation (a request with its retries, an operation wait): a
/// cancellation token and, optionally, a deadline. Both end an attempt in flight or a sleep at
/// once, not at the next check.
#[derive(Clone, Debug)]
pub struct Budget {
    cancel: CancellationToken,
    until: Option<Instant>,
}

impl Budget {
    /// Bounded by `cancel` only.
    pub fn new(cancel: CancellationToken) -> Budget {
        Budget {
            cancel,
            until: None,
        }
    }

    /// Also ends `limit` from now (or at the deadline it already has, if that is sooner).
    pub fn with_deadline(mut self, limit: Duration) -> Budget {
        // A limit too large to represent is no limit.
        if let Some(until) = Instant::now().checked_add(limit) {
            self.until = Some(self.until.map_or(until, |u| u.min(until)));
        }
        self
    }

    /// Whether the deadline has passed.
    pub fn expired(&self) -> bool {
        self.until.is_some_and(|u| Instant::now() >= u)
    }

    /// Runs `work` unless cancelled or past the deadline first; either drops it where it is.
    pub async fn run<F: Future>(&self, work: F) -> Result<F::Output, Stop> {
        let deadline = async {
            match self.until {
                Some(until) => tokio::time::sleep_until(until.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            // Checked first: once cancelled or expired, nothing more starts.
            biased;
            _ = self.cancel.cancelled() => Err(Stop::Cancelled),
            _ = deadline => Err(Stop::DeadlineExceeded),
            out = work => Ok(out),
        }
    }

    /// Sleeps `d`; cut short by cancellation or the deadline, which it then reports.
    pub async fn sleep(&self, d: Duration) -> Result<(), Stop> {
        self.run(tokio::time::sleep(d)).await
    }
}

// ---------------------------------------------------------------------------------------------
// Requests and outcomes
// ---------------------------------------------------------------------------------------------

/// What a client says about its API's answers. The layer asks; the client's error type and
/// messages stay in the client.
pub trait Classify {
    /// Whether the same request, sent again later, may succeed after this answer (not 2xx).
    fn retryable(&self, status: u16, body: &[u8]) -> bool;

    /// Whether the answer shows that the request was not applied, so that even one that is not
    /// idempotent may be sent again. By default 429: a throttled request is refused unprocessed.
    fn refused(&self, status: u16, body: &[u8]) -> bool {
        let _ = body;
        status == 429
    }

    /// How long the server asks the client to wait: `Retry-After` by default.
    fn retry_after(&self, headers: &HeaderMap) -> Option<Duration> {
        retry_after(headers)
    }
}

/// A request body.
#[derive(Clone, Copy)]
enum Body<'a> {
    Json(&'a Value),
    /// `application/x-www-form-urlencoded`, as OAuth token endpoints take it.
    Form(&'a [(&'a str, &'a str)]),
}

/// One logical request. The body is JSON or a form, the URL absolute.
pub struct Request<'a> {
    method: Method,
    url: &'a Url,
    body: Option<Body<'a>>,
    headers: Vec<(HeaderName, HeaderValue)>,
    idempotent: bool,
    timeout: Option<Duration>,
}

impl<'a> Request<'a> {
    /// GET, HEAD, PUT, DELETE and OPTIONS count as idempotent; POST and PATCH do not, unless
    /// marked with [`Request::idempotent`].
    pub fn new(method: Method, url: &'a Url) -> Request<'a> {
        let idempotent = method.is_idempotent();
        Request {
            method,
            url,
            body: None,
            headers: Vec::new(),
            idempotent,
            timeout: None,
        }
    }

    pub fn json(mut self, body: &'a Value) -> Request<'a> {
        self.body = Some(Body::Json(body));
        self
    }

    /// A form body (its values are never logged, like any body).
    pub fn form(mut self, fields: &'a [(&'a str, &'a str)]) -> Request<'a> {
        self.body = Some(Body::Form(fields));
        self
    }

    /// An extra header, marked sensitive (kept out of reqwest's own `Debug`), e.g. a metadata
    /// server's `Metadata-Flavor` or a CI system's request token.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Request<'a> {
        let mut value = value;
        value.set_sensitive(true);
        self.headers.push((name, value));
        self
    }

    /// Safe to send twice although the method is not: it carries an idempotency token (GCP's
    /// `requestId`), or it changes nothing (GCP's `operations.wait`).
    pub fn idempotent(mut self) -> Request<'a> {
        self.idempotent = true;
        self
    }

    /// This request's per-attempt timeout, instead of the client's.
    pub fn timeout(mut self, d: Duration) -> Request<'a> {
        self.timeout = Some(d);
        self
    }
}

/// A whole answer.
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// The body is left out: it may hold secrets.
impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// Why a request did not succeed, as of its last attempt.
#[derive(Debug)]
pub enum Failure {
    /// The server answered with a status outside 2xx.
    Status(Reply),
    /// No answer: the connection failed or broke, or the attempt timed out.
    Transport(reqwest::Error),
    /// Cancelled or past the deadline, during an attempt or a pause.
    Stopped(Stop),
    /// No bearer token could be had from the client's credentials; nothing was sent.
    Auth(AuthError),
}

#[derive(Debug)]
pub struct Outcome {
    /// A 2xx answer, or why there is none.
    pub result: Result<Reply, Failure>,
    /// Attempts made, the last included.
    pub attempts: u32,
    /// Whether an attempt before the last may have been applied by the server.
    pub ambiguous: bool,
}

/// An error and its causes on one line: reqwest's own message is only the outermost layer, the
/// cause (refused, reset, DNS, timeout) is in the source chain.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A transport error's chain for the log, without the URL (logs carry no query: it may hold a
/// token), and the error itself, URL kept, for the caller.
fn loggable(e: reqwest::Error) -> (String, reqwest::Error) {
    let url = e.url().cloned();
    let e = e.without_url();
    let text = error_chain(&e);
    let e = match url {
        Some(url) => e.with_url(url),
        None => e,
    };
    (text, e)
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

/// An HTTP client for one API and one source of bearer tokens.
#[derive(Clone)]
pub struct Http<C> {
    client: reqwest::Client,
    /// Names the API in logs ("GCP", "Azure", "Cloudflare").
    api: &'static str,
    auth: Credentials,
    classify: C,
    retry: RetryPolicy,
    attempt_timeout: Duration,
    cancel: CancellationToken,
}

/// Never shows the token.
impl<C> fmt::Debug for Http<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http")
            .field("api", &self.api)
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .field("attempt_timeout", &self.attempt_timeout)
            .finish()
    }
}

impl<C: Classify> Http<C> {
    /// `follow_redirects: false` answers a redirect as it is, so that the token never follows
    /// one anywhere (for an API that never redirects).
    pub fn new(
        api: &'static str,
        auth: Credentials,
        classify: C,
        follow_redirects: bool,
    ) -> Result<Http<C>, reqwest::Error> {
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(CONNECT_TIMEOUT);
        if !follow_redirects {
            builder = builder.redirect(reqwest::redirect::Policy::none());
        }
        Ok(Http {
            client: builder.build()?,
            api,
            auth,
            classify,
            retry: RetryPolicy::default(),
            attempt_timeout: attempt_timeout(),
            cancel: CancellationToken::new(),
        })
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Http<C> {
        self.retry = retry;
        self
    }

    /// The default per-attempt timeout ([`attempt_timeout`]: 60 s unless overridden).
    pub fn with_attempt_timeout(mut self, d: Duration) -> Http<C> {
        self.attempt_timeout = d;
        self
    }

    /// Every budget this client hands out ends when `cancel` fires.
    pub fn with_cancel(mut self, cancel: CancellationToken) -> Http<C> {
        self.cancel = cancel;
        self
    }

    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// A budget bounded by this client's cancellation; [`Budget::with_deadline`] adds a deadline.
    pub fn budget(&self) -> Budget {
        Budget::new(self.cancel.clone())
    }

    /// Sends `req` until it succeeds, fails for good, runs out of attempts or `budget` ends it.
    pub async fn send(&self, req: Request<'_>, budget: &Budget) -> Outcome {
        let (api, method, path) = (self.api, &req.method, req.url.path());
        let timeout = req.timeout.unwrap_or(self.attempt_timeout);
        let mut ambiguous = false;
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            // The token is asked for per attempt: a retry after a long pause gets a fresh one.
            let attempt_once = async {
                let bearer = self.auth.bearer().await?;
                Ok(self.exchange(&req, timeout, bearer.as_deref()).await)
            };
            let answer = match budget.run(attempt_once).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(auth)) => {
                    tracing::debug!(%method, %path, "{api} request not sent: no token");
                    return Outcome {
                        result: Err(Failure::Auth(auth)),
                        attempts: attempt,
                        ambiguous,
                    };
                }
                Err(stop) => {
                    return Outcome {
                        result: Err(Failure::Stopped(stop)),
                        attempts: attempt,
                        ambiguous,
                    };
                }
            };
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            // (what went wrong, whether sending again is allowed, whether this attempt may have
            // been applied, what the server asked to wait)
            let (failure, replay, maybe_applied, asked) = match answer {
                Ok(reply) if (200..300).contains(&reply.status) => {
                    tracing::debug!(%method, %path, status = reply.status, elapsed_ms, "{api} request");
                    return Outcome {
                        result: Ok(reply),
                        attempts: attempt,
                        ambiguous,
                    };
                }
                Ok(reply) => {
                    let status = reply.status;
                    tracing::debug!(%method, %path, status, elapsed_ms, "{api} request");
                    let c = &self.classify;
                    let replay = c.retryable(status, &reply.body)
                        && (req.idempotent || c.refused(status, &reply.body));
                    let asked = c.retry_after(&reply.headers);
                    (Failure::Status(reply), replay, status >= 500, asked)
                }
                Err(e) => {
                    let (error, e) = loggable(e);
                    tracing::debug!(%method, %path, %error, elapsed_ms, "{api} request failed");
                    // No connection means nothing was sent; a bad request (builder error) would
                    // fail the same way every time.
                    let connect = e.is_connect();
                    let replay = !e.is_builder() && (connect || req.idempotent);
                    (Failure::Transport(e), replay, !connect, None)
                }
            };
            if !replay || attempt >= self.retry.max_attempts {
                return Outcome {
                    result: Err(failure),
                    attempts: attempt,
                    ambiguous,
                };
            }
            ambiguous |= maybe_applied;
            let delay = self.retry.delay(attempt, asked);
            let why = match &failure {
                Failure::Status(r) => format!("HTTP {}", r.status),
                Failure::Transport(e) if e.is_timeout() => "timed out".to_string(),
                Failure::Transport(_) => "no answer".to_string(),
                Failure::Stopped(stop) => stop.to_string(),
                Failure::Auth(_) => "no token".to_string(),
            };
            tracing::debug!(%method, %path, attempt, "retrying {api} request in {delay:?}: {why}");
            if let Err(stop) = budget.sleep(delay).await {
                return Outcome {
                    result: Err(Failure::Stopped(stop)),
                    attempts: attempt,
                    ambiguous,
                };
            }
            attempt += 1;
        }
    }

    /// One attempt: send, then read the whole answer, within `timeout`. `bearer` None sends no
    /// Authorization header (a token endpoint's own client).
    async fn exchange(
        &self,
        req: &Request<'_>,
        timeout: Duration,
        bearer: Option<&str>,
    ) -> Result<Reply, reqwest::Error> {
        let mut builder = self
            .client
            .request(req.method.clone(), req.url.clone())
            .timeout(timeout);
        if let Some(token) = bearer {
            // bearer_auth marks the header sensitive, so reqwest's Debug never shows it.
            builder = builder.bearer_auth(token);
        }
        for (name, value) in &req.headers {
            builder = builder.header(name.clone(), value.clone());
        }
        builder = match req.body {
            Some(Body::Json(body)) => builder.json(body),
            Some(Body::Form(fields)) => builder.form(fields),
            // Google's front ends answer 411 to a body-less POST without Content-Length; saying
            // "no body" explicitly is right for any method that may carry one.
            None if req.method != Method::GET && req.method != Method::HEAD => {
                builder.header(CONTENT_LENGTH, 0)
            }
            None => builder,
        };
        let response = builder.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await?.to_vec();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    //! Against a tiny scripted HTTP/1.1 server on 127.0.0.1: one request per connection, each
    //! answered by the next step of a script (the last step repeats).

    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    #[derive(Clone, Copy)]
    enum Step {
        /// Status and extra header lines (each ending in CRLF).
        Answer(u16, &'static str),
        /// Read the request, then hold the connection without answering.
        Hang,
        /// Read the request, then close the connection without answering.
        Close,
    }

    struct Seen {
        head: String,
        at: Instant,
    }

    struct Server {
        url: Url,
        seen: Arc<Mutex<Vec<Seen>>>,
    }

    impl Server {
        async fn start(script: Vec<Step>) -> Server {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = Url::parse(&format!(
                "http://{}/v1/things?token=q",
                listener.local_addr().unwrap()
            ))
            .unwrap();
            let seen = Arc::new(Mutex::new(Vec::new()));
            let log = seen.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((mut sock, _)) = listener.accept().await else {
                        return;
                    };
                    let head = read_request(&mut sock).await;
                    let n = {
                        let mut log = log.lock().unwrap();
                        log.push(Seen {
                            head,
                            at: Instant::now(),
                        });
                        log.len()
                    };
                    let step = script[(n - 1).min(script.len() - 1)];
                    tokio::spawn(async move {
                        match step {
                            Step::Answer(status, headers) => {
                                let body = "{}";
                                let reply = format!(
                                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
                                    body.len()
                                );
                                let _ = sock.write_all(reply.as_bytes()).await;
                            }
                            Step::Hang => {
                                tokio::time::sleep(Duration::from_secs(60)).await;
                            }
                            Step::Close => drop(sock),
                        }
                    });
                }
            });
            Server { url, seen }
        }

        fn count(&self) -> usize {
            self.seen.lock().unwrap().len()
        }

        /// Time between the first and the second request.
        fn gap(&self) -> Duration {
            let seen = self.seen.lock().unwrap();
            seen[1].at - seen[0].at
        }

        fn head(&self, i: usize) -> String {
            self.seen.lock().unwrap()[i].head.to_lowercase()
        }
    }

    /// The head, and the body as far as Content-Length says (left unread, closing would reset
    /// the connection under the client's feet).
    async fn read_request(sock: &mut tokio::net::TcpStream) -> String {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse().ok())
                    .unwrap_or(0);
                if body.len() >= length {
                    return head.to_string();
                }
            }
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return text,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// 429 and 5xx are worth another try; 429 is a refusal (the default).
    #[derive(Clone)]
    struct Transient;

    impl Classify for Transient {
        fn retryable(&self, status: u16, _: &[u8]) -> bool {
            status == 429 || status >= 500
        }
    }

    const FAST: RetryPolicy = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(5),
    };

    fn http() -> Http<Transient> {
        Http::new("Test", Credentials::fixed("tok-1", "test"), Transient, true)
            .unwrap()
            .with_retry(FAST)
    }

    fn status(outcome: &Outcome) -> Option<u16> {
        match &outcome.result {
            Ok(r) => Some(r.status),
            Err(Failure::Status(r)) => Some(r.status),
            Err(_) => None,
        }
    }

    /// Hands out `tok-1`, `tok-2`, ... each already due for replacement, or fails when `fail`.
    struct Numbered {
        n: std::sync::atomic::AtomicU32,
        fail: bool,
    }

    #[async_trait::async_trait]
    impl crate::clients::auth::TokenSource for Numbered {
        fn origin(&self) -> &str {
            "numbered test source"
        }
        async fn fetch(&self) -> Result<crate::clients::auth::AccessToken, AuthError> {
            if self.fail {
                return Err(AuthError::new(self.origin(), "refused"));
            }
            let n = self.n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            Ok(crate::clients::auth::AccessToken {
                secret: crate::clients::auth::Secret::new(format!("tok-{n}")),
                // Expires at once: every attempt must ask again.
                expires_at: Some(SystemTime::now()),
            })
        }
    }

    #[tokio::test]
    async fn every_attempt_asks_the_credentials_and_no_token_sends_nothing() {
        let server = Server::start(vec![Step::Answer(503, ""), Step::Answer(200, "")]).await;
        let source = Numbered {
            n: Default::default(),
            fail: false,
        };
        let h = Http::new("Test", Credentials::refreshing(source), Transient, true)
            .unwrap()
            .with_retry(FAST);
        let out = h
            .send(Request::new(Method::GET, &server.url), &h.budget())
            .await;
        assert_eq!((status(&out), out.attempts), (Some(200), 2));
        assert!(server.head(0).contains("authorization: bearer tok-1"));
        assert!(server.head(1).contains("authorization: bearer tok-2"));

        let failing = Numbered {
            n: Default::default(),
            fail: true,
        };
        let h = Http::new("Test", Credentials::refreshing(failing), Transient, true).unwrap();
        let out = h
            .send(Request::new(Method::GET, &server.url), &h.budget())
            .await;
        match out.result {
            Err(Failure::Auth(e)) => assert_eq!(e.to_string(), "numbered test source: refused"),
            other => panic!("{other:?}"),
        }
        assert_eq!(server.count(), 2, "a request went out without a token");
    }

    #[tokio::test]
    async fn a_429_is_retried_after_the_retry_after_it_asks_for() {
        let server = Server::start(vec![
            Step::Answer(429, "Retry-After: 1\r\n"),
            Step::Answer(200, ""),
        ])
        .await;
        let h = http();
        let out = h
            .send(Request::new(Method::GET, &server.url), &h.budget())
            .await;
        assert_eq!(
            (status(&out), out.attempts, out.ambiguous),
            (Some(200), 2, false)
        );
        let gap = server.gap();
        assert!(
            gap >= Duration::from_secs(1) && gap < Duration::from_millis(1600),
            "{gap:?}"
        );
    }

    #[tokio::test]
    async fn a_long_retry_after_is_capped_by_the_policy() {
        let server = Server::start(vec![
            Step::Answer(503, "Retry-After: 3600\r\n"),
            Step::Answer(200, ""),
        ])
        .await;
        let cap = Duration::from_millis(300);
        let h = http().with_retry(RetryPolicy {
            max_retry_after: cap,
            ..FAST
        });
        let out = h
            .send(Request::new(Method::GET, &server.url), &h.budget())
            .await;
        assert_eq!(status(&out), Some(200));
        let gap = server.gap();
        let most = cap + RETRY_AFTER_SPREAD + Duration::from_millis(300);
        assert!(gap >= cap && gap < most, "{gap:?}");
    }

    #[tokio::test]
    async fn a_non_idempotent_post_is_not_retried_after_a_500() {
        let body = serde_json::json!({"name": "x"});
        let script = vec![Step::Answer(500, ""), Step::Answer(201, "")];
        let server = Server::start(script.clone()).await;
        let h = http();
        let create = Request::new(Method::POST, &server.url).json(&body);
        let out = h.send(create, &h.budget()).await;
        assert!(matches!(
            out.result,
            Err(Failure::Status(Reply { status: 500, .. }))
        ));
        assert_eq!((out.attempts, out.ambiguous, server.count()), (1, false, 1));

        // With an idempotency token it is sent again, and the outcome says the first attempt
        // may have been applied.
        let server = Server::start(script).await;
        let create = Request::new(Method::POST, &server.url).json(&body);
        let out = h.send(create.idempotent(), &h.budget()).await;
        assert_eq!(
            (status(&out), out.attempts, out.ambiguous),
            (Some(201), 2, true)
        );

        // A 429 is a refusal: even a plain create is sent again.
        let server = Server::start(vec![Step::Answer(429, ""), Step::Answer(201, "")]).await;
        let create = Request::new(Method::POST, &server.url).json(&body);
        let out = h.send(create, &h.budget()).await;
        assert_eq!(
            (status(&out), out.attempts, out.ambiguous),
            (Some(201), 2, false)
        );
        // A 4xx other than 429 is final for anything.
        let server = Server::start(vec![Step::Answer(409, ""), Step::Answer(200, "")]).await;
        let out = h
            .send(Request::new(Method::PUT, &server.url), &h.budget())
            .await;
        assert_eq!((status(&out), out.attempts), (Some(409), 1));
    }

    #[tokio::test]
    async fn failures_that_prove_nothing_was_applied_are_retried_even_for_a_create() {
        // A port nobody listens on: the connection is refused.
        let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/", closed.local_addr().unwrap())).unwrap();
        drop(closed);
        let h = http();
        let out = h.send(Request::new(Method::POST, &url), &h.budget()).await;
        match &out.result {
            Err(Failure::Transport(e)) => assert!(e.is_connect(), "{e}"),
            other => panic!("{other:?}"),
        }
        assert_eq!((out.attempts, out.ambiguous), (FAST.max_attempts, false));
    }

    #[tokio::test]
    async fn a_broken_connection_is_retried_only_when_idempotent() {
        let script = vec![Step::Close, Step::Answer(200, "")];
        let server = Server::start(script.clone()).await;
        let h = http();
        let out = h
            .send(Request::new(Method::GET, &server.url), &h.budget())
            .await;
        assert_eq!(
            (status(&out), out.attempts, out.ambiguous),
            (Some(200), 2, true)
        );

        let server = Server::start(script).await;
        let out = h
            .send(Request::new(Method::POST, &server.url), &h.budget())
            .await;
        assert!(matches!(out.result, Err(Failure::Transport(_))), "{out:?}");
        assert_eq!((out.attempts, server.count()), (1, 1));
    }

    #[tokio::test]
    async fn each_attempt_has_its_own_timeout() {
        let server = Server::start(vec![Step::Hang]).await;
        let h = http().with_retry(RetryPolicy {
            max_attempts: 2,
            ..FAST
        });
        let started = Instant::now();
        let get = Request::new(Method::GET, &server.url).timeout(Duration::from_millis(200));
        let out = h.send(get, &h.budget()).await;
        match &out.result {
            Err(Failure::Transport(e)) => assert!(e.is_timeout(), "{e}"),
            other => panic!("{other:?}"),
        }
        assert_eq!((out.attempts, out.ambiguous), (2, true));
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(400) && took < Duration::from_secs(3),
            "{took:?}"
        );
    }

    #[tokio::test]
    async fn the_deadline_ends_retries_and_attempts() {
        // The server asks for 30 s between attempts; the deadline comes first.
        let server = Server::start(vec![Step::Answer(503, "Retry-After: 30\r\n")]).await;
        let h = http().with_retry(RetryPolicy {
            max_retry_after: Duration::from_secs(60),
            ..FAST
        });
        let budget = h.budget().with_deadline(Duration::from_millis(300));
        let started = Instant::now();
        let out = h
            .send(Request::new(Method::GET, &server.url), &budget)
            .await;
        assert!(
            matches!(out.result, Err(Failure::Stopped(Stop::DeadlineExceeded))),
            "{out:?}"
        );
        assert_eq!((out.attempts, server.count()), (1, 1));
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(2),
            "{took:?}"
        );
        assert!(budget.expired());

        // An attempt still waiting for its answer is dropped at the deadline.
        let server = Server::start(vec![Step::Hang]).await;
        let budget = h.budget().with_deadline(Duration::from_millis(200));
        let started = Instant::now();
        let out = h
            .send(Request::new(Method::GET, &server.url), &budget)
            .await;
        assert!(
            matches!(out.result, Err(Failure::Stopped(Stop::DeadlineExceeded))),
            "{out:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(2));

        // The earlier of two deadlines holds.
        let budget = Budget::new(CancellationToken::new())
            .with_deadline(Duration::from_millis(50))
            .with_deadline(Duration::from_secs(3600))
            .with_deadline(Duration::MAX);
        let started = Instant::now();
        assert_eq!(
            budget.sleep(Duration::from_secs(10)).await,
            Err(Stop::DeadlineExceeded)
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn cancellation_ends_a_sleep_and_an_attempt_at_once() {
        let cancel = CancellationToken::new();
        let budget = Budget::new(cancel.clone());
        let trigger = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            trigger.cancel();
        });
        let started = Instant::now();
        assert_eq!(
            budget.sleep(Duration::from_secs(30)).await,
            Err(Stop::Cancelled)
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );

        // An attempt in flight, and nothing more once cancelled.
        let server = Server::start(vec![Step::Hang]).await;
        let cancel = CancellationToken::new();
        let h = http().with_cancel(cancel.clone());
        let trigger = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            trigger.cancel();
        });
        let started = Instant::now();
        let out = h
            .send(Request::new(Method::GET, &server.url), &h.budget())
            .await;
        assert!(
            matches!(out.result, Err(Failure::Stopped(Stop::Cancelled))),
            "{out:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(1));
        let out = h
            .send(Request::new(Method::GET, &server.url), &h.budget())
            .await;
        assert!(
            matches!(out.result, Err(Failure::Stopped(Stop::Cancelled))),
            "{out:?}"
        );
        assert_eq!(server.count(), 1);
    }

    #[tokio::test]
    async fn requests_carry_the_token_and_an_explicit_empty_body_but_logs_no_query() {
        let server = Server::start(vec![Step::Answer(204, "")]).await;
        let h = http();
        let out = h
            .send(Request::new(Method::POST, &server.url), &h.budget())
            .await;
        assert_eq!(status(&out), Some(204));
        let head = server.head(0);
        assert!(
            head.starts_with("post /v1/things?token=q http/1.1"),
            "{head}"
        );
        assert!(head.contains("authorization: bearer tok-1"), "{head}");
        assert!(head.contains("content-length: 0"), "{head}");
        assert!(
            head.contains("user-agent: terraform-provider-multicloud/"),
            "{head}"
        );
        assert!(!format!("{h:?}").contains("tok-1"));
    }

    #[test]
    fn backoff_and_retry_after_stay_within_their_jitter_bounds() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(5),
        };
        let mut seen = std::collections::BTreeSet::new();
        for attempt in 1..40 {
            let step = (p.base_delay * (1 << (attempt - 1).min(16))).min(p.max_delay);
            for _ in 0..20 {
                let d = p.backoff(attempt);
                assert!(d >= step / 2 && d <= step, "attempt {attempt}: {d:?}");
                seen.insert(d);
                // A server's wait is a floor; the cap and the spread bound it from above.
                let d = p.delay(attempt, Some(Duration::from_secs(3)));
                let floor = Duration::from_secs(3).max(step / 2);
                assert!(
                    d >= floor && d <= Duration::from_secs(3) + RETRY_AFTER_SPREAD,
                    "{d:?}"
                );
                let d = p.delay(attempt, Some(Duration::from_secs(3600)));
                assert!(d >= p.max_retry_after && d <= p.max_retry_after + RETRY_AFTER_SPREAD);
                let d = p.delay(attempt, Some(Duration::ZERO));
                assert!(d >= step / 2 && d <= step.max(RETRY_AFTER_SPREAD), "{d:?}");
            }
        }
        assert!(seen.len() > 100, "jitter varies the pauses: {}", seen.len());
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let read = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, value.parse().unwrap());
            retry_after(&headers)
        };
        assert_eq!(read("120"), Some(Duration::from_secs(120)));
        assert_eq!(read(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(read("0"), Some(Duration::ZERO));
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let d = read(&soon).unwrap();
        assert!(
            d > Duration::from_secs(28) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(read("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
        // The obsolete forms HTTP still allows.
        assert_eq!(read("Sunday, 06-Nov-94 08:49:37 GMT"), Some(Duration::ZERO));
        assert_eq!(read("soon"), None);
        assert_eq!(read("-5"), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
