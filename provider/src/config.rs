//! The `provider "multicloud"` block: per-cloud settings later resources need, each with the
//! environment variable its cloud's own tools use as fallback. At plan time any of these may be
//! unknown (e.g. taken from another resource); that is recorded, not an error, and only a resource
//! that actually needs the value at apply reports it.

use std::fmt;

use tfplugin::schema::{BlockNesting, NestedBlock};
use tfplugin::{Attribute, Block, Diagnostic, Diagnostics, Path, Schema, Type, Value};

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
        "OAuth2 access token.",
        true,
        &["GOOGLE_OAUTH_ACCESS_TOKEN"],
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
        "Bearer token for Azure Resource Manager.",
        true,
        &["ARM_ACCESS_TOKEN"],
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
            let mut a = Attribute::new(field, Type::String)
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

/// What the GCP Compute client needs.
#[derive(Clone, Debug)]
pub struct GcpSettings {
    pub project: Setting,
    pub access_token: Setting,
    pub endpoint: Setting,
    pub container_endpoint: Setting,
}

/// What the Azure Resource Manager client needs.
#[derive(Clone, Debug)]
pub struct AzureSettings {
    pub subscription_id: Setting,
    pub access_token: Setting,
    pub endpoint: Setting,
}

/// All settings, keyed `cloud.field` (e.g. `aws.region`).
#[derive(Clone, Debug, Default)]
pub struct ProviderConfig {
    settings: std::collections::BTreeMap<String, Setting>,
}

pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl ProviderConfig {
    pub fn from_value(
        config: &Value,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, Diagnostics> {
        let mut settings = std::collections::BTreeMap::new();
        for (cloud, _, fields) in CLOUDS {
            let block = config.get(cloud).unwrap_or(&Value::Null);
            for (field, _, _, env_names) in *fields {
                let v = if block.is_unknown() {
                    &Value::Unknown
                } else {
                    block.get(field).unwrap_or(&Value::Null)
                };
                let setting = match v {
                    Value::Unknown => Setting::Unknown,
                    Value::String(s) if !s.is_empty() => Setting::Set(s.clone()),
                    _ => env_names
                        .iter()
                        .find_map(|n| env(n))
                        .map_or(Setting::Unset, Setting::Set),
                };
                settings.insert(format!("{cloud}.{field}"), setting);
            }
        }
        let cfg = ProviderConfig { settings };
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

    pub fn gcp(&self) -> GcpSettings {
        GcpSettings {
            project: self.setting("gcp.project").clone(),
            access_token: self.setting("gcp.access_token").clone(),
            endpoint: self.setting("gcp.endpoint").clone(),
            container_endpoint: self.setting("gcp.container_endpoint").clone(),
        }
    }

    pub fn azure(&self) -> AzureSettings {
        AzureSettings {
            subscription_id: self.setting("azure.subscription_id").clone(),
            access_token: self.setting("azure.access_token").clone(),
            endpoint: self.setting("azure.endpoint").clone(),
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
