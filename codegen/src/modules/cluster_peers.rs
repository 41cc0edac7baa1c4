//! `modules/cluster-peers`: what one cluster holds about each other cluster, one object per peer so
//! that adding a cluster only adds objects: the Istio remote secret (what `istioctl
//! create-remote-secret` makes: a kubeconfig with the peer's API endpoint, CA and reader token, for
//! istiod's endpoint discovery) and Velero's read-only location on the peer's backup prefix; and
//! on the sample application's clusters the database replication certificates every member
//! shares (one CA, so any member streams from any other).

use hcl::expr::{Object, ObjectKey};

use crate::expr::{Expr, func, list, obj, paren, r, s, ty, var};
use crate::model::{Item, Module, Output, RequiredProvider, Usage, Variable, body, resource};

use super::cluster_access::KUBERNETES_VERSION;
use super::{REQUIRED_TERRAFORM, notes};

pub const DIR: &str = "modules/cluster-peers";

/// `{ (KEY) = value }`: an object whose key is an expression.
pub fn keyed(key: Expr, value: Expr) -> Expr {
    let mut o: Object<ObjectKey, Expr> = Object::new();
    o.insert(ObjectKey::Expression(paren(key)), value);
    Expr::Object(o)
}

pub fn module() -> Module {
    Module {
        dir: DIR.into(),
        title: "cluster-peers".into(),
        about: vec![
            "Per cluster, one object for each other cluster of the platform: the Istio remote secret \
             `istio-remote-secret-<peer>` in `istio-system` (label `istio/multiCluster=true`, \
             annotation `networking.istio.io/cluster=<peer>`, a kubeconfig with the peer's API \
             endpoint, CA and the token of its read-only Istio reader), and Velero's read-only \
             `BackupStorageLocation` `restore-<peer>` on the peer's prefix of the shared bucket, so \
             that the peer's backups restore here."
                .into(),
            "The locations are `kubernetes_manifest`s of Velero's CRD: apply them once Argo CD has \
             installed Velero (the provider reads the CRD at plan)."
                .into(),
            "With `database_certificates`, the Secrets the sample database's CloudNativePG members \
             authenticate replication with, the same on every app cluster: `sample-db-ca` (the client \
             CA, `ca.crt` and `ca.key`) and `sample-db-replication` (the `streaming_replica` client \
             certificate, type `kubernetes.io/tls`), in `sample-app` (the federation chart makes the \
             namespace, so apply after Argo CD's first sync, as the locations)."
                .into(),
        ],
        usage: Some(Usage::new("peers", &super::local_source(DIR))),
        required_version: REQUIRED_TERRAFORM.into(),
        required_providers: vec![RequiredProvider::new(
            "kubernetes",
            "hashicorp/kubernetes",
            Some(KUBERNETES_VERSION),
        )],
        variables: variables(),
        main: main(),
        outputs: vec![Output::new(
            "remote_secrets",
            "Names of the Istio remote secrets, by peer.",
            crate::expr::for_map(
                "peer",
                "secret",
                r("kubernetes_secret_v1.remote"),
                r("peer"),
                r("secret.metadata[0].name"),
            ),
        )],
        notes: notes(&[
            "A peer's reader token changes only when its token Secret is replaced; its remote secret \
             here follows at the next apply.",
        ]),
        ..Module::default()
    }
}

fn variables() -> Vec<Variable> {
    vec![
        Variable::new("peers", ty::map(ty::object([("server", ty::string())])), "The other clusters of the mesh, by name: their API endpoint (https://...). Empty without the mesh.")
            .default(obj::<_, &str>([]))
            .not_null()
            .example(obj([("gke-euw1", obj([("server", s("https://10.16.0.2"))]))])),
        Variable::new("peer_credentials", ty::map(ty::object([("ca_certificate", ty::string()), ("token", ty::string())])), "By peer: its API's CA (base64 PEM) and the token of its Istio reader.")
            .default(obj::<_, &str>([]))
            .sensitive()
            .not_null()
            .example(obj([("gke-euw1", obj([("ca_certificate", s("LS0tLS1CRUdJTi...")), ("token", s("eyJhbGciOi..."))]))])),
        Variable::new("database_certificates", ty::object([
            ("ca_cert_pem", ty::string()),
            ("ca_key_pem", ty::string()),
            ("replication_cert_pem", ty::string()),
            ("replication_key_pem", ty::string()),
        ]), "On an app cluster of the sample application: the replication CA (certificate and EC key, SEC1 PEM: CloudNativePG signs with it) and the streaming_replica client certificate and key it issued. Null: no database Secrets here.")
            .default(crate::expr::null())
            .sensitive()
            .validate(
                crate::expr::or(
                    crate::expr::eq(var("database_certificates"), crate::expr::null()),
                    func("alltrue", [list([
                        func("startswith", [func("try", [r("var.database_certificates.ca_cert_pem"), s("")]), s("-----BEGIN CERTIFICATE-----")]),
                        func("startswith", [func("try", [r("var.database_certificates.ca_key_pem"), s("")]), s("-----BEGIN EC PRIVATE KEY-----")]),
                        func("startswith", [func("try", [r("var.database_certificates.replication_cert_pem"), s("")]), s("-----BEGIN CERTIFICATE-----")]),
                        func("can", [func("regex", [s("^-----BEGIN (EC |RSA )?PRIVATE KEY-----"), func("try", [r("var.database_certificates.replication_key_pem"), s("")])])]),
                    ])]),
                ),
                "database_certificates: the certificates must be PEM certificates, ca_key_pem an EC private key in SEC1 PEM (-----BEGIN EC PRIVATE KEY-----, what CloudNativePG signs with), replication_key_pem a PEM private key.",
            )
            .example(obj([
                ("ca_cert_pem", s("-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n")),
                ("ca_key_pem", s("-----BEGIN EC PRIVATE KEY-----\n...\n-----END EC PRIVATE KEY-----\n")),
                ("replication_cert_pem", s("-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n")),
                ("replication_key_pem", s("-----BEGIN EC PRIVATE KEY-----\n...\n-----END EC PRIVATE KEY-----\n")),
            ])),
        Variable::new("restore_locations", ty::map(crate::expr::kw("any")), "By peer: Velero's read-only BackupStorageLocation on the peer's prefix (the manifest). Empty without backups.")
            .default(obj::<_, &str>([]))
            .not_null()
            .example(obj([("gke-euw1", obj([
                ("apiVersion", s("velero.io/v1")),
                ("kind", s("BackupStorageLocation")),
                ("metadata", obj([("name", s("restore-gke-euw1")), ("namespace", s("velero"))])),
                ("spec", obj([
                    ("provider", s("aws")),
                    ("objectStorage", obj([("bucket", s("acme-platform-backups")), ("prefix", s("clusters/gke-euw1"))])),
                    ("accessMode", s("ReadOnly")),
                    ("default", false.into()),
                    ("config", obj([("region", s("us-east-1"))])),
                ])),
            ]))])),
    ]
}

fn kubeconfig() -> Expr {
    let peer = || r("each.key");
    let cred = |f: &str| r(&format!("var.peer_credentials[each.key].{f}"));
    func(
        "yamlencode",
        [obj([
            ("apiVersion", s("v1")),
            ("kind", s("Config")),
            (
                "clusters",
                list([obj([
                    ("name", peer()),
                    (
                        "cluster",
                        obj([
                            ("server", r("each.value.server")),
                            ("certificate-authority-data", cred("ca_certificate")),
                        ]),
                    ),
                ])]),
            ),
            (
                "contexts",
                list([obj([
                    ("name", peer()),
                    ("context", obj([("cluster", peer()), ("user", peer())])),
                ])]),
            ),
            ("current-context", peer()),
            (
                "users",
                list([obj([
                    ("name", peer()),
                    ("user", obj([("token", cred("token"))])),
                ])]),
            ),
        ])],
    )
}

fn main() -> Vec<Item> {
    vec![
        resource(
            "kubernetes_secret_v1",
            "remote",
            body()
                .a("for_each", var("peers"))
                .b(
                    "metadata",
                    body()
                        .a("name", crate::expr::tpl("istio-remote-secret-${each.key}"))
                        .a("namespace", s("istio-system"))
                        .a("labels", obj([("istio/multiCluster", s("true"))]))
                        .a(
                            "annotations",
                            obj([("networking.istio.io/cluster", r("each.key"))]),
                        ),
                )
                .a("type", s("Opaque"))
                .a("data", keyed(r("each.key"), kubeconfig()))
                .build(),
        )
        .comment(
            "istiod here watches each peer's services and endpoints with the peer's reader token.",
        ),
        resource(
            "kubernetes_manifest",
            "restore_location",
            body()
                .a("for_each", var("restore_locations"))
                .a("manifest", r("each.value"))
                .build(),
        )
        .comment(
            "Read-only: this cluster restores the peer's backups, never writes under its prefix.",
        ),
        database_secret(
            "database_ca",
            "sample-db-ca",
            "Opaque",
            [("ca.crt", "ca_cert_pem"), ("ca.key", "ca_key_pem")],
        )
        .comment("The replication CA, the same on every app cluster: each member accepts the others' streaming_replica certificate."),
        database_secret(
            "database_replication",
            "sample-db-replication",
            "kubernetes.io/tls",
            [("tls.crt", "replication_cert_pem"), ("tls.key", "replication_key_pem")],
        )
        .comment("The streaming_replica client certificate a replica presents to the primary."),
    ]
}

/// One of the sample database's Secrets, when `database_certificates` is set; CloudNativePG
/// reloads what carries its label.
fn database_secret(label: &str, name: &str, kind: &str, data: [(&str, &str); 2]) -> Item {
    resource(
        "kubernetes_secret_v1",
        label,
        body()
            .a(
                "count",
                crate::expr::cond(
                    crate::expr::eq(var("database_certificates"), crate::expr::null()),
                    crate::expr::num(0),
                    crate::expr::num(1),
                ),
            )
            .b(
                "metadata",
                body().a("name", s(name)).a("namespace", s("sample-app")).a(
                    "labels",
                    obj([
                        ("app.kubernetes.io/managed-by", s("terraform")),
                        ("cnpg.io/reload", s("true")),
                    ]),
                ),
            )
            .a("type", s(kind))
            .a(
                "data",
                obj(data
                    .map(|(key, field)| (key, r(&format!("var.database_certificates.{field}"))))),
            )
            .build(),
    )
}
