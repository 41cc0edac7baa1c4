//! `modules/gitops-hub`: Argo CD on the hub cluster and what it needs to manage the platform: the
//! pinned argo-cd chart (`helm_release`), one Argo CD cluster Secret per cluster whose labels and
//! annotations carry the cluster's facts (the GitOps-bridge contract the ApplicationSets select
//! and template from), and the project and app-of-apps that sync `kubernetes/addons` from git.

use crate::expr::{kw, list, obj, r, s, ty, var};
use crate::kubernetes::addons::ARGO_CD;
use crate::kubernetes::facts::ARGOCD_NAMESPACE;
use crate::model::{Item, Module, Output, RequiredProvider, Usage, Variable, body, resource};

use super::cluster_access::{HELM_VERSION, KUBERNETES_VERSION};
use super::{REQUIRED_TERRAFORM, notes};

pub const DIR: &str = "modules/gitops-hub";
/// The Helm release name `render` uses for Argo CD.
pub const RELEASE: &str = "argocd";

pub fn module() -> Module {
    Module {
        dir: DIR.into(),
        title: "gitops-hub".into(),
        about: vec![
            "Argo CD on the hub cluster (the argo-cd chart at a pinned version, in namespace `argocd`), \
             an Argo CD cluster Secret per cluster (`cluster-<name>`, labels and annotations carrying \
             the cluster's facts, `config` its CA and credentials), and the AppProject and \
             app-of-apps Application that sync the ApplicationSets from git: after this, Argo CD \
             installs everything else."
                .into(),
            "The project and app-of-apps are `kubernetes_manifest`s of Argo CD's CRDs, which the \
             chart installs: on a new hub, apply the release first (`-target`), then the rest."
                .into(),
        ],
        usage: Some(Usage::new("hub", &super::local_source(DIR))),
        required_version: REQUIRED_TERRAFORM.into(),
        required_providers: vec![
            RequiredProvider::new("helm", "hashicorp/helm", Some(HELM_VERSION)),
            RequiredProvider::new("kubernetes", "hashicorp/kubernetes", Some(KUBERNETES_VERSION)),
        ],
        variables: variables(),
        main: main(),
        outputs: vec![
            Output::new("argo_cd_version", "The argo-cd chart version installed.", r("helm_release.argo_cd.version")),
            Output::new(
                "cluster_secrets",
                "Names of the Argo CD cluster Secrets, by cluster.",
                crate::expr::for_map("name", "secret", r("kubernetes_secret_v1.cluster"), r("name"), r("secret.metadata[0].name")),
            ),
        ],
        notes: notes(&[
            "A cluster's labels and annotations change only with platform.toml (or its identity): Argo \
             CD then re-templates that cluster's Applications and nothing else.",
            "Argo CD has no public endpoint (`kubectl -n argocd port-forward svc/argocd-server 8443:443`).",
        ]),
        ..Module::default()
    }
}

fn variables() -> Vec<Variable> {
    let facts = ty::map(ty::string());
    vec![
        Variable::new("chart_repository", ty::string(), "Helm repository of the argo-cd chart.")
            .default(s(ARGO_CD.repo))
            .not_null(),
        Variable::new("chart_version", ty::string(), "Pinned version of the argo-cd chart.")
            .default(s(ARGO_CD.version))
            .not_null(),
        Variable::new("values", ty::string(), "The chart's values (YAML), e.g. file(\"kubernetes/bootstrap/argo-cd.yaml\").")
            .example(s("configs:\n  params:\n    server.insecure: false\n")),
        Variable::new("clusters", ty::map(ty::object([("server", ty::string()), ("labels", facts.clone()), ("annotations", facts)])), "By cluster name: how Argo CD reaches it (https://kubernetes.default.svc for the hub) and the labels and annotations of its cluster Secret.")
            .not_null()
            .example(obj([("eks-use1", obj([
                ("server", s("https://kubernetes.default.svc")),
                ("labels", obj([("argocd.argoproj.io/secret-type", s("cluster")), ("multicloud.io/cloud", s("aws"))])),
                ("annotations", obj([("multicloud.io/cluster-name", s("eks-use1"))])),
            ]))])),
        Variable::new("cluster_configs", ty::map(ty::string()), "By cluster name: the `config` of its cluster Secret (JSON: bearerToken, tlsClientConfig with caData).")
            .sensitive()
            .not_null()
            .example(obj([("eks-use1", s("{\"tlsClientConfig\":{\"insecure\":false}}"))])),
        Variable::new("project", kw("any"), "The AppProject manifest of the platform's add-ons.")
            .example(obj([
                ("apiVersion", s("argoproj.io/v1alpha1")),
                ("kind", s("AppProject")),
                ("metadata", obj([("name", s("platform")), ("namespace", s(ARGOCD_NAMESPACE))])),
                ("spec", obj([("sourceRepos", crate::expr::strs(["https://github.com/acme/platform.git"]))])),
            ])),
        Variable::new("app_of_apps", kw("any"), "The Application manifest that syncs the ApplicationSets from git.")
            .example(obj([
                ("apiVersion", s("argoproj.io/v1alpha1")),
                ("kind", s("Application")),
                ("metadata", obj([("name", s("platform-addons")), ("namespace", s(ARGOCD_NAMESPACE))])),
                ("spec", obj([
                    ("project", s("platform")),
                    ("source", obj([("repoURL", s("https://github.com/acme/platform.git")), ("targetRevision", s("main")), ("path", s("kubernetes/addons"))])),
                    ("destination", obj([("server", s("https://kubernetes.default.svc")), ("namespace", s(ARGOCD_NAMESPACE))])),
                ])),
            ])),
    ]
}

fn main() -> Vec<Item> {
    vec![
        resource(
            "helm_release",
            "argo_cd",
            body()
                .a("name", s(RELEASE))
                .a("repository", var("chart_repository"))
                .a("chart", s(ARGO_CD.name))
                .a("version", var("chart_version"))
                .a("namespace", s(ARGOCD_NAMESPACE))
                .a("create_namespace", true)
                .a("values", list([var("values")]))
                .a("wait", true)
                .a("timeout", crate::expr::num(900))
                .build(),
        )
        .comment("Pinned: an upgrade is a change of chart_version in review, never a surprise."),
        resource(
            "kubernetes_secret_v1",
            "cluster",
            body()
                .a("for_each", var("clusters"))
                .b(
                    "metadata",
                    body()
                        .a("name", crate::expr::tpl("cluster-${each.key}"))
                        .a("namespace", r("helm_release.argo_cd.namespace"))
                        .a("labels", r("each.value.labels"))
                        .a("annotations", r("each.value.annotations")),
                )
                .a("type", s("Opaque"))
                .a(
                    "data",
                    obj([
                        ("name", r("each.key")),
                        ("server", r("each.value.server")),
                        ("config", r("var.cluster_configs[each.key]")),
                    ]),
                )
                .build(),
        )
        .comment("The GitOps-bridge contract: the ApplicationSets select clusters by these labels and template their values from the annotations."),
        resource(
            "kubernetes_manifest",
            "project",
            body()
                .a("manifest", var("project"))
                .a("depends_on", list([r("helm_release.argo_cd")]))
                .build(),
        ),
        resource(
            "kubernetes_manifest",
            "app_of_apps",
            body()
                .a("manifest", var("app_of_apps"))
                .a("depends_on", list([r("kubernetes_manifest.project"), r("kubernetes_secret_v1.cluster")]))
                .build(),
        )
        .comment("Syncs kubernetes/addons (the ApplicationSets) once every cluster Secret exists."),
    ]
}
