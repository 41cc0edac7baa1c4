//! `modules/cluster-peers`: what one cluster holds about each other cluster, one object per peer so
//! that adding a cluster only adds objects: the Istio remote secret (what `istioctl
//! create-remote-secret` makes: a kubeconfig with the peer's API endpoint, CA and reader token, for
//! istiod's endpoint discovery) and Velero's read-only location on the peer's backup prefix.

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
    ]
}
