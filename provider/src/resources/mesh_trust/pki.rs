//! PKI core of `multicloud_mesh_trust`: Istio "plug-in CA" material.
//!
//! One shared root CA signs one intermediate CA per cluster; each cluster gets Istio's `cacerts`
//! Secret (`ca-cert.pem`, `ca-key.pem`, `root-cert.pem`, `cert-chain.pem`) in `istio-system`.
//!
//! The certificate profiles follow Istio's `tools/certs` Makefiles:
//! - root: self-signed, subject `O=<organization>, CN=<common_name>`, basicConstraints
//!   `critical, CA:true` (no pathlen), keyUsage `critical, digitalSignature, keyCertSign,
//!   cRLSign`, subjectKeyIdentifier;
//! - intermediate: subject `O=<organization>, CN=Intermediate CA, L=<cluster>`, basicConstraints
//!   `critical, CA:true, pathlen:0`, the same key usages, SAN `DNS:istiod.istio-system.svc`,
//!   subject and authority key identifiers.
//!
//! Istio's own configuration also sets nonRepudiation and keyEncipherment; they are left out here
//! because a CA key neither signs content nor encrypts keys (and keyEncipherment does not apply to
//! ECDSA keys).
//!
//! Signatures: RSA keys sign with sha256WithRSAEncryption (PKCS#1 v1.5), P-256 keys with
//! ecdsa-with-SHA256 and P-384 keys with ecdsa-with-SHA384: the hash matched to the curve's
//! strength (RFC 5480 section 4), which is also what Go's crypto/x509, and therefore istiod
//! itself, uses when it signs workload certificates with a P-384 CA key.
//!
//! Every validity window starts one minute before `now` (clock skew between machines) and ends
//! `validity_days` after `now`; times are truncated to whole seconds as X.509 stores them.
//! Serial numbers are 128 random bits, positive.
//!
//! No error message includes private-key material: key problems are described by kind only.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyIdMethod,
    KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, PKCS_RSA_SHA256,
    RsaKeySize, SanType, SerialNumber, SignatureAlgorithm,
};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};
use sha2::{Digest as _, Sha256};
use time::{Duration, OffsetDateTime, UtcOffset};
use x509_parser::certificate::X509Certificate;
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION,
};
use x509_parser::prelude::FromDer as _;
use x509_parser::x509::{SubjectPublicKeyInfo, X509Name, X509Version};

/// Common name of every per-cluster intermediate CA (Istio's `INTERMEDIATE_CN`).
pub const INTERMEDIATE_COMMON_NAME: &str = "Intermediate CA";
/// The DNS SAN Istio puts on intermediate CAs (Istio's `INTERMEDIATE_SAN_DNS`).
pub const ISTIOD_SAN: &str = "istiod.istio-system.svc";
/// Longest allowed validity, in days (100 years).
pub const MAX_VALIDITY_DAYS: u32 = 36_500;
/// Label put on the `cacerts` Secret.
pub const MANAGED_BY_LABEL: (&str, &str) = ("app.kubernetes.io/managed-by", "terraform-multicloud");
/// Annotation on the `cacerts` Secret whose value is the cluster's name.
pub const CLUSTER_ANNOTATION: &str = "terraform-multicloud/cluster";

/// Longest common name and organization (RFC 5280 upper bounds ub-common-name and
/// ub-organization-name).
const MAX_NAME_LEN: usize = 64;
/// Longest cluster name, which becomes the intermediate's locality (RFC 5280 ub-locality-name).
const MAX_CLUSTER_LEN: usize = 128;
/// How far back every validity window starts, for clock skew between machines.
const CLOCK_SKEW: Duration = Duration::minutes(1);

/// Key type and size of a generated CA key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAlgorithm {
    Rsa2048,
    Rsa3072,
    Rsa4096,
    EcdsaP256,
    EcdsaP384,
}

impl KeyAlgorithm {
    /// Every accepted name, in the order of the enum's variants.
    pub const NAMES: &'static [&'static str] = &[
        "RSA_2048",
        "RSA_3072",
        "RSA_4096",
        "ECDSA_P256",
        "ECDSA_P384",
    ];

    const ALL: [KeyAlgorithm; 5] = [
        KeyAlgorithm::Rsa2048,
        KeyAlgorithm::Rsa3072,
        KeyAlgorithm::Rsa4096,
        KeyAlgorithm::EcdsaP256,
        KeyAlgorithm::EcdsaP384,
    ];

    /// Parses one of [`KeyAlgorithm::NAMES`] (exact spelling).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.as_str() == s)
    }

    /// The name this algorithm is configured with, one of [`KeyAlgorithm::NAMES`].
    pub fn as_str(&self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa2048 => "RSA_2048",
            KeyAlgorithm::Rsa3072 => "RSA_3072",
            KeyAlgorithm::Rsa4096 => "RSA_4096",
            KeyAlgorithm::EcdsaP256 => "ECDSA_P256",
            KeyAlgorithm::EcdsaP384 => "ECDSA_P384",
        }
    }

    fn generate_key(self) -> Result<KeyPair, PkiError> {
        let generated = match self {
            KeyAlgorithm::Rsa2048 => KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048),
            KeyAlgorithm::Rsa3072 => KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_3072),
            KeyAlgorithm::Rsa4096 => KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_4096),
            KeyAlgorithm::EcdsaP256 => KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256),
            KeyAlgorithm::EcdsaP384 => KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384),
        };
        generated.map_err(|e| PkiError::KeyGeneration {
            algorithm: self.as_str(),
            reason: e.to_string(),
        })
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the shared root CA is made of.
#[derive(Clone, Debug)]
pub struct RootSpec {
    pub common_name: String,
    pub organization: String,
    pub key_algorithm: KeyAlgorithm,
    pub validity_days: u32,
}

/// What one cluster's intermediate CA is made of.
#[derive(Clone, Debug)]
pub struct IntermediateSpec {
    pub cluster: String,
    pub organization: String,
    pub key_algorithm: KeyAlgorithm,
    pub validity_days: u32,
}

/// A CA able to sign: certificate and its private key (PEM, PKCS#8 for generated keys).
#[derive(Clone)]
pub struct CaMaterial {
    pub cert_pem: String,
    pub key_pem: String,
}

impl fmt::Debug for CaMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaMaterial")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"[redacted]")
            .finish()
    }
}

/// Facts about one certificate, for state and diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertInfo {
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Lowercase hex, no colons, no leading zero bytes.
    pub serial_hex: String,
    /// First CN of the subject; empty if there is none.
    pub subject_cn: String,
    /// First CN of the issuer; empty if there is none.
    pub issuer_cn: String,
    pub is_ca: bool,
    /// SHA-256 of the certificate's DER encoding, lowercase hex, no colons.
    pub sha256_fingerprint: String,
}

/// Why CA material could not be made or used. Messages never contain private-key material.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },
    #[error("could not generate a {algorithm} key: {reason}")]
    KeyGeneration {
        algorithm: &'static str,
        reason: String,
    },
    #[error("invalid certificate PEM: {0}")]
    CertificatePem(String),
    #[error("invalid certificate: {0}")]
    Certificate(String),
    #[error("unusable private key: {0}")]
    PrivateKey(String),
    #[error("the certificate cannot be used as a CA: {0}")]
    NotCa(String),
    #[error("the private key does not match the certificate: {0}")]
    KeyMismatch(String),
    #[error(
        "the intermediate CA for cluster {cluster:?} would be valid until {} \
         (validity_days = {validity_days}), after the signing root CA expires at {}; \
         validity_days must be at most {max_validity_days} for this root, or renew the root first",
        fmt_time(*.intermediate_not_after),
        fmt_time(*.root_not_after)
    )]
    OutlivesRoot {
        cluster: String,
        validity_days: u32,
        intermediate_not_after: OffsetDateTime,
        root_not_after: OffsetDateTime,
        max_validity_days: i64,
    },
    #[error(
        "the signing root CA expires at {}, less than one day after now ({}); \
         renew the root before issuing intermediate CAs",
        fmt_time(*.root_not_after),
        fmt_time(*.now)
    )]
    RootExpiresTooSoon {
        root_not_after: OffsetDateTime,
        now: OffsetDateTime,
    },
    #[error("could not sign the certificate: {0}")]
    Signing(String),
}

/// Creates a self-signed root CA with a freshly generated key.
pub fn generate_root(spec: &RootSpec, now: OffsetDateTime) -> Result<CaMaterial, PkiError> {
    check_name("common_name", &spec.common_name, MAX_NAME_LEN)?;
    check_name("organization", &spec.organization, MAX_NAME_LEN)?;
    let (_, not_before, not_after) = validity_window(now, spec.validity_days)?;

    let key = spec.key_algorithm.generate_key()?;

    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, spec.organization.as_str());
    dn.push(DnType::CommonName, spec.common_name.as_str());
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = ca_key_usages();
    params.key_identifier_method = KeyIdMethod::Sha256;
    params.use_authority_key_identifier_extension = false;
    params.serial_number = Some(random_serial());
    params.not_before = not_before;
    params.not_after = not_after;

    let cert = params
        .self_signed(&key)
        .map_err(|e| PkiError::Signing(e.to_string()))?;
    Ok(CaMaterial {
        cert_pem: pem_encode("CERTIFICATE", cert.der()),
        key_pem: pem_encode("PRIVATE KEY", key.serialized_der()),
    })
}

/// Bring-your-own root: checks the certificate is a CA with keyCertSign, parses the key (PKCS#8,
/// PKCS#1 RSA, SEC1 EC), and that the key matches the certificate's public key.
///
/// The first certificate of `cert_pem` is the root; a key PEM may hold other blocks (such as the
/// `EC PARAMETERS` that `openssl ecparam -genkey` writes), the first private-key block is used.
/// The returned material holds both re-encoded as single PEM blocks (the key keeps its format).
/// The root must be X.509 v3 with basicConstraints CA:true and a keyUsage extension including
/// keyCertSign (RFC 5280 requires keyUsage on CA certificates and `openssl verify -x509_strict`
/// enforces it; note OpenSSL's `req -x509` omits it unless told). A pathlen of 0 is refused, since
/// such a root could not sign the per-cluster intermediate CAs.
pub fn load_root(cert_pem: &str, key_pem: &str) -> Result<CaMaterial, PkiError> {
    let cert_der = first_certificate_der(cert_pem)?;
    let cert = parse_certificate(&cert_der)?;
    check_ca(&cert)?;
    let key = load_signing_key(&cert, key_pem)?;
    Ok(CaMaterial {
        cert_pem: pem_encode("CERTIFICATE", &cert_der),
        key_pem: key.pem,
    })
}

/// Signs an intermediate for one cluster. Error if it would outlive the signing root (say both
/// dates and the max validity_days allowed).
pub fn issue_intermediate(
    root: &CaMaterial,
    spec: &IntermediateSpec,
    now: OffsetDateTime,
) -> Result<CaMaterial, PkiError> {
    check_name("cluster", &spec.cluster, MAX_CLUSTER_LEN)?;
    check_name("organization", &spec.organization, MAX_NAME_LEN)?;
    let (now, not_before, not_after) = validity_window(now, spec.validity_days)?;

    let root_der = first_certificate_der(&root.cert_pem)?;
    let root_cert = parse_certificate(&root_der)?;
    check_ca(&root_cert)?;
    let root_key = load_signing_key(&root_cert, &root.key_pem)?;

    let root_not_after = root_cert.validity().not_after.to_datetime();
    if not_after > root_not_after {
        let max_validity_days = (root_not_after - now).whole_days();
        if max_validity_days < 1 {
            return Err(PkiError::RootExpiresTooSoon {
                root_not_after,
                now,
            });
        }
        return Err(PkiError::OutlivesRoot {
            cluster: spec.cluster.clone(),
            validity_days: spec.validity_days,
            intermediate_not_after: not_after,
            root_not_after,
            max_validity_days,
        });
    }

    let root_has_ski = root_cert.iter_extensions().any(|ext| {
        matches!(
            ext.parsed_extension(),
            x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(_)
        )
    });
    // Takes the issuer name, key usages and subject key identifier from the root certificate.
    let issuer = Issuer::from_ca_cert_der(&root_der.as_slice().into(), &root_key.key_pair)
        .map_err(|e| {
            PkiError::Certificate(format!(
                "the root certificate's subject cannot be used as an issuer name ({e}); \
                 use a root whose subject has one attribute per RDN"
            ))
        })?;

    let key = spec.key_algorithm.generate_key()?;

    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, spec.organization.as_str());
    dn.push(DnType::CommonName, INTERMEDIATE_COMMON_NAME);
    dn.push(DnType::LocalityName, spec.cluster.as_str());
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = ca_key_usages();
    let san = ISTIOD_SAN
        .try_into()
        .map_err(|e| PkiError::Signing(format!("invalid SAN {ISTIOD_SAN}: {e}")))?;
    params.subject_alt_names = vec![SanType::DnsName(san)];
    params.key_identifier_method = KeyIdMethod::Sha256;
    params.use_authority_key_identifier_extension = root_has_ski;
    params.serial_number = Some(random_serial());
    params.not_before = not_before;
    params.not_after = not_after;

    let cert = params
        .signed_by(&key, &issuer)
        .map_err(|e| PkiError::Signing(e.to_string()))?;

    // Chain building (Go's crypto/x509 in istiod, among others) matches the issuer name to the
    // root's subject byte for byte; refuse roots whose subject encoding could not be reproduced.
    let issued = parse_certificate(cert.der())?;
    if issued.issuer().as_raw() != root_cert.subject().as_raw() {
        return Err(PkiError::Certificate(format!(
            "the root's subject \"{}\" cannot be reproduced exactly as the intermediate's issuer \
             name (repeated or multi-valued attributes); use a root with a simple subject such as \
             O=<organization>, CN=<name>",
            root_cert.subject()
        )));
    }

    Ok(CaMaterial {
        cert_pem: pem_encode("CERTIFICATE", cert.der()),
        key_pem: pem_encode("PRIVATE KEY", key.serialized_der()),
    })
}

/// Facts about the first certificate in the PEM text.
pub fn cert_info(cert_pem: &str) -> Result<CertInfo, PkiError> {
    let der = first_certificate_der(cert_pem)?;
    let cert = parse_certificate(&der)?;
    let serial = cert.raw_serial();
    let first_non_zero = serial.iter().position(|b| *b != 0).unwrap_or(serial.len());
    let mut serial_hex = hex(&serial[first_non_zero..]);
    if serial_hex.is_empty() {
        serial_hex.push_str("00");
    }
    let is_ca = cert
        .basic_constraints()
        .map_err(|e| PkiError::Certificate(format!("invalid basicConstraints extension: {e}")))?
        .is_some_and(|bc| bc.value.ca);
    Ok(CertInfo {
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        serial_hex,
        subject_cn: first_common_name(cert.subject()),
        issuer_cn: first_common_name(cert.issuer()),
        is_ca,
        sha256_fingerprint: hex(&Sha256::digest(&der)),
    })
}

/// The `cacerts` Secret as YAML (apiVersion v1, kind Secret, metadata.name cacerts, namespace
/// istio-system, type Opaque, `data` with base64 of ca-cert.pem, ca-key.pem, root-cert.pem,
/// cert-chain.pem), ready for `kubectl apply -f`. It carries the label
/// [`MANAGED_BY_LABEL`] and the annotation [`CLUSTER_ANNOTATION`] naming the cluster.
pub fn cacerts_manifest(
    cluster: &str,
    ca_cert_pem: &str,
    ca_key_pem: &str,
    root_bundle_pem: &str,
    cert_chain_pem: &str,
) -> String {
    let (label_key, label_value) = MANAGED_BY_LABEL;
    let mut out = String::new();
    out.push_str("apiVersion: v1\n");
    out.push_str("kind: Secret\n");
    out.push_str("metadata:\n");
    out.push_str("  name: cacerts\n");
    out.push_str("  namespace: istio-system\n");
    out.push_str("  labels:\n");
    out.push_str(&format!("    {label_key}: {label_value}\n"));
    out.push_str("  annotations:\n");
    out.push_str(&format!(
        "    {CLUSTER_ANNOTATION}: {}\n",
        yaml_double_quoted(cluster)
    ));
    out.push_str("type: Opaque\n");
    out.push_str("data:\n");
    for (name, content) in [
        ("ca-cert.pem", ca_cert_pem),
        ("ca-key.pem", ca_key_pem),
        ("root-cert.pem", root_bundle_pem),
        ("cert-chain.pem", cert_chain_pem),
    ] {
        out.push_str(&format!("  {name}: {}\n", BASE64.encode(content)));
    }
    out
}

// ----------------------------------------------------------------------------------------------
// Internals

fn ca_key_usages() -> Vec<KeyUsagePurpose> {
    vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
    ]
}

fn check_name(field: &'static str, value: &str, max_len: usize) -> Result<(), PkiError> {
    let invalid = |reason: String| Err(PkiError::InvalidInput { field, reason });
    if value.trim().is_empty() {
        return invalid("must not be empty".to_string());
    }
    if value.trim() != value {
        return invalid(format!(
            "{value:?} has leading or trailing whitespace; remove it"
        ));
    }
    let len = value.chars().count();
    if len > max_len {
        return invalid(format!(
            "is {len} characters long; at most {max_len} are allowed"
        ));
    }
    if value.chars().any(char::is_control) {
        return invalid(format!(
            "{value:?} contains control characters; only printable characters are allowed"
        ));
    }
    Ok(())
}

/// `(now, not_before, not_after)`, all UTC and whole seconds.
fn validity_window(
    now: OffsetDateTime,
    validity_days: u32,
) -> Result<(OffsetDateTime, OffsetDateTime, OffsetDateTime), PkiError> {
    if validity_days == 0 || validity_days > MAX_VALIDITY_DAYS {
        return Err(PkiError::InvalidInput {
            field: "validity_days",
            reason: format!(
                "{validity_days} is out of range; allowed: 1 to {MAX_VALIDITY_DAYS} days"
            ),
        });
    }
    let now = now.to_offset(UtcOffset::UTC);
    let now = now - Duration::nanoseconds(i64::from(now.nanosecond()));
    let not_before = now.checked_sub(CLOCK_SKEW);
    let not_after = now.checked_add(Duration::days(i64::from(validity_days)));
    match (not_before, not_after) {
        (Some(not_before), Some(not_after)) if not_after.year() <= 9999 => {
            Ok((now, not_before, not_after))
        }
        _ => Err(PkiError::InvalidInput {
            field: "validity_days",
            reason: format!(
                "{validity_days} days after {} is past the year 9999, the last X.509 can express",
                fmt_time(now)
            ),
        }),
    }
}

/// 16 random bytes, first byte in 0x01..=0x7f: a positive serial of 121 to 127 bits, encoded in
/// exactly 16 bytes.
fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] = (bytes[0] & 0x7f).max(1);
    SerialNumber::from_slice(&bytes)
}

fn first_certificate_der(cert_pem: &str) -> Result<Vec<u8>, PkiError> {
    let blocks = parse_pem(cert_pem).map_err(PkiError::CertificatePem)?;
    blocks
        .into_iter()
        .find(|block| block.label == "CERTIFICATE")
        .map(|block| block.der)
        .ok_or_else(|| {
            PkiError::CertificatePem(
                "no \"-----BEGIN CERTIFICATE-----\" block found; a PEM-encoded X.509 certificate \
                 is expected"
                    .to_string(),
            )
        })
}

fn parse_certificate(der: &[u8]) -> Result<X509Certificate<'_>, PkiError> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|e| {
        PkiError::Certificate(format!(
            "the CERTIFICATE block is not valid X.509 DER ({e})"
        ))
    })?;
    if !rest.is_empty() {
        return Err(PkiError::Certificate(format!(
            "{} unexpected bytes follow the certificate inside its PEM block",
            rest.len()
        )));
    }
    Ok(cert)
}

fn check_ca(cert: &X509Certificate<'_>) -> Result<(), PkiError> {
    let subject = cert.subject();
    if cert.version() != X509Version::V3 {
        return Err(PkiError::NotCa(format!(
            "\"{subject}\" is an X.509 v{} certificate; a CA must be v3 with basicConstraints \
             CA:true",
            cert.version().0 + 1
        )));
    }
    let basic_constraints = cert.basic_constraints().map_err(|e| {
        PkiError::Certificate(format!(
            "\"{subject}\": invalid basicConstraints extension ({e})"
        ))
    })?;
    match basic_constraints {
        None => {
            return Err(PkiError::NotCa(format!(
                "\"{subject}\" has no basicConstraints extension; CA:true is required"
            )));
        }
        Some(bc) if !bc.value.ca => {
            return Err(PkiError::NotCa(format!(
                "\"{subject}\" has basicConstraints CA:false; CA:true is required"
            )));
        }
        Some(bc) if bc.value.path_len_constraint == Some(0) => {
            return Err(PkiError::NotCa(format!(
                "\"{subject}\" has basicConstraints pathlen:0, which forbids the per-cluster \
                 intermediate CAs below it; the root must have no pathlen or pathlen >= 1"
            )));
        }
        Some(_) => {}
    }
    let key_usage = cert.key_usage().map_err(|e| {
        PkiError::Certificate(format!("\"{subject}\": invalid keyUsage extension ({e})"))
    })?;
    match key_usage {
        None => Err(PkiError::NotCa(format!(
            "\"{subject}\" has no keyUsage extension; a CA certificate must carry keyUsage with \
             keyCertSign (RFC 5280 section 4.2.1.3)"
        ))),
        Some(ku) if !ku.value.key_cert_sign() => Err(PkiError::NotCa(format!(
            "\"{subject}\" has keyUsage {} without keyCertSign; keyCertSign is required to sign \
             intermediate CAs",
            ku.value
        ))),
        Some(_) => Ok(()),
    }
}

/// The signature algorithm a CA key signs with, from the certificate's public key.
fn signing_algorithm(
    spki: &SubjectPublicKeyInfo<'_>,
) -> Result<(&'static SignatureAlgorithm, &'static str), PkiError> {
    let key_oid = &spki.algorithm.algorithm;
    if *key_oid == OID_PKCS1_RSAENCRYPTION {
        return Ok((&PKCS_RSA_SHA256, "RSA"));
    }
    if *key_oid == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        return match curve {
            Some(c) if c == OID_EC_P256 => Ok((&PKCS_ECDSA_P256_SHA256, "ECDSA P-256")),
            Some(c) if c == OID_NIST_EC_P384 => Ok((&PKCS_ECDSA_P384_SHA384, "ECDSA P-384")),
            Some(c) => Err(PkiError::Certificate(format!(
                "unsupported elliptic curve {c} in the certificate's public key; supported: \
                 P-256, P-384"
            ))),
            None => Err(PkiError::Certificate(
                "the certificate's EC public key names no curve; supported: P-256, P-384"
                    .to_string(),
            )),
        };
    }
    Err(PkiError::Certificate(format!(
        "unsupported public key algorithm {key_oid}; supported: RSA, ECDSA P-256, ECDSA P-384"
    )))
}

const SIGNING_ALGORITHMS: [(&SignatureAlgorithm, &str); 3] = [
    (&PKCS_RSA_SHA256, "RSA"),
    (&PKCS_ECDSA_P256_SHA256, "ECDSA P-256"),
    (&PKCS_ECDSA_P384_SHA384, "ECDSA P-384"),
];

struct CaKey {
    key_pair: KeyPair,
    /// The key's PEM block, re-encoded alone.
    pem: String,
}

fn load_signing_key(cert: &X509Certificate<'_>, key_pem: &str) -> Result<CaKey, PkiError> {
    let blocks = parse_pem(key_pem).map_err(PkiError::PrivateKey)?;
    if blocks
        .iter()
        .any(|b| b.encrypted || b.label == "ENCRYPTED PRIVATE KEY")
    {
        return Err(PkiError::PrivateKey(
            "the private key is encrypted; provide it unencrypted (PKCS#8, PKCS#1 RSA or SEC1 EC)"
                .to_string(),
        ));
    }
    let Some(block) = blocks.into_iter().find(|b| {
        matches!(
            b.label.as_str(),
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY"
        )
    }) else {
        return Err(PkiError::PrivateKey(
            "no private key block found; expected \"-----BEGIN PRIVATE KEY-----\" (PKCS#8), \
             \"-----BEGIN RSA PRIVATE KEY-----\" (PKCS#1) or \"-----BEGIN EC PRIVATE KEY-----\" \
             (SEC1)"
                .to_string(),
        ));
    };
    let key_der = match block.label.as_str() {
        "RSA PRIVATE KEY" => PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(block.der.as_slice())),
        "EC PRIVATE KEY" => PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(block.der.as_slice())),
        _ => PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(block.der.as_slice())),
    };
    let (alg, alg_name) = signing_algorithm(cert.public_key())?;
    let cert_public_key: &[u8] = &cert.public_key().subject_public_key.data;
    match KeyPair::from_der_and_sign_algo(&key_der, alg) {
        Ok(key_pair) if key_pair.public_key_raw() == cert_public_key => Ok(CaKey {
            key_pair,
            pem: pem_encode(&block.label, &block.der),
        }),
        Ok(_) => Err(PkiError::KeyMismatch(format!(
            "the {alg_name} private key is not the one of \"{}\"",
            cert.subject()
        ))),
        Err(_) => {
            let other = SIGNING_ALGORITHMS
                .iter()
                .filter(|(other, _)| !std::ptr::eq(*other, alg))
                .find(|(other, _)| KeyPair::from_der_and_sign_algo(&key_der, other).is_ok());
            match other {
                Some((_, other_name)) => Err(PkiError::KeyMismatch(format!(
                    "the private key is {other_name} but the public key of \"{}\" is {alg_name}",
                    cert.subject()
                ))),
                None => Err(PkiError::PrivateKey(format!(
                    "the \"{}\" PEM block is not a valid {alg_name} private key (expected an \
                     unencrypted PKCS#8, PKCS#1 RSA or SEC1 EC key matching the certificate)",
                    block.label
                ))),
            }
        }
    }
}

fn first_common_name(name: &X509Name<'_>) -> String {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .unwrap_or_default()
        .to_string()
}

struct PemBlock {
    label: String,
    der: Vec<u8>,
    /// An RFC 1421 `Proc-Type: 4,ENCRYPTED` header was present.
    encrypted: bool,
}

/// Every PEM block of `text`; text outside blocks is ignored. Errors describe the structure only,
/// never the content.
fn parse_pem(text: &str) -> Result<Vec<PemBlock>, String> {
    struct Open {
        label: String,
        body: String,
        encrypted: bool,
        line: usize,
    }
    let mut blocks = Vec::new();
    let mut open: Option<Open> = None;
    for (index, raw_line) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw_line.trim();
        let begin = line
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"));
        match open.as_mut() {
            None => {
                if let Some(label) = begin {
                    open = Some(Open {
                        label: label.to_string(),
                        body: String::new(),
                        encrypted: false,
                        line: line_no,
                    });
                }
            }
            Some(block) => {
                let end = line
                    .strip_prefix("-----END ")
                    .and_then(|rest| rest.strip_suffix("-----"));
                if let Some(end_label) = end {
                    if end_label != block.label {
                        return Err(format!(
                            "the {} block opened on line {} is closed on line {line_no} by an \
                             END line with another label",
                            safe_label(&block.label),
                            block.line
                        ));
                    }
                    let der = BASE64.decode(block.body.as_bytes()).map_err(|_| {
                        format!(
                            "the {} block opened on line {} is not valid base64",
                            safe_label(&block.label),
                            block.line
                        )
                    })?;
                    if der.is_empty() {
                        return Err(format!(
                            "the {} block opened on line {} is empty",
                            safe_label(&block.label),
                            block.line
                        ));
                    }
                    blocks.push(PemBlock {
                        label: block.label.clone(),
                        der,
                        encrypted: block.encrypted,
                    });
                    open = None;
                } else if begin.is_some() || line.starts_with("-----") {
                    return Err(format!(
                        "the {} block opened on line {} has no END line before line {line_no}",
                        safe_label(&block.label),
                        block.line
                    ));
                } else if let Some((name, value)) = line.split_once(':') {
                    // RFC 1421 encapsulated header, e.g. "Proc-Type: 4,ENCRYPTED".
                    if name.trim().eq_ignore_ascii_case("Proc-Type")
                        && value.to_ascii_uppercase().contains("ENCRYPTED")
                    {
                        block.encrypted = true;
                    }
                } else {
                    block.body.push_str(line);
                }
            }
        }
    }
    if let Some(block) = open {
        return Err(format!(
            "the {} block opened on line {} has no END line",
            safe_label(&block.label),
            block.line
        ));
    }
    if blocks.is_empty() {
        return Err("no PEM block (\"-----BEGIN ...-----\") found".to_string());
    }
    Ok(blocks)
}

/// A PEM label fit for an error message: short and made of the characters labels use.
fn safe_label(label: &str) -> String {
    let ok = label.len() <= 40
        && label
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ' ' || c == '-');
    if ok {
        format!("\"{label}\"")
    } else {
        "PEM".to_string()
    }
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = BASE64.encode(der);
    let mut out = String::with_capacity(body.len() + body.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in body.as_bytes().chunks(64) {
        // Base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// RFC 3339 UTC, whole seconds: `2035-01-02T03:04:05Z`.
fn fmt_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A YAML double-quoted scalar (JSON-compatible escapes).
fn yaml_double_quoted(s: &str) -> String {
    use fmt::Write as _;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use rcgen::{ExtendedKeyUsagePurpose, PKCS_ECDSA_P256_SHA256};
    use x509_parser::extensions::{GeneralName, ParsedExtension};
    use x509_parser::oid_registry::{
        OID_PKCS1_SHA256WITHRSA, OID_SIG_ECDSA_WITH_SHA256, OID_SIG_ECDSA_WITH_SHA384, Oid,
    };

    use super::*;

    fn root_spec(alg: KeyAlgorithm) -> RootSpec {
        RootSpec {
            common_name: "Mesh Root CA".to_string(),
            organization: "Example Corp".to_string(),
            key_algorithm: alg,
            validity_days: 3650,
        }
    }

    fn int_spec(cluster: &str, alg: KeyAlgorithm) -> IntermediateSpec {
        IntermediateSpec {
            cluster: cluster.to_string(),
            organization: "Example Corp".to_string(),
            key_algorithm: alg,
            validity_days: 730,
        }
    }

    fn der(pem: &str) -> Vec<u8> {
        first_certificate_der(pem).unwrap()
    }

    fn ski(cert: &X509Certificate<'_>) -> Option<Vec<u8>> {
        cert.iter_extensions()
            .find_map(|ext| match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
                _ => None,
            })
    }

    fn aki(cert: &X509Certificate<'_>) -> Option<Vec<u8>> {
        cert.iter_extensions()
            .find_map(|ext| match ext.parsed_extension() {
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    a.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                _ => None,
            })
    }

    /// Fails if any 24-character run of the key PEM's base64 body appears in `text`.
    fn assert_no_key_material(text: &str, key_pem: &str) {
        let body: String = key_pem
            .lines()
            .filter(|l| !l.starts_with("-----") && !l.contains(':'))
            .collect();
        assert!(body.len() > 24, "test key has no body");
        let bytes = body.as_bytes();
        for start in (0..bytes.len() - 24).step_by(4) {
            let window = &body[start..start + 24];
            assert!(
                !text.contains(window),
                "key material leaked into error text: {text}"
            );
        }
    }

    // ------------------------------------------------------------------------------------------
    // OpenSSL helpers. The checks are skipped, saying so, where no `openssl` binary exists.

    fn openssl_available() -> bool {
        let found = Command::new("openssl")
            .arg("version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !found {
            eprintln!("SKIPPED: openssl binary not found, OpenSSL cross-checks not run");
        }
        found
    }

    fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn openssl_ok(dir: &Path, args: &[&str]) -> String {
        let (ok, text) = openssl(dir, args);
        assert!(ok, "openssl {args:?} failed: {text}");
        text
    }

    /// A workload-style leaf signed by `ca` (test only), so OpenSSL checks the whole chain.
    fn leaf_signed_by(ca: &CaMaterial, now: OffsetDateTime) -> String {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let ca_key = KeyPair::from_pem(&ca.key_pem).unwrap();
        let issuer = Issuer::from_ca_cert_pem(&ca.cert_pem, &ca_key).unwrap();
        let mut params = CertificateParams::new(vec!["workload.default.svc".to_string()]).unwrap();
        params.subject_alt_names.push(SanType::URI(
            "spiffe://cluster.local/ns/default/sa/default"
                .try_into()
                .unwrap(),
        ));
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        params.not_before = now - Duration::minutes(1);
        params.not_after = now + Duration::days(1);
        params.signed_by(&key, &issuer).unwrap().pem()
    }

    /// OpenSSL verifies the intermediate against the root, and a leaf through Istio's
    /// cert-chain.pem (intermediate then root); it parses both keys.
    fn openssl_verify(root: &CaMaterial, int: &CaMaterial, now: OffsetDateTime) {
        if !openssl_available() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("root-cert.pem"), &root.cert_pem).unwrap();
        std::fs::write(d.join("root-key.pem"), &root.key_pem).unwrap();
        std::fs::write(d.join("ca-cert.pem"), &int.cert_pem).unwrap();
        std::fs::write(d.join("ca-key.pem"), &int.key_pem).unwrap();
        let chain = format!("{}{}", int.cert_pem, root.cert_pem);
        std::fs::write(d.join("cert-chain.pem"), chain).unwrap();
        std::fs::write(d.join("leaf.pem"), leaf_signed_by(int, now)).unwrap();

        let out = openssl_ok(
            d,
            &[
                "verify",
                "-x509_strict",
                "-CAfile",
                "root-cert.pem",
                "ca-cert.pem",
            ],
        );
        assert!(out.contains("ca-cert.pem: OK"), "{out}");
        let out = openssl_ok(
            d,
            &[
                "verify",
                "-x509_strict",
                "-CAfile",
                "root-cert.pem",
                "-untrusted",
                "cert-chain.pem",
                "leaf.pem",
            ],
        );
        assert!(out.contains("leaf.pem: OK"), "{out}");
        // The harness can fail: the leaf does not verify without the intermediate.
        let (ok, _) = openssl(d, &["verify", "-CAfile", "root-cert.pem", "leaf.pem"]);
        assert!(!ok, "leaf verified without its intermediate");
        for key in ["root-key.pem", "ca-key.pem"] {
            openssl_ok(d, &["pkey", "-in", key, "-noout"]);
        }

        // cert_info agrees with OpenSSL on serial and fingerprint.
        let info = cert_info(&int.cert_pem).unwrap();
        let out = openssl_ok(
            d,
            &[
                "x509",
                "-in",
                "ca-cert.pem",
                "-noout",
                "-serial",
                "-fingerprint",
                "-sha256",
            ],
        );
        let serial = out
            .lines()
            .find_map(|l| l.strip_prefix("serial="))
            .unwrap()
            .to_ascii_lowercase();
        assert_eq!(serial, info.serial_hex);
        let fingerprint = out
            .lines()
            .find_map(|l| l.split_once("Fingerprint=").map(|(_, f)| f))
            .unwrap()
            .replace(':', "")
            .to_ascii_lowercase();
        assert_eq!(fingerprint, info.sha256_fingerprint);
    }

    /// Issues root and intermediate, checks signatures in Rust and with OpenSSL.
    fn check_chain(root_alg: KeyAlgorithm, int_alg: KeyAlgorithm, root_sig: &Oid<'_>) {
        let now = OffsetDateTime::now_utc();
        let root = generate_root(&root_spec(root_alg), now).unwrap();
        let int = issue_intermediate(&root, &int_spec("cluster-a", int_alg), now).unwrap();
        assert!(root.key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(int.key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));

        let (root_der, int_der) = (der(&root.cert_pem), der(&int.cert_pem));
        let root_cert = parse_certificate(&root_der).unwrap();
        let int_cert = parse_certificate(&int_der).unwrap();
        root_cert.verify_signature(None).unwrap();
        int_cert
            .verify_signature(Some(root_cert.public_key()))
            .unwrap();
        assert_eq!(&root_cert.signature_algorithm.algorithm, root_sig);
        assert_eq!(&int_cert.signature_algorithm.algorithm, root_sig);
        // The intermediate is not signed by some other key.
        let other = generate_root(&root_spec(KeyAlgorithm::EcdsaP256), now).unwrap();
        let other_der = der(&other.cert_pem);
        let other_cert = parse_certificate(&other_der).unwrap();
        assert!(
            int_cert
                .verify_signature(Some(other_cert.public_key()))
                .is_err()
        );
        // Each key is the one of its certificate.
        load_root(&root.cert_pem, &root.key_pem).unwrap();
        let err = load_root(&int.cert_pem, &int.key_pem).unwrap_err();
        assert!(matches!(err, PkiError::NotCa(_)), "{err}");

        openssl_verify(&root, &int, now);
    }

    #[test]
    fn ecdsa_p256_chain_verifies() {
        check_chain(
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::EcdsaP256,
            &OID_SIG_ECDSA_WITH_SHA256,
        );
    }

    #[test]
    fn ecdsa_p384_chain_verifies() {
        // P-384 keys sign with SHA-384 (see the module documentation).
        check_chain(
            KeyAlgorithm::EcdsaP384,
            KeyAlgorithm::EcdsaP384,
            &OID_SIG_ECDSA_WITH_SHA384,
        );
    }

    #[test]
    fn mixed_key_types_chain_verifies() {
        check_chain(
            KeyAlgorithm::EcdsaP384,
            KeyAlgorithm::EcdsaP256,
            &OID_SIG_ECDSA_WITH_SHA384,
        );
    }

    #[test]
    fn rsa_2048_chain_verifies() {
        // The only RSA key generated by the default test run: an RSA_2048 root signing with
        // sha256WithRSAEncryption.
        check_chain(
            KeyAlgorithm::Rsa2048,
            KeyAlgorithm::EcdsaP256,
            &OID_PKCS1_SHA256WITHRSA,
        );
    }

    #[test]
    #[ignore = "RSA 3072/4096 key generation takes seconds (more in debug builds); run with --ignored"]
    fn rsa_3072_and_4096_chains_verify() {
        check_chain(
            KeyAlgorithm::Rsa3072,
            KeyAlgorithm::Rsa3072,
            &OID_PKCS1_SHA256WITHRSA,
        );
        check_chain(
            KeyAlgorithm::Rsa4096,
            KeyAlgorithm::Rsa4096,
            &OID_PKCS1_SHA256WITHRSA,
        );
        check_chain(
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::Rsa2048,
            &OID_SIG_ECDSA_WITH_SHA256,
        );
    }

    #[test]
    #[ignore = "timing report, slow (RSA 4096): cargo test key_generation_timings -- --ignored --nocapture"]
    fn key_generation_timings() {
        for alg in KeyAlgorithm::ALL {
            let runs = 10;
            let mut times = Vec::new();
            for _ in 0..runs {
                let start = std::time::Instant::now();
                alg.generate_key().unwrap();
                times.push(start.elapsed());
            }
            times.sort();
            let total: std::time::Duration = times.iter().sum();
            eprintln!(
                "{alg}: min {:?}, median {:?}, max {:?}, mean {:?} ({runs} runs)",
                times[0],
                times[runs / 2],
                times[runs - 1],
                total / runs as u32
            );
        }
    }

    #[test]
    fn certificate_profiles_match_istio() {
        let now = OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap()
            + Duration::milliseconds(789);
        let whole = OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap();
        let root = generate_root(&root_spec(KeyAlgorithm::EcdsaP256), now).unwrap();
        let int = issue_intermediate(&root, &int_spec("eu-west-1", KeyAlgorithm::EcdsaP256), now)
            .unwrap();
        let (root_der, int_der) = (der(&root.cert_pem), der(&int.cert_pem));
        let root_cert = parse_certificate(&root_der).unwrap();
        let int_cert = parse_certificate(&int_der).unwrap();

        for (cert, pathlen) in [(&root_cert, None), (&int_cert, Some(0))] {
            assert_eq!(cert.version(), X509Version::V3);
            let bc = cert.basic_constraints().unwrap().unwrap();
            assert!(bc.critical);
            assert!(bc.value.ca);
            assert_eq!(bc.value.path_len_constraint, pathlen);
            let ku = cert.key_usage().unwrap().unwrap();
            assert!(ku.critical);
            assert!(ku.value.key_cert_sign());
            assert!(ku.value.crl_sign());
            assert!(ku.value.digital_signature());
            assert!(!ku.value.key_encipherment());
            assert!(!ku.value.non_repudiation());
            assert!(cert.extended_key_usage().unwrap().is_none());
            assert!(ski(cert).is_some());
            let serial = cert.raw_serial();
            assert_eq!(serial.len(), 16, "128-bit positive serial");
            assert!((1..=0x7f).contains(&serial[0]));
        }

        // Root: self-signed, O then CN, no SAN.
        assert_eq!(
            root_cert.subject().to_string(),
            "O=Example Corp, CN=Mesh Root CA"
        );
        assert_eq!(root_cert.issuer().as_raw(), root_cert.subject().as_raw());
        assert!(root_cert.subject_alternative_name().unwrap().is_none());
        assert_eq!(
            root_cert.validity().not_before.to_datetime(),
            whole - Duration::minutes(1)
        );
        assert_eq!(
            root_cert.validity().not_after.to_datetime(),
            whole + Duration::days(3650)
        );

        // Intermediate: Istio's subject with the cluster as locality, istiod SAN, AKI = root SKI.
        assert_eq!(
            int_cert.subject().to_string(),
            "O=Example Corp, CN=Intermediate CA, L=eu-west-1"
        );
        let locality = int_cert.subject().iter_locality().next().unwrap();
        assert_eq!(locality.as_str().unwrap(), "eu-west-1");
        assert_eq!(int_cert.issuer().as_raw(), root_cert.subject().as_raw());
        let san = int_cert.subject_alternative_name().unwrap().unwrap();
        assert!(!san.critical);
        assert_eq!(
            san.value.general_names,
            vec![GeneralName::DNSName("istiod.istio-system.svc")]
        );
        assert_eq!(aki(&int_cert), ski(&root_cert));
        assert_ne!(ski(&int_cert), ski(&root_cert));
        assert_eq!(
            int_cert.validity().not_before.to_datetime(),
            whole - Duration::minutes(1)
        );
        assert_eq!(
            int_cert.validity().not_after.to_datetime(),
            whole + Duration::days(730)
        );
        assert_ne!(root_cert.raw_serial(), int_cert.raw_serial());

        // cert_info.
        let info = cert_info(&format!("{}{}", int.cert_pem, root.cert_pem)).unwrap();
        assert_eq!(info.subject_cn, "Intermediate CA");
        assert_eq!(info.issuer_cn, "Mesh Root CA");
        assert!(info.is_ca);
        assert_eq!(info.not_before, whole - Duration::minutes(1));
        assert_eq!(info.not_after, whole + Duration::days(730));
        assert_eq!(info.serial_hex, hex(int_cert.raw_serial()));
        assert_eq!(info.serial_hex.len(), 32);
        assert_eq!(info.sha256_fingerprint, hex(&Sha256::digest(&int_der)));
        assert_eq!(info.sha256_fingerprint.len(), 64);
        let root_info = cert_info(&root.cert_pem).unwrap();
        assert_eq!(root_info.subject_cn, root_info.issuer_cn);
        assert!(matches!(
            cert_info("nothing here"),
            Err(PkiError::CertificatePem(_))
        ));
    }

    #[test]
    fn intermediate_may_not_outlive_root() {
        let now = OffsetDateTime::now_utc();
        let mut spec = root_spec(KeyAlgorithm::EcdsaP256);
        spec.validity_days = 10;
        let root = generate_root(&spec, now).unwrap();
        let root_not_after = cert_info(&root.cert_pem).unwrap().not_after;

        let mut int = int_spec("c1", KeyAlgorithm::EcdsaP256);
        int.validity_days = 11;
        let err = issue_intermediate(&root, &int, now).unwrap_err();
        let msg = err.to_string();
        let PkiError::OutlivesRoot {
            max_validity_days,
            intermediate_not_after,
            ..
        } = err
        else {
            panic!("unexpected error: {msg}");
        };
        assert_eq!(max_validity_days, 10);
        assert!(msg.contains(&fmt_time(root_not_after)), "{msg}");
        assert!(msg.contains(&fmt_time(intermediate_not_after)), "{msg}");
        assert!(msg.contains("at most 10"), "{msg}");
        assert!(msg.contains("\"c1\""), "{msg}");

        // Ending together with the root is allowed.
        int.validity_days = 10;
        let ok = issue_intermediate(&root, &int, now).unwrap();
        assert_eq!(cert_info(&ok.cert_pem).unwrap().not_after, root_not_after);

        // Less than a day of root left.
        int.validity_days = 1;
        let later = now + Duration::days(9) + Duration::hours(12);
        let err = issue_intermediate(&root, &int, later).unwrap_err();
        assert!(matches!(err, PkiError::RootExpiresTooSoon { .. }), "{err}");
        assert!(err.to_string().contains(&fmt_time(root_not_after)), "{err}");
    }

    #[test]
    fn invalid_specs_are_rejected() {
        let now = OffsetDateTime::now_utc();
        let root = generate_root(&root_spec(KeyAlgorithm::EcdsaP256), now).unwrap();

        for days in [0, MAX_VALIDITY_DAYS + 1] {
            let mut spec = root_spec(KeyAlgorithm::EcdsaP256);
            spec.validity_days = days;
            let err = generate_root(&spec, now).unwrap_err();
            assert!(
                matches!(
                    err,
                    PkiError::InvalidInput {
                        field: "validity_days",
                        ..
                    }
                ),
                "{err}"
            );
            assert!(err.to_string().contains("1 to 36500"), "{err}");
            let mut int = int_spec("c1", KeyAlgorithm::EcdsaP256);
            int.validity_days = days;
            let err = issue_intermediate(&root, &int, now).unwrap_err();
            assert!(
                matches!(
                    err,
                    PkiError::InvalidInput {
                        field: "validity_days",
                        ..
                    }
                ),
                "{err}"
            );
        }

        let mut spec = root_spec(KeyAlgorithm::EcdsaP256);
        spec.common_name = String::new();
        let err = generate_root(&spec, now).unwrap_err();
        assert!(err.to_string().contains("common_name"), "{err}");
        spec.common_name = "x".repeat(65);
        let err = generate_root(&spec, now).unwrap_err();
        assert!(err.to_string().contains("at most 64"), "{err}");
        spec = root_spec(KeyAlgorithm::EcdsaP256);
        spec.organization = " Corp".to_string();
        assert!(generate_root(&spec, now).is_err());

        for cluster in ["", "a\nb", &"c".repeat(129)] {
            let err = issue_intermediate(&root, &int_spec(cluster, KeyAlgorithm::EcdsaP256), now)
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    PkiError::InvalidInput {
                        field: "cluster",
                        ..
                    }
                ),
                "{err}"
            );
        }

        // Year 9999 is the last date X.509 can hold.
        let far = OffsetDateTime::from_unix_timestamp(253_370_764_800).unwrap(); // 9999-01-01
        assert!(generate_root(&root_spec(KeyAlgorithm::EcdsaP256), far).is_err());
    }

    #[test]
    fn load_root_accepts_generated_root() {
        let now = OffsetDateTime::now_utc();
        let root = generate_root(&root_spec(KeyAlgorithm::EcdsaP384), now).unwrap();
        // Surrounding text and a trailing chain are tolerated; the first certificate is the root.
        let other = generate_root(&root_spec(KeyAlgorithm::EcdsaP256), now).unwrap();
        let cert_text = format!(
            "subject=O=Example Corp\n{}{}",
            root.cert_pem, other.cert_pem
        );
        let loaded = load_root(&cert_text, &root.key_pem).unwrap();
        assert_eq!(loaded.cert_pem, root.cert_pem);
        assert_eq!(loaded.key_pem, root.key_pem);
        issue_intermediate(&loaded, &int_spec("c1", KeyAlgorithm::EcdsaP256), now).unwrap();

        let debug = format!("{loaded:?}");
        assert!(debug.contains("[redacted]"));
        assert_no_key_material(&debug, &root.key_pem);
    }

    #[test]
    fn load_root_rejects_unusable_material() {
        let now = OffsetDateTime::now_utc();
        let root = generate_root(&root_spec(KeyAlgorithm::EcdsaP256), now).unwrap();
        let other = generate_root(&root_spec(KeyAlgorithm::EcdsaP256), now).unwrap();
        let p384 = generate_root(&root_spec(KeyAlgorithm::EcdsaP384), now).unwrap();
        let int = issue_intermediate(&root, &int_spec("c1", KeyAlgorithm::EcdsaP256), now).unwrap();

        let self_signed = |is_ca: IsCa, usages: Vec<KeyUsagePurpose>| {
            let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
            let mut params = CertificateParams::new(vec!["leaf.example".to_string()]).unwrap();
            params.is_ca = is_ca;
            params.key_usages = usages;
            let cert = params.self_signed(&key).unwrap();
            (cert.pem(), key.serialize_pem())
        };
        let (leaf_cert, leaf_key) =
            self_signed(IsCa::ExplicitNoCa, vec![KeyUsagePurpose::DigitalSignature]);
        let (no_bc_cert, no_bc_key) = self_signed(IsCa::NoCa, vec![]);
        let (no_kcs_cert, no_kcs_key) = self_signed(
            IsCa::Ca(BasicConstraints::Unconstrained),
            vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::CrlSign],
        );

        let key_body_lines: Vec<&str> = root
            .key_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let mut corrupted = root.key_pem.replacen(key_body_lines[1], &"*".repeat(10), 1);
        corrupted.push('\n');
        let truncated_der = {
            let block = parse_pem(&root.key_pem).unwrap().remove(0);
            pem_encode("PRIVATE KEY", &block.der[..block.der.len() - 20])
        };
        let no_end = root.key_pem.replace("-----END PRIVATE KEY-----", "");
        let encrypted_header = root.key_pem.replacen(
            "-----BEGIN PRIVATE KEY-----\n",
            "-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n",
            1,
        );
        let encrypted_label = root.key_pem.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY");
        let wrong_label = root.key_pem.replace("PRIVATE KEY", "PUBLIC KEY");

        type Check = fn(&PkiError) -> bool;
        let cases: Vec<(&str, &str, &str, Check)> = vec![
            ("leaf", &leaf_cert, &leaf_key, |e| {
                matches!(e, PkiError::NotCa(_))
            }),
            ("no basicConstraints", &no_bc_cert, &no_bc_key, |e| {
                matches!(e, PkiError::NotCa(_))
            }),
            ("no keyCertSign", &no_kcs_cert, &no_kcs_key, |e| {
                matches!(e, PkiError::NotCa(_))
            }),
            ("pathlen 0", &int.cert_pem, &int.key_pem, |e| {
                matches!(e, PkiError::NotCa(_))
            }),
            ("other key", &root.cert_pem, &other.key_pem, |e| {
                matches!(e, PkiError::KeyMismatch(_))
            }),
            (
                "P-384 key",
                &root.cert_pem,
                &p384.key_pem,
                |e| matches!(e, PkiError::KeyMismatch(m) if m.contains("P-384") && m.contains("P-256")),
            ),
            ("garbage cert", "garbage", &root.key_pem, |e| {
                matches!(e, PkiError::CertificatePem(_))
            }),
            ("garbage key", &root.cert_pem, "garbage", |e| {
                matches!(e, PkiError::PrivateKey(_))
            }),
            ("bad base64", &root.cert_pem, &corrupted, |e| {
                matches!(e, PkiError::PrivateKey(_))
            }),
            ("truncated DER", &root.cert_pem, &truncated_der, |e| {
                matches!(e, PkiError::PrivateKey(_))
            }),
            ("no END line", &root.cert_pem, &no_end, |e| {
                matches!(e, PkiError::PrivateKey(_))
            }),
            (
                "encrypted header",
                &root.cert_pem,
                &encrypted_header,
                |e| matches!(e, PkiError::PrivateKey(m) if m.contains("encrypted")),
            ),
            (
                "encrypted PKCS#8",
                &root.cert_pem,
                &encrypted_label,
                |e| matches!(e, PkiError::PrivateKey(m) if m.contains("encrypted")),
            ),
            ("not a private key", &root.cert_pem, &wrong_label, |e| {
                matches!(e, PkiError::PrivateKey(_))
            }),
            ("key as cert", &root.key_pem, &root.key_pem, |e| {
                matches!(e, PkiError::CertificatePem(_))
            }),
        ];
        for (name, cert, key, check) in cases {
            let err = load_root(cert, key).unwrap_err();
            assert!(check(&err), "{name}: unexpected error {err:?}");
            let (msg, debug) = (err.to_string(), format!("{err:?}"));
            for secret in [&root.key_pem, key] {
                if secret.lines().filter(|l| !l.starts_with("-----")).count() > 1 {
                    assert_no_key_material(&msg, secret);
                    assert_no_key_material(&debug, secret);
                }
            }
            // The same checks guard issue_intermediate.
            let material = CaMaterial {
                cert_pem: cert.to_string(),
                key_pem: key.to_string(),
            };
            let err2 = issue_intermediate(&material, &int_spec("c", KeyAlgorithm::EcdsaP256), now)
                .unwrap_err();
            assert_eq!(err2.to_string(), msg, "{name}");
        }
    }

    #[test]
    fn load_root_accepts_openssl_roots() {
        if !openssl_available() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Three RDNs in OpenSSL's encoding.
        std::fs::write(
            d.join("root.conf"),
            "[req]\nprompt = no\ndistinguished_name = dn\n\
             [dn]\nO = BYO Org\nOU = Platform\nCN = BYO Root\n\
             [v3]\nbasicConstraints = critical, CA:true\nsubjectKeyIdentifier = hash\n\
             keyUsage = critical, keyCertSign, cRLSign\n",
        )
        .unwrap();
        // No keyUsage, like OpenSSL's default v3_ca section.
        std::fs::write(
            d.join("noku.conf"),
            "[req]\nprompt = no\ndistinguished_name = dn\n[dn]\nCN = No KU Root\n\
             [v3]\nbasicConstraints = critical, CA:true\nsubjectKeyIdentifier = hash\n",
        )
        .unwrap();
        std::fs::write(
            d.join("dup.conf"),
            "[req]\nprompt = no\ndistinguished_name = dn\n\
             [dn]\nO = BYO Org\n1.OU = A\n2.OU = B\nCN = Dup Root\n\
             [v3]\nbasicConstraints = critical, CA:true\nsubjectKeyIdentifier = hash\n\
             keyUsage = critical, keyCertSign, cRLSign\n",
        )
        .unwrap();
        // SEC1 key preceded by an EC PARAMETERS block, as `openssl ecparam -genkey` writes it.
        openssl_ok(
            d,
            &[
                "ecparam",
                "-name",
                "prime256v1",
                "-genkey",
                "-out",
                "ec.pem",
            ],
        );
        // PKCS#1 RSA key.
        openssl_ok(d, &["genrsa", "-traditional", "-out", "rsa.pem", "2048"]);
        let req = |key: &str, conf: &str, out: &str| {
            openssl_ok(
                d,
                &[
                    "req",
                    "-x509",
                    "-new",
                    "-key",
                    key,
                    "-config",
                    conf,
                    "-extensions",
                    "v3",
                    "-days",
                    "3650",
                    "-sha256",
                    "-out",
                    out,
                ],
            );
        };
        req("ec.pem", "root.conf", "ec-root.pem");
        req("rsa.pem", "root.conf", "rsa-root.pem");
        req("ec.pem", "dup.conf", "dup-root.pem");
        req("ec.pem", "noku.conf", "noku-root.pem");
        let read = |name: &str| std::fs::read_to_string(d.join(name)).unwrap();
        let ec_key = read("ec.pem");
        assert!(ec_key.contains("BEGIN EC PARAMETERS") && ec_key.contains("BEGIN EC PRIVATE KEY"));
        let rsa_key = read("rsa.pem");
        assert!(rsa_key.contains("BEGIN RSA PRIVATE KEY"));

        let now = OffsetDateTime::now_utc();
        for (cert, key, label) in [
            ("ec-root.pem", &ec_key, "EC PRIVATE KEY"),
            ("rsa-root.pem", &rsa_key, "RSA PRIVATE KEY"),
        ] {
            let root = load_root(&read(cert), key).unwrap();
            assert!(
                root.key_pem
                    .starts_with(&format!("-----BEGIN {label}-----\n"))
            );
            assert!(!root.key_pem.contains("EC PARAMETERS"));
            let int =
                issue_intermediate(&root, &int_spec("byo", KeyAlgorithm::EcdsaP256), now).unwrap();
            let int_der = der(&int.cert_pem);
            let root_der = der(&root.cert_pem);
            let int_cert = parse_certificate(&int_der).unwrap();
            let root_cert = parse_certificate(&root_der).unwrap();
            int_cert
                .verify_signature(Some(root_cert.public_key()))
                .unwrap();
            assert_eq!(int_cert.issuer().as_raw(), root_cert.subject().as_raw());
            assert_eq!(aki(&int_cert), ski(&root_cert));
            openssl_verify(&root, &int, now);
        }
        let err = load_root(&read("noku-root.pem"), &ec_key).unwrap_err();
        assert!(
            matches!(err, PkiError::NotCa(ref m) if m.contains("no keyUsage")),
            "{err}"
        );

        // Mismatched: the EC key against the RSA root.
        let err = load_root(&read("rsa-root.pem"), &ec_key).unwrap_err();
        assert!(matches!(err, PkiError::KeyMismatch(_)), "{err}");
        assert_no_key_material(&err.to_string(), &ec_key);

        // A subject rcgen cannot re-encode (repeated OU) is refused rather than mis-chained.
        let root = load_root(&read("dup-root.pem"), &ec_key).unwrap();
        let err =
            issue_intermediate(&root, &int_spec("byo", KeyAlgorithm::EcdsaP256), now).unwrap_err();
        assert!(matches!(err, PkiError::Certificate(_)), "{err}");
        assert!(err.to_string().contains("cannot be reproduced"), "{err}");
    }

    #[test]
    fn cacerts_manifest_is_valid_yaml() {
        let cluster = "prod: \"eu\" #1\\";
        let (cert, key, root, chain) = (
            "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n",
            "-----BEGIN PRIVATE KEY-----\nBBB\n-----END PRIVATE KEY-----\n",
            "root bundle\n",
            "chain\n",
        );
        let yaml = cacerts_manifest(cluster, cert, key, root, chain);
        let doc: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(doc["apiVersion"].as_str(), Some("v1"));
        assert_eq!(doc["kind"].as_str(), Some("Secret"));
        assert_eq!(doc["type"].as_str(), Some("Opaque"));
        assert_eq!(doc["metadata"]["name"].as_str(), Some("cacerts"));
        assert_eq!(doc["metadata"]["namespace"].as_str(), Some("istio-system"));
        assert_eq!(
            doc["metadata"]["labels"]["app.kubernetes.io/managed-by"].as_str(),
            Some("terraform-multicloud")
        );
        assert_eq!(
            doc["metadata"]["annotations"][CLUSTER_ANNOTATION].as_str(),
            Some(cluster)
        );
        let data = doc["data"].as_mapping().unwrap();
        assert_eq!(data.len(), 4);
        for (name, expected) in [
            ("ca-cert.pem", cert),
            ("ca-key.pem", key),
            ("root-cert.pem", root),
            ("cert-chain.pem", chain),
        ] {
            let encoded = doc["data"][name].as_str().unwrap();
            assert_eq!(
                BASE64.decode(encoded).unwrap(),
                expected.as_bytes(),
                "{name}"
            );
        }
        // Control characters are escaped too.
        let yaml = cacerts_manifest("a\u{7}b\u{2028}", cert, key, root, chain);
        let doc: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(
            doc["metadata"]["annotations"][CLUSTER_ANNOTATION].as_str(),
            Some("a\u{7}b\u{2028}")
        );
    }

    #[test]
    fn key_algorithm_names_round_trip() {
        assert_eq!(KeyAlgorithm::NAMES.len(), KeyAlgorithm::ALL.len());
        for (name, alg) in KeyAlgorithm::NAMES.iter().zip(KeyAlgorithm::ALL) {
            assert_eq!(KeyAlgorithm::parse(name), Some(alg));
            assert_eq!(alg.as_str(), *name);
        }
        assert_eq!(KeyAlgorithm::parse("rsa_2048"), None);
        assert_eq!(KeyAlgorithm::parse("ED25519"), None);
    }

    #[test]
    fn pem_parsing() {
        let blocks = parse_pem(&pem_encode("CERTIFICATE", &[1, 2, 3])).unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].der, vec![1, 2, 3]);
        // CRLF line endings.
        let crlf = pem_encode("X", &[9; 100]).replace('\n', "\r\n");
        assert_eq!(parse_pem(&crlf).unwrap()[0].der, vec![9; 100]);
        assert!(parse_pem("").is_err());
        assert!(parse_pem("-----BEGIN X-----\n-----END X-----\n").is_err());
        assert!(parse_pem("-----BEGIN X-----\nAAAA\n-----END Y-----\n").is_err());
        // A label that is not label-like is not echoed.
        let Err(err) = parse_pem("-----BEGIN secretstuff-----\n!!\n-----END secretstuff-----")
        else {
            panic!("accepted invalid base64");
        };
        assert!(!err.contains("secretstuff"), "{err}");
    }
}
