//! Shared by the integration tests: where the repository, Terraform and the shared schemas are.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn tools_dir() -> PathBuf {
    std::env::var_os("MULTICLOUD_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".tools"))
}

/// Terraform 1.15.5 from `scripts/install-tools.sh`.
pub fn terraform() -> PathBuf {
    let p = tools_dir().join("bin/terraform-1.15.5");
    assert!(
        p.exists(),
        "{} is missing: run scripts/install-tools.sh first",
        p.display()
    );
    p
}

/// `../shared/provider-schemas` (or `$MULTICLOUD_PROVIDER_SCHEMAS`), if present.
pub fn schemas_dir() -> Option<PathBuf> {
    let p = std::env::var_os("MULTICLOUD_PROVIDER_SCHEMAS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/provider-schemas"));
    p.is_dir().then_some(p)
}

/// Writes every generated file under `dir`.
pub fn write_tree(dir: &Path) -> usize {
    let tree = multicloud_codegen::tree_for_root(&root()).expect("generate the tree");
    for (path, text) in &tree {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    }
    tree.len()
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs Terraform in `dir` with a CLI config of our own (never the machine's).
pub fn tf(dir: &Path, cli_config: &Path, args: &[&str]) -> Output {
    Command::new(terraform())
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", cli_config)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env_remove("TF_LOG")
        .env_remove("TF_PLUGIN_CACHE_DIR")
        .output()
        .expect("run terraform")
}
