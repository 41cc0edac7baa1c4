//! RS256 JSON Web Tokens (RFC 7515 compact form, RFC 7518 §3.3), the one kind both clouds' OAuth
//! assertions use: Google's JWT-bearer grant signs with the service-account key, Entra's client
//! assertion with the application's certificate key. Signing is aws-lc-rs (already in the tree
//! under rustls); PEM reading is rustls-pki-types.

use std::fmt;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;
use serde_json::Value;

/// An RSA private key that signs JWTs. `Debug` shows nothing of it.
pub(crate) struct RsaSigner {
    key: RsaKeyPair,
}

impl fmt::Debug for RsaSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RsaSigner(<redacted>)")
    }
}

impl RsaSigner {
    /// The first private key in `pem` (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`). The
    /// error says what was wrong, never what the key holds.
    pub fn from_pem(pem: &str) -> Result<RsaSigner, String> {
        if pem.contains("ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED") {
            return Err("the private key is encrypted; give it unencrypted (e.g. `openssl pkcs8 -topk8 -nocrypt`)".into());
        }
        let der = PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|_| {
            "no PEM private key found (want -----BEGIN PRIVATE KEY-----)".to_string()
        })?;
        let key = match &der {
            PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
            _ => return Err("the private key is not an RSA key".into()),
        }
        .map_err(|e| format!("the private key is not a usable RSA key ({e})"))?;
        Ok(RsaSigner { key })
    }

    /// `header.claims.signature`, each base64url without padding; `alg` and `typ` are added to
    /// `header`.
    pub fn sign(&self, header: &Value, claims: &Value) -> Result<String, String> {
        let mut header = header.clone();
        header["alg"] = "RS256".into();
        header["typ"] = "JWT".into();
        let input = format!("{}.{}", b64_json(&header), b64_json(claims));
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut sig,
            )
            .map_err(|_| "RSA signing failed".to_string())?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig)))
    }
}

fn b64_json(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

pub(crate) fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Seconds since the Unix epoch, now.
pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests {
    use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};

    use super::*;

    /// A fresh 2048-bit RSA key as PKCS#8 PEM (tests only).
    pub fn test_key_pem() -> String {
        let key = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let der =
            aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&key).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        let lines: Vec<_> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        )
    }

    #[test]
    fn signs_a_jwt_that_verifies_with_the_public_key() {
        let pem = test_key_pem();
        let signer = RsaSigner::from_pem(&pem).unwrap();
        let jwt = signer
            .sign(
                &serde_json::json!({"kid": "k1"}),
                &serde_json::json!({"iss": "a"}),
            )
            .unwrap();
        let parts: Vec<_> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(
            header,
            serde_json::json!({"kid": "k1", "alg": "RS256", "typ": "JWT"})
        );
        let public = signer.key.public_key().as_ref().to_vec();
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        let signed = format!("{}.{}", parts[0], parts[1]);
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &public)
            .verify(signed.as_bytes(), &sig)
            .expect("signature verifies");
        assert!(!format!("{signer:?}").contains("BEGIN"));
    }

    #[test]
    fn bad_keys_are_named_not_shown() {
        for (pem, want) in [
            ("not a key", "no PEM private key"),
            (
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
                "encrypted",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                "not a usable RSA key",
            ),
        ] {
            let e = RsaSigner::from_pem(pem).unwrap_err();
            assert!(e.contains(want), "{e}");
        }
    }
}
