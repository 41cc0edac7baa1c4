//! Google credentials, found in hashicorp/google's order with its names:
//!
//! 1. `gcp.access_token` / `GOOGLE_OAUTH_ACCESS_TOKEN`: used as it is, never refreshed.
//! 2. `gcp.credentials` / `GOOGLE_CREDENTIALS` (also `GOOGLE_CLOUD_KEYFILE_JSON`,
//!    `GCLOUD_KEYFILE_JSON`): a credentials file's JSON, or its path.
//! 3. `GOOGLE_APPLICATION_CREDENTIALS`: the path of a credentials file.
//! 4. gcloud's Application Default Credentials file,
//!    `$CLOUDSDK_CONFIG/application_default_credentials.json` or
//!    `~/.config/gcloud/application_default_credentials.json` (`gcloud auth application-default
//!    login` writes it).
//! 5. The metadata server of GCE/GKE (`GCE_METADATA_HOST`, as Google's libraries read it, else
//!    169.254.169.254).
//!
//! A credentials file is a `service_account` key (a JWT signed with its key, exchanged at its
//! `token_uri`: RFC 7523), an `authorized_user` (refresh-token grant at its `token_uri`), an
//! `external_account` (workload identity federation: a subject token from a file or a URL,
//! exchanged at `token_url` by RFC 8693, then optionally `service_account_impersonation_url`)
//! or an `impersonated_service_account` (gcloud's ADC for `--impersonate-service-account`).
//! With `gcp.impersonate_service_account` / `GOOGLE_IMPERSONATE_SERVICE_ACCOUNT`, whatever was
//! found is used only to get a token of that service account through IAM Credentials'
//! `generateAccessToken` (at `gcp.iam_credentials_endpoint` when set).
//!
//! Resolution reads files but sends nothing; the first token is fetched by the first request.
//!
//! References: <https://google.aip.dev/auth/4112> (service account keys),
//! <https://google.aip.dev/auth/4117> (external accounts),
//! <https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateAccessToken>,
//! <https://cloud.google.com/compute/docs/access/authenticate-workloads#applications>.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use reqwest::Url;
use serde_json::{Value, json};

use super::endpoint::{TokenClient, rfc3339, token_from, url};
use super::jwt::{RsaSigner, now_secs};
use super::{AccessToken, AuthError, Credentials, Lookup, Secret, TokenSource};

/// What the provider asks for, as hashicorp/google does by default.
pub const SCOPES: [&str; 2] = [
    "https://www.googleapis.com/auth/cloud-platform",
    "https://www.googleapis.com/auth/userinfo.email",
];
const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
const DEFAULT_IAM_CREDENTIALS: &str = "https://iamcredentials.googleapis.com";
const DEFAULT_METADATA_HOST: &str = "169.254.169.254";
const ADC_FILE: &str = "application_default_credentials.json";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// The provider's Google credentials, found as the module says.
pub fn resolve(lookup: &dyn Lookup) -> Result<Credentials, AuthError> {
    let base = base(lookup)?;
    match lookup.setting("gcp.impersonate_service_account")? {
        None => Ok(base),
        Some((email, from)) => {
            let root = match lookup.setting("gcp.iam_credentials_endpoint")? {
                Some((e, _)) => e,
                None => DEFAULT_IAM_CREDENTIALS.to_string(),
            };
            let email = email.trim();
            if email.is_empty() || email.contains(['/', '?', '#']) {
                return Err(AuthError::new(from, "is not a service account email"));
            }
            let at = format!(
                "{}/v1/projects/-/serviceAccounts/{email}:generateAccessToken",
                root.trim_end_matches('/')
            );
            let origin = format!("{email} impersonated ({from}) with {}", base.origin());
            Ok(Credentials::refreshing(Impersonated::new(
                base,
                url(&at, "the IAM Credentials endpoint", &origin)?,
                origin,
            )?))
        }
    }
}

fn base(lookup: &dyn Lookup) -> Result<Credentials, AuthError> {
    if let Some((token, from)) = lookup.setting("gcp.access_token")? {
        return Ok(Credentials::fixed(&token, &from));
    }
    if let Some((value, from)) = lookup.setting("gcp.credentials")? {
        // hashicorp/google: a path when such a file exists, else the JSON itself.
        let trimmed = value.trim();
        if !trimmed.starts_with('{') && Path::new(trimmed).is_file() {
            return from_file(Path::new(trimmed), &from);
        }
        if !trimmed.starts_with('{') {
            return Err(AuthError::new(
                from,
                "is neither the path of a readable file nor a credentials file's JSON",
            ));
        }
        return from_json(trimmed, &format!("credentials from {from}"));
    }
    if let Some(path) = lookup.env("GOOGLE_APPLICATION_CREDENTIALS") {
        return from_file(Path::new(&path), "GOOGLE_APPLICATION_CREDENTIALS");
    }
    if let Some(path) = adc_file(lookup)
        && path.is_file()
    {
        return from_file(&path, "gcloud application default credentials");
    }
    let host = lookup
        .env("GCE_METADATA_HOST")
        .unwrap_or_else(|| DEFAULT_METADATA_HOST.to_string());
    Ok(Credentials::refreshing(Metadata::new(&host)?))
}

/// gcloud's ADC file: under `CLOUDSDK_CONFIG`, else `~/.config/gcloud`.
fn adc_file(lookup: &dyn Lookup) -> Option<PathBuf> {
    let dir = match lookup.env("CLOUDSDK_CONFIG") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(lookup.env("HOME")?)
            .join(".config")
            .join("gcloud"),
    };
    Some(dir.join(ADC_FILE))
}

fn from_file(path: &Path, from: &str) -> Result<Credentials, AuthError> {
    let origin = format!("{from} ({})", path.display());
    let text = std::fs::read_to_string(path)
        .map_err(|e| AuthError::new(&origin, format!("cannot read the credentials file: {e}")))?;
    from_json(&text, &origin)
}

/// A credentials file's JSON. `origin` names where it came from; errors never quote it (it
/// holds keys).
pub fn from_json(text: &str, origin: &str) -> Result<Credentials, AuthError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| AuthError::new(origin, format!("not a valid credentials JSON: {e}")))?;
    source_from(&v, origin)
}

fn source_from(v: &Value, origin: &str) -> Result<Credentials, AuthError> {
    let kind = v["type"].as_str().unwrap_or_default();
    match kind {
        "service_account" => Ok(Credentials::refreshing(ServiceAccount::new(v, origin)?)),
        "authorized_user" => Ok(Credentials::refreshing(AuthorizedUser::new(v, origin)?)),
        "external_account" => Ok(Credentials::refreshing(ExternalAccount::new(v, origin)?)),
        "impersonated_service_account" => {
            let source = source_from(
                &v["source_credentials"],
                &format!("{origin} source_credentials"),
            )?;
            let at = field(v, "service_account_impersonation_url", origin)?;
            let origin = format!("service account impersonated by {origin}");
            Ok(Credentials::refreshing(Impersonated::new(
                source,
                url(&at, "service_account_impersonation_url", &origin)?,
                origin,
            )?))
        }
        "" => Err(AuthError::new(
            origin,
            "has no \"type\"; want a service account key, authorized_user or external_account credentials file",
        )),
        other => Err(AuthError::new(
            origin,
            format!(
                "credentials of type \"{other}\" are not supported (service_account, authorized_user, external_account and impersonated_service_account are)"
            ),
        )),
    }
}

/// A required string field, or an error naming it.
fn field(v: &Value, name: &str, origin: &str) -> Result<String, AuthError> {
    v[name]
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| AuthError::new(origin, format!("has no \"{name}\"")))
}

// ---------------------------------------------------------------------------------------------
// service_account
// ---------------------------------------------------------------------------------------------

struct ServiceAccount {
    email: String,
    key_id: Option<String>,
    signer: RsaSigner,
    token_uri: Url,
    client: TokenClient,
}

impl ServiceAccount {
    fn new(v: &Value, from: &str) -> Result<ServiceAccount, AuthError> {
        let email = field(v, "client_email", from)?;
        let origin = format!("service account {email} from {from}");
        let pem = field(v, "private_key", &origin)?;
        let signer = RsaSigner::from_pem(&pem)
            .map_err(|e| AuthError::new(&origin, format!("private_key: {e}")))?;
        let token_uri = v["token_uri"].as_str().unwrap_or(DEFAULT_TOKEN_URI);
        Ok(ServiceAccount {
            key_id: v["private_key_id"].as_str().map(str::to_string),
            signer,
            token_uri: url(token_uri, "token_uri", &origin)?,
            client: TokenClient::new(&origin, Credentials::anonymous())?,
            email,
        })
    }
}

#[async_trait]
impl TokenSource for ServiceAccount {
    fn origin(&self) -> &str {
        self.client.origin()
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let iat = now_secs();
        let header = match &self.key_id {
            Some(kid) => json!({"kid": kid}),
            None => json!({}),
        };
        let claims = json!({
            "iss": self.email,
            "scope": SCOPES.join(" "),
            "aud": self.token_uri.as_str(),
            "iat": iat,
            "exp": iat + 3600,
        });
        let assertion = self
            .signer
            .sign(&header, &claims)
            .map_err(|e| self.client.error(e))?;
        let form = [
            ("grant_type", JWT_BEARER),
            ("assertion", assertion.as_str()),
        ];
        let v = self.client.post_form(&self.token_uri, &form).await?;
        token_from(&v, "access_token", &self.client)
    }
}

// ---------------------------------------------------------------------------------------------
// authorized_user
// ---------------------------------------------------------------------------------------------

struct AuthorizedUser {
    client_id: String,
    client_secret: Secret,
    refresh_token: Secret,
    token_uri: Url,
    client: TokenClient,
}

impl AuthorizedUser {
    fn new(v: &Value, from: &str) -> Result<AuthorizedUser, AuthError> {
        let origin = format!("authorized user from {from}");
        // gcloud's file has no token_uri; Google's libraries take one when present.
        let token_uri = v["token_uri"].as_str().unwrap_or(DEFAULT_TOKEN_URI);
        Ok(AuthorizedUser {
            client_id: field(v, "client_id", &origin)?,
            client_secret: Secret::new(field(v, "client_secret", &origin)?),
            refresh_token: Secret::new(field(v, "refresh_token", &origin)?),
            token_uri: url(token_uri, "token_uri", &origin)?,
            client: TokenClient::new(&origin, Credentials::anonymous())?,
        })
    }
}

#[async_trait]
impl TokenSource for AuthorizedUser {
    fn origin(&self) -> &str {
        self.client.origin()
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
            ("refresh_token", self.refresh_token.expose()),
        ];
        let v = self.client.post_form(&self.token_uri, &form).await?;
        token_from(&v, "access_token", &self.client)
    }
}

// ---------------------------------------------------------------------------------------------
// external_account (workload identity federation)
// ---------------------------------------------------------------------------------------------

/// Where the subject token (the other identity provider's token) comes from.
enum Subject {
    /// Read again at every exchange: CI systems rotate it.
    File(PathBuf),
    /// GET with these headers (GitHub Actions' token service, say).
    Url(Url, Vec<(String, String)>),
}

struct ExternalAccount {
    audience: String,
    subject_token_type: String,
    token_url: Url,
    subject: Subject,
    /// None: the token is in `format.subject_token_field_name`'s JSON field, else plain text.
    json_field: Option<String>,
    impersonation: Option<Url>,
    client: TokenClient,
}

impl ExternalAccount {
    fn new(v: &Value, from: &str) -> Result<ExternalAccount, AuthError> {
        let origin = format!("external account from {from}");
        let src = &v["credential_source"];
        if !src.is_object() {
            return Err(AuthError::new(&origin, "has no \"credential_source\""));
        }
        let subject = if let Some(f) = src["file"].as_str() {
            Subject::File(PathBuf::from(f))
        } else if let Some(u) = src["url"].as_str() {
            let headers = src["headers"]
                .as_object()
                .map(|h| {
                    h.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            Subject::Url(url(u, "credential_source.url", &origin)?, headers)
        } else {
            let which = ["environment_id", "executable", "certificate"]
                .into_iter()
                .find(|k| !src[*k].is_null())
                .unwrap_or("this credential_source");
            return Err(AuthError::new(
                &origin,
                format!(
                    "{which} subject tokens are not supported: use a file or url credential_source"
                ),
            ));
        };
        let json_field = match src["format"]["type"].as_str().unwrap_or("text") {
            "text" => None,
            "json" => Some(field(&src["format"], "subject_token_field_name", &origin)?),
            other => {
                return Err(AuthError::new(
                    &origin,
                    format!("credential_source.format.type \"{other}\" is not text or json"),
                ));
            }
        };
        let impersonation = match v["service_account_impersonation_url"].as_str() {
            Some(u) => Some(url(u, "service_account_impersonation_url", &origin)?),
            None => None,
        };
        Ok(ExternalAccount {
            audience: field(v, "audience", &origin)?,
            subject_token_type: field(v, "subject_token_type", &origin)?,
            token_url: url(&field(v, "token_url", &origin)?, "token_url", &origin)?,
            subject,
            json_field,
            impersonation,
            client: TokenClient::new(&origin, Credentials::anonymous())?,
        })
    }

    async fn subject_token(&self) -> Result<Secret, AuthError> {
        let raw = match &self.subject {
            Subject::File(path) => std::fs::read_to_string(path).map_err(|e| {
                self.client.error(format!(
                    "cannot read the subject token file {}: {e}",
                    path.display()
                ))
            })?,
            Subject::Url(u, headers) => {
                let headers: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let body = self.client.get_raw(u, &headers).await?;
                String::from_utf8(body)
                    .map_err(|_| self.client.error("the subject token URL did not give text"))?
            }
        };
        let token = match &self.json_field {
            None => raw.trim().to_string(),
            Some(name) => {
                let v: Value = serde_json::from_str(&raw).map_err(|_| {
                    self.client
                        .error("the subject token source did not give JSON")
                })?;
                v[name].as_str().unwrap_or_default().trim().to_string()
            }
        };
        if token.is_empty() {
            return Err(self.client.error("the subject token is empty"));
        }
        Ok(Secret::new(token))
    }
}

#[async_trait]
impl TokenSource for ExternalAccount {
    fn origin(&self) -> &str {
        self.client.origin()
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let subject = self.subject_token().await?;
        let scope = if self.impersonation.is_some() {
            SCOPES[0].to_string()
        } else {
            SCOPES.join(" ")
        };
        let form = [
            ("grant_type", TOKEN_EXCHANGE),
            ("audience", self.audience.as_str()),
            ("scope", scope.as_str()),
            ("requested_token_type", ACCESS_TOKEN_TYPE),
            ("subject_token", subject.expose()),
            ("subject_token_type", self.subject_token_type.as_str()),
        ];
        let v = self.client.post_form(&self.token_url, &form).await?;
        let federated = token_from(&v, "access_token", &self.client)?;
        let Some(at) = &self.impersonation else {
            return Ok(federated);
        };
        let creds = Credentials::fixed(federated.secret.expose(), self.origin());
        let iam = TokenClient::new(self.origin(), creds)?;
        generate_access_token(&iam, at).await
    }
}

// ---------------------------------------------------------------------------------------------
// Impersonation (IAM Credentials generateAccessToken)
// ---------------------------------------------------------------------------------------------

struct Impersonated {
    url: Url,
    /// Sends the base credentials' token.
    client: TokenClient,
}

impl Impersonated {
    fn new(base: Credentials, url: Url, origin: String) -> Result<Impersonated, AuthError> {
        Ok(Impersonated {
            url,
            client: TokenClient::new(&origin, base)?,
        })
    }
}

#[async_trait]
impl TokenSource for Impersonated {
    fn origin(&self) -> &str {
        self.client.origin()
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        generate_access_token(&self.client, &self.url).await
    }
}

async fn generate_access_token(client: &TokenClient, at: &Url) -> Result<AccessToken, AuthError> {
    let body = json!({"scope": SCOPES, "lifetime": "3600s"});
    let v = client.post_json(at, &body).await?;
    let mut token = token_from(&v, "accessToken", client)?;
    token.expires_at = v["expireTime"].as_str().and_then(rfc3339);
    Ok(token)
}

// ---------------------------------------------------------------------------------------------
// Metadata server
// ---------------------------------------------------------------------------------------------

struct Metadata {
    url: Url,
    client: TokenClient,
}

impl Metadata {
    fn new(host: &str) -> Result<Metadata, AuthError> {
        let origin = format!(
            "GCE metadata server at {host} (no gcp.access_token, gcp.credentials, GOOGLE_CREDENTIALS, \
             GOOGLE_APPLICATION_CREDENTIALS or gcloud application default credentials were found)"
        );
        let host = host.trim().trim_end_matches('/');
        let root = if host.contains("://") {
            host.to_string()
        } else {
            format!("http://{host}")
        };
        let at = format!("{root}/computeMetadata/v1/instance/service-accounts/default/token");
        Ok(Metadata {
            url: url(&at, "GCE_METADATA_HOST", &origin)?,
            client: TokenClient::new(&origin, Credentials::anonymous())?,
        })
    }
}

#[async_trait]
impl TokenSource for Metadata {
    fn origin(&self) -> &str {
        self.client.origin()
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let v = self
            .client
            .get(&self.url, &[("Metadata-Flavor", "Google")])
            .await?;
        token_from(&v, "access_token", &self.client)
    }
}

#[cfg(test)]
mod tests {
    //! Which source the chain picks, and what it says about bad input. The flows themselves run
    //! against the local token endpoints of the end-to-end tests (tests/e2e/credentials.rs).

    use std::collections::BTreeMap;

    use super::*;
    use crate::clients::auth::jwt::tests::test_key_pem;

    #[derive(Default)]
    struct Env {
        settings: BTreeMap<&'static str, (String, String)>,
        vars: BTreeMap<&'static str, String>,
    }

    impl Lookup for Env {
        fn setting(&self, key: &str) -> Result<Option<(String, String)>, AuthError> {
            Ok(self.settings.get(key).cloned())
        }
        fn env(&self, name: &str) -> Option<String> {
            self.vars.get(name).cloned()
        }
    }

    impl Env {
        fn set(mut self, key: &'static str, value: &str, from: &str) -> Env {
            self.settings.insert(key, (value.into(), from.into()));
            self
        }
        fn var(mut self, name: &'static str, value: &str) -> Env {
            self.vars.insert(name, value.into());
            self
        }
    }

    fn key_json(email: &str, token_uri: &str) -> String {
        json!({
            "type": "service_account",
            "client_email": email,
            "private_key_id": "k1",
            "private_key": test_key_pem(),
            "token_uri": token_uri,
        })
        .to_string()
    }

    fn user_json(client_id: &str) -> String {
        json!({"type": "authorized_user", "client_id": client_id, "client_secret": "s", "refresh_token": "r"})
            .to_string()
    }

    #[test]
    fn explicit_beats_environment_beats_adc_file_beats_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let adc_dir = dir.path().join("gcloud");
        std::fs::create_dir_all(&adc_dir).unwrap();
        std::fs::write(adc_dir.join(ADC_FILE), user_json("adc-user")).unwrap();
        let gac = dir.path().join("gac.json");
        std::fs::write(
            &gac,
            key_json("gac@p.iam.gserviceaccount.com", "http://127.0.0.1:1/t"),
        )
        .unwrap();
        let sa = key_json("explicit@p.iam.gserviceaccount.com", "http://127.0.0.1:1/t");

        let everything = Env::default()
            .set("gcp.credentials", &sa, "gcp.credentials")
            .var("GOOGLE_APPLICATION_CREDENTIALS", gac.to_str().unwrap())
            .var("CLOUDSDK_CONFIG", adc_dir.to_str().unwrap());
        let origin = |e: &Env| resolve(e).unwrap().origin().to_string();
        assert_eq!(
            origin(&everything),
            "service account explicit@p.iam.gserviceaccount.com from credentials from gcp.credentials"
        );
        let token = everything.set("gcp.access_token", "ya29.x", "GOOGLE_OAUTH_ACCESS_TOKEN");
        assert_eq!(origin(&token), "GOOGLE_OAUTH_ACCESS_TOKEN");

        let env_and_adc = Env::default()
            .var("GOOGLE_APPLICATION_CREDENTIALS", gac.to_str().unwrap())
            .var("CLOUDSDK_CONFIG", adc_dir.to_str().unwrap());
        assert!(origin(&env_and_adc).starts_with(
            "service account gac@p.iam.gserviceaccount.com from GOOGLE_APPLICATION_CREDENTIALS ("
        ));
        let adc = Env::default().var("CLOUDSDK_CONFIG", adc_dir.to_str().unwrap());
        assert!(
            origin(&adc)
                .starts_with("authorized user from gcloud application default credentials (")
        );
        // HOME's ~/.config/gcloud when CLOUDSDK_CONFIG is not set.
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".config")).unwrap();
        std::fs::rename(&adc_dir, home.join(".config/gcloud")).unwrap();
        let adc_home = Env::default().var("HOME", home.to_str().unwrap());
        assert!(origin(&adc_home).contains(".config/gcloud/application_default_credentials.json"));
        let nothing = Env::default().var("GCE_METADATA_HOST", "127.0.0.1:9");
        assert!(
            origin(&nothing).starts_with("GCE metadata server at 127.0.0.1:9 (no gcp.access_token")
        );
    }

    #[test]
    fn credentials_may_be_a_path_and_impersonation_wraps_what_was_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.json");
        std::fs::write(&path, user_json("u")).unwrap();
        let env = Env::default()
            .set(
                "gcp.credentials",
                path.to_str().unwrap(),
                "GOOGLE_CREDENTIALS",
            )
            .set(
                "gcp.impersonate_service_account",
                "ci@p.iam.gserviceaccount.com",
                "gcp.impersonate_service_account",
            );
        let c = resolve(&env).unwrap();
        assert!(
            c.origin().starts_with("ci@p.iam.gserviceaccount.com impersonated (gcp.impersonate_service_account) with authorized user from GOOGLE_CREDENTIALS ("),
            "{}",
            c.origin()
        );
        let bad = Env::default()
            .set("gcp.access_token", "t", "gcp.access_token")
            .set(
                "gcp.impersonate_service_account",
                "a/b",
                "GOOGLE_IMPERSONATE_SERVICE_ACCOUNT",
            );
        assert_eq!(
            resolve(&bad).unwrap_err().to_string(),
            "GOOGLE_IMPERSONATE_SERVICE_ACCOUNT: is not a service account email"
        );
    }

    /// Every malformed input is an error that names where it came from and what is wrong, and
    /// quotes no secret.
    #[test]
    fn malformed_credentials_are_named_never_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.json");
        let cases: Vec<(Env, &str)> = vec![
            (
                Env::default().set("gcp.credentials", "/no/such/key.json", "GOOGLE_CREDENTIALS"),
                "GOOGLE_CREDENTIALS: is neither the path of a readable file nor a credentials file's JSON",
            ),
            (
                Env::default().set("gcp.credentials", "{\"type\": ", "gcp.credentials"),
                "credentials from gcp.credentials: not a valid credentials JSON: EOF while parsing a value at line 1 column 8",
            ),
            (
                Env::default().var("GOOGLE_APPLICATION_CREDENTIALS", missing.to_str().unwrap()),
                "GOOGLE_APPLICATION_CREDENTIALS (",
            ),
            (
                Env::default().set("gcp.credentials", r#"{"type":"service_account","client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n"}"#, "gcp.credentials"),
                "service account a@b from credentials from gcp.credentials: private_key: the private key is not a usable RSA key",
            ),
            (
                Env::default().set("gcp.credentials", r#"{"type":"service_account","private_key":"x"}"#, "gcp.credentials"),
                "credentials from gcp.credentials: has no \"client_email\"",
            ),
            (
                Env::default().set("gcp.credentials", r#"{"type":"authorized_user","client_id":"c","client_secret":"hunter2"}"#, "gcp.credentials"),
                "authorized user from credentials from gcp.credentials: has no \"refresh_token\"",
            ),
            (
                Env::default().set("gcp.credentials", r#"{"type":"external_account","audience":"a","subject_token_type":"t","token_url":"http://x/","credential_source":{"environment_id":"aws1"}}"#, "gcp.credentials"),
                "environment_id subject tokens are not supported",
            ),
            (
                Env::default().set("gcp.credentials", r#"{"type":"gdch_service_account"}"#, "gcp.credentials"),
                "credentials of type \"gdch_service_account\" are not supported",
            ),
            (
                Env::default().set("gcp.credentials", &r#"{"type":"service_account","client_email":"a@b","private_key":"PLACEHOLDER","token_uri":"ftp://x"}"#.replace("PLACEHOLDER", &test_key_pem().replace('\n', "\\n")), "gcp.credentials"),
                "token_uri is not an http(s) URL",
            ),
        ];
        for (env, want) in cases {
            let err = resolve(&env).unwrap_err().to_string();
            assert!(err.contains(want), "want {want:?} in {err:?}");
            assert!(
                !err.contains("hunter2") && !err.contains("c2VjcmV0"),
                "{err}"
            );
        }
    }
}
