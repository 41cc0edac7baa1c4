//! go-plugin's launch contract: the magic cookie, protocol negotiation and the handshake line.

use base64::Engine;

pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The only plugin protocol we speak.
pub const PROTOCOL_VERSION: u32 = 6;
/// go-plugin's core protocol version, the first handshake field.
const CORE_PROTOCOL_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LaunchError {
    #[error(
        "This binary is a plugin. These are not meant to be executed directly.\n\
         Please execute the program that consumes these plugins, which will\n\
         load any plugins automatically (terraform-provider-multicloud is a Terraform provider:\n\
         install it and run `terraform init`; see the README)."
    )]
    NotLaunchedByTerraform,
    #[error(
        "Terraform offered plugin protocol versions [{0}], but this provider speaks only protocol 6 \
         (Terraform 1.0 or newer). Upgrade Terraform."
    )]
    NoCommonProtocol(String),
}

/// Checks that Terraform launched us and that it speaks protocol 6.
pub fn check_launch(
    cookie: Option<&str>,
    offered_versions: Option<&str>,
) -> Result<u32, LaunchError> {
    if cookie != Some(MAGIC_COOKIE_VALUE) {
        return Err(LaunchError::NotLaunchedByTerraform);
    }
    // go-plugin falls back to the app's default version when the variable is absent.
    let Some(offered) = offered_versions.filter(|s| !s.trim().is_empty()) else {
        return Ok(PROTOCOL_VERSION);
    };
    let speaks_6 = offered
        .split(',')
        .any(|v| v.trim().parse::<u32>() == Ok(PROTOCOL_VERSION));
    if speaks_6 {
        Ok(PROTOCOL_VERSION)
    } else {
        Err(LaunchError::NoCommonProtocol(offered.to_string()))
    }
}

/// Where the server listens, as named in the handshake line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListenAddr {
    Unix(std::path::PathBuf),
    Tcp(std::net::SocketAddr),
}

impl ListenAddr {
    pub fn network(&self) -> &'static str {
        match self {
            ListenAddr::Unix(_) => "unix",
            ListenAddr::Tcp(_) => "tcp",
        }
    }
    pub fn address(&self) -> String {
        match self {
            ListenAddr::Unix(p) => p.display().to_string(),
            ListenAddr::Tcp(a) => a.to_string(),
        }
    }
}

/// `1|6|unix|/tmp/plugin123|grpc|<server cert DER, base64 std alphabet, unpadded>`.
pub fn handshake_line(version: u32, addr: &ListenAddr, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!(
        "{CORE_PROTOCOL_VERSION}|{version}|{}|{}|grpc|{cert}",
        addr.network(),
        addr.address()
    )
}

/// The line a developer pastes into their shell to attach Terraform to a `--debug` provider.
pub fn reattach_line(provider_address: &str, addr: &ListenAddr, pid: u32) -> String {
    let json = serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": addr.network(), "String": addr.address() }
        }
    });
    format!("TF_REATTACH_PROVIDERS='{json}'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_is_required() {
        assert_eq!(
            check_launch(None, Some("6")),
            Err(LaunchError::NotLaunchedByTerraform)
        );
        assert_eq!(
            check_launch(Some("nope"), Some("6")),
            Err(LaunchError::NotLaunchedByTerraform)
        );
    }

    #[test]
    fn negotiates_six_from_any_order() {
        assert_eq!(check_launch(Some(MAGIC_COOKIE_VALUE), Some("5,6")), Ok(6));
        assert_eq!(check_launch(Some(MAGIC_COOKIE_VALUE), Some("6, 5")), Ok(6));
        assert_eq!(check_launch(Some(MAGIC_COOKIE_VALUE), None), Ok(6));
        assert!(matches!(
            check_launch(Some(MAGIC_COOKIE_VALUE), Some("4,5")),
            Err(LaunchError::NoCommonProtocol(_))
        ));
    }

    #[test]
    fn handshake_line_uses_unpadded_base64() {
        let addr = ListenAddr::Unix("/tmp/p".into());
        // 4 bytes: padded base64 would end in "==".
        assert_eq!(
            handshake_line(6, &addr, Some(&[1, 2, 3, 4])),
            "1|6|unix|/tmp/p|grpc|AQIDBA"
        );
        assert_eq!(handshake_line(6, &addr, None), "1|6|unix|/tmp/p|grpc|");
    }

    #[test]
    fn reattach_names_the_provider() {
        let line = reattach_line(
            "registry.terraform.io/a/b",
            &ListenAddr::Unix("/s".into()),
            7,
        );
        assert!(line.starts_with("TF_REATTACH_PROVIDERS='{\"registry.terraform.io/a/b\":"));
        assert!(line.contains("\"Pid\":7"));
    }
}
