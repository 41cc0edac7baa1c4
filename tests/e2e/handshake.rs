//! The plugin launch contract, checked against the real binary without Terraform: what happens when
//! run by hand, protocol negotiation, and AutoMTLS refusing connections without Terraform's
//! certificate (Terraform itself exercises the accepting side in every other test).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use base64::Engine;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::provider_binary;

const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

#[test]
fn run_by_hand_explains_and_exits_1() {
    let out = Command::new(provider_binary())
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("This binary is a plugin"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn refuses_protocols_other_than_6() {
    let out = Command::new(provider_binary())
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("only protocol 6"), "{err}");
}

/// A self-signed ECDSA P-521 client certificate, as Terraform makes for AutoMTLS.
fn p521_client_cert() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    let der = cert.der().clone();
    (
        cert.pem(),
        der,
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

struct Plugin {
    child: Child,
    network: String,
    address: String,
    server_cert: Vec<u8>,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn launch(client_cert_pem: &str, network: &str) -> Plugin {
    let mut child = Command::new(provider_binary())
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", client_cert_pem)
        .env("MULTICLOUD_PLUGIN_NETWORK", network)
        .env("PLUGIN_MIN_PORT", "20000")
        .env("PLUGIN_MAX_PORT", "20100")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(fields.len(), 6, "handshake line: {line:?}");
    assert_eq!(&fields[..2], &["1", "6"]);
    assert_eq!(fields[4], "grpc");
    assert!(
        !fields[5].contains('='),
        "certificate must be unpadded base64: {line}"
    );
    let server_cert = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(fields[5])
        .unwrap();
    Plugin {
        network: fields[2].into(),
        address: fields[3].into(),
        server_cert,
        child,
    }
}

/// Accepts exactly the server certificate from the handshake line, as go-plugin's client does.
#[derive(Debug)]
struct PinnedServer(Vec<u8>);

impl rustls::client::danger::ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.0.as_slice() {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "unexpected server certificate".into(),
            ))
        }
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        let algs = rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(m, c, d, &algs)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        let algs = rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(m, c, d, &algs)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        rustls::crypto::aws_lc_rs::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Connects with TLS (optionally presenting a client certificate), sends the HTTP/2 preface and
/// reports whether the server answered with HTTP/2 frames (true) or dropped us (false).
async fn speaks_http2(
    p: &Plugin,
    client: Option<(CertificateDer<'static>, PrivateKeyDer<'static>)>,
) -> bool {
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .dangerous()
    .with_custom_certificate_verifier(Arc::new(PinnedServer(p.server_cert.clone())));
    let mut config = match client {
        Some((cert, key)) => builder.with_client_auth_cert(vec![cert], key).unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = ServerName::try_from("localhost").unwrap();
    let io: Box<dyn AsyncIo> = match p.network.as_str() {
        "unix" => Box::new(tokio::net::UnixStream::connect(&p.address).await.unwrap()),
        _ => Box::new(tokio::net::TcpStream::connect(&p.address).await.unwrap()),
    };
    let Ok(mut tls) = connector.connect(name, io).await else {
        return false;
    };
    if tls.get_ref().1.alpn_protocol() != Some(b"h2") {
        return false;
    }
    // With TLS 1.3 the server checks the client certificate after the client considers the handshake
    // done, so a refusal shows up as a failed read.
    if tls
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 9];
    let read =
        tokio::time::timeout(std::time::Duration::from_secs(5), tls.read_exact(&mut buf)).await;
    // Frame type 4 is SETTINGS: the server's first HTTP/2 frame.
    matches!(read, Ok(Ok(_)) if buf[3] == 4)
}

trait AsyncIo: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> AsyncIo for T {}

fn auto_mtls_on(network: &str) {
    let (terraform_pem, terraform_der, terraform_key) = p521_client_cert();
    let (_, stranger_der, stranger_key) = p521_client_cert();
    let plugin = launch(&terraform_pem, network);
    assert_eq!(plugin.network, network);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        assert!(
            speaks_http2(&plugin, Some((terraform_der, terraform_key))).await,
            "Terraform's own P-521 certificate must be accepted"
        );
        assert!(
            !speaks_http2(&plugin, None).await,
            "a connection without a client certificate was served"
        );
        assert!(
            !speaks_http2(&plugin, Some((stranger_der, stranger_key))).await,
            "a connection with another certificate was served"
        );
    });
}

#[test]
fn auto_mtls_requires_terraforms_certificate_unix() {
    auto_mtls_on("unix");
}

#[test]
fn auto_mtls_requires_terraforms_certificate_tcp() {
    auto_mtls_on("tcp");
}
