//! EKS: a cluster's endpoint and certificate authority (aws-sdk-eks), and the bearer token
//! Kubernetes accepts from an IAM identity: a presigned STS GetCallerIdentity URL naming the
//! cluster in the signed `x-k8s-aws-id` header, base64url-encoded behind `k8s-aws-v1.` (what
//! `aws eks get-token` and aws-iam-authenticator produce). The URL is signed with aws-sigv4, the
//! SDK's own signer, so no STS call is made here: the cluster's authenticator makes it.

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use base64::Engine;
use tfplugin::Diagnostic;

use super::aws_sdk::{self, Service};
use crate::config::AwsSettings;

/// What Kubernetes clients need to reach a cluster.
pub struct ClusterEndpoint {
    /// `https://…`
    pub endpoint: String,
    /// As EKS gives it: base64 of the PEM.
    pub ca_base64: String,
}

/// How long EKS accepts a token after it was signed (the authenticator's 15 minutes, less a
/// margin for clock skew).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(14 * 60);
/// The presigned URL's own validity, as `aws eks get-token` sets it.
const PRESIGN_EXPIRES: Duration = Duration::from_secs(60);
const TOKEN_PREFIX: &str = "k8s-aws-v1.";

fn error(summary: &str, e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error(summary, e.to_string())
}

/// The SDK configuration for `eks` or `sts`: `aws.<service>_endpoint`, else `aws.endpoint`.
async fn sdk_config(
    settings: &AwsSettings,
    region: &str,
    service: &'static str,
) -> Result<aws_config::SdkConfig, Diagnostic> {
    let (endpoint_attr, endpoint_env): (&str, &[&str]) = match service {
        "eks" => (
            "aws.eks_endpoint",
            &["AWS_ENDPOINT_URL_EKS", "AWS_ENDPOINT_URL"],
        ),
        _ => (
            "aws.sts_endpoint",
            &["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"],
        ),
    };
    aws_sdk::load(
        settings,
        region,
        Service {
            endpoint_attr,
            endpoint_env,
        },
    )
    .await
}

pub async fn describe_cluster(
    settings: &AwsSettings,
    region: &str,
    name: &str,
) -> Result<ClusterEndpoint, Diagnostic> {
    let config = sdk_config(settings, region, "eks").await?;
    let client = aws_sdk_eks::Client::new(&config);
    tracing::debug!(operation = "DescribeCluster", cluster = name, "eks call");
    let out = client
        .describe_cluster()
        .name(name)
        .send()
        .await
        .map_err(|e| {
            let detail = match e.as_service_error() {
                Some(s) if s.is_resource_not_found_exception() => {
                    format!("EKS has no cluster named {name} in {region}.")
                }
                _ => format!(
                    "DescribeCluster {name} in {region}: {}",
                    aws_smithy_types::error::display::DisplayErrorContext(&e)
                ),
            };
            Diagnostic::error("Cannot read the EKS cluster", detail)
        })?;
    let cluster = out
        .cluster()
        .ok_or_else(|| error("Cannot read the EKS cluster", "no cluster in the answer"))?;
    let endpoint = cluster.endpoint().unwrap_or_default().to_string();
    let ca_base64 = cluster
        .certificate_authority()
        .and_then(|c| c.data())
        .unwrap_or_default()
        .to_string();
    if endpoint.is_empty() || ca_base64.is_empty() {
        return Err(Diagnostic::error(
            "EKS cluster not ready",
            format!(
                "Cluster {name} has no endpoint or certificate authority yet (status {:?}); wait until it is ACTIVE.",
                cluster.status().map(|s| s.as_str())
            ),
        ));
    }
    Ok(ClusterEndpoint {
        endpoint,
        ca_base64,
    })
}

/// The STS endpoint the token's URL points at: the regional one, or the override (emulators).
fn sts_url(settings: &AwsSettings, region: &str) -> Result<String, Diagnostic> {
    let endpoint = aws_sdk::optional(
        &settings.endpoint,
        "aws.sts_endpoint",
        &["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"],
    )?;
    Ok(match endpoint {
        Some(e) => e.trim_end_matches('/').to_string(),
        None => format!("https://sts.{region}.amazonaws.com"),
    })
}

/// A bearer token for cluster `name`, and when it stops being accepted.
pub async fn token(
    settings: &AwsSettings,
    region: &str,
    name: &str,
) -> Result<(String, SystemTime), Diagnostic> {
    let config = sdk_config(settings, region, "sts").await?;
    let provider = config.credentials_provider().ok_or_else(|| {
        Diagnostic::error(
            "No AWS credentials",
            "Set aws.access_key and aws.secret_key, aws.profile, or the SDK's usual environment.",
        )
    })?;
    let credentials = provider
        .provide_credentials()
        .await
        .map_err(|e| error("Cannot load AWS credentials", e))?;
    let identity = credentials.into();
    let mut signing = SigningSettings::default();
    signing.signature_location = SignatureLocation::QueryParams;
    signing.expires_in = Some(PRESIGN_EXPIRES);
    let now = SystemTime::now();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(now)
        .settings(signing)
        .build()
        .map_err(|e| error("Cannot sign the EKS token", e))?
        .into();
    let url = format!(
        "{}/?Action=GetCallerIdentity&Version=2011-06-15",
        sts_url(settings, region)?
    );
    let request = SignableRequest::new(
        "GET",
        url.as_str(),
        [("x-k8s-aws-id", name)].into_iter(),
        SignableBody::Bytes(&[]),
    )
    .map_err(|e| error("Cannot sign the EKS token", e))?;
    let (instructions, _) = sign(request, &params)
        .map_err(|e| error("Cannot sign the EKS token", e))?
        .into_parts();
    let mut signed = url;
    for (k, v) in instructions.params() {
        signed.push('&');
        signed.push_str(k);
        signed.push('=');
        signed.push_str(&percent_encode(v));
    }
    let token = format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signed.as_bytes())
    );
    Ok((token, now + TOKEN_LIFETIME))
}

/// RFC 3986 unreserved characters stay, everything else is %XX (what SigV4 query values need).
fn percent_encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The presigned URL inside a token (for tests and diagnostics).
pub fn url_of(token: &str) -> Option<String> {
    let b64 = token.strip_prefix(TOKEN_PREFIX)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64)
        .ok()?;
    String::from_utf8(bytes).ok()
}
