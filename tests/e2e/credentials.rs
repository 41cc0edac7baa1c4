//! Credentials on Terraform 1.15.5: the provider finds GCP and Azure credentials the way
//! hashicorp/google and azurerm do, gets its tokens from the local token endpoints of
//! `tests/emulators/token_endpoints.py` (which verify what they are sent: JWT signatures against
//! the service account's public key or the registered certificate, audiences, secrets, headers),
//! and the strict Compute and ARM emulators accept only tokens that server issued and that have
//! not expired (`--tokens-file`). Every source applies and destroys a VPN gateway; the provider's
//! TRACE log holds none of the secrets involved. A token living 4 s through an emulated gateway
//! build of about 12 s is replaced in time: ARM never sees an expired one.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use serde_json::{Value, json};

use crate::azure_emulator::{AzureEmulator, RESOURCE_GROUP};
use crate::gcp_emulator::GcpEmulator;
use crate::harness::{Install, REQUIRED_PROVIDERS, Tf, Workdir, combined, tools_dir};

const SA: &str = "deployer@platform-proj.iam.gserviceaccount.com";
const CI_SA: &str = "ci@platform-proj.iam.gserviceaccount.com";
const STS_AUDIENCE: &str =
    "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/providers/github";
const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const GCP_NETWORK: &str = "vpc-a";

/// Every environment variable a credential chain reads, emptied (the provider treats empty as
/// unset), so that nothing from the shell running the tests takes part.
const CREDENTIAL_VARS: &[&str] = &[
    "GOOGLE_OAUTH_ACCESS_TOKEN",
    "GOOGLE_CREDENTIALS",
    "GOOGLE_CLOUD_KEYFILE_JSON",
    "GCLOUD_KEYFILE_JSON",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_IMPERSONATE_SERVICE_ACCOUNT",
    "GOOGLE_IAM_CREDENTIALS_CUSTOM_ENDPOINT",
    "GCE_METADATA_HOST",
    "ARM_ACCESS_TOKEN",
    "ARM_CLIENT_ID",
    "ARM_CLIENT_SECRET",
    "ARM_TENANT_ID",
    "ARM_CLIENT_CERTIFICATE_PATH",
    "ARM_CLIENT_CERTIFICATE_PASSWORD",
    "ARM_USE_OIDC",
    "ARM_OIDC_TOKEN",
    "ARM_OIDC_TOKEN_FILE_PATH",
    "ARM_OIDC_REQUEST_URL",
    "ARM_OIDC_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ARM_USE_MSI",
    "ARM_MSI_ENDPOINT",
    "ARM_ENVIRONMENT",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
];

/// Environment variables for one run.
type Vars<'a> = Vec<(&'a str, String)>;

/// The local token endpoints; killed on drop.
struct TokenServer {
    url: String,
    issued_file: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl TokenServer {
    fn start(args: &[&str]) -> TokenServer {
        let dir = tempfile::tempdir().unwrap();
        let issued_file = dir.path().join("issued.json");
        let python = tools_dir().join("venv/bin/python");
        let script = crate::harness::root().join("tests/emulators/token_endpoints.py");
        let (child, url) = crate::emulator::launch_with(&python, "token endpoints", &script, |c| {
            c.args(["--port", "0", "--issued-file"])
                .arg(&issued_file)
                .args(args);
        });
        TokenServer {
            url,
            issued_file,
            child,
            _dir: dir,
        }
    }

    fn control(&self, what: &str) -> Value {
        let r = crate::emulator::request(
            self.url.trim_start_matches("http://"),
            "GET",
            &format!("/__emulator/{what}"),
            &[],
            None,
        );
        assert_eq!(r.status, 200, "{what}: {}", r.body);
        r.body
    }

    /// Every token request: `{path, grant, status, kind, exp, at, error}`.
    fn log(&self) -> Vec<Value> {
        self.control("log").as_array().cloned().unwrap_or_default()
    }

    /// Every token issued: `{TOKEN: {exp, kind, issued}}`.
    fn issued(&self) -> serde_json::Map<String, Value> {
        self.control("issued")
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn issued_file(&self) -> &str {
        self.issued_file.to_str().unwrap()
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What an API emulator's token check counted (`GET /__emulator/auth`): fixed, issued, expired,
/// unknown, and issued requests by token kind.
fn auth_counts(endpoint: &str) -> Value {
    let addr = endpoint
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap();
    let r = crate::emulator::request(addr, "GET", "/__emulator/auth", &[], None);
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A 2048-bit RSA key (PKCS#8 PEM) and its public key, as files in `dir`.
fn rsa_key(dir: &Path, name: &str) -> (String, PathBuf) {
    let key = dir.join(format!("{name}.key"));
    let public = dir.join(format!("{name}.pub"));
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        key.to_str().unwrap(),
    ]);
    openssl(&[
        "pkey",
        "-in",
        key.to_str().unwrap(),
        "-pubout",
        "-out",
        public.to_str().unwrap(),
    ]);
    (std::fs::read_to_string(key).unwrap(), public)
}

/// A service-account key file as the IAM console downloads it, its token_uri the local endpoint.
fn key_file(dir: &Path, name: &str, private_key: &str, token_uri: &str) -> PathBuf {
    let path = dir.join(format!("{name}.json"));
    let key = json!({
        "type": "service_account",
        "project_id": "platform-proj",
        "private_key_id": "k1",
        "private_key": private_key,
        "client_email": SA,
        "client_id": "1234567890",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    });
    std::fs::write(&path, key.to_string()).unwrap();
    path
}

/// The secrets of one scenario must appear nowhere in what the provider logged at TRACE.
fn assert_log_clean(log: &str, secrets: &[&str], what: &str) {
    assert!(!log.is_empty(), "{what}: empty provider log");
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(!log.contains(s), "{what}: a secret is in the TRACE log");
    }
    // Every RS256 assertion starts with base64url of {"alg":"RS256",...
    assert!(
        !log.contains("eyJhbGciOiJSUzI1NiIs"),
        "{what}: a signed assertion is in the TRACE log"
    );
}

/// Applies then destroys the gateway in `config` with `env` (on top of every credential
/// variable emptied); returns the provider's TRACE log of both.
fn apply_and_destroy(config: &str, env: &[(&str, String)]) -> String {
    let log = tempfile::NamedTempFile::new().unwrap();
    let empty_home = tempfile::tempdir().unwrap();
    let mut w = Workdir::new(Tf::V1_15_5, Install::Mirror, config)
        .env("TF_LOG_PROVIDER", "TRACE")
        .env("TF_LOG_PATH", log.path().to_str().unwrap())
        // No gcloud ADC file unless a scenario gives one.
        .env("CLOUDSDK_CONFIG", empty_home.path().to_str().unwrap())
        .env("HOME", empty_home.path().to_str().unwrap());
    for v in CREDENTIAL_VARS {
        w = w.env(v, "");
    }
    for (k, v) in env {
        w = w.env(k, v);
    }
    w.init();
    w.apply();
    w.assert_plan_empty();
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    std::fs::read_to_string(log.path()).unwrap()
}

/// The counts of `after` minus those of `before` (fixed, issued, expired, unknown, kinds).
fn delta(before: &Value, after: &Value) -> Value {
    let n = |v: &Value, k: &str| v[k].as_i64().unwrap_or(0);
    let mut kinds = serde_json::Map::new();
    for (k, v) in after["kinds"].as_object().into_iter().flatten() {
        let d = v.as_i64().unwrap_or(0) - before["kinds"][k].as_i64().unwrap_or(0);
        if d != 0 {
            kinds.insert(k.clone(), d.into());
        }
    }
    json!({
        "issued": n(after, "issued") - n(before, "issued"),
        "expired": n(after, "expired") - n(before, "expired"),
        "unknown": n(after, "unknown") - n(before, "unknown"),
        "kinds": kinds,
    })
}

/// Successful token requests of `grant` in the token server's log since entry `from`.
fn grants(tokens: &TokenServer, from: usize, grant: &str) -> Vec<Value> {
    tokens.log()[from..]
        .iter()
        .filter(|e| e["grant"] == grant && e["status"] == 200)
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Google Cloud
// ---------------------------------------------------------------------------------------------

fn gcp_config(gcp: &GcpEmulator, provider_extra: &str) -> String {
    format!(
        "{REQUIRED_PROVIDERS}
provider \"multicloud\" {{
  gcp {{
    endpoint = \"{}\"
{provider_extra}  }}
}}

resource \"multicloud_vpn_gateway\" \"gcp\" {{
  name = \"gcp-site\"
  gcp {{
    project = \"{}\"
    region  = \"us-central1\"
    network = \"{GCP_NETWORK}\"
    asn     = 65010
  }}
}}
",
        gcp.endpoint, gcp.project
    )
}

/// Every GCP source in hashicorp/google's chain builds a gateway, with the token kind it must
/// yield; a key the token endpoint does not know is refused there, named by where it came from.
#[test]
fn gcp_credential_sources_authenticate_against_local_token_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, public) = rsa_key(d, "deployer");
    let (rogue_key, _) = rsa_key(d, "rogue");
    let oidc = format!(
        "eyJhbGciOiJub25lIn0.gh-oidc-{:016x}.",
        rand::random::<u64>()
    );
    let request_token = format!("gh-req-{:016x}", rand::random::<u64>());
    let (user_secret, refresh) = (
        format!("GOCSPX-{:016x}", rand::random::<u64>()),
        format!("1//0refresh-{:016x}", rand::random::<u64>()),
    );
    let tokens = TokenServer::start(&[
        "--service-account",
        &format!("{SA}={},k1", public.display()),
        "--authorized-user",
        &format!("user-client.apps.googleusercontent.com:{user_secret}:{refresh}"),
        "--sts-audience",
        STS_AUDIENCE,
        "--oidc-token",
        &oidc,
        "--oidc-request-token",
        &request_token,
        "--impersonable",
        CI_SA,
    ]);
    let gcp = GcpEmulator::start_with(&[
        "--network",
        GCP_NETWORK,
        "--op-polls",
        "1",
        "--tokens-file",
        tokens.issued_file(),
    ]);
    let sa_key = key_file(d, "deployer", &key, &format!("{}/token", tokens.url));
    let key_body: String = key.lines().nth(3).unwrap().to_string();

    // gcloud's ADC file of a user (`gcloud auth application-default login`).
    let adc = d.join("gcloud");
    std::fs::create_dir_all(&adc).unwrap();
    std::fs::write(
        adc.join("application_default_credentials.json"),
        json!({
            "type": "authorized_user",
            "client_id": "user-client.apps.googleusercontent.com",
            "client_secret": user_secret,
            "refresh_token": refresh,
            "token_uri": format!("{}/token", tokens.url),
        })
        .to_string(),
    )
    .unwrap();
    // What google-github-actions/auth writes for workload identity federation from GitHub.
    let external = |name: &str, source: Value, impersonate: bool| {
        let mut v = json!({
            "type": "external_account",
            "audience": STS_AUDIENCE,
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": format!("{}/v1/token", tokens.url),
            "credential_source": source,
        });
        if impersonate {
            v["service_account_impersonation_url"] = json!(format!(
                "{}/v1/projects/-/serviceAccounts/{CI_SA}:generateAccessToken",
                tokens.url
            ));
        }
        let path = d.join(name);
        std::fs::write(&path, v.to_string()).unwrap();
        path
    };
    let github = external(
        "github.json",
        json!({
            "url": format!("{}/_actions/idtoken?api-version=2.0&audience=https://iam.googleapis.com/x", tokens.url),
            "headers": {"Authorization": format!("Bearer {request_token}")},
            "format": {"type": "json", "subject_token_field_name": "value"},
        }),
        true,
    );
    let oidc_file = d.join("oidc.jwt");
    std::fs::write(&oidc_file, format!("{oidc}\n")).unwrap();
    let gitlab = external(
        "gitlab.json",
        json!({"file": oidc_file.to_str().unwrap()}),
        false,
    );
    let host = tokens.url.trim_start_matches("http://").to_string();
    let path = |p: &Path| p.to_str().unwrap().to_string();

    // (what, extra provider settings, environment, the token kind Compute must see)
    let scenarios: Vec<(&str, String, Vars, &str)> = vec![
        (
            "service account key file in GOOGLE_APPLICATION_CREDENTIALS",
            String::new(),
            vec![("GOOGLE_APPLICATION_CREDENTIALS", path(&sa_key))],
            "service_account",
        ),
        (
            "service account key JSON in GOOGLE_CREDENTIALS, impersonating through IAM",
            format!(
                "    impersonate_service_account = \"{CI_SA}\"\n    iam_credentials_endpoint    = \"{}\"\n",
                tokens.url
            ),
            vec![(
                "GOOGLE_CREDENTIALS",
                std::fs::read_to_string(&sa_key).unwrap(),
            )],
            "impersonated",
        ),
        (
            "gcloud application default credentials (authorized_user)",
            String::new(),
            vec![("CLOUDSDK_CONFIG", path(&adc))],
            "authorized_user",
        ),
        (
            "external_account from GitHub's token service, impersonating (gcp.credentials path)",
            format!("    credentials = \"{}\"\n", path(&github)),
            vec![],
            "impersonated",
        ),
        (
            "external_account from a token file",
            String::new(),
            vec![("GOOGLE_APPLICATION_CREDENTIALS", path(&gitlab))],
            "sts",
        ),
        (
            "GCE metadata server",
            String::new(),
            vec![("GCE_METADATA_HOST", host.clone())],
            "gce_metadata",
        ),
    ];
    for (what, extra, env, kind) in scenarios {
        let (before, from) = (auth_counts(&gcp.endpoint), tokens.log().len());
        let log = apply_and_destroy(&gcp_config(&gcp, &extra), &env);
        let seen = delta(&before, &auth_counts(&gcp.endpoint));
        assert_eq!(
            (seen["expired"].as_i64(), seen["unknown"].as_i64()),
            (Some(0), Some(0)),
            "{what}: {seen}"
        );
        assert_eq!(
            seen["kinds"],
            json!({kind: seen["issued"]}),
            "{what}: {seen}"
        );
        // Tokens are cached: far fewer token requests than API requests.
        let fetched = tokens.log()[from..]
            .iter()
            .filter(|e| e["status"] == 200 && e["kind"] == kind)
            .count();
        let used = seen["issued"].as_i64().unwrap() as usize;
        assert!(
            fetched >= 1 && fetched * 3 <= used,
            "{what}: {fetched} tokens for {used} requests"
        );
        println!("{what}: {fetched} token(s) fetched for {used} Compute requests");
        let issued: Vec<String> = tokens.issued().keys().cloned().collect();
        let mut secrets: Vec<&str> = issued.iter().map(String::as_str).collect();
        secrets.extend([
            key_body.as_str(),
            user_secret.as_str(),
            refresh.as_str(),
            oidc.as_str(),
            request_token.as_str(),
        ]);
        assert_log_clean(&log, &secrets, what);
    }
    let log = tokens.log();
    let actions = log
        .iter()
        .find(|e| e["grant"] == "actions_idtoken")
        .unwrap();
    assert_eq!(actions["audience"], "https://iam.googleapis.com/x");

    // A key that is not the service account's: the token endpoint refuses the signature and the
    // error names the variable the key came from; Compute never sees a request.
    let rogue = key_file(d, "rogue", &rogue_key, &format!("{}/token", tokens.url));
    let before = auth_counts(&gcp.endpoint);
    let w = Workdir::new(Tf::V1_15_5, Install::Mirror, &gcp_config(&gcp, ""))
        .env("GOOGLE_OAUTH_ACCESS_TOKEN", "")
        .env("GOOGLE_CREDENTIALS", "")
        .env("GOOGLE_APPLICATION_CREDENTIALS", rogue.to_str().unwrap());
    w.init();
    let err = w
        .fails(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .replace('\n', " ");
    assert!(
        err.contains("GOOGLE_APPLICATION_CREDENTIALS (")
            && err.contains("invalid_grant: Invalid JWT Signature."),
        "{err}"
    );
    assert!(!err.contains(&rogue_key.lines().nth(3).unwrap().to_string()));
    assert_eq!(delta(&before, &auth_counts(&gcp.endpoint))["issued"], 0);

    // A malformed key file is named before anything is sent.
    std::fs::write(
        &rogue,
        "{\"type\": \"service_account\", \"client_email\": 7}",
    )
    .unwrap();
    let err = w
        .fails(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .replace('\n', " ");
    assert!(
        err.contains("Cannot get Google Cloud credentials")
            && err.contains("GOOGLE_APPLICATION_CREDENTIALS (")
            && err.contains("has no \"client_email\""),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Azure
// ---------------------------------------------------------------------------------------------

fn azure_config(az: &AzureEmulator) -> String {
    format!(
        "{REQUIRED_PROVIDERS}
provider \"multicloud\" {{
  azure {{
    endpoint = \"{}\"
  }}
}}

resource \"multicloud_vpn_gateway\" \"azure\" {{
  name = \"azure-site\"
  azure {{
    subscription_id   = \"{}\"
    resource_group    = \"{RESOURCE_GROUP}\"
    location          = \"westeurope\"
    gateway_subnet_id = \"{}\"
    asn               = 65020
  }}
}}
",
        az.endpoint,
        az.subscription,
        az.gateway_subnet()
    )
}

/// A certificate for `CN=name` and its key, in one PEM file (as ARM_CLIENT_CERTIFICATE_PATH
/// takes it), and the certificate alone (what is registered on the application).
fn certificate(dir: &Path, name: &str) -> (PathBuf, PathBuf, String) {
    let (key, cert) = (
        dir.join(format!("{name}.key")),
        dir.join(format!("{name}.crt")),
    );
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        &format!("/CN={name}"),
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
    ]);
    let key_pem = std::fs::read_to_string(&key).unwrap();
    let both = dir.join(format!("{name}.pem"));
    std::fs::write(
        &both,
        format!("{}{key_pem}", std::fs::read_to_string(&cert).unwrap()),
    )
    .unwrap();
    (both, cert, key_pem.lines().nth(3).unwrap().to_string())
}

/// Every azurerm source (client secret, certificate, OIDC from GitHub's token service and from
/// a file, managed identity) builds a gateway against the strict ARM emulator with tokens from
/// the local Entra ID and IMDS endpoints; a wrong secret is refused there, named.
#[test]
fn azure_credential_sources_authenticate_against_local_token_endpoints() {
    let Some(specs_probe) = crate::azure_emulator::specs_dir() else {
        println!("SKIPPED: ../shared/api-specs not found");
        eprintln!("SKIPPED: ../shared/api-specs not found");
        return;
    };
    drop(specs_probe);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (cert_and_key, cert, key_line) = certificate(d, "deployer-app");
    let secret = format!("Q~{:032x}", rand::random::<u128>());
    let oidc = format!(
        "eyJhbGciOiJub25lIn0.gh-oidc-{:016x}.",
        rand::random::<u64>()
    );
    let request_token = format!("gh-req-{:016x}", rand::random::<u64>());
    let tokens = TokenServer::start(&[
        "--azure-tenant",
        TENANT,
        "--azure-secret",
        &format!("app-secret={secret}"),
        "--azure-cert",
        &format!("app-cert={}", cert.display()),
        "--azure-federated",
        "app-oidc",
        "--oidc-token",
        &oidc,
        "--oidc-request-token",
        &request_token,
    ]);
    let Some(az) = AzureEmulator::start_with(&[
        "--op-polls",
        "2",
        "--poll-retry-after-ms",
        "20",
        "--tokens-file",
        tokens.issued_file(),
    ]) else {
        return;
    };
    let oidc_file = d.join("oidc.jwt");
    std::fs::write(&oidc_file, &oidc).unwrap();
    let tenant = ("ARM_TENANT_ID", TENANT.to_string());
    let authority = ("AZURE_AUTHORITY_HOST", tokens.url.clone());
    let id = |s: &str| ("ARM_CLIENT_ID", s.to_string());
    let scenarios: Vec<(&str, Vars, &str)> = vec![
        (
            "client secret",
            vec![
                id("app-secret"),
                tenant.clone(),
                authority.clone(),
                ("ARM_CLIENT_SECRET", secret.clone()),
            ],
            "azure_secret",
        ),
        (
            "client certificate",
            vec![
                id("app-cert"),
                tenant.clone(),
                authority.clone(),
                (
                    "ARM_CLIENT_CERTIFICATE_PATH",
                    cert_and_key.to_str().unwrap().to_string(),
                ),
            ],
            "azure_certificate",
        ),
        (
            "OIDC from GitHub Actions' token service",
            vec![
                id("app-oidc"),
                tenant.clone(),
                authority.clone(),
                ("ARM_USE_OIDC", "true".into()),
                (
                    "ACTIONS_ID_TOKEN_REQUEST_URL",
                    format!("{}/_actions/idtoken?api-version=2.0", tokens.url),
                ),
                ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token.clone()),
            ],
            "azure_federated",
        ),
        (
            "OIDC token file",
            vec![
                id("app-oidc"),
                tenant.clone(),
                authority.clone(),
                ("ARM_USE_OIDC", "true".into()),
                (
                    "ARM_OIDC_TOKEN_FILE_PATH",
                    oidc_file.to_str().unwrap().to_string(),
                ),
            ],
            "azure_federated",
        ),
        (
            "managed identity",
            vec![
                ("ARM_USE_MSI", "true".into()),
                (
                    "ARM_MSI_ENDPOINT",
                    format!("{}/metadata/identity/oauth2/token", tokens.url),
                ),
            ],
            "azure_msi",
        ),
    ];
    for (what, env, kind) in scenarios {
        let (before, from) = (auth_counts(&az.endpoint), tokens.log().len());
        let log = apply_and_destroy(&azure_config(&az), &env);
        let seen = delta(&before, &auth_counts(&az.endpoint));
        assert_eq!(
            (seen["expired"].as_i64(), seen["unknown"].as_i64()),
            (Some(0), Some(0)),
            "{what}: {seen}"
        );
        assert_eq!(
            seen["kinds"],
            json!({kind: seen["issued"]}),
            "{what}: {seen}"
        );
        let fetched = tokens.log()[from..]
            .iter()
            .filter(|e| e["status"] == 200 && e["kind"] == kind)
            .count();
        let used = seen["issued"].as_i64().unwrap() as usize;
        assert!(
            fetched >= 1 && fetched * 3 <= used,
            "{what}: {fetched} tokens for {used} requests"
        );
        println!("{what}: {fetched} token(s) fetched for {used} ARM requests");
        let issued: Vec<String> = tokens.issued().keys().cloned().collect();
        let mut secrets: Vec<&str> = issued.iter().map(String::as_str).collect();
        secrets.extend([
            secret.as_str(),
            key_line.as_str(),
            oidc.as_str(),
            request_token.as_str(),
        ]);
        assert_log_clean(&log, &secrets, what);
    }
    assert!(az.requests().as_array().is_some_and(|r| !r.is_empty()));
    assert_eq!(az.object_count(), 0, "destroy left objects");

    // A wrong secret: Entra's refusal, named by the variable it came from; ARM sees nothing.
    let before = auth_counts(&az.endpoint);
    let mut w = Workdir::new(Tf::V1_15_5, Install::Mirror, &azure_config(&az));
    for v in CREDENTIAL_VARS {
        w = w.env(v, "");
    }
    let w = w
        .env("ARM_CLIENT_ID", "app-secret")
        .env("ARM_TENANT_ID", TENANT)
        .env("AZURE_AUTHORITY_HOST", &tokens.url)
        .env("ARM_CLIENT_SECRET", "not-the-secret");
    w.init();
    let out = w.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let err = combined(&out).replace('\n', " ");
    assert!(!out.status.success());
    assert!(
        err.contains("client secret (ARM_CLIENT_SECRET) of application app-secret (ARM_CLIENT_ID)")
            && err.contains("AADSTS7000215: Invalid client secret provided."),
        "{err}"
    );
    assert!(!err.contains("not-the-secret"), "{err}");
    assert_eq!(delta(&before, &auth_counts(&az.endpoint))["issued"], 0);
}

/// An Azure gateway takes 30–45 minutes; here its build is compressed to about 12 s (240 polls
/// 50 ms apart) and the token lives 4 s. The provider replaces the token before it expires,
/// so ARM, which answers an expired token with 401 ExpiredAuthenticationToken (checked here
/// too), never sees one, and every replacement was fetched while the previous token still
/// worked.
#[test]
fn azure_token_is_refreshed_before_expiry_during_a_long_gateway_build() {
    if crate::azure_emulator::specs_dir().is_none() {
        println!("SKIPPED: ../shared/api-specs not found");
        eprintln!("SKIPPED: ../shared/api-specs not found");
        return;
    }
    const LIFETIME: f64 = 4.0;
    let secret = format!("Q~{:032x}", rand::random::<u128>());
    let tokens = TokenServer::start(&[
        "--lifetime",
        &LIFETIME.to_string(),
        "--azure-tenant",
        TENANT,
        "--azure-secret",
        &format!("app-secret={secret}"),
    ]);
    let Some(az) = AzureEmulator::start_with(&[
        "--op-polls",
        "240",
        "--poll-retry-after-ms",
        "50",
        "--tokens-file",
        tokens.issued_file(),
    ]) else {
        return;
    };
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut w = Workdir::new(Tf::V1_15_5, Install::Mirror, &azure_config(&az));
    for v in CREDENTIAL_VARS {
        w = w.env(v, "");
    }
    let w = w
        .env("ARM_CLIENT_ID", "app-secret")
        .env("ARM_TENANT_ID", TENANT)
        .env("AZURE_AUTHORITY_HOST", &tokens.url)
        .env("ARM_CLIENT_SECRET", &secret)
        .env("TF_LOG_PROVIDER", "TRACE")
        .env("TF_LOG_PATH", log.path().to_str().unwrap());
    w.init();
    let started = std::time::Instant::now();
    w.apply();
    let took = started.elapsed().as_secs_f64();
    let seen = auth_counts(&az.endpoint);
    let grants = grants(&tokens, 0, "client_credentials");
    println!(
        "gateway build {took:.1} s, token lifetime {LIFETIME} s: {} tokens fetched, {} ARM requests, {} with an expired token",
        grants.len(),
        seen["issued"],
        seen["expired"]
    );
    assert!(
        took > 3.0 * LIFETIME,
        "the build was too short to matter: {took:.1} s"
    );
    assert_eq!(seen["expired"], 0, "an expired token reached ARM: {seen}");
    assert_eq!(seen["unknown"], 0, "{seen}");
    assert!(
        grants.len() as f64 >= took / LIFETIME,
        "{} tokens over {took:.1} s",
        grants.len()
    );
    // Each token was fetched while the one before it was still valid, and no sooner than
    // half-way through its life (not a fetch per request).
    let at = |e: &Value| e["at"].as_f64().unwrap();
    let exp = |e: &Value| e["exp"].as_f64().unwrap();
    for pair in grants.windows(2) {
        let (prev, next) = (&pair[0], &pair[1]);
        assert!(
            at(next) < exp(prev),
            "fetched after expiry: {prev} then {next}"
        );
        assert!(
            at(next) - at(prev) >= LIFETIME / 2.0 - 0.5,
            "fetched too early: {prev} then {next}"
        );
    }
    assert_log_clean(
        &std::fs::read_to_string(log.path()).unwrap(),
        &[secret.as_str()],
        "expiry test",
    );

    // The emulator does reject an expired token: the first one is long past its 4 s.
    let first = tokens
        .issued()
        .into_iter()
        .min_by(|a, b| {
            a.1["issued"]
                .as_f64()
                .partial_cmp(&b.1["issued"].as_f64())
                .unwrap()
        })
        .unwrap()
        .0;
    let r = az.raw(
        "GET",
        &format!("/subscriptions/{}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.Network/virtualNetworkGateways?api-version=2024-05-01", az.subscription),
        &[("Authorization", &format!("Bearer {first}"))],
        None,
    );
    assert_eq!((r.status, r.code()), (401, "ExpiredAuthenticationToken"));

    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(az.object_count(), 0);
}
