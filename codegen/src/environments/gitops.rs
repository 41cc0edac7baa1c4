//! `environments/gitops`: the Terraform side of the GitOps bridge, applied last. It reads the cloud
//! environments' states (each cluster's endpoint, CA, OIDC issuer; the backup bucket's key) and
//! global's (the mesh trust's `cacerts`), and writes into the clusters what only Terraform can:
//! Velero's identity per cluster in the bucket's cloud (`backup.rs`), Argo CD on the hub with a
//! cluster Secret per cluster (the labels and annotations of `kubernetes::facts`), and on every
//! cluster `cacerts`, the Istio reader, the peers' remote secrets and read-only backup locations
//! (and, with the bucket on GCS, Google's external-account file for Velero outside GCP).
//!
//! Its own environment rather than global: its providers are the clusters' API servers, reachable
//! only once the clusters exist and answering only to cluster credentials, and `kubernetes_manifest`
//! needs them at plan; kept out of global, the VPN, mesh trust and global hostname plan without
//! any cluster, and a cluster that is down blocks only this layer.

use serde_json::Value;

pub use super::backup::{EXPIRATION_MARGIN_DAYS, bucket_call, bucket_outputs};
use super::backup::{gcp_credentials, identity, identity_items, tenant};
use super::state::{backend, remote_state};
use super::{ENV_REQUIRED_TERRAFORM, regenerate_note};
use crate::expr::{Expr, func, obj, r, s, tpl};
use crate::kubernetes::addons::restore_location;
use crate::kubernetes::facts::{ApplyTime, Facts, IN_CLUSTER};
use crate::kubernetes::{ARGO_CD_VALUES, platform_apps};
use crate::model::{Item, Module, Output, RequiredProvider, body, labeled, module_call};
use crate::modules::cluster_access::{HELM_VERSION, KUBERNETES_VERSION};
use crate::modules::{
    MULTICLOUD_SOURCE, MULTICLOUD_VERSION, cluster_access, cluster_peers, gitops_hub, local_source,
};
use crate::platform::{Cloud, Cluster, Platform};

pub const DIR: &str = "environments/gitops";
/// Microsoft's application ID of the AKS AAD server, the audience of kubelogin's tokens.
pub const AKS_SERVER_ID: &str = "6dae42f8-4368-4678-94ff-3960e28e3630";
/// Stand for the Velero identity and its tenant in the facts until they become Terraform
/// references.
const IDENTITY: &str = "\u{0}velero-identity";
const TENANT: &str = "\u{0}velero-tenant";
/// The input holding the sample database's replication certificates.
pub const DATABASE_CERTIFICATES: &str = "sample_db_certificates";

/// The sample database's replication certificates, an input: no provider this repository
/// validates against generates X.509 certificates (../shared has no hashicorp/tls schema), and
/// `multicloud_mesh_trust` issues only CA certificates with PKCS#8 keys, which CloudNativePG
/// cannot sign with.
fn database_certificates_variable() -> crate::model::Variable {
    use crate::expr::ty;
    crate::model::Variable::new(
        DATABASE_CERTIFICATES,
        ty::object([
            ("ca_cert_pem", ty::string()),
            ("ca_key_pem", ty::string()),
            ("replication_cert_pem", ty::string()),
            ("replication_key_pem", ty::string()),
        ]),
        "The sample database's replication certificates, written on every app cluster (modules/cluster-peers): a CA (certificate and EC key in SEC1 PEM) and the streaming_replica client certificate and key it issued. Null: the Secrets are not written and the database members cannot replicate. See the README for the openssl commands.",
    )
    .default(crate::expr::null())
    .sensitive()
}

fn snake(name: &str) -> String {
    name.replace('-', "_")
}

/// A cloud environment's output about cluster `c`, e.g. `eks_use1_endpoint`.
fn output_name(c: &Cluster, what: &str) -> String {
    format!("{}_{what}", snake(&c.name))
}

fn state(c: &Cluster, what: &str) -> Expr {
    r(&format!(
        "data.terraform_remote_state.{}.outputs.{}",
        c.cloud.as_str(),
        output_name(c, what)
    ))
}

/// What the cloud environment of `c` writes for this one: endpoint (https URL), CA and issuer.
pub fn cluster_outputs(c: &Cluster) -> Vec<Output> {
    let m = |o: &str| r(&format!("module.{}.{o}", c.name));
    let (endpoint, ca) = match c.cloud {
        Cloud::Aws => (m("cluster_endpoint"), m("cluster_ca_certificate")),
        // GKE gives the address without a scheme.
        Cloud::Gcp => (
            tpl(&format!("https://${{module.{}.endpoint}}", c.name)),
            m("ca_certificate"),
        ),
        Cloud::Azure => (m("host"), m("cluster_ca_certificate")),
    };
    let mut out = vec![
        Output::new(
            &output_name(c, "endpoint"),
            &format!(
                "API endpoint of cluster {} (https URL), for environments/gitops.",
                c.name
            ),
            endpoint,
        )
        .sensitive(),
        Output::new(
            &output_name(c, "ca_certificate"),
            &format!(
                "Base64 CA certificate of cluster {}'s API, for environments/gitops.",
                c.name
            ),
            ca,
        )
        .sensitive(),
    ];
    match c.cloud {
        Cloud::Aws => {
            out.push(Output::new(
                &output_name(c, "oidc_issuer_url"),
                &format!("OIDC issuer of cluster {} (workload identities).", c.name),
                m("oidc_issuer_url"),
            ));
            out.push(Output::new(
                &output_name(c, "oidc_provider_arn"),
                &format!("IRSA OIDC provider of cluster {}.", c.name),
                m("oidc_provider_arn"),
            ));
        }
        Cloud::Azure => out.push(Output::new(
            &output_name(c, "oidc_issuer_url"),
            &format!("OIDC issuer of cluster {} (workload identities).", c.name),
            m("oidc_issuer_url"),
        )),
        // GKE's issuer is a fixed URL of project, location and name (gke_issuer).
        Cloud::Gcp => {}
    }
    out
}

/// GKE's OIDC issuer: a fixed URL, known before the cluster exists.
pub fn gke_issuer(p: &Platform, c: &Cluster) -> String {
    format!(
        "https://container.googleapis.com/v1/projects/{}/locations/{}/clusters/{}",
        p.gcp
            .as_ref()
            .map(|g| g.project_id.as_str())
            .unwrap_or_default(),
        c.region,
        c.name
    )
}

fn is_hub(p: &Platform, c: &Cluster) -> bool {
    p.gitops.as_ref().is_some_and(|g| g.hub == c.name)
}

/// How other clusters (and Argo CD, for spokes) reach `c`.
fn endpoint(c: &Cluster) -> Expr {
    state(c, "endpoint")
}

fn auth_ref(c: &Cluster, field: &str) -> Expr {
    r(&format!(
        "ephemeral.multicloud_cluster_auth.{}.{field}",
        snake(&c.name)
    ))
}

/// Short-lived credentials for EKS and GKE, never stored (AKS: kubelogin, see `kube_settings`).
fn cluster_auth(p: &Platform, c: &Cluster) -> Option<Item> {
    let b = body()
        .a("cloud", s(c.cloud.as_str()))
        .a("name", s(&c.name))
        .a("region", s(&c.region));
    let b = match c.cloud {
        Cloud::Aws => b,
        Cloud::Gcp => b.a(
            "project",
            s(p.gcp
                .as_ref()
                .map(|g| g.project_id.as_str())
                .unwrap_or_default()),
        ),
        Cloud::Azure => return None,
    };
    Some(Item::new(labeled(
        "ephemeral",
        &["multicloud_cluster_auth", &snake(&c.name)],
        b.build(),
    )))
}

/// The kubernetes provider's connection to `c`, as (attribute, value) pairs and an exec block.
fn kube_settings(c: &Cluster) -> (Vec<(&'static str, Expr)>, Option<crate::model::B>) {
    match c.cloud {
        Cloud::Azure => (
            vec![
                ("host", endpoint(c)),
                (
                    "cluster_ca_certificate",
                    func("base64decode", [state(c, "ca_certificate")]),
                ),
            ],
            // AKS has Entra ID authentication only (local accounts are off): kubelogin makes the
            // token (AAD_LOGIN_METHOD picks the flow: azurecli by default, workloadidentity in CI).
            Some(
                body()
                    .a("api_version", s("client.authentication.k8s.io/v1beta1"))
                    .a("command", s("kubelogin"))
                    .a(
                        "args",
                        crate::expr::strs([
                            "get-token",
                            "--login",
                            "azurecli",
                            "--server-id",
                            AKS_SERVER_ID,
                        ]),
                    ),
            ),
        ),
        _ => (
            vec![
                ("host", auth_ref(c, "host")),
                (
                    "cluster_ca_certificate",
                    auth_ref(c, "cluster_ca_certificate"),
                ),
                ("token", auth_ref(c, "token")),
            ],
            None,
        ),
    }
}

fn kubernetes_provider(c: &Cluster) -> hcl::Block {
    let (attrs, exec) = kube_settings(c);
    let mut b = body().a("alias", s(&snake(&c.name)));
    for (k, v) in attrs {
        b = b.a(k, v);
    }
    if let Some(e) = exec {
        b = b.b("exec", e);
    }
    labeled("provider", &["kubernetes"], b.build())
}

/// helm 3.x: `kubernetes` is an attribute.
fn helm_provider(c: &Cluster) -> hcl::Block {
    let (attrs, exec) = kube_settings(c);
    let mut fields = attrs;
    if let Some(e) = exec {
        fields.push(("exec", body_to_obj(e)));
    }
    labeled(
        "provider",
        &["helm"],
        body()
            .a("alias", s(&snake(&c.name)))
            .a("kubernetes", obj(fields))
            .build(),
    )
}

fn body_to_obj(b: crate::model::B) -> Expr {
    let mut o: Vec<(String, Expr)> = Vec::new();
    for st in b.build().into_inner() {
        if let hcl::Structure::Attribute(a) = st {
            o.push((a.key.to_string(), a.expr));
        }
    }
    obj(o)
}

fn json(v: &Value) -> Expr {
    hcl::to_expression(v).unwrap_or_else(|e| panic!("a generated manifest is not HCL: {e}"))
}

/// `e` with every string equal to `placeholder` replaced by `with` (a reference to what this
/// environment makes, inside a manifest built from the same code as `render`'s).
fn substitute(e: Expr, placeholder: &str, with: &Expr) -> Expr {
    match e {
        Expr::String(x) if x == placeholder => with.clone(),
        Expr::Array(items) => Expr::Array(
            items
                .into_iter()
                .map(|i| substitute(i, placeholder, with))
                .collect(),
        ),
        Expr::Object(o) => Expr::Object(
            o.into_iter()
                .map(|(k, v)| (k, substitute(v, placeholder, with)))
                .collect(),
        ),
        other => other,
    }
}

fn providers_of(c: &Cluster, helm: bool) -> Expr {
    let a = snake(&c.name);
    let mut f = vec![("kubernetes", r(&format!("kubernetes.{a}")))];
    if helm {
        f.push(("helm", r(&format!("helm.{a}"))));
    }
    obj(f)
}

fn access_call(p: &Platform, c: &Cluster) -> Item {
    let mut b = body()
        .a("providers", providers_of(c, false))
        .a("argocd_manager", !is_hub(p, c));
    if p.mesh.enabled {
        b = b.a("mesh", true).a("network", s(&c.network())).a(
            "cacerts",
            r(&format!(
                "data.terraform_remote_state.global.outputs.mesh_cacerts_files[\"{}\"]",
                c.name
            )),
        );
    }
    if let Some(credentials) = p.backup.as_ref().and_then(|bk| gcp_credentials(bk, c)) {
        b = b.a("velero_gcp_credentials", credentials);
    }
    module_call(
        &format!("{}-access", c.name),
        &local_source(cluster_access::DIR),
        b.build(),
    )
}

/// The labels and annotations of `c`'s cluster Secret (`Facts::of`), the Velero identity as a
/// reference to what this environment makes.
fn facts(p: &Platform, c: &Cluster) -> (Expr, Expr) {
    let f = Facts::of(
        p,
        c,
        ApplyTime {
            server: String::new(),
            velero_identity: IDENTITY.into(),
            velero_tenant: TENANT.into(),
        },
    );
    let value = |v: &String| match (v.as_str(), &p.backup) {
        (IDENTITY, Some(b)) => identity(b, c),
        (TENANT, Some(_)) => tenant(c),
        _ => s(v),
    };
    (
        obj(f.labels.iter().map(|(k, v)| (k.clone(), value(v)))),
        obj(f.annotations.iter().map(|(k, v)| (k.clone(), value(v)))),
    )
}

fn hub_call(p: &Platform, hub: &Cluster) -> Item {
    let mut clusters = Vec::new();
    let mut configs = Vec::new();
    for c in &p.clusters {
        let (labels, annotations) = facts(p, c);
        let server = if is_hub(p, c) {
            s(IN_CLUSTER)
        } else {
            endpoint(c)
        };
        clusters.push((
            c.name.clone(),
            obj([
                ("server", server),
                ("labels", labels),
                ("annotations", annotations),
            ]),
        ));
        let tls = |ca: Option<Expr>| {
            let mut f = vec![("insecure", Expr::Bool(false))];
            f.extend(ca.map(|ca| ("caData", ca)));
            obj(f)
        };
        let config = if is_hub(p, c) {
            obj([("tlsClientConfig", tls(None))])
        } else {
            obj([
                (
                    "bearerToken",
                    r(&format!("module.{}-access.argocd_manager_token", c.name)),
                ),
                ("tlsClientConfig", tls(Some(state(c, "ca_certificate")))),
            ])
        };
        configs.push((c.name.clone(), func("jsonencode", [config])));
    }
    let apps = platform_apps(p);
    module_call(
        "hub",
        &local_source(gitops_hub::DIR),
        body()
            .a("providers", providers_of(hub, true))
            .a(
                "values",
                func(
                    "file",
                    [tpl(&format!("${{path.root}}/../../{ARGO_CD_VALUES}"))],
                ),
            )
            .a("clusters", obj(clusters))
            .a("cluster_configs", obj(configs))
            .a("project", json(&apps[0]))
            .a("app_of_apps", json(&apps[1]))
            .build(),
    )
    .comment(&format!(
        "Argo CD on {} and a cluster Secret per cluster: the facts the ApplicationSets select on.",
        hub.name
    ))
}

fn peers_call(p: &Platform, c: &Cluster) -> Item {
    let peers: Vec<&Cluster> = p.clusters.iter().filter(|x| x.name != c.name).collect();
    let mut b = body().a("providers", providers_of(c, false));
    if p.mesh.enabled {
        b = b
            .a(
                "peers",
                obj(peers
                    .iter()
                    .map(|x| (x.name.clone(), obj([("server", endpoint(x))])))),
            )
            .a(
                "peer_credentials",
                obj(peers.iter().map(|x| {
                    (
                        x.name.clone(),
                        obj([
                            ("ca_certificate", state(x, "ca_certificate")),
                            (
                                "token",
                                r(&format!("module.{}-access.istio_reader_token", x.name)),
                            ),
                        ]),
                    )
                })),
            );
    }
    if p.sample_app
        .as_ref()
        .is_some_and(|a| a.clusters().contains(&c.name.as_str()))
    {
        b = b.a(
            "database_certificates",
            r(&format!("var.{DATABASE_CERTIFICATES}")),
        );
    }
    if let Some(bk) = &p.backup {
        let me = identity(bk, c);
        b = b.a(
            "restore_locations",
            obj(peers.iter().map(|x| {
                let manifest = json(&restore_location(p, bk, IDENTITY, &x.name));
                (x.name.clone(), substitute(manifest, IDENTITY, &me))
            })),
        );
    }
    module_call(
        &format!("{}-peers", c.name),
        &local_source(cluster_peers::DIR),
        b.build(),
    )
    .comment(&format!(
        "On {}: one remote secret and one read-only backup location per other cluster.",
        c.name
    ))
}

fn multicloud_provider(p: &Platform) -> hcl::Block {
    let mut b = body();
    if let Some(a) = &p.aws {
        b = b.b("aws", body().a("region", s(&a.state_region)));
    }
    if let Some(g) = &p.gcp {
        b = b.b("gcp", body().a("project", s(&g.project_id)));
    }
    labeled("provider", &["multicloud"], b.build())
}

pub fn environment(p: &Platform) -> Module {
    let hub_name = p.gitops.as_ref().map(|g| g.hub.clone()).unwrap_or_default();
    let hub = p.cluster(&hub_name).unwrap_or(&p.clusters[0]);
    let state_cloud = p.global_state_cloud().unwrap_or(Cloud::Aws);

    let mut required_providers = vec![
        RequiredProvider::new("multicloud", MULTICLOUD_SOURCE, Some(MULTICLOUD_VERSION)),
        RequiredProvider::new(
            "kubernetes",
            "hashicorp/kubernetes",
            Some(KUBERNETES_VERSION),
        ),
        RequiredProvider::new("helm", "hashicorp/helm", Some(HELM_VERSION)),
    ];
    let mut provider_blocks = vec![multicloud_provider(p)];
    if let Some(b) = &p.backup {
        let (required, blocks) = super::backup::providers(p, b);
        required_providers.push(required);
        provider_blocks.extend(blocks);
    }
    provider_blocks.extend(p.clusters.iter().map(kubernetes_provider));
    provider_blocks.push(helm_provider(hub));

    let mut main: Vec<Item> = p.clouds().into_iter().map(|c| remote_state(p, c)).collect();
    if p.mesh.enabled {
        main.push(remote_state_global(p));
    }
    if let Some(first) = main.first_mut() {
        first.comment.push("Each cluster's endpoint, CA and issuer from the cloud environments; cacerts from global.".into());
    }
    main.push(crate::model::locals([("tags", super::tags(p))]));
    main.extend(p.clusters.iter().filter_map(|c| cluster_auth(p, c)));
    if let Some(b) = &p.backup {
        main.extend(identity_items(p, b));
    }
    main.extend(p.clusters.iter().map(|c| access_call(p, c)));
    main.push(hub_call(p, hub));
    main.extend(p.clusters.iter().map(|c| peers_call(p, c)));

    let clouds: Vec<String> = p
        .clouds()
        .iter()
        .map(|c| format!("`environments/{}`", c.as_str()))
        .collect();
    Module {
        dir: DIR.into(),
        title: DIR.into(),
        about: vec![format!(
            "The Terraform side of platform `{}`'s GitOps bridge: Argo CD on `{}` with a cluster Secret per cluster, \
             Velero's identities{}, and on every cluster `cacerts`, the Istio reader, the peers' remote secrets and \
             read-only backup locations. Generated from `platform.toml`; do not edit.",
            p.name,
            hub.name,
            p.backup.as_ref().map(|b| match b.cloud {
                Cloud::Aws => format!(" (IAM roles on the S3 bucket `{}`)", b.bucket),
                Cloud::Gcp => format!(" (service accounts on the GCS bucket `{}`, through GKE Workload Identity or workload identity federation)", b.bucket),
                Cloud::Azure => format!(" (user-assigned identities with federated credentials on the Azure container `{}/{}`)", b.azure_account(), crate::kubernetes::addons::AZURE_BACKUP_CONTAINER),
            }).unwrap_or_default(),
        )],
        usage: None,
        required_version: ENV_REQUIRED_TERRAFORM.into(),
        required_providers,
        backend: Some(backend(p, state_cloud, "gitops")),
        provider_blocks,
        variables: p
            .sample_app
            .iter()
            .map(|_| database_certificates_variable())
            .collect(),
        main,
        outputs: vec![Output::new("cluster_secrets", "The Argo CD cluster Secrets on the hub, by cluster.", r("module.hub.cluster_secrets"))],
        notes: vec![
            (
                "Order".into(),
                format!(
                    "Apply {}{} first: this environment reads their states. On a new platform apply in two steps: \
                     `terraform apply -target=module.hub.helm_release.argo_cd` and the `*-access` modules (Argo CD's \
                     and Velero's CRDs do not exist yet, and `kubernetes_manifest` reads them at plan), wait for Argo CD \
                     to sync the add-ons, then `terraform apply`.",
                    clouds.join(", "),
                    if p.mesh.enabled { " and `environments/global`" } else { "" }
                ),
            ),
            (
                "Credentials".into(),
                "EKS and GKE through `ephemeral \"multicloud_cluster_auth\"` (short-lived, never stored); AKS, which \
                 that resource does not serve yet, through `kubelogin` (install it; `AAD_LOGIN_METHOD` picks the flow). \
                 The tokens of `argocd-manager` and the Istio readers are long-lived Secrets and are kept, sensitive, \
                 in this environment's state."
                    .into(),
            ),
            regenerate_note(),
        ]
        .into_iter()
        .chain(p.sample_app.iter().map(|_| database_certificates_note()))
        .collect(),
    }
}

/// How to make the sample database's certificates (see `database_certificates_variable`).
fn database_certificates_note() -> (String, String) {
    (
        "Sample database certificates".into(),
        format!(
            "`{DATABASE_CERTIFICATES}` holds the replication CA and the `streaming_replica` client certificate every \
             app cluster's CloudNativePG member shares (Secrets `sample-db-ca` and `sample-db-replication`). No \
             provider this repository validates against makes certificates (there is no hashicorp/tls schema in \
             ../shared), so they are an input, kept sensitive in the state:\n\n\
             ```shell\n\
             openssl ecparam -name prime256v1 -genkey -noout -out ca.key\n\
             openssl req -x509 -new -key ca.key -subj '/CN=sample-db-ca' -days 3650 -out ca.crt \\\n\
             \x20 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign\n\
             openssl ecparam -name prime256v1 -genkey -noout -out replication.key\n\
             openssl req -new -key replication.key -subj '/CN=streaming_replica' | openssl x509 -req -CA ca.crt \\\n\
             \x20 -CAkey ca.key -CAcreateserial -days 365 -out replication.crt \\\n\
             \x20 -extfile <(printf 'keyUsage=critical,digitalSignature,keyAgreement\\nextendedKeyUsage=clientAuth')\n\
             ```\n\n\
             then pass them as `TF_VAR_{DATABASE_CERTIFICATES}` (a JSON object with `ca_cert_pem`, `ca_key_pem`, \
             `replication_cert_pem`, `replication_key_pem`)."
        ),
    )
}

fn remote_state_global(p: &Platform) -> Item {
    let cloud = p.global_state_cloud().unwrap_or(Cloud::Aws);
    let mut item = remote_state(p, cloud);
    // remote_state names the block after the cloud and reads that cloud's environment; global's
    // state is on `cloud` under key/prefix "global".
    let settings = backend(p, cloud, "global");
    let config: Vec<(String, Expr)> = settings
        .body
        .into_inner()
        .into_iter()
        .filter_map(|st| match st {
            hcl::Structure::Attribute(a) => Some((a.key.to_string(), a.expr)),
            _ => None,
        })
        .collect();
    item.block = labeled(
        "data",
        &["terraform_remote_state", "global"],
        body()
            .a("backend", s(super::state::backend_kind(cloud)))
            .a("config", obj(config))
            .build(),
    );
    item
}

/// Test support: files that let this environment plan offline. Every state it reads from a local
/// file with made-up outputs of the right shape.
pub fn test_files(p: &Platform) -> Vec<(String, String)> {
    use serde_json::json;
    let mut files = Vec::new();
    let mut overrides = Vec::new();
    let mut states: Vec<(String, serde_json::Map<String, Value>)> = Vec::new();
    let string = |v: String| json!({"value": v, "type": "string"});
    for cloud in p.clouds() {
        let mut outputs = serde_json::Map::new();
        for c in p.clusters_on(cloud) {
            for o in cluster_outputs(c) {
                let v = match o.name.trim_start_matches(&format!("{}_", snake(&c.name))) {
                    "endpoint" => format!("https://{}.cluster.example", c.name),
                    "ca_certificate" => "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==".into(),
                    "oidc_issuer_url" => format!("https://oidc.example/{}", c.name),
                    "oidc_provider_arn" => format!(
                        "arn:aws:iam::123456789012:oidc-provider/oidc.example/{}",
                        c.name
                    ),
                    other => other.into(),
                };
                outputs.insert(o.name.clone(), string(v));
            }
        }
        outputs.extend(super::backup::test_outputs(p, cloud));
        states.push((cloud.as_str().into(), outputs));
    }
    if p.mesh.enabled {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let files_of: serde_json::Map<String, Value> = p
            .clusters
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    json!({"ca-cert.pem": pem, "ca-key.pem": "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", "root-cert.pem": pem, "cert-chain.pem": pem}),
                )
            })
            .collect();
        let mut outputs = serde_json::Map::new();
        outputs.insert(
            "mesh_cacerts_files".into(),
            json!({"value": files_of, "type": ["map", ["map", "string"]], "sensitive": true}),
        );
        states.push(("global".into(), outputs));
    }
    for (name, outputs) in states {
        let file = format!("zz_test_remote_{name}.tfstate");
        let state = json!({"version": 4, "terraform_version": "1.15.5", "serial": 1, "lineage": "00000000-0000-0000-0000-000000000000", "outputs": outputs, "resources": [], "check_results": null});
        files.push((
            file.clone(),
            serde_json::to_string_pretty(&state).unwrap_or_default(),
        ));
        overrides.push(labeled(
            "data",
            &["terraform_remote_state", &name],
            body()
                .a("backend", s("local"))
                .a("config", obj([("path", s(&file))]))
                .build(),
        ));
    }
    let text = overrides
        .into_iter()
        .map(|b| crate::render::hcl_text(&hcl::Body(vec![hcl::Structure::Block(b)])))
        .collect::<Vec<_>>()
        .join("\n");
    files.push(("zz_test_remote_override.tf".into(), text));
    // Made-up PEMs of the right kinds: the plan writes the database Secrets on the app clusters.
    if p.sample_app.is_some() {
        let pem = |kind: &str| format!("-----BEGIN {kind}-----\nMIIB\n-----END {kind}-----\n");
        let vars = json!({DATABASE_CERTIFICATES: {
            "ca_cert_pem": pem("CERTIFICATE"),
            "ca_key_pem": pem("EC PRIVATE KEY"),
            "replication_cert_pem": pem("CERTIFICATE"),
            "replication_key_pem": pem("EC PRIVATE KEY"),
        }});
        files.push((
            "zz_test.auto.tfvars.json".into(),
            serde_json::to_string_pretty(&vars).unwrap_or_default(),
        ));
    }
    // Offline, the clusters' credentials cannot be fetched: an ephemeral resource whose settings are
    // unknown at plan is not opened (override files cannot change ephemeral blocks, so the test
    // rewrites their `name`, see `unknown_cluster_auth`).
    files.push((
        "zz_test_unknown.tf".into(),
        crate::render::hcl_text(
            &body()
                .bl(
                    "resource",
                    &["terraform_data", "zz_test_unknown"],
                    body().a("input", s("unknown until apply")),
                )
                .build(),
        ),
    ));
    files
}

/// Test support: `main.tf` with every `multicloud_cluster_auth`'s name made unknown at plan.
pub fn unknown_cluster_auth(main_tf: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in main_tf.lines() {
        if line.starts_with("ephemeral \"multicloud_cluster_auth\"") {
            inside = true;
        } else if line == "}" {
            inside = false;
        }
        if inside && line.trim_start().starts_with("name ") {
            out.push_str("  name   = terraform_data.zz_test_unknown.id\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
