//! The platform above the clusters: `[gitops]` (the hub cluster that runs Argo CD and the git
//! repository it syncs `kubernetes/` from), `[backup]` (the one bucket every cluster's Velero
//! writes to) and `[sample_app]` (where the sample application's front end and back end run).
//! Like the other sections, every problem names its key, and nothing is generated while any
//! remains.

use serde::Deserialize;

use super::{Cloud, Platform};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gitops {
    /// The cluster that runs Argo CD and from which every cluster is managed.
    pub hub: String,
    /// The git repository Argo CD syncs `kubernetes/` from (https:// or ssh:// or git@).
    pub repo_url: String,
    /// Branch, tag or commit Argo CD follows.
    #[serde(default = "default_revision")]
    pub revision: String,
}

fn default_revision() -> String {
    "main".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    /// The cloud that holds the bucket; it must have clusters (its identities and state live there).
    pub cloud: Cloud,
    /// The bucket's name: each cluster writes under its own prefix (`clusters/<name>`).
    pub bucket: String,
    /// The bucket's region (AWS, Azure) or location (GCP); default the first cluster's region on
    /// that cloud.
    pub region: Option<String>,
    /// Cron schedule of the daily full backup (Velero `Schedule`).
    #[serde(default = "default_schedule")]
    pub schedule: String,
    /// How long backups are kept, in hours.
    #[serde(default = "default_retention_hours")]
    pub retention_hours: u32,
}

fn default_schedule() -> String {
    "0 3 * * *".into()
}

fn default_retention_hours() -> u32 {
    720
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleApp {
    /// The cluster that runs the front end (and receives the traffic from the global hostname).
    pub frontend: String,
    /// The cluster that runs the back end, reached from the front end through the mesh.
    pub backend: String,
    /// Share of the back end's requests sent to the canary version, 0 to 100.
    #[serde(default)]
    pub canary_percent: u8,
    /// The colour of the front end that takes traffic: `blue` or `green`.
    #[serde(default = "default_active")]
    pub active: String,
}

fn default_active() -> String {
    "blue".into()
}

/// What a DNS-1123 label accepts (Kubernetes names and our prefixes).
fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

impl Backup {
    /// Where a cluster's backups go inside the bucket.
    pub fn prefix(cluster: &str) -> String {
        format!("clusters/{cluster}")
    }

    /// The bucket's region: the configured one, or the first cluster's on the bucket's cloud.
    pub fn region<'a>(&'a self, p: &'a Platform) -> &'a str {
        self.region.as_deref().unwrap_or_else(|| {
            p.clusters_on(self.cloud)
                .next()
                .map(|c| c.region.as_str())
                .unwrap_or_default()
        })
    }

    /// On Azure the bucket is a container in a storage account named after the bucket (its
    /// letters and digits, at most 24).
    pub fn azure_account(&self) -> String {
        let mut s: String = self
            .bucket
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        s.truncate(24);
        s
    }

    /// On Azure, the resource group of the storage account and the Velero identities.
    pub fn azure_resource_group(p: &Platform) -> String {
        format!("{}-backups", p.name)
    }

    /// On GCP, the workload identity pool through which clusters in other clouds reach the bucket.
    pub fn gcp_pool_id(p: &Platform) -> String {
        format!("{}-velero", p.name)
    }

    /// On GCP, the pool provider of a cluster in another cloud (its OIDC issuer).
    pub fn gcp_provider_id(cluster: &str) -> String {
        cluster.to_string()
    }

    pub(super) fn problems(&self, p: &Platform) -> Vec<String> {
        let mut e = Vec::new();
        if p.gitops.is_none() {
            e.push("backup: Argo CD installs Velero and environments/gitops makes its identities; add a [gitops] section (hub and repo_url)".into());
        }
        match self.cloud {
            Cloud::Gcp => e.extend(self.gcp_problems(p)),
            Cloud::Azure => {
                let account = self.azure_account();
                if account.len() < 3 {
                    e.push(format!(
                        "backup.bucket: {:?} names the Azure storage account {account:?} (its letters and digits), which needs 3 to 24",
                        self.bucket
                    ));
                }
            }
            Cloud::Aws => {}
        }
        if p.clusters_on(self.cloud).next().is_none() {
            e.push(format!(
                "backup.cloud: {:?} has no [[clusters]]; the bucket lives in a cloud the platform runs in (one of: {})",
                self.cloud.as_str(),
                p.clouds()
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        // The strictest of the three clouds' rules: S3 and GCS accept 3-63 lowercase letters, digits,
        // '-' and '.', Azure containers no dots; one rule keeps a bucket movable between clouds.
        let b = &self.bucket;
        if !(3..=63).contains(&b.len()) || !dns_label(b) {
            e.push(format!(
                "backup.bucket: {b:?} must be 3 to 63 lowercase letters, digits or '-', not starting or ending with '-'"
            ));
        }
        if self.schedule.split_whitespace().count() != 5 {
            e.push(format!(
                "backup.schedule: {:?} must be a five-field cron expression such as \"0 3 * * *\"",
                self.schedule
            ));
        }
        if self.retention_hours == 0 {
            e.push("backup.retention_hours: must be at least 1".into());
        }
        e
    }
}

impl Backup {
    /// GCP's naming rules for what each cluster gets: a service account (6-30 characters, unique),
    /// and outside GCP a provider in the platform's workload identity pool (4-32 characters; IDs
    /// starting with `gcp-` are Google's).
    fn gcp_problems(&self, p: &Platform) -> Vec<String> {
        let mut e = Vec::new();
        let mut seen: Vec<(String, usize)> = Vec::new();
        for (i, c) in p.clusters.iter().enumerate() {
            let id = velero_identity_name(p, &c.name);
            if !gcp_account_id(&id) {
                e.push(format!(
                    "clusters[{i}].name: {:?} gives Velero's GCP service account ID {id:?} (backup.cloud = \"gcp\"), which must be 6 to 30 lowercase letters, digits or '-', ending with a letter or digit; choose another cluster name",
                    c.name
                ));
            }
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == id) {
                e.push(format!(
                    "clusters[{i}].name: {:?} gives the same Velero service account ID {id:?} as clusters[{first}] (backup.cloud = \"gcp\"); choose another cluster name",
                    c.name
                ));
            } else {
                seen.push((id, i));
            }
            let provider = Self::gcp_provider_id(&c.name);
            if c.cloud != Cloud::Gcp && (provider.len() < 4 || provider.starts_with("gcp-")) {
                e.push(format!(
                    "clusters[{i}].name: {:?} names the cluster's provider in GCP's workload identity pool (backup.cloud = \"gcp\"), which needs 4 to 32 characters and must not start with \"gcp-\"",
                    c.name
                ));
            }
        }
        let pool = Self::gcp_pool_id(p);
        if p.clusters.iter().any(|c| c.cloud != Cloud::Gcp) && pool.starts_with("gcp-") {
            e.push(format!(
                "name: {:?} names the workload identity pool {pool:?} through which the clusters outside GCP reach the backup bucket (backup.cloud = \"gcp\"); pool IDs starting with \"gcp-\" are Google's",
                p.name
            ));
        }
        e
    }
}

/// A GCP service account ID: 6 to 30 lowercase letters, digits or '-', starting with a letter
/// and ending with a letter or digit.
fn gcp_account_id(s: &str) -> bool {
    (6..=30).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The identity a cluster's Velero uses lives in the bucket's cloud (whatever the cluster's own),
/// named from the platform and cluster names so that Terraform (which creates it) and the values
/// (which refer to it) agree without a lookup.
pub fn velero_identity_name(p: &Platform, cluster: &str) -> String {
    let mut n = format!("{}-{cluster}-velero", p.name);
    // GCP service-account IDs are at most 30 characters.
    if p.backup.as_ref().is_some_and(|b| b.cloud == Cloud::Gcp) && n.len() > 30 {
        n = format!("velero-{cluster}");
        n.truncate(30);
    }
    n
}

impl Gitops {
    pub(super) fn problems(&self, p: &Platform) -> Vec<String> {
        let mut e = Vec::new();
        if p.cluster(&self.hub).is_none() {
            e.push(format!(
                "gitops.hub: {:?} is not a cluster; name one of the [[clusters]] ({})",
                self.hub,
                cluster_names(p)
            ));
        }
        let url = self.repo_url.as_str();
        let scheme_ok =
            url.starts_with("https://") || url.starts_with("ssh://") || url.starts_with("git@");
        if !scheme_ok || url.contains(char::is_whitespace) || url.len() < 12 {
            e.push(format!(
                "gitops.repo_url: {url:?} must be the git URL Argo CD clones (https://..., ssh://... or git@host:org/repo.git)"
            ));
        }
        if self.revision.trim().is_empty() || self.revision.contains(char::is_whitespace) {
            e.push(format!(
                "gitops.revision: {:?} must be a branch, tag or commit",
                self.revision
            ));
        }
        e
    }
}

impl SampleApp {
    /// The clusters it runs on: the front end's, then the back end's if another.
    pub fn clusters(&self) -> Vec<&str> {
        let mut v = vec![self.frontend.as_str()];
        if self.backend != self.frontend {
            v.push(self.backend.as_str());
        }
        v
    }

    pub(super) fn problems(&self, p: &Platform) -> Vec<String> {
        let mut e = Vec::new();
        for (key, name) in [("frontend", &self.frontend), ("backend", &self.backend)] {
            if p.cluster(name).is_none() {
                e.push(format!(
                    "sample_app.{key}: {name:?} is not a cluster; name one of the [[clusters]] ({})",
                    cluster_names(p)
                ));
            }
        }
        if self.canary_percent > 100 {
            e.push(format!(
                "sample_app.canary_percent: {} must be between 0 and 100",
                self.canary_percent
            ));
        }
        if !matches!(self.active.as_str(), "blue" | "green") {
            e.push(format!(
                "sample_app.active: {:?} must be \"blue\" or \"green\"",
                self.active
            ));
        }
        if !p.mesh.enabled {
            e.push("sample_app: the front end reaches the back end through the mesh; set mesh.enabled = true".into());
        }
        e
    }
}

fn cluster_names(p: &Platform) -> String {
    p.clusters
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `[mesh]` checks of the Kubernetes layer: mesh ID and every cluster's network name.
pub(super) fn mesh_problems(p: &Platform) -> Vec<String> {
    let mut e = Vec::new();
    if let Some(id) = &p.mesh.mesh_id
        && !dns_label(id)
    {
        e.push(format!(
            "mesh.mesh_id: {id:?} must be lowercase letters, digits or '-' (at most 63)"
        ));
    }
    let mut seen: Vec<(String, usize)> = Vec::new();
    for (i, c) in p.clusters.iter().enumerate() {
        let net = c.network();
        if c.network.is_some() && !dns_label(&net) {
            e.push(format!(
                "clusters[{i}].network: {net:?} must be lowercase letters, digits or '-' (at most 63)"
            ));
        }
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == net) {
            e.push(format!(
                "clusters[{i}].network: {net:?} is also clusters[{first}]'s; clusters in different clouds are different Istio networks (their pods cannot reach each other directly), so each needs its own name"
            ));
        } else {
            seen.push((net, i));
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use crate::platform::tests::{THREE, errors};

    const LAYER: &str = "[mesh]\nenabled = true\ntrust_domain = \"acme.internal\"\n[gitops]\nhub = \"eks-use1\"\nrepo_url = \"https://github.com/acme/platform.git\"\n[backup]\ncloud = \"aws\"\nbucket = \"acme-backups\"\n[sample_app]\nfrontend = \"eks-use1\"\nbackend = \"gke-euw1\"\ncanary_percent = 10\n";

    #[test]
    fn the_layer_parses_with_its_defaults() {
        let p =
            crate::platform::Platform::parse(&format!("{THREE}{LAYER}"), "platform.toml").unwrap();
        assert_eq!(p.gitops.as_ref().unwrap().revision, "main");
        let b = p.backup.as_ref().unwrap();
        assert_eq!(b.region(&p), "us-east-1");
        assert_eq!(b.schedule, "0 3 * * *");
        assert_eq!(p.mesh_id(), "acme");
        assert_eq!(p.clusters[1].network(), "gke-euw1-net");
    }

    #[test]
    fn a_hub_that_is_not_a_cluster_is_named() {
        let text = format!("{THREE}{LAYER}").replace("hub = \"eks-use1\"", "hub = \"eks-usw2\"");
        let all = errors(&text);
        assert!(
            all.contains("platform.toml: gitops.hub: \"eks-usw2\" is not a cluster; name one of the [[clusters]] (eks-use1, gke-euw1, aks-weu)"),
            "{all}"
        );
    }

    #[test]
    fn a_bucket_cloud_without_clusters_is_named() {
        let text = format!("{THREE}{LAYER}")
            .replace("cloud = \"aws\"\nbucket", "cloud = \"azure\"\nbucket")
            .replace(
                "[[clusters]]\nname = \"aks-weu\"\ncloud = \"azure\"\nregion = \"westeurope\"\n",
                "",
            );
        let all = errors(&text);
        assert!(
            all.contains("platform.toml: backup.cloud: \"azure\" has no [[clusters]]"),
            "{all}"
        );
    }

    #[test]
    fn duplicate_network_names_are_named() {
        let text = format!("{THREE}{LAYER}")
            .replace(
                "region = \"europe-west1\"\n",
                "region = \"europe-west1\"\nnetwork = \"shared\"\n",
            )
            .replace(
                "region = \"westeurope\"\n",
                "region = \"westeurope\"\nnetwork = \"shared\"\n",
            );
        let all = errors(&text);
        assert!(
            all.contains("platform.toml: clusters[2].network: \"shared\" is also clusters[1]'s"),
            "{all}"
        );
    }

    fn layer_with_backup_in(cloud: &str) -> String {
        format!("{THREE}{LAYER}").replace(
            "cloud = \"aws\"\nbucket",
            &format!("cloud = \"{cloud}\"\nbucket"),
        )
    }

    #[test]
    fn the_bucket_may_be_in_any_cloud_with_clusters() {
        for cloud in ["gcp", "azure"] {
            let p = crate::platform::Platform::parse(&layer_with_backup_in(cloud), "platform.toml")
                .unwrap_or_else(|e| panic!("backup.cloud = {cloud}: {e}"));
            assert_eq!(p.backup.as_ref().unwrap().cloud.as_str(), cloud);
        }
        let p = crate::platform::Platform::parse(&layer_with_backup_in("azure"), "platform.toml")
            .unwrap();
        let b = p.backup.as_ref().unwrap();
        assert_eq!(b.azure_account(), "acmebackups");
        assert_eq!(b.region(&p), "westeurope");
        // GCP service-account IDs are at most 30 characters: long names fall back to velero-<cluster>.
        let p = crate::platform::Platform::parse(
            &layer_with_backup_in("gcp")
                .replace("name = \"acme\"", "name = \"acme-platform-prod\""),
            "platform.toml",
        )
        .unwrap();
        assert_eq!(
            super::velero_identity_name(&p, "gke-euw1"),
            "velero-gke-euw1"
        );
    }

    #[test]
    fn gcp_naming_limits_are_reported_on_the_cluster_key() {
        // A 3-character cluster outside GCP cannot name its pool provider (4 to 32 characters).
        let text = layer_with_backup_in("gcp").replace("name = \"aks-weu\"", "name = \"akw\"");
        let all = errors(&text);
        assert!(
            all.contains("platform.toml: clusters[2].name: \"akw\" names the cluster's provider in GCP's workload identity pool"),
            "{all}"
        );
        // Two long cluster names that share their first 23 characters share a service account ID.
        let long = "eks-use1-aaaaaaaaaaaaaaa";
        let text = layer_with_backup_in("gcp")
            .replace("name = \"eks-use1\"", &format!("name = \"{long}\""))
            .replace(
                "name = \"aks-weu\"",
                &format!("name = \"{}b\"", &long[..23]),
            )
            .replace("frontend = \"eks-use1\"", &format!("frontend = \"{long}\""))
            .replace("hub = \"eks-use1\"", &format!("hub = \"{long}\""));
        let all = errors(&text);
        assert!(
            all.contains(&format!(
                "platform.toml: clusters[2].name: \"{}b\" gives the same Velero service account ID \"velero-{}\" as clusters[0]",
                &long[..23],
                &long[..23]
            )),
            "{all}"
        );
        // The same platform with the bucket on AWS has no such limit.
        assert!(
            crate::platform::Platform::parse(
                &text.replace("cloud = \"gcp\"\nbucket", "cloud = \"aws\"\nbucket"),
                "platform.toml"
            )
            .is_ok()
        );
    }

    #[test]
    fn an_azure_bucket_name_must_leave_a_storage_account_name() {
        let text = layer_with_backup_in("azure").replace("acme-backups", "a-b");
        let all = errors(&text);
        assert!(
            all.contains(
                "platform.toml: backup.bucket: \"a-b\" names the Azure storage account \"ab\""
            ),
            "{all}"
        );
    }

    #[test]
    fn backups_without_gitops_are_refused() {
        let text = format!("{THREE}{LAYER}").replace(
            "[gitops]\nhub = \"eks-use1\"\nrepo_url = \"https://github.com/acme/platform.git\"\n",
            "",
        );
        let all = errors(&text);
        assert!(
            all.contains("platform.toml: backup: Argo CD installs Velero"),
            "{all}"
        );
    }

    #[test]
    fn bad_values_are_all_reported_with_their_keys() {
        let text = format!("{THREE}{LAYER}")
            .replace("https://github.com/acme/platform.git", "github.com/acme")
            .replace("acme-backups", "Acme_Backups")
            .replace(
                "canary_percent = 10",
                "canary_percent = 101\nactive = \"red\"",
            )
            .replace("backend = \"gke-euw1\"", "backend = \"gke-nope\"");
        let all = errors(&text);
        for key in [
            "gitops.repo_url",
            "backup.bucket",
            "sample_app.canary_percent",
            "sample_app.active",
            "sample_app.backend",
        ] {
            assert!(
                all.contains(&format!("platform.toml: {key}:")),
                "{key} missing in:\n{all}"
            );
        }
    }
}
