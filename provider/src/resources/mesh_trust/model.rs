//! The resource's schema and the typed shapes of its configuration and state.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tfplugin::schema::{BlockNesting, NestedBlock, Nesting};
use tfplugin::validators::{IntBetween, OneOf};
use tfplugin::{Attribute, Block, Schema, Type};

use super::pki::KeyAlgorithm;

/// Istio's `tools/certs` Makefiles: root 3650 days, intermediates 730 days, RSA 4096.
pub const DEFAULT_ROOT_DAYS: i64 = 3650;
pub const DEFAULT_INTERMEDIATE_DAYS: i64 = 730;
pub const DEFAULT_ALGORITHM: &str = "RSA_4096";
pub const DEFAULT_RENEW_BEFORE_DAYS: i64 = 30;
pub const DEFAULT_ROOT_CN: &str = "Root CA";
pub const DEFAULT_ORGANIZATION: &str = "Istio";

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct RootConfig {
    pub common_name: Option<String>,
    pub organization: Option<String>,
    pub key_algorithm: Option<String>,
    pub validity_days: Option<i64>,
    pub cert_pem: Option<String>,
    pub key_pem: Option<String>,
    /// Write-only: never in plan or state, so it is only ever known from the configuration.
    pub key_pem_wo: Option<String>,
    pub key_pem_wo_version: Option<i64>,
}

impl RootConfig {
    /// The key of a bring-your-own root, however it was given.
    pub fn byo_key(&self) -> Option<String> {
        self.key_pem_wo.clone().or_else(|| self.key_pem.clone())
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ClusterConfig {
    pub network: Option<String>,
    pub key_algorithm: Option<String>,
    pub validity_days: Option<i64>,
}

impl ClusterConfig {
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.key_algorithm
            .as_deref()
            .and_then(KeyAlgorithm::parse)
            .unwrap_or(KeyAlgorithm::Rsa4096)
    }
    pub fn days(&self) -> i64 {
        self.validity_days.unwrap_or(DEFAULT_INTERMEDIATE_DAYS)
    }
    /// What an intermediate was issued from: a change re-issues it.
    pub fn spec(&self) -> String {
        format!("{}/{}d", self.algorithm().as_str(), self.days())
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct RootEntry {
    pub cert_pem: String,
    pub fingerprint: String,
    pub not_after: String,
    /// `active` signs intermediates; `incoming` is trusted but not yet signing (first step of a
    /// rotation); `previous` is still trusted after a rotation.
    pub role: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Issued {
    pub ca_cert_pem: String,
    pub cert_chain_pem: String,
    pub root_cert_pem: String,
    pub not_after: String,
    pub serial: String,
    pub spec: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct IssuedSecret {
    pub ca_key_pem: String,
    pub cacerts_manifest: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct State {
    pub id: Option<String>,
    pub trust_domain: Option<String>,
    pub renew_before_days: Option<i64>,
    pub retain_previous_root: Option<bool>,
    pub rotation_requests_dir: Option<String>,
    pub root: Option<RootConfig>,
    pub clusters: Option<BTreeMap<String, ClusterConfig>>,
    pub root_spec: Option<String>,
    pub roots: Option<Vec<RootEntry>>,
    pub root_keys: Option<BTreeMap<String, String>>,
    pub root_cert_pem: Option<String>,
    pub trust_bundle_pem: Option<String>,
    pub issued: Option<BTreeMap<String, Issued>>,
    pub issued_secrets: Option<BTreeMap<String, IssuedSecret>>,
}

pub fn root_entry_type() -> Type {
    Type::object([
        ("cert_pem", Type::String),
        ("fingerprint", Type::String),
        ("not_after", Type::String),
        ("role", Type::String),
    ])
}

pub fn issued_type() -> Type {
    Type::object([
        ("ca_cert_pem", Type::String),
        ("cert_chain_pem", Type::String),
        ("root_cert_pem", Type::String),
        ("not_after", Type::String),
        ("serial", Type::String),
        ("spec", Type::String),
    ])
}

pub fn secret_type() -> Type {
    Type::object([
        ("ca_key_pem", Type::String),
        ("cacerts_manifest", Type::String),
    ])
}

fn algorithm_attr(what: &str) -> Attribute {
    Attribute::new("key_algorithm", Type::String)
        .optional()
        .validate(OneOf(KeyAlgorithm::NAMES))
        .describe(&format!("Key algorithm of {what}: RSA_2048, RSA_3072, RSA_4096, ECDSA_P256 or ECDSA_P384. Default RSA_4096 (Istio's tooling)."))
}

pub fn schema() -> Schema {
    let root = Block::new(
        "The shared root CA. Changing any of these settings rotates the root in two applies (see the docs); \
         giving `cert_pem` and `key_pem` uses an existing root instead of generating one.",
    )
    .attr(Attribute::new("common_name", Type::String).optional().describe("Subject CN of a generated root. Default \"Root CA\"."))
    .attr(Attribute::new("organization", Type::String).optional().describe("Subject O of generated certificates. Default \"Istio\"."))
    .attr(algorithm_attr("a generated root"))
    .attr(
        Attribute::new("validity_days", Type::Number)
            .optional()
            .validate(IntBetween(1, 36500))
            .describe("Lifetime of a generated root. Default 3650 (Istio's tooling)."),
    )
    .attr(Attribute::new("cert_pem", Type::String).optional().describe("Bring your own root: its certificate (PEM)."))
    .attr(
        Attribute::new("key_pem", Type::String)
            .optional()
            .sensitive()
            .describe("Bring your own root: its private key (PEM: PKCS#8, PKCS#1 or SEC1). Stored in state, as every CA key must be to sign renewals. On Terraform 1.11+ prefer `key_pem_wo`."),
    )
    .attr(
        Attribute::new("key_pem_wo", Type::String)
            .optional()
            .sensitive()
            .write_only()
            .describe("Bring your own root: its private key, write-only (Terraform 1.11+): never stored in plan or state. Give it on every apply (e.g. from an ephemeral resource or a file): renewals and new clusters are signed with it."),
    )
    .attr(
        Attribute::new("key_pem_wo_version", Type::Number)
            .optional()
            .describe("Change it to re-apply `key_pem_wo`: every intermediate is re-issued with the key given. Terraform cannot compare write-only values, so this number is how it learns the key changed."),
    );
    let cluster = vec![
        Attribute::new("network", Type::String).optional().describe(
            "The cluster's Istio network name (informational, for multi-network meshes).",
        ),
        algorithm_attr("this cluster's intermediate"),
        Attribute::new("validity_days", Type::Number)
            .optional()
            .validate(IntBetween(1, 3650))
            .describe("Lifetime of this cluster's intermediate. Default 730 (Istio's tooling)."),
    ];
    Schema::new(
        0,
        Block::new(
            "One Istio trust domain across clusters in several clouds: a shared root CA and an intermediate CA per \
             cluster (Istio's \"plug in CA certificates\"), renewed before expiry and rotated without breaking mTLS.",
        )
        .attr(Attribute::new("id", Type::String).computed().describe("Random identifier of this mesh trust."))
        .attr(
            Attribute::new("trust_domain", Type::String)
                .optional()
                .describe("The mesh's trust domain (informational; must match meshConfig.trustDomain). Default `cluster.local`."),
        )
        .attr(
            Attribute::new("renew_before_days", Type::Number)
                .optional()
                .validate(IntBetween(0, 3650))
                .describe("An intermediate (or generated root) this close to expiry is renewed by the next plan. Default 30."),
        )
        .attr(
            Attribute::new("retain_previous_root", Type::Bool)
                .optional()
                .describe("After a root rotation, keep trusting the old root (default true) until workload certificates signed under it have expired; set false to drop it."),
        )
        .attr(
            Attribute::new("rotation_requests_dir", Type::String)
                .optional()
                .describe("A directory where `action \"multicloud_mesh_rotate\"` leaves rotation requests (Terraform 1.14+): a request found on refresh makes the next plan start a root rotation. Use a path every Terraform run of this configuration sees (e.g. `\"${path.root}/.mesh-rotation\"`)."),
        )
        .block(NestedBlock::new("root", BlockNesting::Single, root))
        .attr(
            Attribute::nested("clusters", Nesting::Map, cluster)
                .required()
                .describe("The clusters, keyed by name (the name goes into the intermediate's subject)."),
        )
        .attr(Attribute::new("root_spec", Type::String).computed().describe("The root settings the newest root was made with."))
        .attr(Attribute::new("roots", Type::list(root_entry_type())).computed().describe("Every trusted root with its role: active, incoming (rotation step 1) or previous."))
        .attr(
            Attribute::new("root_keys", Type::map(Type::String))
                .computed()
                .sensitive()
                .describe("Private keys of generated roots, by fingerprint."),
        )
        .attr(Attribute::new("root_cert_pem", Type::String).computed().describe("The active (signing) root certificate."))
        .attr(Attribute::new("trust_bundle_pem", Type::String).computed().describe("All trusted roots: what every cluster's root-cert.pem holds."))
        .attr(
            Attribute::new("issued", Type::map(issued_type()))
                .computed()
                .describe("By cluster: `ca_cert_pem`, `cert_chain_pem` (intermediate then root), `root_cert_pem` (trust bundle), `not_after`, `serial`, `spec`."),
        )
        .attr(
            Attribute::new("issued_secrets", Type::map(secret_type()))
                .computed()
                .sensitive()
                .describe("By cluster: `ca_key_pem` and `cacerts_manifest`, the ready-to-apply `cacerts` Secret for istio-system."),
        ),
    )
}

/// The type of one top-level attribute.
pub fn attr_type(name: &str) -> Type {
    schema().attribute_type(name)
}
