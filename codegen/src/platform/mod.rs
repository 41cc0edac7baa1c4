//! The platform description (`platform.toml`): clouds, regions, clusters, the CIDR base, the mesh,
//! the links between clouds and the global hostname. `environments/` is generated from it, so users
//! describe their own platform and regenerate. [`Platform::parse`] checks everything up front and
//! names the field of every problem; nothing is generated from a description with errors.

mod ci;
mod gitops;
mod global_lb;
mod links;
mod modules_source;

use std::collections::BTreeSet;

use ipnet::Ipv4Net;
use serde::Deserialize;

pub use ci::Ci;
pub use gitops::{Backup, Gitops, SampleApp, velero_identity_name};
pub use global_lb::{DEFAULT_WEIGHT, GlobalLb, HealthCheck};
pub use links::{Links, Topology};
pub use modules_source::module_git_source;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    /// Short name: state keys and tags use it.
    pub name: String,
    /// The git repository other repositories fetch `modules/*` from, pinned with `?ref=`; module
    /// READMEs show it as their usage's source. Default: the relative path `../../modules/NAME`.
    pub modules_source: Option<String>,
    pub network: Network,
    pub aws: Option<AwsSettings>,
    pub gcp: Option<GcpSettings>,
    pub azure: Option<AzureSettings>,
    #[serde(default)]
    pub mesh: Mesh,
    #[serde(default)]
    pub clusters: Vec<Cluster>,
    /// Networking between the clouds (`environments/global` through `modules/networking`).
    pub links: Option<Links>,
    /// The global hostname in front of the clusters (`environments/global`).
    pub global_lb: Option<GlobalLb>,
    #[serde(default)]
    pub global: Global,
    /// The hub cluster running Argo CD and the repository it syncs `kubernetes/` from.
    pub gitops: Option<Gitops>,
    /// The one bucket every cluster's Velero backs up to.
    pub backup: Option<Backup>,
    /// Where the sample application's front end and back end run.
    pub sample_app: Option<SampleApp>,
    /// The CI that plans and applies the environments: the GitHub repository its cloud identities
    /// trust (`environments/bootstrap`) and the platforms of the provider lock files.
    pub ci: Option<Ci>,
}

/// Settings of `environments/global` itself.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Global {
    /// Whose state backend (`aws`, `gcp` or `azure`) keeps the global state; default the first
    /// cloud, in that order, that has clusters.
    pub state: Option<Cloud>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Every cluster range is drawn from it (by `multicloud_cidr_plan`).
    pub base_cidr: String,
    #[serde(default)]
    pub reserved: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsSettings {
    /// S3 bucket of the Terraform state.
    pub state_bucket: String,
    pub state_region: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GcpSettings {
    pub project_id: String,
    /// GCS bucket of the Terraform state.
    pub state_bucket: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AzureSettings {
    pub subscription_id: String,
    pub state_resource_group: String,
    pub state_storage_account: String,
    #[serde(default = "default_container")]
    pub state_container: String,
}

fn default_container() -> String {
    "tfstate".into()
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mesh {
    #[serde(default)]
    pub enabled: bool,
    /// SPIFFE trust domain shared by every cluster.
    pub trust_domain: Option<String>,
    /// Istio's mesh ID, the same on every cluster; default the platform's name.
    pub mesh_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    Aws,
    Gcp,
    Azure,
}

impl Cloud {
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    pub name: String,
    pub cloud: Cloud,
    pub region: String,
    /// AWS: availability zones (2 or 3; each gets a private and a public subnet).
    #[serde(default)]
    pub zones: Vec<String>,
    pub kubernetes_version: Option<String>,
    /// AWS: IAM principal ARNs; Azure: Entra ID group object IDs. Cluster administrators.
    #[serde(default)]
    pub admins: Vec<String>,
    /// GCP: the /28 of the control plane's private endpoint.
    pub master_ipv4_cidr: Option<String>,
    /// The cluster's Istio network (pods of one network reach each other directly); default
    /// `<name>-net`, one per cluster.
    pub network: Option<String>,
}

/// Everything wrong with a description, each naming its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct PlatformError(pub Vec<String>);

const DEFAULT_MASTER_CIDR: &str = "172.16.0.0/28";

impl Cluster {
    /// The cluster's Istio network name.
    pub fn network(&self) -> String {
        self.network
            .clone()
            .unwrap_or_else(|| format!("{}-net", self.name))
    }

    pub fn master_cidr(&self) -> &str {
        self.master_ipv4_cidr
            .as_deref()
            .unwrap_or(DEFAULT_MASTER_CIDR)
    }
}

fn valid_name(s: &str) -> bool {
    let b = s.as_bytes();
    (2..=24).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !s.ends_with('-')
}

fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

impl Platform {
    /// Parses and checks a description; `file` names it in messages.
    pub fn parse(text: &str, file: &str) -> Result<Platform, PlatformError> {
        let p: Platform = toml::from_str(text).map_err(|e| {
            PlatformError(vec![format!(
                "{file}: {}",
                e.to_string().trim_end().replace('\n', "\n  ")
            )])
        })?;
        let errors = p.problems();
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(PlatformError(
                errors.into_iter().map(|e| format!("{file}: {e}")).collect(),
            ))
        }
    }

    /// Semantic checks, each message starting with the field's path.
    fn problems(&self) -> Vec<String> {
        let mut e = Vec::new();
        if !valid_name(&self.name) {
            e.push(format!(
                "name: {:?} must be 2 to 24 lowercase letters, digits or '-', starting with a letter",
                self.name
            ));
        }
        if let Some(source) = &self.modules_source
            && let Some(why) = modules_source::problem(source)
        {
            e.push(format!("modules_source: {source:?} {why}"));
        }
        let base = match self.network.base_cidr.parse::<Ipv4Net>() {
            Ok(n) => Some(n),
            Err(_) => {
                e.push(format!(
                    "network.base_cidr: {:?} is not an IPv4 CIDR such as 10.0.0.0/8",
                    self.network.base_cidr
                ));
                None
            }
        };
        for (i, r) in self.network.reserved.iter().enumerate() {
            if r.parse::<Ipv4Net>().is_err() {
                e.push(format!("network.reserved[{i}]: {r:?} is not an IPv4 CIDR"));
            }
        }
        if self.clusters.is_empty() {
            e.push("clusters: describe at least one [[clusters]] entry".into());
        }
        let mut names = BTreeSet::new();
        for (i, c) in self.clusters.iter().enumerate() {
            let at = |f: &str| format!("clusters[{i}].{f}");
            if !valid_name(&c.name) {
                e.push(format!(
                    "{}: {:?} must be 2 to 24 lowercase letters, digits or '-', starting with a letter",
                    at("name"),
                    c.name
                ));
            }
            if !names.insert(c.name.as_str()) {
                e.push(format!(
                    "{}: {:?} is used by an earlier cluster; names are unique",
                    at("name"),
                    c.name
                ));
            }
            if c.region.trim().is_empty() {
                e.push(format!("{}: must not be empty", at("region")));
            }
            if !self.has_settings(c.cloud) {
                e.push(format!(
                    "{}: {:?} clusters need a [{}] section (state backend and account settings)",
                    at("cloud"),
                    c.cloud.as_str(),
                    c.cloud.as_str()
                ));
            }
            match c.cloud {
                Cloud::Aws if !(2..=3).contains(&c.zones.len()) => e.push(format!(
                    "{}: AWS clusters need 2 or 3 availability zones (each gets a private and a public subnet); got {}",
                    at("zones"),
                    c.zones.len()
                )),
                Cloud::Gcp if !c.zones.is_empty() => {
                    e.push(format!("{}: GCP clusters are regional; leave zones out", at("zones")))
                }
                Cloud::Azure => {
                    for (z, zone) in c.zones.iter().enumerate() {
                        if !matches!(zone.as_str(), "1" | "2" | "3") {
                            e.push(format!("clusters[{i}].zones[{z}]: {zone:?} must be an Azure zone number \"1\", \"2\" or \"3\""));
                        }
                    }
                }
                _ => {}
            }
            for (z, zone) in c.zones.iter().enumerate() {
                if !zone.starts_with(&c.region) && c.cloud == Cloud::Aws {
                    e.push(format!(
                        "clusters[{i}].zones[{z}]: {zone:?} is not in region {:?}",
                        c.region
                    ));
                }
            }
            if c.master_ipv4_cidr.is_some() && c.cloud != Cloud::Gcp {
                e.push(format!(
                    "{}: only GCP clusters have a control-plane range",
                    at("master_ipv4_cidr")
                ));
            }
            if c.cloud == Cloud::Gcp {
                match c.master_cidr().parse::<Ipv4Net>() {
                    Ok(m) if m.prefix_len() != 28 => e.push(format!(
                        "{}: {:?} must be a /28",
                        at("master_ipv4_cidr"),
                        c.master_cidr()
                    )),
                    Ok(m) if base.is_some_and(|b| overlaps(&b, &m)) => e.push(format!(
                        "{}: {:?} overlaps network.base_cidr, where cluster ranges are drawn from",
                        at("master_ipv4_cidr"),
                        c.master_cidr()
                    )),
                    Ok(_) => {}
                    Err(_) => e.push(format!(
                        "{}: {:?} is not an IPv4 CIDR",
                        at("master_ipv4_cidr"),
                        c.master_cidr()
                    )),
                }
            }
            if let Some(v) = &c.kubernetes_version {
                let ok = v.split('.').count() == 2
                    && v.split('.')
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
                if !ok {
                    e.push(format!(
                        "{}: {v:?} must be a minor version such as \"1.33\"",
                        at("kubernetes_version")
                    ));
                }
            }
        }
        if let Some(l) = &self.links {
            e.extend(l.problems(self));
        }
        if let Some(lb) = &self.global_lb {
            e.extend(lb.problems(self));
        }
        if let Some(c) = self.global.state
            && !self.has_settings(c)
        {
            e.push(format!(
                "global.state: {:?} needs a [{}] section (its state backend keeps the global state)",
                c.as_str(),
                c.as_str()
            ));
        }
        if let Some(ci) = &self.ci {
            e.extend(ci.problems(self));
        }
        if let Some(g) = &self.gitops {
            e.extend(g.problems(self));
        }
        if let Some(b) = &self.backup {
            e.extend(b.problems(self));
        }
        if let Some(a) = &self.sample_app {
            e.extend(a.problems(self));
        }
        e.extend(gitops::mesh_problems(self));
        if self.mesh.enabled {
            match &self.mesh.trust_domain {
                Some(d) if !d.is_empty() && d.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-') => {}
                _ => e.push("mesh.trust_domain: an enabled mesh needs a trust domain such as \"acme.internal\" (lowercase letters, digits, '.', '-')".into()),
            }
        }
        e
    }

    /// Istio's mesh ID, shared by every cluster.
    pub fn mesh_id(&self) -> &str {
        self.mesh.mesh_id.as_deref().unwrap_or(&self.name)
    }

    /// The clouds that have clusters, in a fixed order.
    pub fn clouds(&self) -> Vec<Cloud> {
        self.clusters
            .iter()
            .map(|c| c.cloud)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    pub fn clusters_on(&self, cloud: Cloud) -> impl Iterator<Item = &Cluster> {
        self.clusters.iter().filter(move |c| c.cloud == cloud)
    }

    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.name == name)
    }

    /// Whether the description has the `[aws]` / `[gcp]` / `[azure]` section of `cloud`.
    pub fn has_settings(&self, cloud: Cloud) -> bool {
        match cloud {
            Cloud::Aws => self.aws.is_some(),
            Cloud::Gcp => self.gcp.is_some(),
            Cloud::Azure => self.azure.is_some(),
        }
    }

    /// Whether `environments/global` exists: links, a mesh or a global hostname.
    pub fn has_global(&self) -> bool {
        self.links.is_some() || self.mesh.enabled || self.global_lb.is_some()
    }

    /// The cloud whose state backend keeps `environments/global`'s state.
    pub fn global_state_cloud(&self) -> Option<Cloud> {
        self.global
            .state
            .or_else(|| self.clouds().into_iter().find(|c| self.has_settings(*c)))
    }

    /// The clusters whose networks get a VPN gateway (none without `[links]`), in cluster order.
    pub fn vpn_sites(&self) -> Vec<&Cluster> {
        self.links
            .as_ref()
            .map(|l| l.sites(self))
            .unwrap_or_default()
    }

    pub fn is_vpn_site(&self, cluster: &str) -> bool {
        self.vpn_sites().iter().any(|c| c.name == cluster)
    }
}

/// Checks shared by the sections: a DNS-style name (`app.example.com`).
pub(crate) fn valid_hostname(h: &str) -> bool {
    let h = h.trim_end_matches('.');
    !h.is_empty()
        && h.len() <= 253
        && h.split('.').count() >= 2
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// One cluster per cloud, as in the repository's platform.toml; sections are appended to it.
    pub(crate) const THREE: &str = r#"
name = "acme"
[network]
base_cidr = "10.0.0.0/8"
[aws]
state_bucket = "b"
state_region = "us-east-1"
[gcp]
project_id = "p"
state_bucket = "g"
[azure]
subscription_id = "00000000-0000-0000-0000-000000000000"
state_resource_group = "rg"
state_storage_account = "sa"
[[clusters]]
name = "eks-use1"
cloud = "aws"
region = "us-east-1"
zones = ["us-east-1a", "us-east-1b"]
[[clusters]]
name = "gke-euw1"
cloud = "gcp"
region = "europe-west1"
[[clusters]]
name = "aks-weu"
cloud = "azure"
region = "westeurope"
"#;

    /// All messages of a description that must fail.
    pub(crate) fn errors(text: &str) -> String {
        Platform::parse(text, "platform.toml")
            .expect_err("the description should be refused")
            .0
            .join("\n")
    }

    const GOOD: &str = r#"
name = "acme"
[network]
base_cidr = "10.0.0.0/8"
[aws]
state_bucket = "b"
state_region = "us-east-1"
[[clusters]]
name = "eks-use1"
cloud = "aws"
region = "us-east-1"
zones = ["us-east-1a", "us-east-1b"]
"#;

    #[test]
    fn a_good_description_parses() {
        let p = Platform::parse(GOOD, "platform.toml").unwrap();
        assert_eq!(p.clouds(), vec![Cloud::Aws]);
    }

    #[test]
    fn unknown_fields_are_named() {
        let text = GOOD.replace("zones =", "zonez =");
        let err = Platform::parse(&text, "platform.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("zonez"), "{err}");
        assert!(err.starts_with("platform.toml:"), "{err}");
    }

    #[test]
    fn a_bad_cloud_is_named() {
        let text = GOOD.replace("cloud = \"aws\"", "cloud = \"ibm\"");
        let err = Platform::parse(&text, "platform.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("ibm") && err.contains("cloud"), "{err}");
    }

    #[test]
    fn semantic_problems_name_their_field_and_are_all_reported() {
        let text = format!(
            "{GOOD}\n[[clusters]]\nname = \"eks-use1\"\ncloud = \"gcp\"\nregion = \"europe-west1\"\n\n[links]\ntopology = \"star\"\nsites = [\"eks-use1\", \"nope\"]\n"
        )
        .replace("10.0.0.0/8", "10.0.0.0/33");
        let err = Platform::parse(&text, "platform.toml").unwrap_err();
        let all = err.0.join("\n");
        for field in [
            "network.base_cidr",
            "clusters[1].name",
            "clusters[1].cloud",
            "links.topology",
            "links.sites[1]",
        ] {
            assert!(
                all.contains(&format!("platform.toml: {field}:")),
                "{field} missing in:\n{all}"
            );
        }
    }

    #[test]
    fn the_global_environment_follows_its_sections() {
        let p = Platform::parse(THREE, "platform.toml").unwrap();
        assert!(!p.has_global());
        assert!(p.vpn_sites().is_empty());
        let with_mesh =
            format!("{THREE}[mesh]\nenabled = true\ntrust_domain = \"acme.internal\"\n");
        let p = Platform::parse(&with_mesh, "platform.toml").unwrap();
        assert!(p.has_global());
        assert_eq!(p.global_state_cloud(), Some(Cloud::Aws));
        let gcp_state =
            format!("{THREE}[global]\nstate = \"gcp\"\n[links]\ntopology = \"full-mesh\"\n");
        let p = Platform::parse(&gcp_state, "platform.toml").unwrap();
        assert_eq!(p.global_state_cloud(), Some(Cloud::Gcp));
        assert_eq!(p.vpn_sites().len(), 3);
    }

    #[test]
    fn the_global_state_needs_its_cloud_section() {
        let text = format!(
            "{GOOD}[global]\nstate = \"azure\"\n[mesh]\nenabled = true\ntrust_domain = \"a.b\"\n"
        );
        assert!(
            errors(&text)
                .contains("platform.toml: global.state: \"azure\" needs a [azure] section")
        );
    }
}
