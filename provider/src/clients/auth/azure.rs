//! Azure credentials for Resource Manager, found in azurerm's order with its names:
//!
//! 1. `azure.access_token` / `ARM_ACCESS_TOKEN`: used as it is, never refreshed.
//! 2. Client certificate: `client_id`, `tenant_id` and `client_certificate_path` (PEM with the
//!    certificate and its unencrypted RSA key) / `ARM_CLIENT_ID`, `ARM_TENANT_ID`,
//!    `ARM_CLIENT_CERTIFICATE_PATH`: a client assertion signed with the key, its `x5t` the
//!    certificate's SHA-1 thumbprint.
//! 3. Client secret: `client_id`, `tenant_id`, `client_secret` / `ARM_CLIENT_SECRET`.
//! 4. OIDC (with `use_oidc` / `ARM_USE_OIDC`): a federated token from `oidc_token` /
//!    `ARM_OIDC_TOKEN`, else the file `oidc_token_file_path` / `ARM_OIDC_TOKEN_FILE_PATH`, else
//!    GitHub Actions' token service (`oidc_request_url` and `oidc_request_token` /
//!    `ACTIONS_ID_TOKEN_REQUEST_URL`, `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, audience
//!    `api://AzureADTokenExchange`), sent as the client assertion. It is read again at every
//!    refresh: CI tokens live minutes.
//! 5. Managed identity (with `use_msi` / `ARM_USE_MSI`): `msi_endpoint` / `ARM_MSI_ENDPOINT`,
//!    else App Service's `IDENTITY_ENDPOINT` with `IDENTITY_HEADER`, else the VM's IMDS
//!    (169.254.169.254); `client_id` selects a user-assigned identity.
//! 6. Azure CLI (unless `use_cli = false` / `ARM_USE_CLI=false`), when `az` is on `PATH`:
//!    `az account get-access-token`.
//!
//! 2–4 post to Entra ID's v2.0 token endpoint, `{authority}/{tenant}/oauth2/v2.0/token`, where the
//! authority is `authority_host` / `AZURE_AUTHORITY_HOST` (as Azure's SDKs read it), else the one
//! of `environment` / `ARM_ENVIRONMENT` (`public`, `usgovernment`, `china`).
//!
//! References: <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow>,
//! <https://learn.microsoft.com/entra/identity-platform/certificate-credentials>,
//! <https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token>,
//! <https://learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference>,
//! <https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs#argument-reference>.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_lc_rs::digest;
use reqwest::Url;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use serde_json::{Value, json};

use super::endpoint::{TokenClient, token_from, url};
use super::jwt::{RsaSigner, b64url, now_secs};
use super::{AccessToken, AuthError, Credentials, Lookup, Secret, TokenSource, flag};

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const GITHUB_AUDIENCE: &str = "api://AzureADTokenExchange";
const IMDS: &str = "http://169.254.169.254/metadata/identity/oauth2/token";
const CLI_TIMEOUT: Duration = Duration::from_secs(60);

/// One Azure cloud: where to log in, and what Resource Manager is called there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AzureCloud {
    pub name: &'static str,
    pub authority: &'static str,
    /// The token's resource (audience); the v2.0 scope is this plus `.default`.
    pub resource: &'static str,
    pub resource_manager: &'static str,
}

pub const CLOUDS: [AzureCloud; 3] = [
    AzureCloud {
        name: "public",
        authority: "https://login.microsoftonline.com",
        resource: "https://management.azure.com/",
        resource_manager: "https://management.azure.com",
    },
    AzureCloud {
        name: "usgovernment",
        authority: "https://login.microsoftonline.us",
        resource: "https://management.usgovcloudapi.net/",
        resource_manager: "https://management.usgovcloudapi.net",
    },
    AzureCloud {
        name: "china",
        authority: "https://login.chinacloudapi.cn",
        resource: "https://management.chinacloudapi.cn/",
        resource_manager: "https://management.chinacloudapi.cn",
    },
];

/// The cloud `environment` / `ARM_ENVIRONMENT` names (public by default).
pub fn cloud(lookup: &dyn Lookup) -> Result<AzureCloud, AuthError> {
    match lookup.setting("azure.environment")? {
        None => Ok(CLOUDS[0]),
        Some((name, from)) => CLOUDS
            .into_iter()
            .find(|c| c.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                AuthError::new(
                    from,
                    format!(
                        "unknown Azure environment {name:?}: want public, usgovernment or china"
                    ),
                )
            }),
    }
}

/// The provider's Azure credentials, found as the module says.
pub fn resolve(lookup: &dyn Lookup) -> Result<Credentials, AuthError> {
    if let Some((token, from)) = lookup.setting("azure.access_token")? {
        return Ok(Credentials::fixed(&token, &from));
    }
    let cloud = cloud(lookup)?;
    let client_id = lookup.setting("azure.client_id")?;
    let tenant = lookup.setting("azure.tenant_id")?;
    let entra = |how: &str| -> Result<Entra, AuthError> {
        let (client_id, id_from) = client_id
            .clone()
            .ok_or_else(|| AuthError::new(how, "needs azure.client_id or ARM_CLIENT_ID"))?;
        let (tenant, _) = tenant
            .clone()
            .ok_or_else(|| AuthError::new(how, "needs azure.tenant_id or ARM_TENANT_ID"))?;
        let origin = format!("{how} of application {client_id} ({id_from})");
        Entra::new(lookup, &cloud, &tenant, client_id, origin)
    };
    if let Some((path, from)) = lookup.setting("azure.client_certificate_path")? {
        let e = entra(&format!("client certificate {path} ({from})"))?;
        let (signer, x5t) = certificate(Path::new(&path), lookup, e.client.origin())?;
        return Ok(Credentials::refreshing(ClientCredentials {
            entra: e,
            proof: Proof::Certificate { signer, x5t },
        }));
    }
    if let Some((secret, from)) = lookup.setting("azure.client_secret")? {
        let e = entra(&format!("client secret ({from})"))?;
        return Ok(Credentials::refreshing(ClientCredentials {
            entra: e,
            proof: Proof::Secret(Secret::new(secret)),
        }));
    }
    if flag(lookup, "azure.use_oidc")? == Some(true) {
        let federated = federated_source(lookup)?;
        let e = entra(&format!("OIDC token from {}", federated.describe()))?;
        return Ok(Credentials::refreshing(ClientCredentials {
            entra: e,
            proof: Proof::Federated(federated),
        }));
    }
    if flag(lookup, "azure.use_msi")? == Some(true) {
        return Ok(Credentials::refreshing(ManagedIdentity::new(
            lookup, &cloud, client_id,
        )?));
    }
    if flag(lookup, "azure.use_cli")? != Some(false)
        && let Some(az) = on_path("az", lookup.env("PATH").as_deref())
    {
        let tenant = tenant.map(|(t, _)| t);
        return Ok(Credentials::refreshing(AzureCli::new(az, &cloud, tenant)));
    }
    Err(AuthError::new(
        "Azure credentials",
        "none found: set ARM_ACCESS_TOKEN; or ARM_CLIENT_ID and ARM_TENANT_ID with ARM_CLIENT_SECRET or \
         ARM_CLIENT_CERTIFICATE_PATH; or ARM_USE_OIDC=true with ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH or \
         GitHub Actions' id-token permission; or ARM_USE_MSI=true on Azure; or log in with `az login` \
         (the Azure CLI must be on PATH)",
    ))
}

// ---------------------------------------------------------------------------------------------
// Entra ID client credentials (secret, certificate, federated assertion)
// ---------------------------------------------------------------------------------------------

/// A tenant's token endpoint and the application that asks it.
struct Entra {
    token_url: Url,
    client_id: String,
    scope: String,
    client: TokenClient,
}

impl Entra {
    fn new(
        lookup: &dyn Lookup,
        cloud: &AzureCloud,
        tenant: &str,
        client_id: String,
        origin: String,
    ) -> Result<Entra, AuthError> {
        let authority = match lookup.setting("azure.authority_host")? {
            Some((a, from)) => url(&a, &from, &origin)?.to_string(),
            None => cloud.authority.to_string(),
        };
        let tenant = tenant.trim();
        if tenant.is_empty() || tenant.contains(['/', '?', '#']) {
            return Err(AuthError::new(
                &origin,
                format!("invalid tenant id {tenant:?}"),
            ));
        }
        let at = format!(
            "{}/{tenant}/oauth2/v2.0/token",
            authority.trim_end_matches('/')
        );
        Ok(Entra {
            token_url: url(&at, "the authority host", &origin)?,
            client_id,
            scope: format!("{}.default", cloud.resource),
            client: TokenClient::new(&origin, Credentials::anonymous())?,
        })
    }
}

/// How the application proves itself.
enum Proof {
    Secret(Secret),
    Certificate { signer: RsaSigner, x5t: String },
    Federated(Federated),
}

struct ClientCredentials {
    entra: Entra,
    proof: Proof,
}

#[async_trait]
impl TokenSource for ClientCredentials {
    fn origin(&self) -> &str {
        self.entra.client.origin()
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let e = &self.entra;
        let assertion = match &self.proof {
            Proof::Secret(_) => None,
            Proof::Certificate { signer, x5t } => {
                let iat = now_secs();
                let claims = json!({
                    "aud": e.token_url.as_str(),
                    "iss": e.client_id,
                    "sub": e.client_id,
                    "jti": format!("{:032x}", rand::random::<u128>()),
                    "nbf": iat,
                    "iat": iat,
                    "exp": iat + 600,
                });
                let jwt = signer
                    .sign(&json!({"x5t": x5t}), &claims)
                    .map_err(|m| e.client.error(m))?;
                Some(Secret::new(jwt))
            }
            Proof::Federated(f) => Some(f.token(&e.client).await?),
        };
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", e.client_id.as_str()),
            ("scope", e.scope.as_str()),
        ];
        match (&self.proof, &assertion) {
            (Proof::Secret(s), _) => form.push(("client_secret", s.expose())),
            (_, Some(a)) => {
                form.push(("client_assertion_type", ASSERTION_TYPE));
                form.push(("client_assertion", a.expose()));
            }
            (_, None) => {}
        }
        let v = e.client.post_form(&e.token_url, &form).await?;
        token_from(&v, "access_token", &e.client)
    }
}

/// The certificate's key and its `x5t` (base64url of the SHA-1 of its DER, which Entra uses to
/// find the registered certificate).
fn certificate(
    path: &Path,
    lookup: &dyn Lookup,
    origin: &str,
) -> Result<(RsaSigner, String), AuthError> {
    let err = |m: String| AuthError::new(origin, m);
    let bytes =
        std::fs::read(path).map_err(|e| err(format!("cannot read the certificate file: {e}")))?;
    if !bytes.starts_with(b"-----") && !String::from_utf8_lossy(&bytes).contains("-----BEGIN") {
        return Err(err(
            "is not PEM; a PKCS#12 (.pfx) file is not read here: convert it with \
             `openssl pkcs12 -in cert.pfx -nodes -out cert.pem`"
                .into(),
        ));
    }
    let text = String::from_utf8_lossy(&bytes);
    if lookup
        .setting("azure.client_certificate_password")?
        .is_some()
        && (text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED"))
    {
        return Err(err(
            "has an encrypted key, which is not read here: decrypt it with `openssl pkcs8 -topk8 -nocrypt`"
                .into(),
        ));
    }
    let cert = CertificateDer::from_pem_slice(&bytes)
        .map_err(|_| err("has no -----BEGIN CERTIFICATE----- block".into()))?;
    let signer = RsaSigner::from_pem(&text).map_err(err)?;
    let thumbprint = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, cert.as_ref());
    Ok((signer, b64url(thumbprint.as_ref())))
}

// ---------------------------------------------------------------------------------------------
// Federated (OIDC) tokens
// ---------------------------------------------------------------------------------------------

enum Federated {
    Token(Secret, String),
    File(PathBuf, String),
    /// GitHub Actions: GET the URL (plus the audience) with the request token as bearer.
    Request {
        url: Url,
        token: Secret,
    },
}

impl Federated {
    fn describe(&self) -> String {
        match self {
            Federated::Token(_, from) => from.clone(),
            Federated::File(path, from) => format!("{from} ({})", path.display()),
            Federated::Request { url, .. } => {
                format!("the token service at {}", url.host_str().unwrap_or("?"))
            }
        }
    }

    async fn token(&self, client: &TokenClient) -> Result<Secret, AuthError> {
        let token = match self {
            Federated::Token(t, _) => return Ok(t.clone()),
            Federated::File(path, _) => std::fs::read_to_string(path).map_err(|e| {
                client.error(format!(
                    "cannot read the OIDC token file {}: {e}",
                    path.display()
                ))
            })?,
            Federated::Request { url, token } => {
                let bearer = format!("Bearer {}", token.expose());
                let v = client.get(url, &[("Authorization", &bearer)]).await?;
                v["value"].as_str().unwrap_or_default().to_string()
            }
        };
        let token = token.trim();
        if token.is_empty() {
            return Err(client.error("the OIDC token is empty"));
        }
        Ok(Secret::new(token))
    }
}

fn federated_source(lookup: &dyn Lookup) -> Result<Federated, AuthError> {
    if let Some((t, from)) = lookup.setting("azure.oidc_token")? {
        return Ok(Federated::Token(Secret::new(t.trim()), from));
    }
    if let Some((p, from)) = lookup.setting("azure.oidc_token_file_path")? {
        return Ok(Federated::File(PathBuf::from(p), from));
    }
    match (
        lookup.setting("azure.oidc_request_url")?,
        lookup.setting("azure.oidc_request_token")?,
    ) {
        (Some((u, from)), Some((t, _))) => {
            let mut u = url(&u, &from, "OIDC token request")?;
            u.query_pairs_mut().append_pair("audience", GITHUB_AUDIENCE);
            Ok(Federated::Request {
                url: u,
                token: Secret::new(t.trim()),
            })
        }
        _ => Err(AuthError::new(
            "ARM_USE_OIDC",
            "no OIDC token: set ARM_OIDC_TOKEN or ARM_OIDC_TOKEN_FILE_PATH, or run in GitHub Actions with \
             `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN)",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Managed identity
// ---------------------------------------------------------------------------------------------

struct ManagedIdentity {
    url: Url,
    /// IMDS wants `Metadata: true`; App Service its `X-IDENTITY-HEADER`.
    header: (&'static str, Secret),
    client: TokenClient,
}

impl ManagedIdentity {
    fn new(
        lookup: &dyn Lookup,
        cloud: &AzureCloud,
        client_id: Option<(String, String)>,
    ) -> Result<ManagedIdentity, AuthError> {
        let app_service = lookup
            .env("IDENTITY_ENDPOINT")
            .zip(lookup.env("IDENTITY_HEADER"));
        let (at, from, api_version, header) =
            match (lookup.setting("azure.msi_endpoint")?, app_service) {
                (Some((e, from)), _) => (e, from, "2018-02-01", ("Metadata", Secret::new("true"))),
                (None, Some((e, h))) => (
                    e,
                    "IDENTITY_ENDPOINT".to_string(),
                    "2019-08-01",
                    ("X-IDENTITY-HEADER", Secret::new(h)),
                ),
                (None, None) => (
                    IMDS.to_string(),
                    "the instance metadata service".to_string(),
                    "2018-02-01",
                    ("Metadata", Secret::new("true")),
                ),
            };
        let origin = format!("managed identity at {at} ({from})");
        let mut u = url(&at, "the managed identity endpoint", &origin)?;
        u.query_pairs_mut()
            .append_pair("api-version", api_version)
            .append_pair("resource", cloud.resource);
        if let Some((id, _)) = client_id {
            u.query_pairs_mut().append_pair("client_id", &id);
        }
        Ok(ManagedIdentity {
            url: u,
            header,
            client: TokenClient::new(&origin, Credentials::anonymous())?,
        })
    }
}

#[async_trait]
impl TokenSource for ManagedIdentity {
    fn origin(&self) -> &str {
        self.client.origin()
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let (name, value) = &self.header;
        let v = self
            .client
            .get(&self.url, &[(name, value.expose())])
            .await?;
        token_from(&v, "access_token", &self.client)
    }
}

// ---------------------------------------------------------------------------------------------
// Azure CLI
// ---------------------------------------------------------------------------------------------

struct AzureCli {
    az: PathBuf,
    resource: &'static str,
    tenant: Option<String>,
    origin: String,
}

impl AzureCli {
    fn new(az: PathBuf, cloud: &AzureCloud, tenant: Option<String>) -> AzureCli {
        AzureCli {
            origin: format!("Azure CLI ({})", az.display()),
            az,
            resource: cloud.resource,
            tenant,
        }
    }
}

#[async_trait]
impl TokenSource for AzureCli {
    fn origin(&self) -> &str {
        &self.origin
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let err = |m: String| AuthError::new(&self.origin, m);
        let mut cmd = tokio::process::Command::new(&self.az);
        cmd.args([
            "account",
            "get-access-token",
            "--output",
            "json",
            "--resource",
            self.resource,
        ]);
        if let Some(t) = &self.tenant {
            cmd.args(["--tenant", t]);
        }
        cmd.stdin(std::process::Stdio::null()).kill_on_drop(true);
        let out = tokio::time::timeout(CLI_TIMEOUT, cmd.output())
            .await
            .map_err(|_| {
                err(format!(
                    "az did not answer within {} s",
                    CLI_TIMEOUT.as_secs()
                ))
            })?
            .map_err(|e| err(format!("cannot run az: {e}")))?;
        if !out.status.success() {
            // az's own message ("Please run 'az login'") names the fix; it holds no token.
            let stderr = String::from_utf8_lossy(&out.stderr);
            let first = stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message");
            return Err(err(format!(
                "az account get-access-token failed: {}",
                first.trim()
            )));
        }
        let v: Value = serde_json::from_slice(&out.stdout)
            .map_err(|_| err("az account get-access-token did not print JSON".into()))?;
        let token = v["accessToken"]
            .as_str()
            .map(str::trim)
            .filter(|t| !t.is_empty() && !t.contains(' '));
        let token = token.ok_or_else(|| err("az printed no accessToken".into()))?;
        let expires_at = match v["expires_on"].as_u64() {
            Some(t) => SystemTime::UNIX_EPOCH + Duration::from_secs(t),
            // Older CLIs give only expiresOn in local time: ask again in ten minutes rather
            // than guess the zone (az answers from its own cache).
            None => SystemTime::now() + Duration::from_secs(600),
        };
        Ok(AccessToken {
            secret: Secret::new(token),
            expires_at: Some(expires_at),
        })
    }
}

/// The first executable `name` in `path` (a PATH value).
fn on_path(name: &str, path: Option<&str>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(path?)
        .map(|dir| dir.join(name))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

#[cfg(test)]
mod tests {
    //! Which source the chain picks, and what it says about bad input. The token endpoint flows
    //! run against local emulators in tests/e2e/credentials.rs; the CLI against a stand-in `az`.

    use std::collections::BTreeMap;

    use super::*;
    use crate::clients::auth::jwt::tests::test_key_pem;

    #[derive(Default)]
    struct Env(
        BTreeMap<&'static str, (String, String)>,
        BTreeMap<&'static str, String>,
    );

    impl Lookup for Env {
        fn setting(&self, key: &str) -> Result<Option<(String, String)>, AuthError> {
            Ok(self.0.get(key).cloned())
        }
        fn env(&self, name: &str) -> Option<String> {
            self.1.get(name).cloned()
        }
    }

    impl Env {
        fn set(mut self, key: &'static str, value: &str, from: &str) -> Env {
            self.0.insert(key, (value.into(), from.into()));
            self
        }
        fn var(mut self, name: &'static str, value: &str) -> Env {
            self.1.insert(name, value.into());
            self
        }
    }

    fn app() -> Env {
        Env::default()
            .set("azure.client_id", "app-1", "ARM_CLIENT_ID")
            .set("azure.tenant_id", "tenant-1", "ARM_TENANT_ID")
    }

    fn cert_pem(dir: &Path) -> PathBuf {
        let key = rcgen::KeyPair::from_pem(&test_key_pem()).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["app".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let path = dir.join("app.pem");
        std::fs::write(&path, format!("{}{}", cert.pem(), key.serialize_pem())).unwrap();
        path
    }

    fn fake_az(dir: &Path, script: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let az = dir.join("az");
        std::fs::write(&az, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir.to_str().unwrap().to_string()
    }

    #[test]
    fn azurerm_order_token_certificate_secret_oidc_msi_cli() {
        let dir = tempfile::tempdir().unwrap();
        let cert = cert_pem(dir.path());
        let path = fake_az(dir.path(), "exit 1");
        let origin = |e: &Env| resolve(e).unwrap().origin().to_string();
        let all = app()
            .set(
                "azure.client_certificate_path",
                cert.to_str().unwrap(),
                "ARM_CLIENT_CERTIFICATE_PATH",
            )
            .set("azure.client_secret", "s3cret", "ARM_CLIENT_SECRET")
            .set("azure.use_oidc", "true", "ARM_USE_OIDC")
            .set("azure.oidc_token", "eyJ.oidc", "ARM_OIDC_TOKEN")
            .set("azure.use_msi", "true", "ARM_USE_MSI")
            .var("PATH", &path);
        assert!(
            origin(&all).starts_with("client certificate "),
            "{}",
            origin(&all)
        );
        let all = all.set("azure.access_token", "t", "ARM_ACCESS_TOKEN");
        assert_eq!(origin(&all), "ARM_ACCESS_TOKEN");

        let secret = app()
            .set("azure.client_secret", "s3cret", "ARM_CLIENT_SECRET")
            .set("azure.use_oidc", "true", "ARM_USE_OIDC")
            .set("azure.oidc_token", "eyJ.oidc", "ARM_OIDC_TOKEN");
        assert_eq!(
            origin(&secret),
            "client secret (ARM_CLIENT_SECRET) of application app-1 (ARM_CLIENT_ID)"
        );
        let oidc = app()
            .set("azure.use_oidc", "1", "ARM_USE_OIDC")
            .set(
                "azure.oidc_request_url",
                "http://127.0.0.1:1/token?api-version=2.0",
                "ACTIONS_ID_TOKEN_REQUEST_URL",
            )
            .set(
                "azure.oidc_request_token",
                "req",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            )
            .set("azure.use_msi", "true", "ARM_USE_MSI");
        assert_eq!(
            origin(&oidc),
            "OIDC token from the token service at 127.0.0.1 of application app-1 (ARM_CLIENT_ID)"
        );
        let msi = app()
            .set("azure.use_msi", "true", "ARM_USE_MSI")
            .var("PATH", &path);
        assert_eq!(
            origin(&msi),
            "managed identity at http://169.254.169.254/metadata/identity/oauth2/token (the instance metadata service)"
        );
        let app_service = Env::default()
            .set("azure.use_msi", "true", "ARM_USE_MSI")
            .var("IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi/token")
            .var("IDENTITY_HEADER", "h");
        assert_eq!(
            origin(&app_service),
            "managed identity at http://127.0.0.1:1/msi/token (IDENTITY_ENDPOINT)"
        );
        let cli = app().var("PATH", &path);
        assert!(origin(&cli).starts_with("Azure CLI ("), "{}", origin(&cli));
        let no_cli = app()
            .set("azure.use_cli", "false", "ARM_USE_CLI")
            .var("PATH", &path);
        assert!(
            resolve(&no_cli)
                .unwrap_err()
                .message
                .starts_with("none found")
        );
        assert!(
            resolve(&Env::default())
                .unwrap_err()
                .message
                .starts_with("none found")
        );
    }

    #[test]
    fn incomplete_or_malformed_settings_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let pfx = dir.path().join("app.pfx");
        std::fs::write(&pfx, [0x30u8, 0x82, 0x01, 0x00]).unwrap();
        let key_only = dir.path().join("key.pem");
        std::fs::write(&key_only, test_key_pem()).unwrap();
        let cases: Vec<(Env, &str)> = vec![
            (
                Env::default().set("azure.client_secret", "hunter2", "ARM_CLIENT_SECRET"),
                "client secret (ARM_CLIENT_SECRET): needs azure.client_id or ARM_CLIENT_ID",
            ),
            (
                Env::default()
                    .set("azure.client_id", "a", "ARM_CLIENT_ID")
                    .set("azure.client_secret", "hunter2", "ARM_CLIENT_SECRET"),
                "needs azure.tenant_id or ARM_TENANT_ID",
            ),
            (
                app().set(
                    "azure.client_certificate_path",
                    pfx.to_str().unwrap(),
                    "ARM_CLIENT_CERTIFICATE_PATH",
                ),
                "a PKCS#12 (.pfx) file is not read here",
            ),
            (
                app().set(
                    "azure.client_certificate_path",
                    key_only.to_str().unwrap(),
                    "ARM_CLIENT_CERTIFICATE_PATH",
                ),
                "has no -----BEGIN CERTIFICATE----- block",
            ),
            (
                app().set(
                    "azure.client_certificate_path",
                    "/no/such.pem",
                    "ARM_CLIENT_CERTIFICATE_PATH",
                ),
                "cannot read the certificate file",
            ),
            (
                app().set("azure.use_oidc", "yes", "ARM_USE_OIDC"),
                "ARM_USE_OIDC: must be true or false",
            ),
            (
                app().set("azure.use_oidc", "true", "ARM_USE_OIDC"),
                "ARM_USE_OIDC: no OIDC token",
            ),
            (
                app()
                    .set("azure.environment", "mars", "ARM_ENVIRONMENT")
                    .set("azure.client_secret", "hunter2", "ARM_CLIENT_SECRET"),
                "ARM_ENVIRONMENT: unknown Azure environment \"mars\"",
            ),
            (
                app()
                    .set(
                        "azure.authority_host",
                        "login.example",
                        "AZURE_AUTHORITY_HOST",
                    )
                    .set("azure.client_secret", "hunter2", "ARM_CLIENT_SECRET"),
                "AZURE_AUTHORITY_HOST is not an http(s) URL",
            ),
        ];
        for (env, want) in cases {
            let err = resolve(&env).expect_err(want).to_string();
            assert!(err.contains(want), "want {want:?} in {err:?}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[tokio::test]
    async fn the_cli_token_and_its_expiry_are_read_and_its_refusal_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = fake_az(
            dir.path(),
            r#"[ "$2 $4 $6" = "get-access-token json https://management.azure.com/" ] || { echo "bad args: $*" >&2; exit 2; }
echo '{"accessToken": "eyJ.cli", "expires_on": 2000000000, "tokenType": "Bearer"}'"#,
        );
        let creds = resolve(&Env::default().var("PATH", &path)).unwrap();
        let t = creds.token().await.unwrap().unwrap();
        assert_eq!(t.secret.expose(), "eyJ.cli");
        assert_eq!(
            t.expires_at,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000))
        );

        let dir = tempfile::tempdir().unwrap();
        let path = fake_az(
            dir.path(),
            "echo \"ERROR: Please run 'az login' to setup account.\" >&2; exit 1",
        );
        let err = resolve(&Env::default().var("PATH", &path))
            .unwrap()
            .bearer()
            .await
            .unwrap_err();
        assert!(
            err.to_string().ends_with(
                "az account get-access-token failed: ERROR: Please run 'az login' to setup account."
            ),
            "{err}"
        );
    }

    #[test]
    fn x5t_is_the_sha1_thumbprint_of_the_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let cert = cert_pem(dir.path());
        let (_, x5t) = certificate(&cert, &Env::default(), "t").unwrap();
        let pem = std::fs::read(&cert).unwrap();
        let der = CertificateDer::from_pem_slice(&pem).unwrap();
        let want = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der.as_ref());
        assert_eq!(x5t, b64url(want.as_ref()));
        assert_eq!(x5t.len(), 27);
    }
}
