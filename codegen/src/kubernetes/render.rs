//! `multicloud-codegen render --out DIR`: everything that would run on each cluster, as Argo CD
//! would apply it. For every cluster: the Applications our ApplicationSets yield for it (resolved
//! from its cluster Secret's labels and annotations), each rendered by real `helm template` from
//! the real upstream chart at its pinned version (or this repository's chart) with the generated
//! values, the namespaces Argo CD creates, and the objects Terraform puts there itself. Apply-time
//! values (API endpoints, identity IDs, tokens) are stand-ins of the right shape
//! ([`Facts::example`]).
//!
//! `DIR/<cluster>/<file>.yaml`, one file per Application (`<addon>.yaml`), plus `terraform.yaml`
//! and, on the hub, `argo-cd.yaml`, `applicationsets.yaml` and `applications.yaml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use super::addons;
use super::appset::{self, AppSetError};
use super::facts::key;
use super::facts::{Facts, examples};
use super::{ARGO_CD_VALUES, yaml};
use crate::platform::{Backup, Cloud, Platform};
use crate::render::Tree;

/// The Kubernetes version charts are rendered for (`--kube-version`) and validated against.
pub const KUBE_VERSION: &str = "1.33.0";

#[derive(Debug, Clone)]
pub struct Options {
    /// The repository (its `kubernetes/federation` chart, and files not in the generated tree).
    pub root: PathBuf,
    /// The `helm` binary.
    pub helm: PathBuf,
    /// Folder of packaged upstream charts, `<name>-<version>.tgz`.
    pub charts: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{0}")]
    AppSet(#[from] AppSetError),
    #[error(
        "chart {name} {version} ({repo}) is not in {dir}: expected {file}; the pinned charts are listed in ../shared/k8s/README.md"
    )]
    MissingChart {
        name: String,
        version: String,
        repo: String,
        dir: String,
        file: String,
    },
    #[error("{app}: cannot run {helm}: {err}")]
    Helm {
        app: String,
        helm: String,
        err: std::io::Error,
    },
    #[error("{app}: helm template failed:\n{stderr}")]
    HelmFailed { app: String, stderr: String },
    #[error("{app}: helm output is not YAML: {err}")]
    BadOutput { app: String, err: String },
    #[error("{app}: value file {file} is neither generated nor in the repository")]
    MissingValues { app: String, file: String },
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error(
        "{app}: value file {file} holds a {{{{...}}}} placeholder, but Argo CD templates only the ApplicationSet, not value files"
    )]
    TemplatedValues { app: String, file: String },
    #[error(
        "render needs a [gitops] section in platform.toml (the hub cluster and the repository)"
    )]
    NoGitops,
}

/// Per cluster, per output file, the objects.
pub type Rendered = BTreeMap<String, BTreeMap<String, Vec<Value>>>;

/// Renders every cluster's objects; `progress` hears one line per rendered piece.
pub fn render(
    p: &Platform,
    tree: &Tree,
    opts: &Options,
    progress: &mut dyn FnMut(&str),
) -> Result<Rendered, RenderError> {
    let g = p.gitops.as_ref().ok_or(RenderError::NoGitops)?;
    let facts = examples(p);
    let scratch = tempdir()?;
    let mut out: Rendered = BTreeMap::new();
    for f in &facts {
        out.insert(f.name.clone(), BTreeMap::new());
    }

    // The hub: Argo CD itself, then what Terraform adds and what the app-of-apps syncs.
    let hub = out
        .get_mut(&g.hub)
        .expect("the hub is a cluster (checked at parse)");
    let argo_values = generated_or_file(tree, &opts.root, ARGO_CD_VALUES, "argo-cd")?;
    let values_file = scratch.join("argo-cd.values.yaml");
    write_file(&values_file, &argo_values)?;
    let objs = helm_template(
        opts,
        &scratch,
        "argo-cd",
        "argocd",
        &chart_file(
            opts,
            addons::ARGO_CD.name,
            addons::ARGO_CD.version,
            addons::ARGO_CD.repo,
        )?,
        "argocd",
        &[values_file],
    )?;
    progress(&format!(
        "{}: argo-cd {} ({} objects)",
        g.hub,
        addons::ARGO_CD.version,
        objs.len()
    ));
    hub.insert("argo-cd".into(), objs);

    let appsets: Vec<Value> = addons::all(p)
        .iter()
        .map(|a| a.application_set(p))
        .collect();
    let mut apps = Vec::new();
    for a in &appsets {
        apps.extend(appset::applications(a, &facts)?);
    }
    let hub = out.get_mut(&g.hub).expect("hub");
    hub.insert("applicationsets".into(), appsets);
    hub.insert("applications".into(), apps.clone());

    for (cluster, objs) in terraform_objects(p, &facts) {
        out.get_mut(&cluster)
            .expect("terraform objects go to known clusters")
            .insert("terraform".into(), objs);
    }

    for app in &apps {
        let name = app["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let cluster = app["spec"]["destination"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let addon = app["metadata"]["labels"]["multicloud.io/addon"]
            .as_str()
            .unwrap_or(&name)
            .to_string();
        let objs = render_application(app, &name, tree, opts, &scratch)?;
        progress(&format!("{cluster}: {addon} ({} objects)", objs.len()));
        out.get_mut(&cluster)
            .expect("applications target known clusters")
            .insert(addon, objs);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(out)
}

/// Writes `rendered` under `dir` (replacing what a previous render left there).
pub fn write(rendered: &Rendered, dir: &Path) -> Result<usize, RenderError> {
    let mut files = 0;
    for (cluster, parts) in rendered {
        let d = dir.join(cluster);
        if d.exists() {
            std::fs::remove_dir_all(&d).map_err(|e| RenderError::Io(d.display().to_string(), e))?;
        }
        std::fs::create_dir_all(&d).map_err(|e| RenderError::Io(d.display().to_string(), e))?;
        for (part, objs) in parts {
            write_file(&d.join(format!("{part}.yaml")), &yaml::documents(objs))?;
            files += 1;
        }
    }
    Ok(files)
}

fn write_file(path: &Path, text: &str) -> Result<(), RenderError> {
    std::fs::write(path, text).map_err(|e| RenderError::Io(path.display().to_string(), e))
}

fn tempdir() -> Result<PathBuf, RenderError> {
    let d = std::env::temp_dir().join(format!(
        "multicloud-render-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    ));
    std::fs::create_dir_all(&d).map_err(|e| RenderError::Io(d.display().to_string(), e))?;
    Ok(d)
}

/// A value file: the generated content when the generator writes it (so a render never reads a
/// stale committed copy), else the repository's file.
fn generated_or_file(
    tree: &Tree,
    root: &Path,
    rel: &str,
    app: &str,
) -> Result<String, RenderError> {
    if let Some(t) = tree.get(rel) {
        return Ok(t.clone());
    }
    std::fs::read_to_string(root.join(rel)).map_err(|_| RenderError::MissingValues {
        app: app.into(),
        file: rel.into(),
    })
}

fn chart_file(
    opts: &Options,
    name: &str,
    version: &str,
    repo: &str,
) -> Result<PathBuf, RenderError> {
    let file = opts.charts.join(format!("{name}-{version}.tgz"));
    if file.is_file() {
        Ok(file)
    } else {
        Err(RenderError::MissingChart {
            name: name.into(),
            version: version.into(),
            repo: repo.into(),
            dir: opts.charts.display().to_string(),
            file: file.display().to_string(),
        })
    }
}

/// One Application's objects: its first source's chart with its value files and values object
/// (in Argo CD's order of precedence), and the Namespace Argo CD creates for it.
fn render_application(
    app: &Value,
    name: &str,
    tree: &Tree,
    opts: &Options,
    scratch: &Path,
) -> Result<Vec<Value>, RenderError> {
    let spec = &app["spec"];
    let src = &spec["sources"][0];
    let chart = match src.get("chart").and_then(Value::as_str) {
        Some(chart) => chart_file(
            opts,
            chart,
            src["targetRevision"].as_str().unwrap_or_default(),
            src["repoURL"].as_str().unwrap_or_default(),
        )?,
        None => opts.root.join(src["path"].as_str().unwrap_or_default()),
    };
    let helm = &src["helm"];
    let mut files = Vec::new();
    for (i, f) in helm["valueFiles"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let rel = f.as_str().unwrap_or_default();
        let rel = rel.strip_prefix("$values/").unwrap_or(rel);
        let text = generated_or_file(tree, &opts.root, rel, name)?;
        // Argo CD puts cluster parameters into the ApplicationSet only, never into value files.
        if text.contains("{{") {
            return Err(RenderError::TemplatedValues {
                app: name.into(),
                file: rel.into(),
            });
        }
        let path = scratch.join(format!("{name}.{i}.yaml"));
        write_file(&path, &text)?;
        files.push(path);
    }
    if let Some(v) = helm.get("valuesObject") {
        let path = scratch.join(format!("{name}.object.yaml"));
        write_file(&path, &yaml::to_string(v))?;
        files.push(path);
    }
    let namespace = spec["destination"]["namespace"]
        .as_str()
        .unwrap_or("default");
    let release = helm["releaseName"].as_str().unwrap_or(name);
    let mut objs = Vec::new();
    let sync = &spec["syncPolicy"];
    let creates_ns = sync["syncOptions"]
        .as_array()
        .is_some_and(|o| o.iter().any(|x| x == "CreateNamespace=true"));
    if creates_ns {
        let labels = sync["managedNamespaceMetadata"]["labels"].clone();
        let mut ns =
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}});
        if labels.is_object() {
            ns["metadata"]["labels"] = labels;
        }
        objs.push(ns);
    }
    objs.extend(helm_template(
        opts, scratch, name, release, &chart, namespace, &files,
    )?);
    Ok(objs)
}

fn helm_template(
    opts: &Options,
    scratch: &Path,
    app: &str,
    release: &str,
    chart: &Path,
    namespace: &str,
    values: &[PathBuf],
) -> Result<Vec<Value>, RenderError> {
    // In the render's scratch folder, which is removed at the end.
    let home = scratch.join("helm-home");
    let mut cmd = Command::new(&opts.helm);
    cmd.arg("template")
        .arg(release)
        .arg(chart)
        .args([
            "--namespace",
            namespace,
            "--kube-version",
            KUBE_VERSION,
            "--include-crds",
        ])
        // Helm's caches and config stay out of the user's home.
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"));
    for v in values {
        cmd.arg("-f").arg(v);
    }
    let out = cmd.output().map_err(|err| RenderError::Helm {
        app: app.into(),
        helm: opts.helm.display().to_string(),
        err,
    })?;
    if !out.status.success() {
        return Err(RenderError::HelmFailed {
            app: app.into(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    let docs = yaml::parse_documents(&String::from_utf8_lossy(&out.stdout)).map_err(|e| {
        RenderError::BadOutput {
            app: app.into(),
            err: e.to_string(),
        }
    })?;
    // A `kind: List` holds objects; Kubernetes applies its items.
    let mut objs = Vec::new();
    for d in docs {
        if d["kind"] == "List" {
            objs.extend(d["items"].as_array().cloned().unwrap_or_default());
        } else {
            objs.push(d);
        }
    }
    Ok(objs)
}

/// The objects Terraform writes on the clusters itself, one set per peer so that adding a cluster
/// only adds objects: on the hub, the Argo CD cluster Secret of every cluster and the platform's
/// project and app-of-apps; with the mesh, on every cluster the Istio remote secret of every other
/// cluster (what `istioctl create-remote-secret` makes: the peer's API endpoint, CA and reader
/// token, filled in at apply); with backups, on every cluster a read-only Velero location on each
/// other cluster's prefix, so that its backups can be restored here.
pub fn terraform_objects(p: &Platform, facts: &[Facts]) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    if let Some(g) = &p.gitops {
        let hub = out.entry(g.hub.clone()).or_default();
        hub.extend(facts.iter().map(Facts::cluster_secret));
        hub.extend(super::platform_apps(p));
    }
    for me in facts {
        let objs = out.entry(me.name.clone()).or_default();
        for peer in facts.iter().filter(|f| f.name != me.name) {
            if p.mesh.enabled {
                objs.push(remote_secret(peer));
            }
            if let Some(b) = &p.backup {
                let identity = me
                    .annotations
                    .get(key::VELERO_IDENTITY)
                    .cloned()
                    .unwrap_or_default();
                objs.push(addons::restore_location(p, b, &identity, &peer.name));
            }
        }
        if p.sample_app.is_some() && me.labels.contains_key(key::SAMPLE_APP) {
            objs.extend(database_certificates());
        }
        if let Some(b) = &p.backup
            && b.cloud == Cloud::Gcp
            && me.labels.get(key::CLOUD).map(String::as_str) != Some("gcp")
        {
            objs.push(gcp_external_account(p, me));
        }
    }
    out
}

/// The sample database's replication certificates, the same on every app cluster (one CA, so any
/// member streams from any other): Terraform writes them (`modules/cluster-peers`, from the
/// `sample_db_certificates` input of environments/gitops; stand-ins here).
fn database_certificates() -> Vec<Value> {
    let meta = |name: &str| {
        json!({
            "name": name,
            "namespace": "sample-app",
            "labels": {"app.kubernetes.io/managed-by": "terraform", "cnpg.io/reload": "true"},
        })
    };
    vec![
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": meta("sample-db-ca"),
            "type": "Opaque",
            "stringData": {"ca.crt": "SET-AT-APPLY", "ca.key": "SET-AT-APPLY"},
        }),
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": meta("sample-db-replication"),
            "type": "kubernetes.io/tls",
            "stringData": {"tls.crt": "SET-AT-APPLY", "tls.key": "SET-AT-APPLY"},
        }),
    ]
}

/// Google's external-account file for Velero on a cluster outside GCP: exchange the projected
/// service-account token at Google's STS for the pool provider made for this cluster, then
/// impersonate the cluster's Velero service account. No secret in it. Terraform writes it
/// (`modules/cluster-access` from `gcp-velero-identity`'s `credentials_json`); the project number
/// is an apply-time value (a stand-in here).
fn gcp_external_account(p: &Platform, me: &Facts) -> Value {
    let project = p
        .gcp
        .as_ref()
        .map(|g| g.project_id.as_str())
        .unwrap_or("project");
    let file = json!({
        "type": "external_account",
        "audience": format!(
            "//iam.googleapis.com/projects/000000000000/locations/global/workloadIdentityPools/{}/providers/{}",
            Backup::gcp_pool_id(p),
            Backup::gcp_provider_id(&me.name)
        ),
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": "https://sts.googleapis.com/v1/token",
        "credential_source": {"file": "/var/run/secrets/gcp/token"},
        "service_account_impersonation_url": format!(
            "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/{}:generateAccessToken",
            me.annotations.get(key::VELERO_IDENTITY).cloned().unwrap_or_else(|| format!("velero@{project}.iam.gserviceaccount.com"))
        ),
    });
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": addons::GCP_CREDENTIALS_CONFIGMAP,
            "namespace": "velero",
            "labels": {"app.kubernetes.io/managed-by": "terraform"},
        },
        "data": {"credentials.json": file.to_string()},
    })
}

/// Istio's remote secret for `peer`: a kubeconfig istiod uses to watch the peer's endpoints.
pub fn remote_secret(peer: &Facts) -> Value {
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {n}\n  cluster:\n    server: {s}\n    certificate-authority-data: SET-AT-APPLY\ncontexts:\n- name: {n}\n  context:\n    cluster: {n}\n    user: {n}\ncurrent-context: {n}\nusers:\n- name: {n}\n  user:\n    token: SET-AT-APPLY\n",
        n = peer.name,
        s = peer.endpoint,
    );
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": format!("istio-remote-secret-{}", peer.name),
            "namespace": "istio-system",
            "labels": {"istio/multiCluster": "true"},
            "annotations": {"networking.istio.io/cluster": peer.name},
        },
        "type": "Opaque",
        "stringData": {peer.name.clone(): kubeconfig},
    })
}
