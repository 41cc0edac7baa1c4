//! One place that turns provider settings into an AWS SDK configuration, shared by every AWS
//! service client: explicit keys (static credentials) beat a profile, which beats the SDK's
//! default chain; the region and endpoint override come from the provider block or environment.
//! No network call happens here.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_route53::config::{Credentials, Region};

use crate::config::{AwsSettings, Setting};

/// Attempts per request (the first one included) before a throttled or failing call gives up.
pub const MAX_ATTEMPTS: u32 = 5;

/// `None` when unset; the setting's own diagnostic when it is unknown.
pub fn optional<'a>(
    s: &'a Setting,
    attr: &str,
    env: &[&str],
) -> Result<Option<&'a str>, tfplugin::Diagnostic> {
    match s {
        Setting::Unset => Ok(None),
        other => other.require(attr, env).map(Some),
    }
}

fn missing(attr: &str) -> tfplugin::Diagnostic {
    tfplugin::Diagnostic::error(
        "Missing provider setting",
        format!("Set {attr} in the provider \"multicloud\" block."),
    )
}

/// What differs between services: where their endpoint override is set.
pub struct Service<'a> {
    /// e.g. `aws.ec2_endpoint`.
    pub endpoint_attr: &'a str,
    pub endpoint_env: &'a [&'a str],
}

/// The SDK configuration for one service in `region`.
pub async fn load(
    settings: &AwsSettings,
    region: &str,
    service: Service<'_>,
) -> Result<SdkConfig, tfplugin::Diagnostic> {
    let endpoint = optional(
        &settings.endpoint,
        service.endpoint_attr,
        service.endpoint_env,
    )?;
    let profile = optional(&settings.profile, "aws.profile", &["AWS_PROFILE"])?;
    let access_key = optional(
        &settings.access_key,
        "aws.access_key",
        &["AWS_ACCESS_KEY_ID"],
    )?;
    let secret_key = optional(
        &settings.secret_key,
        "aws.secret_key",
        &["AWS_SECRET_ACCESS_KEY"],
    )?;

    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(super::http::attempt_timeout())
                .build(),
        );
    match (access_key, secret_key) {
        (Some(ak), Some(sk)) => {
            loader = loader.credentials_provider(Credentials::new(
                ak,
                sk,
                None,
                None,
                "multicloud-provider",
            ));
        }
        (Some(_), None) => {
            return Err(settings
                .secret_key
                .require("aws.secret_key", &["AWS_SECRET_ACCESS_KEY"])
                .err()
                .unwrap_or_else(|| missing("aws.secret_key")));
        }
        (None, Some(_)) => {
            return Err(settings
                .access_key
                .require("aws.access_key", &["AWS_ACCESS_KEY_ID"])
                .err()
                .unwrap_or_else(|| missing("aws.access_key")));
        }
        (None, None) => {
            if let Some(p) = profile {
                loader = loader.profile_name(p);
            }
        }
    }
    if let Some(url) = endpoint {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    tracing::debug!(
        region,
        endpoint = endpoint.unwrap_or("default"),
        service = service.endpoint_attr,
        "AWS client ready"
    );
    Ok(config)
}

/// The region from the provider block or environment, else `fallback`.
pub fn region_or<'a>(
    settings: &'a AwsSettings,
    fallback: Option<&'a str>,
) -> Result<Option<&'a str>, tfplugin::Diagnostic> {
    Ok(optional(
        &settings.region,
        "aws.region",
        &["AWS_REGION", "AWS_DEFAULT_REGION"],
    )?
    .or(fallback))
}
