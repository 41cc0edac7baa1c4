//! The `provider "multicloud"` block: per-cloud settings later resources need, each with the
//! environment variable its cloud's own tools use as fallback. At plan time any of these may be
//! unknown (e.g. taken from another resource); that is recorded, not an error, and only a resource
//! that actually needs the value at apply reports it.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use tfplugin::schema::{BlockNesting, NestedBlock};
use tfplugin::{Attribute, Block, Diagnostic, Diagnostics, Path, Schema, Type, Value};

use crate::clients::auth::{self, AuthError, Credentials, Lookup};

/// One provider setting after configuration and environment fallback.
#[derive(Clone, PartialEq, Eq)]
pub enum Setting {
    Unset,
    /// Known only after apply of something else: usable at apply time, not at plan time.
    Unknown,
    Set(String),
}

impl Setting {
    pub fn get(&self) -> Option<&str> {
        match self {
            Setting::Set(s) => Some(s),
            _ => None,
        }
    }

    /// The value, or a diagnostic that says where to set it.
    pub fn require(&self, attr: &str, env: &[&str]) -> Result<&str, Diagnostic> {
        let hint = if env.is_empty() {
            String::new()
        } else {
            format!(" or the environment variable {}", env.join(" / "))
        };
        match self {
            Setting::Set(s) => Ok(s),
            Setting::Unknown => Err(Diagnostic::error(
                "Provider setting not known yet",
                format!(
                    "provider \"multicloud\" {attr} depends on a value known only after apply; it is needed now."
                ),
            )),
            Setting::Unset => Err(Diagnostic::error(
                "Missing provider setting",
                format!("Set {attr} in the provider \"multicloud\" block{hint}."),
            )),
        }
    }
}

/// Debug never shows values: settings include credentials.
impl fmt::Debug for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Setting::Unset => "Unset",
            Setting::Unknown => "Unknown",
            Setting::Set(_) => "Set(..)",
        })
    }
}

/// A block's attributes: (name, description, sensitive, environment fallbacks).
type Field = (&'static str, &'static str, bool, &'static [&'static str]);

const AWS: &[Field] = &[
    (
        "region",
        "AWS region for AWS-side objects.",
        false,
        &["AWS_REGION", "AWS_DEFAULT_REGION"],
    ),
    (
        "profile",
        "Named profile from the shared AWS config files.",
        false,
        &["AWS_PROFILE"],
    ),
    (
        "access_key",
        "Access key id (prefer profiles or the environment).",
        true,
        &["AWS_ACCESS_KEY_ID"],
    ),
    (
        "secret_key",
        "Secret access key.",
        true,
        &["AWS_SECRET_ACCESS_KEY"],
    ),
    (
        "endpoint",
        "Endpoint override for every AWS service (e.g. a local emulator).",
        false,
        &["AWS_ENDPOINT_URL"],
    ),
    (
        "ec2_endpoint",
        "Endpoint override for EC2.",
        false,
        &["AWS_ENDPOINT_URL_EC2"],
    ),
    (
        "route53_endpoint",
        "Endpoint override for Route 53.",
        false,
        &["AWS_ENDPOINT_URL_ROUTE_53"],
    ),
    (
        "eks_endpoint",
        "Endpoint override for EKS.",
        false,
        &["AWS_ENDPOINT_URL_EKS"],
    ),
    (
        "iam_endpoint",
        "Endpoint override for IAM.",
        false,
        &["AWS_ENDPOINT_URL_IAM"],
    ),
];
const GCP: &[Field] = &[
    (
        "project",
        "Default Google Cloud project.",
        false,
        &[
            "GOOGLE_PROJECT",
            "GOOGLE_CLOUD_PROJECT",
            "CLOUDSDK_CORE_PROJECT",
        ],
    ),
    (
        "access_token",
        "OAuth2 access token, used as it is (never refreshed); takes precedence over every other credential.",
        true,
        &["GOOGLE_OAUTH_ACCESS_TOKEN"],
    ),
    (
        "credentials",
        "A credentials file's JSON or its path: a service account key, `authorized_user`, \
         `external_account` (workload identity federation) or `impersonated_service_account`. \
         Without it: `GOOGLE_APPLICATION_CREDENTIALS`, then gcloud's application default credentials, \
         then the metadata server.",
        true,
        &[
            "GOOGLE_CREDENTIALS",
            "GOOGLE_CLOUD_KEYFILE_JSON",
            "GCLOUD_KEYFILE_JSON",
        ],
    ),
    (
        "impersonate_service_account",
        "A service account email: the credentials found are used to get its tokens (IAM Credentials `generateAccessToken`).",
        false,
        &["GOOGLE_IMPERSONATE_SERVICE_ACCOUNT"],
    ),
    (
        "iam_credentials_endpoint",
        "IAM Credentials API endpoint override, for impersonation.",
        false,
        &["GOOGLE_IAM_CREDENTIALS_CUSTOM_ENDPOINT"],
    ),
    (
        "endpoint",
        "Compute API endpoint override (e.g. a local emulator).",
        false,
        &["MULTICLOUD_GCP_ENDPOINT"],
    ),
    (
        "container_endpoint",
        "GKE (container) API endpoint override (e.g. a local emulator).",
        false,
        &["MULTICLOUD_GCP_CONTAINER_ENDPOINT"],
    ),
];
const AZURE: &[Field] = &[
    (
        "subscription_id",
        "Azure subscription id.",
        false,
        &["ARM_SUBSCRIPTION_ID"],
    ),
    (
        "tenant_id",
        "Microsoft Entra tenant id.",
        false,
        &["ARM_TENANT_ID"],
    ),
    (
        "access_token",
        "Bearer token for Azure Resource Manager, used as it is (never refreshed); takes precedence over every other credential.",
        true,
        &["ARM_ACCESS_TOKEN"],
    ),
    (
        "client_id",
        "Application (client) id of a service principal, or of a user-assigned managed identity.",
        false,
        &["ARM_CLIENT_ID"],
    ),
    (
        "client_secret",
        "The service principal's client secret.",
        true,
        &["ARM_CLIENT_SECRET"],
    ),
    (
        "client_certificate_path",
        "PEM file with the service principal's certificate and its unencrypted RSA key.",
        false,
        &["ARM_CLIENT_CERTIFICATE_PATH"],
    ),
    (
        "client_certificate_password",
        "Password of the certificate file (encrypted keys and PKCS#12 are refused with a hint to convert them).",
        true,
        &["ARM_CLIENT_CERTIFICATE_PASSWORD"],
    ),
    (
        "use_oidc",
        "Authenticate with a federated OIDC token (workload identity federation).",
        false,
        &["ARM_USE_OIDC"],
    ),
    (
        "oidc_token",
        "The federated OIDC token.",
        true,
        &["ARM_OIDC_TOKEN"],
    ),
    (
        "oidc_token_file_path",
        "File holding the federated OIDC token, read again at every refresh.",
        false,
        &["ARM_OIDC_TOKEN_FILE_PATH"],
    ),
    (
        "oidc_request_url",
        "URL of a token service that issues the OIDC token (GitHub Actions).",
        false,
        &["ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL"],
    ),
    (
        "oidc_request_token",
        "Bearer token for `oidc_request_url`.",
        true,
        &["ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"],
    ),
    (
        "use_msi",
        "Authenticate with the managed identity of the machine or service Terraform runs on.",
        false,
        &["ARM_USE_MSI"],
    ),
    (
        "msi_endpoint",
        "Managed identity endpoint override (IMDS protocol); App Service's `IDENTITY_ENDPOINT` is read without it.",
        false,
        &["ARM_MSI_ENDPOINT"],
    ),
    (
        "use_cli",
        "Use the Azure CLI's login (`az account get-access-token`) when nothing else is configured; default true.",
        false,
        &["ARM_USE_CLI"],
    ),
    (
        "environment",
        "Azure cloud: `public` (default), `usgovernment` or `china`.",
        false,
        &["ARM_ENVIRONMENT"],
    ),
    (
        "authority_host",
        "Microsoft Entra authority (login endpoint) override.",
        false,
        &["AZURE_AUTHORITY_HOST"],
    ),
    (
        "endpoint",
        "Resource Manager endpoint override (e.g. a local emulator).",
        false,
        &["MULTICLOUD_AZURE_ENDPOINT"],
    ),
];
const CLOUDFLARE: &[Field] = &[
    (
        "api_token",
        "Cloudflare API token.",
        true,
        &["CLOUDFLARE_API_TOKEN"],
    ),
    (
        "account_id",
        "Account that owns load-balancer monitors and pools.",
        false,
        &["CLOUDFLARE_ACCOUNT_ID"],
    ),
    (
        "endpoint",
        "API endpoint override (e.g. a local emulator).",
        false,
        &["MULTICLOUD_CLOUDFLARE_ENDPOINT"],
    ),
];

/// Settings that are booleans (`true`/`false`; from the environment also `1`/`0`).
const BOOLEANS: &[&str] = &["azure.use_oidc", "azure.use_msi", "azure.use_cli"];

/// Environment variables the credential chains read that are no setting's fallback, captured at
/// configure time like the settings.
const CREDENTIAL_ENV: &[&str] = &[
    "GOOGLE_APPLICATION_CREDENTIALS",
    "CLOUDSDK_CONFIG",
    "HOME",
    "GCE_METADATA_HOST",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "PATH",
];

const CLOUDS: &[(&str, &str, &[Field])] = &[
    ("aws", "Amazon Web Services settings.", AWS),
    ("gcp", "Google Cloud settings.", GCP),
    ("azure", "Microsoft Azure settings.", AZURE),
    ("cloudflare", "Cloudflare settings.", CLOUDFLARE),
];

pub fn schema() -> Schema {
    let mut block = Block::new(
        "Settings for each cloud. Every setting may also come from the environment variable named in its description.",
    );
    for (name, description, fields) in CLOUDS {
        let mut inner = Block::new(description);
        for (field, text, sensitive, env) in *fields {
            let ty = if BOOLEANS.contains(&format!("{name}.{field}").as_str()) {
                Type::Bool
            } else {
                Type::String
            };
            let mut a = Attribute::new(field, ty)
                .optional()
                .describe(&format!("{text} Environment: `{}`.", env.join("`, `")));
            if *sensitive {
                a = a.sensitive();
            }
            inner = inner.attr(a);
        }
        block = block.block(NestedBlock::new(name, BlockNesting::Single, inner));
    }
    Schema::new(0, block)
}

/// What an AWS client needs, after environment fallback.
#[derive(Clone, Debug)]
pub struct AwsSettings {
    pub region: Setting,
    pub profile: Setting,
    pub access_key: Setting,
    pub secret_key: Setting,
    /// The service's own override, else the all-services one.
    pub endpoint: Setting,
}

/// What the Cloudflare client needs.
#[derive(Clone, Debug)]
pub struct CloudflareSettings {
    pub api_token: Setting,
    pub account_id: Setting,
    pub endpoint: Setting,
}

/// What the GCP Compute client needs (credentials: [`ProviderConfig::gcp_credentials`]).
#[derive(Clone, Debug)]
pub struct GcpSettings {
    pub project: Setting,
    pub endpoint: Setting,
    pub container_endpoint: Setting,
}

/// What the Azure Resource Manager client needs.
#[derive(Clone, Debug)]
pub struct AzureSettings {
    pub subscription_id: Setting,
    pub endpoint: Setting,
}

/// All settings, keyed `cloud.field` (e.g. `aws.region`), with where each came from, and the
/// credentials built from them (once, when a resource first needs them, then shared by every
/// client of this provider configuration so that tokens are cached across resources).
#[derive(Clone, Default)]
pub struct ProviderConfig {
    settings: BTreeMap<String, Setting>,
    /// The environment variable a setting was read from (absent: the provider block).
    from_env: BTreeMap<String, &'static str>,
    /// [`CREDENTIAL_ENV`] as the provider saw it at configure time.
    env: BTreeMap<&'static str, String>,
    gcp_credentials: Arc<OnceLock<Result<Credentials, AuthError>>>,
    azure_credentials: Arc<OnceLock<Result<Credentials, AuthError>>>,
}

/// Values stay out: settings and the environment hold credentials.
impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("settings", &self.settings)
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .finish()
    }
}

pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl ProviderConfig {
    pub fn from_value(
        config: &Value,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, Diagnostics> {
        let mut settings = BTreeMap::new();
        let mut from_env = BTreeMap::new();
        for (cloud, _, fields) in CLOUDS {
            let block = config.get(cloud).unwrap_or(&Value::Null);
            for (field, _, _, env_names) in *fields {
                let v = if block.is_unknown() {
                    &Value::Unknown
                } else {
                    block.get(field).unwrap_or(&Value::Null)
                };
                let key = format!("{cloud}.{field}");
                let setting = match v {
                    Value::Unknown => Setting::Unknown,
                    Value::String(s) if !s.is_empty() => Setting::Set(s.clone()),
                    Value::Bool(b) => Setting::Set(b.to_string()),
                    _ => match env_names.iter().find_map(|n| Some((*n, env(n)?))) {
                        Some((name, value)) => {
                            from_env.insert(key.clone(), name);
                            Setting::Set(value)
                        }
                        None => Setting::Unset,
                    },
                };
                settings.insert(key, setting);
            }
        }
        let cfg = ProviderConfig {
            settings,
            from_env,
            env: CREDENTIAL_ENV
                .iter()
                .filter_map(|n| Some((*n, env(n)?)))
                .collect(),
            ..ProviderConfig::default()
        };
        cfg.check_endpoints()?;
        Ok(cfg)
    }

    pub fn setting(&self, key: &str) -> &Setting {
        self.settings.get(key).unwrap_or(&Setting::Unset)
    }

    /// Settings for one AWS service (`ec2`, `route53`, `eks`, `iam`).
    pub fn aws(&self, service: &str) -> AwsSettings {
        let specific = self.setting(&format!("aws.{service}_endpoint"));
        AwsSettings {
            region: self.setting("aws.region").clone(),
            profile: self.setting("aws.profile").clone(),
            access_key: self.setting("aws.access_key").clone(),
            secret_key: self.setting("aws.secret_key").clone(),
            endpoint: if *specific == Setting::Unset {
                self.setting("aws.endpoint").clone()
            } else {
                specific.clone()
            },
        }
    }

    pub fn cloudflare(&self) -> CloudflareSettings {
        CloudflareSettings {
            api_token: self.setting("cloudflare.api_token").clone(),
            account_id: self.setting("cloudflare.account_id").clone(),
            endpoint: self.setting("cloudflare.endpoint").clone(),
        }
    }

    /// The Google credentials (`gcp.access_token`, `gcp.credentials`, ... as
    /// [`auth::gcp`](crate::clients::auth::gcp) says), found on first use; or a diagnostic that
    /// names the setting or environment variable at fault.
    pub fn gcp_credentials(&self) -> Result<Credentials, Diagnostic> {
        self.gcp_credentials
            .get_or_init(|| auth::gcp::resolve(self))
            .clone()
            .map_err(|e| credentials_error("Google Cloud", &e))
    }

    /// The Azure credentials (`azure.access_token`, client secret, ... as
    /// [`auth::azure`](crate::clients::auth::azure) says), found on first use.
    pub fn azure_credentials(&self) -> Result<Credentials, Diagnostic> {
        self.azure_credentials
            .get_or_init(|| auth::azure::resolve(self))
            .clone()
            .map_err(|e| credentials_error("Azure", &e))
    }

    pub fn gcp(&self) -> GcpSettings {
        GcpSettings {
            project: self.setting("gcp.project").clone(),
            endpoint: self.setting("gcp.endpoint").clone(),
            container_endpoint: self.setting("gcp.container_endpoint").clone(),
        }
    }

    pub fn azure(&self) -> AzureSettings {
        AzureSettings {
            subscription_id: self.setting("azure.subscription_id").clone(),
            // Resource Manager of the cloud `azure.environment` names, unless overridden.
            endpoint: match self.setting("azure.endpoint") {
                Setting::Unset => match auth::azure::cloud(self) {
                    Ok(c) if c.name != "public" => Setting::Set(c.resource_manager.to_string()),
                    _ => Setting::Unset,
                },
                other => other.clone(),
            },
        }
    }

    /// Endpoint overrides must be URLs: a typo here would otherwise surface as a confusing
    /// connection error much later.
    fn check_endpoints(&self) -> Result<(), Diagnostics> {
        let mut d = Diagnostics::new();
        for (key, s) in &self.settings {
            if let (true, Setting::Set(url)) = (key.ends_with("endpoint"), s)
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                let (cloud, field) = key.split_once('.').unwrap_or((key, ""));
                d.error_at(
                    Path::root().attr(cloud).attr(field),
                    "Invalid endpoint",
                    format!("{key} must be an http:// or https:// URL; got \"{url}\"."),
                );
            }
        }
        d.into_result()
    }
}

/// A credential that cannot be used, as a diagnostic: the message names the setting or variable.
fn credentials_error(cloud: &str, e: &AuthError) -> Diagnostic {
    Diagnostic::error(format!("Cannot get {cloud} credentials"), format!("{e}."))
}

impl Lookup for ProviderConfig {
    fn setting(&self, key: &str) -> Result<Option<(String, String)>, AuthError> {
        let from = || {
            self.from_env
                .get(key)
                .map_or_else(|| key.to_string(), |n| n.to_string())
        };
        match self.setting(key) {
            Setting::Set(v) if !v.trim().is_empty() => Ok(Some((v.clone(), from()))),
            Setting::Set(_) | Setting::Unset => Ok(None),
            Setting::Unknown => Err(AuthError::new(
                key,
                "depends on a value known only after apply; credentials are needed now",
            )),
        }
    }

    fn env(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(aws: Value) -> Value {
        Value::object([
            ("aws", aws),
            ("gcp", Value::Null),
            ("azure", Value::Null),
            ("cloudflare", Value::Null),
        ])
    }

    #[test]
    fn explicit_beats_environment_and_environment_fills_gaps() {
        let env = |n: &str| match n {
            "AWS_REGION" => Some("eu-west-1".to_string()),
            "AWS_PROFILE" => Some("ops".to_string()),
            _ => None,
        };
        let cfg = ProviderConfig::from_value(
            &config(Value::object([("region", Value::string("us-east-2"))])),
            &env,
        )
        .unwrap();
        assert_eq!(cfg.setting("aws.region").get(), Some("us-east-2"));
        assert_eq!(cfg.setting("aws.profile").get(), Some("ops"));
        assert_eq!(cfg.setting("gcp.project"), &Setting::Unset);
    }

    #[test]
    fn unknown_at_plan_is_recorded_not_rejected() {
        let cfg = ProviderConfig::from_value(&config(Value::Unknown), &|_| None).unwrap();
        assert_eq!(cfg.setting("aws.region"), &Setting::Unknown);
        assert!(
            cfg.setting("aws.region")
                .require("aws.region", &["AWS_REGION"])
                .is_err()
        );
    }

    #[test]
    fn bad_endpoint_is_a_diagnostic_on_the_attribute() {
        let err = ProviderConfig::from_value(
            &config(Value::object([(
                "endpoint",
                Value::string("localhost:5000"),
            )])),
            &|_| None,
        )
        .unwrap_err();
        assert_eq!(err.0[0].path.as_ref().unwrap().to_string(), "aws.endpoint");
    }

    #[test]
    fn debug_output_hides_values() {
        let cfg = ProviderConfig::from_value(
            &config(Value::object([("secret_key", Value::string("hunter2"))])),
            &|_| None,
        )
        .unwrap();
        assert!(!format!("{cfg:?}").contains("hunter2"));
    }
}
