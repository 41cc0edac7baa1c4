//! The add-ons Argo CD installs on the clusters, one ApplicationSet each: which clusters get it
//! (a label selector over the cluster Secrets), which upstream chart at which pinned version (or
//! which chart of this repository), and its values: the per-cluster part templated from the
//! cluster Secret's annotations, the per-cloud part in `kubernetes/multi-cloud/<cloud>/`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::facts::{ARGOCD_NAMESPACE, key};
use crate::platform::{Backup, Cloud, Platform, SampleApp};

/// An upstream Helm chart at a pinned version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chart {
    pub repo: &'static str,
    pub name: &'static str,
    pub version: &'static str,
}

pub const ARGO_CD: Chart = Chart {
    repo: "https://argoproj.github.io/argo-helm",
    name: "argo-cd",
    version: "10.1.1",
};
const ISTIO_REPO: &str = "https://istio-release.storage.googleapis.com/charts";
pub const ISTIO_BASE: Chart = Chart {
    repo: ISTIO_REPO,
    name: "base",
    version: "1.30.3",
};
pub const ISTIOD: Chart = Chart {
    repo: ISTIO_REPO,
    name: "istiod",
    version: "1.30.3",
};
pub const ISTIO_GATEWAY: Chart = Chart {
    repo: ISTIO_REPO,
    name: "gateway",
    version: "1.30.3",
};
pub const CLOUDNATIVE_PG: Chart = Chart {
    repo: "https://cloudnative-pg.github.io/charts",
    name: "cloudnative-pg",
    version: "0.29.0",
};
pub const VELERO: Chart = Chart {
    repo: "https://vmware-tanzu.github.io/helm-charts",
    name: "velero",
    version: "12.1.0",
};
/// Velero's plugins matching Velero 1.18 (the chart's appVersion), per its compatibility matrix.
const VELERO_PLUGIN_TAG: &str = "v1.14.0";

/// Where an add-on's manifests come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Chart(Chart),
    /// A chart in this repository, by path from the root.
    Local(&'static str),
}

#[derive(Debug, Clone)]
pub struct Addon {
    /// The ApplicationSet's name; each Application is `<cluster>-<name>`.
    pub name: String,
    pub namespace: &'static str,
    pub release: &'static str,
    pub source: Source,
    /// Cluster Secret labels that must all match.
    pub selector: Vec<(&'static str, String)>,
    /// Cluster Secret labels that must be present, whatever their value.
    pub selector_exists: Vec<&'static str>,
    /// Helm values templated per cluster (`{{metadata.annotations.KEY}}`).
    pub values: Value,
    /// Whether `kubernetes/multi-cloud/<cloud>/<name>.yaml` holds per-cloud values. Argo CD does
    /// not template value files, so they hold nothing per cluster; what differs per cluster and
    /// per cloud goes into one ApplicationSet per cloud instead.
    pub per_cloud_values: bool,
    /// Whether Argo CD creates the namespace (else the federation chart owns it).
    pub create_namespace: bool,
    /// Labels Argo CD puts on the namespace it creates.
    pub namespace_labels: BTreeMap<&'static str, String>,
    /// Argo CD sync wave: CRDs and control planes before what uses them.
    pub wave: i32,
}

fn ann(k: &str) -> String {
    format!("{{{{metadata.annotations.{k}}}}}")
}

fn label(k: &str) -> String {
    format!("{{{{metadata.labels.{k}}}}}")
}

/// Every add-on the platform description asks for.
pub fn all(p: &Platform) -> Vec<Addon> {
    let mut out = Vec::new();
    if p.mesh.enabled {
        out.extend(istio());
    }
    out.push(federation(p));
    if let Some(b) = &p.backup {
        out.extend(p.clouds().into_iter().map(|c| velero(p, b, c)));
    }
    if let Some(a) = &p.sample_app {
        out.push(cloudnative_pg());
        out.push(sample_app(p, a));
    }
    out
}

/// The CloudNativePG operator, where the sample application's database runs.
fn cloudnative_pg() -> Addon {
    Addon {
        name: "cloudnative-pg".into(),
        namespace: "cnpg-system",
        release: "cnpg",
        source: Source::Chart(CLOUDNATIVE_PG),
        selector: vec![],
        selector_exists: vec![key::SAMPLE_APP],
        values: json!({
            "replicaCount": 1,
            "resources": resources("100m", "200Mi", "1", "512Mi"),
        }),
        per_cloud_values: false,
        create_namespace: true,
        namespace_labels: BTreeMap::new(),
        wave: 2,
    }
}

/// The database cluster's name on `cluster`.
pub fn database_name(cluster: &str) -> String {
    format!("sample-db-{cluster}")
}

pub const SAMPLE_APP_CHART: &str = "kubernetes/sample-app";

/// The sample application (this repository's chart) on the clusters labelled with a role: the
/// role, the canary share and the live colour come from the cluster Secret and platform.toml.
fn sample_app(p: &Platform, a: &SampleApp) -> Addon {
    let host = p
        .global_lb
        .as_ref()
        .map(|lb| lb.hostname.clone())
        .unwrap_or_else(|| "*".into());
    Addon {
        name: "sample-app".into(),
        namespace: "sample-app",
        release: "sample-app",
        source: Source::Local(SAMPLE_APP_CHART),
        selector: vec![(key::MESH, "enabled".to_string())],
        selector_exists: vec![key::SAMPLE_APP],
        values: json!({
            "role": label(key::SAMPLE_APP),
            "canaryPercent": a.canary_percent,
            "active": a.active,
            "host": host,
            // A member per app cluster, the back end's the primary; each reaches the others'
            // read-write Services by their mesh names.
            "database": {
                "enabled": true,
                "self": database_name("{{name}}"),
                "primary": database_name(&a.backend),
                "members": a.clusters().iter().map(|c| json!({
                    "name": database_name(c),
                    "host": format!("{}-rw.sample-app.svc.cluster.local", database_name(c)),
                })).collect::<Vec<_>>(),
            },
        }),
        per_cloud_values: false,
        // kubernetes/federation makes the namespace (with its quota and sidecar injection).
        create_namespace: false,
        namespace_labels: BTreeMap::new(),
        wave: 3,
    }
}

fn istio() -> Vec<Addon> {
    let mesh = vec![(key::MESH, "enabled".to_string())];
    let network_label = BTreeMap::from([("topology.istio.io/network", ann(key::NETWORK))]);
    vec![
        Addon {
            name: "istio-base".into(),
            namespace: "istio-system",
            release: "istio-base",
            source: Source::Chart(ISTIO_BASE),
            selector: mesh.clone(),
            values: json!({"defaultRevision": "default"}),
            selector_exists: vec![],
            per_cloud_values: false,
            create_namespace: true,
            namespace_labels: network_label.clone(),
            wave: -2,
        },
        Addon {
            name: "istiod".into(),
            namespace: "istio-system",
            release: "istiod",
            source: Source::Chart(ISTIOD),
            selector: mesh.clone(),
            // Multi-primary on multiple networks: one mesh ID and trust domain everywhere, the
            // cluster's own name and network; the `cacerts` Secret (from multicloud_mesh_trust,
            // written by Terraform) makes every cluster's CA chain to the one root.
            values: json!({
                "global": {
                    "meshID": ann(key::MESH_ID),
                    "multiCluster": {"clusterName": ann(key::CLUSTER_NAME)},
                    "network": ann(key::NETWORK),
                },
                "meshConfig": {
                    "trustDomain": ann(key::TRUST_DOMAIN),
                    "defaultConfig": {"proxyMetadata": {"ISTIO_META_DNS_CAPTURE": "true", "ISTIO_META_DNS_AUTO_ALLOCATE": "true"}},
                },
                "pilot": {"autoscaleMin": 2, "replicaCount": 2},
            }),
            selector_exists: vec![],
            per_cloud_values: false,
            create_namespace: true,
            namespace_labels: network_label.clone(),
            wave: -1,
        },
        Addon {
            name: "istio-eastwest".into(),
            namespace: "istio-system",
            release: "istio-eastwestgateway",
            source: Source::Chart(ISTIO_GATEWAY),
            selector: mesh.clone(),
            // The gateway other networks reach this one through (mTLS passthrough on 15443); an
            // internal load balancer, since the clouds are joined by the VPN.
            values: json!({
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                "networkGateway": ann(key::NETWORK),
                "labels": {"istio": "eastwestgateway", "topology.istio.io/network": ann(key::NETWORK)},
            }),
            selector_exists: vec![],
            per_cloud_values: true,
            create_namespace: true,
            namespace_labels: network_label,
            wave: 0,
        },
        Addon {
            name: "istio-ingress".into(),
            namespace: "istio-ingress",
            release: "istio-ingressgateway",
            source: Source::Chart(ISTIO_GATEWAY),
            selector: mesh,
            values: json!({
                "labels": {"istio": "ingressgateway"},
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            }),
            selector_exists: vec![],
            per_cloud_values: true,
            create_namespace: true,
            namespace_labels: BTreeMap::new(),
            wave: 0,
        },
    ]
}

/// This repository's chart of what every cluster shares: namespaces, quotas, RBAC, and (with the
/// mesh) strict mTLS and the cross-network gateway.
fn federation(p: &Platform) -> Addon {
    Addon {
        name: "federation".into(),
        namespace: "multicloud-system",
        release: "federation",
        source: Source::Local(FEDERATION_CHART),
        selector: vec![],
        values: json!({
            "cluster": ann(key::CLUSTER_NAME),
            "cloud": label(key::CLOUD),
            "network": ann(key::NETWORK),
            "mesh": {"enabled": p.mesh.enabled},
        }),
        selector_exists: vec![],
        per_cloud_values: false,
        create_namespace: true,
        namespace_labels: BTreeMap::new(),
        wave: 1,
    }
}

pub const FEDERATION_CHART: &str = "kubernetes/federation";

/// Velero backing up every cluster into the one bucket under its own prefix, volumes included by
/// file-system backup (so a restore works in another cloud, where the cloud's disk snapshots
/// cannot follow), with a daily schedule.
/// A backup location's provider config for the bucket's cloud; `region` is the AWS region and
/// `identity` the Velero identity of the cluster the location is on (GCP's plugin signs download
/// URLs as that service account and refuses to start without it).
fn location_config(p: &Platform, b: &Backup, region: String, identity: String) -> Value {
    let mut config = serde_json::Map::new();
    match b.cloud {
        Cloud::Aws => {
            config.insert("region".into(), json!(region));
        }
        Cloud::Gcp => {
            config.insert("serviceAccount".into(), json!(identity));
        }
        Cloud::Azure => {
            let azure = p.azure.as_ref();
            let account = b.azure_account();
            config.insert(
                "resourceGroup".into(),
                json!(Backup::azure_resource_group(p)),
            );
            config.insert("storageAccount".into(), json!(account));
            // Known up front: Velero needs no Azure Resource Manager read to find it.
            config.insert(
                "storageAccountURI".into(),
                json!(format!("https://{account}.blob.core.windows.net/")),
            );
            config.insert(
                "subscriptionId".into(),
                json!(azure.map(|a| a.subscription_id.clone())),
            );
            // Entra ID tokens: the account has no shared keys.
            config.insert("useAAD".into(), json!("true"));
        }
    }
    Value::Object(config)
}

/// The bucket as Velero names it: on Azure the container inside the storage account.
fn location_bucket(b: &Backup, bucket: String) -> String {
    if b.cloud == Cloud::Azure {
        AZURE_BACKUP_CONTAINER.to_string()
    } else {
        bucket
    }
}

/// The read-only location on `peer`'s prefix that a cluster restores another cluster's backups
/// from (Terraform writes one per peer, so adding a cluster changes no existing object);
/// `identity` is the Velero identity of the cluster it is on.
pub fn restore_location(p: &Platform, b: &Backup, identity: &str, peer: &str) -> Value {
    json!({
        "apiVersion": "velero.io/v1",
        "kind": "BackupStorageLocation",
        "metadata": {"name": format!("restore-{peer}"), "namespace": "velero"},
        "spec": {
            "provider": velero_provider(b.cloud),
            "objectStorage": {"bucket": location_bucket(b, b.bucket.clone()), "prefix": Backup::prefix(peer)},
            "accessMode": "ReadOnly",
            "default": false,
            "config": location_config(p, b, b.region(p).to_string(), identity.to_string()),
        },
    })
}

/// One ApplicationSet per cloud, since how Velero signs in to the bucket depends on the cluster's
/// cloud and holds the cluster's identity.
fn velero(p: &Platform, b: &Backup, cloud: Cloud) -> Addon {
    let provider = velero_provider(b.cloud);
    let config = location_config(p, b, ann(key::BACKUP_REGION), ann(key::VELERO_IDENTITY));
    let bucket = location_bucket(b, ann(key::BACKUP_BUCKET));
    let mut values = json!({
            "configuration": {
                "backupStorageLocation": [{
                    "name": "default",
                    "provider": provider,
                    "bucket": bucket,
                    "prefix": ann(key::BACKUP_PREFIX),
                    "default": true,
                    "accessMode": "ReadWrite",
                    "config": config,
                }],
                "volumeSnapshotLocation": [],
                "defaultVolumesToFsBackup": true,
                "uploaderType": "kopia",
            },
            "backupsEnabled": true,
            "snapshotsEnabled": false,
            "deployNodeAgent": true,
            // The server needs no privileges; the node agent keeps the chart's (it reads pods'
            // volumes from the host for file-system backups).
            "containerSecurityContext": restricted_container(),
            "podSecurityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "resources": resources("100m", "256Mi", "1", "1Gi"),
            "nodeAgent": {"resources": resources("100m", "256Mi", "1", "1Gi")},
            "credentials": {"useSecret": false},
            "schedules": {
                "daily": {
                    "schedule": b.schedule,
                    "useOwnerReferencesInBackup": false,
                    "template": {
                        "ttl": format!("{}h0m0s", b.retention_hours),
                        "storageLocation": "default",
                        "includedNamespaces": ["*"],
                        "excludedNamespaces": ["kube-system", "velero"],
                    },
                },
            },
    });
    merge(&mut values, velero_cloud_values(cloud, b.cloud));
    Addon {
        name: format!("velero-{}", cloud.as_str()),
        namespace: "velero",
        release: "velero",
        source: Source::Chart(VELERO),
        selector: vec![
            (key::BACKUP, "enabled".to_string()),
            (key::CLOUD, cloud.as_str().to_string()),
        ],
        values,
        selector_exists: vec![],
        per_cloud_values: false,
        create_namespace: true,
        namespace_labels: BTreeMap::new(),
        wave: 2,
    }
}

/// Requests and limits in the form every chart takes.
pub fn resources(cpu: &str, memory: &str, cpu_limit: &str, memory_limit: &str) -> Value {
    json!({
        "requests": {"cpu": cpu, "memory": memory},
        "limits": {"cpu": cpu_limit, "memory": memory_limit},
    })
}

/// A container that asks for nothing: no privilege escalation, no capabilities.
fn restricted_container() -> Value {
    json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}})
}

/// Helm's merge of values: maps merge key by key, anything else is replaced.
fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Velero's provider name for a bucket's cloud.
pub fn velero_provider(c: Cloud) -> &'static str {
    match c {
        Cloud::Aws => "aws",
        Cloud::Gcp => "gcp",
        Cloud::Azure => "azure",
    }
}

fn velero_plugin(c: Cloud) -> &'static str {
    match c {
        Cloud::Aws => "velero-plugin-for-aws",
        Cloud::Gcp => "velero-plugin-for-gcp",
        Cloud::Azure => "velero-plugin-for-microsoft-azure",
    }
}

/// The audience of the projected token Velero outside GCP exchanges at Google's STS.
pub const GCP_FEDERATION_AUDIENCE: &str = "multicloud-velero";
/// The ConfigMap (written by Terraform) holding the external-account file for that exchange.
pub const GCP_CREDENTIALS_CONFIGMAP: &str = "velero-gcp-credentials";

/// On Azure the bucket is a container in a storage account named after the bucket.
pub const AZURE_BACKUP_CONTAINER: &str = "velero";

/// The per-cloud values of the add-ons that have them, by file name.
pub fn cloud_values(p: &Platform, cloud: Cloud) -> BTreeMap<&'static str, Value> {
    let mut m = BTreeMap::new();
    if p.mesh.enabled {
        m.insert("istio-eastwest", eastwest_values(cloud));
        m.insert("istio-ingress", ingress_values(cloud));
    }
    m
}

fn eastwest_values(cloud: Cloud) -> Value {
    let annotations = match cloud {
        Cloud::Aws => json!({
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
        }),
        Cloud::Gcp => json!({"networking.gke.io/load-balancer-type": "Internal"}),
        Cloud::Azure => json!({"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}),
    };
    json!({"service": {"type": "LoadBalancer", "annotations": annotations}})
}

/// The ingress gateway behind each cloud's own load balancer: on AWS an ALB made by the AWS Load
/// Balancer Controller from the Ingress in kubernetes/federation (IP targets), on GCP the external
/// Application Load Balancer from the GKE Ingress (container-native, through NEGs), on Azure the
/// Standard Load Balancer of a LoadBalancer Service.
fn ingress_values(cloud: Cloud) -> Value {
    match cloud {
        Cloud::Aws => json!({"service": {"type": "ClusterIP"}}),
        Cloud::Gcp => json!({"service": {
            "type": "ClusterIP",
            "annotations": {"cloud.google.com/neg": "{\"ingress\": true}"},
        }}),
        Cloud::Azure => json!({"service": {
            "type": "LoadBalancer",
            "externalTrafficPolicy": "Local",
            "annotations": {
                "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/healthz/ready",
                "service.beta.kubernetes.io/port_443_health-probe_port": "15021",
                "service.beta.kubernetes.io/port_80_health-probe_port": "15021",
            },
        }}),
    }
}

/// How Velero on a `cluster` cloud reaches a bucket on `bucket`: that cloud's plugin, and the
/// workload identity of the cluster's service account federated into the bucket's cloud. In the
/// bucket's own cloud the platform's webhook does it (EKS IRSA, GKE Workload Identity, AKS
/// workload identity); from another cloud a projected service-account token is exchanged by the
/// plugin's SDK (AWS web identity, Google external account, Azure federated token). The node
/// agent, which uploads the volumes' data (Kopia), runs as the same service account and gets the
/// same token, files and variables (`configuration.extraEnvVars` reach both).
fn velero_cloud_values(cluster: Cloud, bucket: Cloud) -> Value {
    let identity = ann(key::VELERO_IDENTITY);
    let plugin = velero_plugin(bucket);
    let mut v = json!({
        "initContainers": [{
            "name": plugin,
            "image": format!("velero/{plugin}:{VELERO_PLUGIN_TAG}"),
            "imagePullPolicy": "IfNotPresent",
            "volumeMounts": [{"mountPath": "/target", "name": "plugins"}],
            // It only copies its binary into the shared plugins volume.
            "securityContext": {
                "allowPrivilegeEscalation": false,
                "readOnlyRootFilesystem": true,
                "capabilities": {"drop": ["ALL"]},
            },
            "resources": resources("50m", "64Mi", "500m", "256Mi"),
        }],
        "serviceAccount": {"server": {"annotations": {}}},
    });
    let token_volume = |audience: &str| {
        json!({
            "name": "federated-token",
            "projected": {"sources": [{"serviceAccountToken": {"audience": audience, "expirationSeconds": 3600, "path": "token"}}]},
        })
    };
    let token_mount =
        |dir: &str| json!({"name": "federated-token", "mountPath": dir, "readOnly": true});
    // Volumes and mounts for the server and the node agent alike.
    fn mounted(v: &mut Value, volumes: Value, mounts: Value) {
        v["extraVolumes"] = volumes.clone();
        v["extraVolumeMounts"] = mounts.clone();
        v["nodeAgent"] = json!({"extraVolumes": volumes, "extraVolumeMounts": mounts});
    }
    let mut env = None;
    match (cluster == bucket, bucket) {
        (true, Cloud::Aws) => {
            v["serviceAccount"]["server"]["annotations"] =
                json!({"eks.amazonaws.com/role-arn": identity});
        }
        (true, Cloud::Gcp) => {
            v["serviceAccount"]["server"]["annotations"] =
                json!({"iam.gke.io/gcp-service-account": identity});
        }
        (true, Cloud::Azure) => {
            v["serviceAccount"]["server"]["annotations"] =
                json!({"azure.workload.identity/client-id": identity});
            // The webhook injects the token and AZURE_* variables into labelled pods only.
            let labels = json!({"azure.workload.identity/use": "true"});
            v["podLabels"] = labels.clone();
            v["nodeAgent"] = json!({"podLabels": labels});
        }
        (false, Cloud::Aws) => {
            mounted(
                &mut v,
                json!([token_volume(crate::modules::aws_velero_role::AUDIENCE)]),
                json!([token_mount("/var/run/secrets/aws")]),
            );
            env = Some(json!([
                {"name": "AWS_ROLE_ARN", "value": identity},
                {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/aws/token"},
            ]));
        }
        (false, Cloud::Gcp) => {
            // The external-account file names the pool provider; Terraform writes it as the
            // ConfigMap `velero-gcp-credentials` (it holds no secret).
            mounted(
                &mut v,
                json!([
                    // The pool's OIDC provider lists this audience (allowed_audiences).
                    token_volume(GCP_FEDERATION_AUDIENCE),
                    {"name": "gcp-credentials", "configMap": {"name": GCP_CREDENTIALS_CONFIGMAP}},
                ]),
                json!([
                    token_mount("/var/run/secrets/gcp"),
                    {"name": "gcp-credentials", "mountPath": "/etc/gcp", "readOnly": true},
                ]),
            );
            env = Some(json!([
                {"name": "GOOGLE_APPLICATION_CREDENTIALS", "value": "/etc/gcp/credentials.json"},
            ]));
        }
        (false, Cloud::Azure) => {
            mounted(
                &mut v,
                json!([token_volume(
                    crate::modules::azure_velero_identity::AUDIENCE
                )]),
                json!([token_mount("/var/run/secrets/azure")]),
            );
            env = Some(json!([
                {"name": "AZURE_CLIENT_ID", "value": identity},
                {"name": "AZURE_TENANT_ID", "value": ann(key::VELERO_TENANT)},
                {"name": "AZURE_FEDERATED_TOKEN_FILE", "value": "/var/run/secrets/azure/token"},
            ]));
        }
    }
    if let Some(env) = env {
        v["configuration"] = json!({"extraEnvVars": env});
    }
    v
}

impl Addon {
    /// The ApplicationSet that installs this add-on on every selected cluster.
    pub fn application_set(&self, p: &Platform) -> Value {
        let g = p.gitops.as_ref().expect("add-ons need [gitops]");
        let mut helm = json!({"releaseName": self.release, "valuesObject": self.values});
        if self.per_cloud_values {
            helm["valueFiles"] = json!([format!(
                "$values/{}/{}.yaml",
                multi_cloud_dir(&label(key::CLOUD)),
                self.name
            )]);
        }
        let mut sources = match &self.source {
            Source::Chart(c) => vec![json!({
                "repoURL": c.repo,
                "chart": c.name,
                "targetRevision": c.version,
                "helm": helm,
            })],
            Source::Local(path) => {
                vec![
                    json!({"repoURL": g.repo_url, "targetRevision": g.revision, "path": path, "helm": helm}),
                ]
            }
        };
        if self.per_cloud_values {
            sources.push(
                json!({"repoURL": g.repo_url, "targetRevision": g.revision, "ref": "values"}),
            );
        }
        let mut options = vec!["ServerSideApply=true"];
        if self.create_namespace {
            options.insert(0, "CreateNamespace=true");
        }
        let mut sync = json!({
            "automated": {"prune": true, "selfHeal": true},
            "syncOptions": options,
            "retry": {"limit": 5, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"}},
        });
        if !self.namespace_labels.is_empty() {
            sync["managedNamespaceMetadata"] = json!({"labels": self.namespace_labels});
        }
        let match_labels: BTreeMap<&str, &str> = self
            .selector
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "ApplicationSet",
            "metadata": {"name": self.name, "namespace": ARGOCD_NAMESPACE},
            "spec": {
                "generators": [{"clusters": {"selector": self.selector_json(&match_labels)}}],
                "template": {
                    "metadata": {
                        "name": format!("{{{{name}}}}-{}", self.name),
                        "annotations": {"argocd.argoproj.io/sync-wave": self.wave.to_string()},
                        "labels": {"multicloud.io/addon": self.name},
                    },
                    "spec": {
                        "project": PROJECT,
                        "destination": {"name": "{{name}}", "namespace": self.namespace},
                        "sources": sources,
                        "syncPolicy": sync,
                    },
                },
            },
        })
    }
}

impl Addon {
    fn selector_json(&self, match_labels: &BTreeMap<&str, &str>) -> Value {
        let mut sel = json!({"matchLabels": match_labels});
        if !self.selector_exists.is_empty() {
            sel["matchExpressions"] = self
                .selector_exists
                .iter()
                .map(|k| json!({"key": k, "operator": "Exists"}))
                .collect();
        }
        sel
    }

    /// Whether this add-on's ApplicationSet selects a cluster with `labels`.
    pub fn selects(&self, labels: &BTreeMap<String, String>) -> bool {
        self.selector.iter().all(|(k, v)| labels.get(*k) == Some(v))
            && self.selector_exists.iter().all(|k| labels.contains_key(*k))
    }
}

/// The Argo CD project every add-on belongs to.
pub const PROJECT: &str = "platform";

pub fn multi_cloud_dir(cloud: &str) -> String {
    format!("kubernetes/multi-cloud/{cloud}")
}
