//! `[ci]` in platform.toml: what the generated workflow and `environments/bootstrap` need to know
//! about CI. The GitHub repository names the OIDC subjects (`repo:OWNER/NAME:...`) that every CI
//! identity of the bootstrap trusts, so a token from any other repository is refused by the clouds;
//! the lock platforms are the `-platform=` list of `terraform providers lock`, so the committed
//! `.terraform.lock.hcl` files hold the hashes of every machine the team runs Terraform on.

use serde::Deserialize;

use super::{Cloud, Platform};

/// Linux CI runners, and the laptops of a team on macOS (both architectures) or Windows.
pub const DEFAULT_LOCK_PLATFORMS: [&str; 4] = [
    "linux_amd64",
    "darwin_arm64",
    "darwin_amd64",
    "windows_amd64",
];

const OPERATING_SYSTEMS: [&str; 6] = [
    "linux", "darwin", "windows", "freebsd", "openbsd", "solaris",
];
const ARCHITECTURES: [&str; 4] = ["amd64", "arm64", "386", "arm"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ci {
    /// `OWNER/NAME` of the GitHub repository whose workflow runs get cloud credentials.
    pub github_repository: String,
    /// `OS_ARCH` platforms whose provider hashes the lock files must hold.
    #[serde(default = "default_lock_platforms")]
    pub lock_platforms: Vec<String>,
    /// Also post each pull request's plans as a comment (they always go to the job summary).
    #[serde(default)]
    pub plan_comment: bool,
    /// `environments/bootstrap` keeps its state in the bucket it created (set after its first
    /// apply, then `terraform init -migrate-state`); until then its state is local.
    #[serde(default)]
    pub bootstrap_remote_state: bool,
}

fn default_lock_platforms() -> Vec<String> {
    DEFAULT_LOCK_PLATFORMS.map(String::from).to_vec()
}

impl Default for Ci {
    /// Only for the workflow of a description without `[ci]`: no repository, default platforms.
    fn default() -> Self {
        Ci {
            github_repository: String::new(),
            lock_platforms: default_lock_platforms(),
            plan_comment: false,
            bootstrap_remote_state: false,
        }
    }
}

impl Ci {
    /// Problems, each starting with its field's path.
    pub(super) fn problems(&self, p: &Platform) -> Vec<String> {
        let mut e = Vec::new();
        if let Some(why) = repository_problem(&self.github_repository) {
            e.push(format!(
                "ci.github_repository: {:?} {why}",
                self.github_repository
            ));
        }
        if self.lock_platforms.is_empty() {
            e.push("ci.lock_platforms: name at least one platform, such as \"linux_amd64\"".into());
        }
        for (i, platform) in self.lock_platforms.iter().enumerate() {
            let known = platform.split_once('_').is_some_and(|(os, arch)| {
                OPERATING_SYSTEMS.contains(&os) && ARCHITECTURES.contains(&arch)
            });
            if !known {
                e.push(format!(
                    "ci.lock_platforms[{i}]: {platform:?} is not a Terraform platform OS_ARCH such as \"linux_amd64\" or \"darwin_arm64\""
                ));
            } else if self.lock_platforms[..i].contains(platform) {
                e.push(format!(
                    "ci.lock_platforms[{i}]: {platform:?} is listed twice"
                ));
            }
        }
        // `NAME-tf-apply` must fit GCP's 30-character service account IDs.
        if p.gcp.is_some() && p.name.len() > 21 {
            e.push(format!(
                "name: {:?} is longer than 21 characters, too long for the bootstrap's GCP service account IDs (NAME-tf-apply, at most 30)",
                p.name
            ));
        }
        // The bootstrap puts Azure's state account and CI identities in the region of an Azure
        // cluster, and the GCS bucket in a GCP cluster's region: a section without clusters (only
        // keeping the global state) has no region to take.
        for cloud in [Cloud::Gcp, Cloud::Azure] {
            if p.has_settings(cloud) && p.clusters_on(cloud).next().is_none() {
                e.push(format!(
                    "ci: environments/bootstrap places the [{0}] state in the region of the first {0} cluster; describe one in [[clusters]] or remove [{0}]",
                    cloud.as_str()
                ));
            }
        }
        e
    }

    /// The OIDC subject of workflow jobs in GitHub environment `env`.
    pub fn environment_subject(&self, env: &str) -> String {
        format!("repo:{}:environment:{env}", self.github_repository)
    }

    /// The OIDC subjects of jobs that run outside any GitHub environment: pull requests, and
    /// pushes to `main`.
    pub fn plan_subjects(&self) -> [String; 2] {
        [
            format!("repo:{}:pull_request", self.github_repository),
            format!("repo:{}:ref:refs/heads/main", self.github_repository),
        ]
    }
}

/// Why `value` is not a GitHub `OWNER/NAME`, if it is not (GitHub's own rules: owners are
/// letters, digits and inner hyphens, up to 39; names letters, digits, `.`, `_`, `-`, up to 100).
pub fn repository_problem(value: &str) -> Option<String> {
    const EXAMPLE: &str = "\"acme/platform\"";
    let Some((owner, name)) = value.split_once('/') else {
        return Some(format!(
            "must be the GitHub repository as OWNER/NAME, such as {EXAMPLE}"
        ));
    };
    let owner_ok = (1..=39).contains(&owner.len())
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !owner.starts_with('-')
        && !owner.ends_with('-');
    if !owner_ok {
        return Some(format!(
            "has an invalid owner {owner:?}: 1 to 39 letters, digits or inner '-', as in {EXAMPLE}"
        ));
    }
    if name.ends_with(".git") {
        return Some("must name the repository without .git".into());
    }
    let name_ok = (1..=100).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && name != "."
        && name != "..";
    if !name_ok {
        return Some(format!(
            "has an invalid repository name {name:?}: 1 to 100 letters, digits, '.', '_' or '-', as in {EXAMPLE}"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::tests::{THREE, errors};

    #[test]
    fn repositories_follow_github_rules() {
        for ok in ["acme/platform", "a/b", "acme-corp/infra.platform_2"] {
            assert_eq!(repository_problem(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("acme", "OWNER/NAME"),
            ("https://github.com/acme/platform", "invalid owner"),
            ("acme/platform.git", "without .git"),
            ("-acme/platform", "invalid owner"),
            ("acme/plat form", "invalid repository name"),
            ("acme/platform/x", "invalid repository name"),
            ("acme/", "invalid repository name"),
        ] {
            let got = repository_problem(bad).unwrap_or_default();
            assert!(got.contains(why), "{bad}: {got}");
        }
    }

    #[test]
    fn platform_toml_names_the_ci_fields() {
        let text = format!(
            "{THREE}[ci]\ngithub_repository = \"acme\"\nlock_platforms = [\"linux_amd64\", \"macos_arm64\", \"linux_amd64\"]\n"
        );
        let all = errors(&text);
        for want in [
            "platform.toml: ci.github_repository: \"acme\" must be the GitHub repository as OWNER/NAME",
            "platform.toml: ci.lock_platforms[1]: \"macos_arm64\" is not a Terraform platform",
            "platform.toml: ci.lock_platforms[2]: \"linux_amd64\" is listed twice",
        ] {
            assert!(all.contains(want), "{want:?} missing from:\n{all}");
        }
    }

    #[test]
    fn defaults_and_subjects() {
        let text = format!("{THREE}[ci]\ngithub_repository = \"acme/platform\"\n");
        let p = Platform::parse(&text, "platform.toml").unwrap();
        let ci = p.ci.as_ref().unwrap();
        assert_eq!(ci.lock_platforms, DEFAULT_LOCK_PLATFORMS);
        assert!(!ci.plan_comment);
        assert_eq!(
            ci.environment_subject("aws"),
            "repo:acme/platform:environment:aws"
        );
        assert_eq!(
            ci.plan_subjects(),
            [
                "repo:acme/platform:pull_request",
                "repo:acme/platform:ref:refs/heads/main"
            ]
        );
    }
}
