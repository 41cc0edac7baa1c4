//! The generated modules, one file each. Shared conventions live here.

pub mod aws_backup_bucket;
pub mod aws_eks;
pub mod aws_velero_role;
pub mod azure_aks;
pub mod azure_backup_storage;
pub mod azure_velero_identity;
pub mod cluster_access;
pub mod cluster_peers;
pub mod gcp_backup_bucket;
pub mod gcp_gke;
pub mod gcp_velero_identity;
pub mod gitops_hub;
pub mod networking;
pub mod s3_protections;

use crate::expr::{func, s, var};
use crate::model::{Module, Variable};

/// Terraform versions every module accepts (optional object attributes with defaults need 1.3,
/// `endswith` 1.3; 1.5 is the oldest release still widely deployed that we test against).
pub const REQUIRED_TERRAFORM: &str = ">= 1.5.0";
pub const AWS_VERSION: &str = ">= 6.0, < 7.0";
pub const GOOGLE_VERSION: &str = ">= 7.0, < 8.0";
pub const AZURERM_VERSION: &str = ">= 4.0, < 5.0";
pub const MULTICLOUD_SOURCE: &str = "multicloud/multicloud";
pub const MULTICLOUD_VERSION: &str = ">= 0.1.0";

/// Every module of the repository, with READMEs showing the relative source.
pub fn all() -> Vec<Module> {
    all_from(None)
}

/// Every module; with `git_source` (platform.toml's `modules_source`), READMEs show the git source
/// of each module in that repository instead of the relative path.
pub fn all_from(git_source: Option<&str>) -> Vec<Module> {
    let mut all = vec![
        aws_eks::module(),
        azure_aks::module(),
        gcp_gke::module(),
        networking::module(),
        aws_backup_bucket::module(),
        aws_velero_role::module(),
        gcp_backup_bucket::module(),
        gcp_velero_identity::module(),
        azure_backup_storage::module(),
        azure_velero_identity::module(),
        cluster_access::module(),
        cluster_peers::module(),
        gitops_hub::module(),
    ];
    if let Some(git) = git_source {
        for m in &mut all {
            if let Some(u) = &mut m.usage {
                u.source = crate::platform::module_git_source(git, &m.dir);
            }
        }
    }
    all
}

/// How a root module of this repository (`environments/<cloud>`) names a module: `../../DIR`.
pub fn local_source(dir: &str) -> String {
    format!("../../{dir}")
}

/// The cluster-name rule shared by all modules (fits every cloud's naming limits with suffixes).
pub fn name_validation(v: Variable) -> Variable {
    let name = v.name.clone();
    v.validate(
        func("can", [func("regex", [s("^[a-z][a-z0-9-]{0,22}[a-z0-9]$"), var(&name)])]),
        &format!("{name} must be lowercase letters, digits and '-', start with a letter, end with a letter or digit, and be 2 to 24 characters."),
    )
}

/// An IPv4 CIDR check.
pub fn cidr_validation(v: Variable) -> Variable {
    let name = v.name.clone();
    v.validate(
        func("can", [func("cidrhost", [var(&name), crate::expr::num(0)])]),
        &format!("{name} must be an IPv4 CIDR block such as 10.0.0.0/16."),
    )
}

/// README notes under "Behaviour".
pub fn notes(items: &[&str]) -> Vec<(String, String)> {
    let text = items
        .iter()
        .map(|i| format!("- {i}"))
        .collect::<Vec<_>>()
        .join("\n");
    vec![("Behaviour".into(), text)]
}
