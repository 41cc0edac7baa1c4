//! `modules/cluster-access`: what one cluster needs before Argo CD and Istio run on it, and what
//! the other clusters use to reach it: the `argocd-manager` service account and its token (the hub's
//! Argo CD deploys with it), and with the mesh the `istio-system` namespace holding `cacerts` (the
//! cluster's intermediate CA from `multicloud_mesh_trust`, there before istiod starts) and a
//! read-only service account whose token the peers' Istio remote secrets carry; and for Velero
//! outside GCP with the backup bucket on GCS, the `velero` namespace holding Google's
//! external-account file.

use crate::expr::{Expr, null, obj, r, s, strs, ty, var};
use crate::model::{B, Item, Module, Output, RequiredProvider, Usage, Variable, body, resource};

use super::{REQUIRED_TERRAFORM, notes};

pub const DIR: &str = "modules/cluster-access";
pub const KUBERNETES_VERSION: &str = ">= 2.38, < 3.0";
pub const HELM_VERSION: &str = ">= 3.0, < 4.0";
/// Istio's charts own `istio-reader-service-account` and its ClusterRole; ours has its own name.
pub const READER: &str = "multicloud-istio-reader";
pub const ARGOCD_MANAGER: &str = "argocd-manager";

fn count_if(flag: &str) -> Expr {
    crate::expr::cond(var(flag), crate::expr::num(1), crate::expr::num(0))
}

fn metadata(name: Expr, namespace: Option<&str>) -> B {
    body()
        .a("name", name)
        .a_opt("namespace", namespace.map(s))
        .a(
            "labels",
            obj([("app.kubernetes.io/managed-by", s("terraform"))]),
        )
}

/// A long-lived token Secret of a service account (what `istioctl create-remote-secret` and Argo
/// CD's `argocd cluster add` make): Kubernetes fills `data.token`.
fn token_secret(name: &str, sa: &str, namespace: &str, flag: &str, sa_ref: &str) -> Item {
    resource(
        "kubernetes_secret_v1",
        name,
        body()
            .a("count", count_if(flag))
            .b(
                "metadata",
                body()
                    .a("name", s(&format!("{sa}-token")))
                    .a("namespace", s(namespace))
                    .a(
                        "annotations",
                        obj([("kubernetes.io/service-account.name", r(sa_ref))]),
                    ),
            )
            .a("type", s("kubernetes.io/service-account-token"))
            .a("wait_for_service_account_token", true)
            .build(),
    )
}

pub fn module() -> Module {
    Module {
        dir: DIR.into(),
        title: "cluster-access".into(),
        about: vec![
            "Per cluster, what Terraform writes before Argo CD and Istio run there: the \
             `argocd-manager` service account (cluster-admin, as `argocd cluster add` makes it) with \
             a token the hub's Argo CD uses, and with the mesh the `istio-system` namespace (labelled \
             with the cluster's Istio network) holding `cacerts`, so that istiod signs workload \
             certificates under the platform's one root from its first start, and a read-only \
             service account whose token the other clusters' Istio remote secrets carry."
                .into(),
            "Istio's charts own `istio-reader-service-account`; the reader here is \
             `multicloud-istio-reader`, so that Argo CD and Terraform never manage one object."
                .into(),
            "With `velero_gcp_credentials` (a cluster outside GCP whose Velero backs up to GCS), the \
             `velero` namespace and the ConfigMap `velero-gcp-credentials` holding Google's \
             external-account file (`gcp-velero-identity`'s `credentials_json`: no secret in it), \
             there before Argo CD starts Velero, which mounts it."
                .into(),
        ],
        usage: Some(Usage::new("access", &super::local_source(DIR))),
        required_version: REQUIRED_TERRAFORM.into(),
        required_providers: vec![RequiredProvider::new(
            "kubernetes",
            "hashicorp/kubernetes",
            Some(KUBERNETES_VERSION),
        )],
        variables: variables(),
        main: main(),
        outputs: outputs(),
        notes: notes(&[
            "Tokens are long-lived Secrets (type `kubernetes.io/service-account-token`); delete the \
             Secret (`terraform apply -replace`) to rotate one.",
            "Argo CD's istio-base Application creates `istio-system` only when missing: the one here \
             comes first, with the same network label.",
        ]),
        ..Module::default()
    }
}

fn variables() -> Vec<Variable> {
    vec![
        Variable::new("argocd_manager", ty::bool(), "Create the argocd-manager service account and token (not needed on the hub, which Argo CD reaches in-cluster).")
            .default(true.into())
            .not_null(),
        Variable::new("mesh", ty::bool(), "The cluster is in the Istio mesh: create istio-system with cacerts, and the reader for the peers' remote secrets.")
            .default(false.into())
            .not_null()
            .example(true.into()),
        Variable::new("network", ty::string(), "The cluster's Istio network (label topology.istio.io/network of istio-system).")
            .default(null())
            .example(s("eks-use1-net")),
        Variable::new("cacerts", ty::map(ty::string()), "With mesh: the cacerts files ca-cert.pem, ca-key.pem, root-cert.pem and cert-chain.pem (multicloud_mesh_trust's issued and issued_secrets of this cluster).")
            .default(obj::<_, &str>([]))
            .sensitive()
            .not_null()
            .example(obj([
                ("ca-cert.pem", s("-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n")),
                ("ca-key.pem", s("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n")),
                ("root-cert.pem", s("-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n")),
                ("cert-chain.pem", s("-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n")),
            ])),
        Variable::new("velero_gcp_credentials", ty::string(), "Outside GCP, with the backup bucket on GCS: Google's external-account file for Velero (JSON, no secret), written to the ConfigMap velero-gcp-credentials in namespace velero. Null: neither is made.")
            .default(null())
            .example(s("{\"type\":\"external_account\",\"audience\":\"//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-velero/providers/eks-use1\",\"subject_token_type\":\"urn:ietf:params:oauth:token-type:jwt\",\"token_url\":\"https://sts.googleapis.com/v1/token\",\"credential_source\":{\"file\":\"/var/run/secrets/gcp/token\"},\"service_account_impersonation_url\":\"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/acme-eks-use1-velero@my-project.iam.gserviceaccount.com:generateAccessToken\"}")),
    ]
}

fn velero_gcp() -> Expr {
    crate::expr::cond(
        crate::expr::bin(
            var("velero_gcp_credentials"),
            hcl::expr::BinaryOperator::NotEq,
            null(),
        ),
        crate::expr::num(1),
        crate::expr::num(0),
    )
}

fn main() -> Vec<Item> {
    vec![
        resource(
            "kubernetes_service_account_v1",
            "argocd_manager",
            body()
                .a("count", count_if("argocd_manager"))
                .b("metadata", metadata(s(ARGOCD_MANAGER), Some("kube-system")))
                .a("automount_service_account_token", false)
                .build(),
        )
        .comment("Argo CD on the hub deploys here as this account (what `argocd cluster add` makes)."),
        resource(
            "kubernetes_cluster_role_binding_v1",
            "argocd_manager",
            body()
                .a("count", count_if("argocd_manager"))
                .b("metadata", metadata(s(&format!("{ARGOCD_MANAGER}-role-binding")), None))
                .b(
                    "role_ref",
                    body()
                        .a("api_group", s("rbac.authorization.k8s.io"))
                        .a("kind", s("ClusterRole"))
                        .a("name", s("cluster-admin")),
                )
                .b(
                    "subject",
                    body()
                        .a("kind", s("ServiceAccount"))
                        .a("name", r("kubernetes_service_account_v1.argocd_manager[0].metadata[0].name"))
                        .a("namespace", s("kube-system")),
                )
                .build(),
        )
        .comment("The add-ons install CRDs, webhooks and cluster roles: Argo CD needs cluster-admin, as upstream documents."),
        token_secret(
            "argocd_manager",
            ARGOCD_MANAGER,
            "kube-system",
            "argocd_manager",
            "kubernetes_service_account_v1.argocd_manager[0].metadata[0].name",
        ),
        resource(
            "kubernetes_namespace_v1",
            "istio_system",
            body()
                .a("count", count_if("mesh"))
                .b(
                    "metadata",
                    body()
                        .a("name", s("istio-system"))
                        .a("labels", obj([
                            ("app.kubernetes.io/managed-by", s("terraform")),
                            ("topology.istio.io/network", var("network")),
                        ])),
                )
                .build(),
        )
        .comment("Before Argo CD installs istiod: cacerts must be there when istiod starts, or it makes its own CA."),
        resource(
            "kubernetes_secret_v1",
            "cacerts",
            body()
                .a("count", count_if("mesh"))
                .b("metadata", metadata(s("cacerts"), None).a("namespace", r("kubernetes_namespace_v1.istio_system[0].metadata[0].name")))
                .a("type", s("Opaque"))
                .a("data", var("cacerts"))
                .build(),
        )
        .comment("The cluster's intermediate CA under the platform's one root (multicloud_mesh_trust)."),
        resource(
            "kubernetes_service_account_v1",
            "istio_reader",
            body()
                .a("count", count_if("mesh"))
                .b("metadata", metadata(s(READER), None).a("namespace", r("kubernetes_namespace_v1.istio_system[0].metadata[0].name")))
                .a("automount_service_account_token", false)
                .build(),
        )
        .comment("The peers' istiod watch this cluster's services and endpoints as this account (their remote secret holds its token)."),
        resource(
            "kubernetes_cluster_role_v1",
            "istio_reader",
            body()
                .a("count", count_if("mesh"))
                .b("metadata", metadata(s(READER), None))
                .b(
                    "rule",
                    body()
                        .a("api_groups", strs([""]))
                        .a("resources", strs(["endpoints", "services", "pods", "nodes", "namespaces"]))
                        .a("verbs", strs(["get", "list", "watch"])),
                )
                .b(
                    "rule",
                    body()
                        .a("api_groups", strs(["discovery.k8s.io"]))
                        .a("resources", strs(["endpointslices"]))
                        .a("verbs", strs(["get", "list", "watch"])),
                )
                .build(),
        )
        .comment("Read only, and only what endpoint discovery reads."),
        resource(
            "kubernetes_cluster_role_binding_v1",
            "istio_reader",
            body()
                .a("count", count_if("mesh"))
                .b("metadata", metadata(s(READER), None))
                .b(
                    "role_ref",
                    body()
                        .a("api_group", s("rbac.authorization.k8s.io"))
                        .a("kind", s("ClusterRole"))
                        .a("name", r("kubernetes_cluster_role_v1.istio_reader[0].metadata[0].name")),
                )
                .b(
                    "subject",
                    body()
                        .a("kind", s("ServiceAccount"))
                        .a("name", r("kubernetes_service_account_v1.istio_reader[0].metadata[0].name"))
                        .a("namespace", s("istio-system")),
                )
                .build(),
        ),
        token_secret(
            "istio_reader",
            READER,
            "istio-system",
            "mesh",
            "kubernetes_service_account_v1.istio_reader[0].metadata[0].name",
        ),
        resource(
            "kubernetes_namespace_v1",
            "velero",
            body()
                .a("count", velero_gcp())
                .b("metadata", metadata(s("velero"), None))
                .build(),
        )
        .comment("Before Argo CD installs Velero, whose pods mount the ConfigMap below (Argo CD's CreateNamespace then finds it)."),
        resource(
            "kubernetes_config_map_v1",
            "velero_gcp_credentials",
            body()
                .a("count", velero_gcp())
                .b(
                    "metadata",
                    metadata(s(crate::kubernetes::addons::GCP_CREDENTIALS_CONFIGMAP), None)
                        .a("namespace", r("kubernetes_namespace_v1.velero[0].metadata[0].name")),
                )
                .a("data", crate::expr::obj([("credentials.json", var("velero_gcp_credentials"))]))
                .build(),
        )
        .comment("Velero exchanges its projected token at Google's STS and impersonates its service account as this file says."),
    ]
}

fn outputs() -> Vec<Output> {
    let token = |name: &str| {
        crate::expr::func(
            "one",
            [r(&format!("kubernetes_secret_v1.{name}[*].data.token"))],
        )
    };
    vec![
        Output::new("argocd_manager_token", "Bearer token of argocd-manager (null when not created): the config of the cluster's Argo CD cluster Secret.", token("argocd_manager")).sensitive(),
        Output::new("istio_reader_token", "Bearer token of the Istio reader (null without the mesh): what the peers' remote secrets carry.", token("istio_reader")).sensitive(),
    ]
}
