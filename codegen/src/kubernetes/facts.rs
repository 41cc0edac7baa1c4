//! What Argo CD knows about each cluster: the labels and annotations of its cluster Secret on the
//! hub (the GitOps-bridge contract). Terraform writes these Secrets from the cluster modules'
//! outputs; the ApplicationSets select clusters by the labels and template values from the
//! annotations. Adding a cluster adds a Secret; nothing about the others changes.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::platform::{Backup, Cloud, Cluster, Platform};

/// Label and annotation keys, one place for the ApplicationSets and the Secrets.
pub mod key {
    pub const CLOUD: &str = "multicloud.io/cloud";
    pub const REGION: &str = "multicloud.io/region";
    pub const ROLE: &str = "multicloud.io/role";
    pub const MESH: &str = "multicloud.io/mesh";
    pub const BACKUP: &str = "multicloud.io/backup";
    pub const SAMPLE_APP: &str = "multicloud.io/sample-app";
    pub const CLUSTER_NAME: &str = "multicloud.io/cluster-name";
    pub const NETWORK: &str = "multicloud.io/network";
    pub const MESH_ID: &str = "multicloud.io/mesh-id";
    pub const TRUST_DOMAIN: &str = "multicloud.io/trust-domain";
    pub const BACKUP_BUCKET: &str = "multicloud.io/backup-bucket";
    pub const BACKUP_PREFIX: &str = "multicloud.io/backup-prefix";
    pub const BACKUP_REGION: &str = "multicloud.io/backup-region";
    pub const VELERO_IDENTITY: &str = "multicloud.io/velero-identity";
    /// With the bucket on Azure: the identity's tenant, which Velero outside AKS names itself
    /// (AKS's workload identity webhook injects it there).
    pub const VELERO_TENANT: &str = "multicloud.io/velero-tenant-id";
}

/// The namespace Argo CD runs in on the hub.
pub const ARGOCD_NAMESPACE: &str = "argocd";
/// The hub reaches itself through the in-cluster address.
pub const IN_CLUSTER: &str = "https://kubernetes.default.svc";

/// Values Terraform only knows after creating the cluster and its identities. `render` fills them
/// with stand-ins of the right shape (see [`Facts::example`]); Terraform writes the real ones.
#[derive(Debug, Clone)]
pub struct ApplyTime {
    pub server: String,
    pub velero_identity: String,
    /// The Entra ID tenant of the Velero identity (bucket on Azure only).
    pub velero_tenant: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub name: String,
    /// How Argo CD reaches the cluster (in-cluster for the hub).
    pub server: String,
    /// The cluster's API endpoint as other clusters reach it.
    pub endpoint: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// The name of the identity a cluster's Velero uses, in the bucket's cloud (see
/// [`crate::platform::velero_identity_name`]).
pub fn velero_identity_name(p: &Platform, c: &Cluster) -> String {
    crate::platform::velero_identity_name(p, &c.name)
}

impl Facts {
    /// The facts of `c`, with `at` holding what only exists after apply.
    pub fn of(p: &Platform, c: &Cluster, at: ApplyTime) -> Facts {
        let hub = p.gitops.as_ref().is_some_and(|g| g.hub == c.name);
        let mut labels = BTreeMap::from([
            (
                "argocd.argoproj.io/secret-type".to_string(),
                "cluster".to_string(),
            ),
            (key::CLOUD.into(), c.cloud.as_str().into()),
            (key::REGION.into(), c.region.clone()),
            (key::ROLE.into(), if hub { "hub" } else { "spoke" }.into()),
        ]);
        let mut annotations = BTreeMap::from([
            (key::CLUSTER_NAME.to_string(), c.name.clone()),
            (key::NETWORK.into(), c.network()),
        ]);
        if p.mesh.enabled {
            labels.insert(key::MESH.into(), "enabled".into());
            annotations.insert(key::MESH_ID.into(), p.mesh_id().into());
            annotations.insert(
                key::TRUST_DOMAIN.into(),
                p.mesh.trust_domain.clone().unwrap_or_default(),
            );
        }
        if let Some(b) = &p.backup {
            labels.insert(key::BACKUP.into(), "enabled".into());
            annotations.insert(key::BACKUP_BUCKET.into(), b.bucket.clone());
            annotations.insert(key::BACKUP_PREFIX.into(), Backup::prefix(&c.name));
            annotations.insert(key::BACKUP_REGION.into(), b.region(p).into());
            annotations.insert(key::VELERO_IDENTITY.into(), at.velero_identity);
            if b.cloud == Cloud::Azure {
                annotations.insert(key::VELERO_TENANT.into(), at.velero_tenant);
            }
        }
        if let Some(a) = &p.sample_app {
            // One cluster may run both halves; the front end then calls its local back end.
            let role = match (a.frontend == c.name, a.backend == c.name) {
                (true, true) => Some("both"),
                (true, false) => Some("frontend"),
                (false, true) => Some("backend"),
                (false, false) => None,
            };
            if let Some(role) = role {
                labels.insert(key::SAMPLE_APP.into(), role.into());
            }
        }
        Facts {
            name: c.name.clone(),
            server: if hub {
                IN_CLUSTER.into()
            } else {
                at.server.clone()
            },
            endpoint: at.server,
            labels,
            annotations,
        }
    }

    /// The facts `render` uses: apply-time values replaced by stand-ins of the same shape, built
    /// from the same names Terraform uses (an AWS role ARN with account 000000000000, a GCP
    /// service-account e-mail in the platform's project, a zero Azure client and tenant ID).
    pub fn example(p: &Platform, c: &Cluster) -> Facts {
        let identity = velero_identity_name(p, c);
        let bucket_cloud = p.backup.as_ref().map(|b| b.cloud).unwrap_or(c.cloud);
        let velero_identity = match bucket_cloud {
            Cloud::Aws => format!("arn:aws:iam::000000000000:role/{identity}"),
            Cloud::Gcp => format!(
                "{identity}@{}.iam.gserviceaccount.com",
                p.gcp
                    .as_ref()
                    .map(|g| g.project_id.as_str())
                    .unwrap_or("project")
            ),
            Cloud::Azure => "00000000-0000-0000-0000-000000000000".into(),
        };
        Facts::of(
            p,
            c,
            ApplyTime {
                server: format!("https://{}.cluster.example", c.name),
                velero_identity,
                velero_tenant: "00000000-0000-0000-0000-000000000000".into(),
            },
        )
    }

    /// The Argo CD cluster Secret on the hub: how Argo CD reaches the cluster (`config` is
    /// written by Terraform with the cluster's CA and credentials) and what the ApplicationSets
    /// know about it.
    pub fn cluster_secret(&self) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": format!("cluster-{}", self.name),
                "namespace": ARGOCD_NAMESPACE,
                "labels": self.labels,
                "annotations": self.annotations,
            },
            "type": "Opaque",
            "stringData": {
                "name": self.name,
                "server": self.server,
                "config": "{\"tlsClientConfig\":{\"insecure\":false}}",
            },
        })
    }

    /// The parameters Argo CD's cluster generator gives a template for this cluster (its flat,
    /// non-Go-template form: `{{name}}`, `{{metadata.labels.KEY}}`, ...).
    pub fn generator_params(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::from([
            ("name".to_string(), self.name.clone()),
            ("nameNormalized".to_string(), self.name.clone()),
            ("server".to_string(), self.server.clone()),
        ]);
        for (k, v) in &self.labels {
            m.insert(format!("metadata.labels.{k}"), v.clone());
        }
        for (k, v) in &self.annotations {
            m.insert(format!("metadata.annotations.{k}"), v.clone());
        }
        m
    }
}

/// Every cluster's facts as `render` sees them, in `[[clusters]]` order.
pub fn examples(p: &Platform) -> Vec<Facts> {
    p.clusters.iter().map(|c| Facts::example(p, c)).collect()
}
