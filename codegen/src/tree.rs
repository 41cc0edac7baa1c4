//! Writing the generated tree, and checking that the committed one matches it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::render::Tree;

/// A difference between the generated tree and the files on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// Generated but absent on disk.
    Missing(String),
    /// On disk with other contents (stale, or edited by hand).
    Changed(String),
    /// A `.tf` file or README in a generated directory that the generator does not write.
    Unexpected(String),
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Missing(p) => write!(f, "missing:    {p}"),
            Drift::Changed(p) => write!(f, "changed:    {p} (stale or edited by hand)"),
            Drift::Unexpected(p) => write!(
                f,
                "unexpected: {p} (not generated; remove it or add it to the generator)"
            ),
        }
    }
}

/// Folders whose every subdirectory is generated: a subdirectory the tree no longer has (a cluster's
/// cloud removed from `platform.toml`, a module's example dropped) is stale as a whole.
pub const GENERATED_ROOTS: [&str; 5] = [
    "modules",
    "environments",
    "kubernetes/addons",
    "kubernetes/bootstrap",
    "kubernetes/multi-cloud",
];

/// Directories the generator owns: every directory holding a generated file, and every existing
/// directory below [`GENERATED_ROOTS`] under `root` (at any depth: modules have `examples/NAME/`),
/// except hidden ones such as Terraform's `.terraform/`, whose downloaded modules are not ours.
fn owned_dirs(root: &Path, tree: &Tree) -> BTreeSet<String> {
    let mut dirs: BTreeSet<String> = tree
        .keys()
        .filter_map(|p| {
            Path::new(p)
                .parent()
                .map(|d| d.to_string_lossy().into_owned())
        })
        .collect();
    let mut pending: Vec<String> = GENERATED_ROOTS.iter().map(|d| d.to_string()).collect();
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() && !name.starts_with('.') {
                let sub = format!("{dir}/{name}");
                dirs.insert(sub.clone());
                pending.push(sub);
            }
        }
    }
    dirs
}

/// Files in owned directories that look like generator output (`*.tf`, `README.md`, and the
/// manifests and values under `kubernetes/`); Terraform's own files (`.terraform/`,
/// `.terraform.lock.hcl`, `*.tfvars`) are left alone.
fn existing(root: &Path, tree: &Tree) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for dir in owned_dirs(root, tree) {
        let Ok(entries) = std::fs::read_dir(root.join(&dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let ours = name.ends_with(".tf")
                || name == "README.md"
                || (dir.starts_with("kubernetes/") && name.ends_with(".yaml"));
            if e.path().is_file() && ours {
                found.insert(format!("{dir}/{name}"));
            }
        }
    }
    found
}

/// Every difference between `tree` and the files under `root`, sorted by path.
pub fn check(root: &Path, tree: &Tree) -> Vec<Drift> {
    let mut drift = Vec::new();
    for (path, want) in tree {
        match std::fs::read(root.join(path)) {
            Ok(have) if have == want.as_bytes() => {}
            Ok(_) => drift.push(Drift::Changed(path.clone())),
            Err(_) => drift.push(Drift::Missing(path.clone())),
        }
    }
    for path in existing(root, tree) {
        if !tree.contains_key(&path) {
            drift.push(Drift::Unexpected(path));
        }
    }
    drift.sort_by(|a, b| key(a).cmp(key(b)));
    drift
}

fn key(d: &Drift) -> &str {
    match d {
        Drift::Missing(p) | Drift::Changed(p) | Drift::Unexpected(p) => p,
    }
}

/// Writes `tree` under `root` (only files whose contents differ) and removes unexpected files in
/// generated directories. Returns the paths written or removed.
pub fn write(root: &Path, tree: &Tree) -> std::io::Result<Vec<String>> {
    let mut touched = Vec::new();
    for d in check(root, tree) {
        match d {
            Drift::Missing(p) | Drift::Changed(p) => {
                let full: PathBuf = root.join(&p);
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&full, &tree[&p])?;
                touched.push(p);
            }
            Drift::Unexpected(p) => {
                let full = root.join(&p);
                std::fs::remove_file(&full)?;
                // Directories left empty (a removed environment, a dropped example and its
                // `examples/`) go too, up to the first one with other files, never `root`.
                let mut dir = full.parent();
                while let Some(d) = dir {
                    if d == root || std::fs::remove_dir(d).is_err() {
                        break;
                    }
                    dir = d.parent();
                }
                touched.push(p);
            }
        }
    }
    Ok(touched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_finds_missing_changed_and_unexpected() {
        let dir = tempfile::tempdir().unwrap();
        let mut tree = Tree::new();
        tree.insert("m/a.tf".into(), "a\n".into());
        tree.insert("m/b.tf".into(), "b\n".into());
        assert_eq!(write(dir.path(), &tree).unwrap().len(), 2);
        assert!(check(dir.path(), &tree).is_empty());
        std::fs::write(dir.path().join("m/b.tf"), "edited\n").unwrap();
        std::fs::write(dir.path().join("m/extra.tf"), "x\n").unwrap();
        std::fs::write(dir.path().join("m/.terraform.lock.hcl"), "x\n").unwrap();
        std::fs::remove_file(dir.path().join("m/a.tf")).unwrap();
        let d = check(dir.path(), &tree);
        assert_eq!(
            d,
            vec![
                Drift::Missing("m/a.tf".into()),
                Drift::Changed("m/b.tf".into()),
                Drift::Unexpected("m/extra.tf".into()),
            ]
        );
        write(dir.path(), &tree).unwrap();
        assert!(check(dir.path(), &tree).is_empty());
        assert!(dir.path().join("m/.terraform.lock.hcl").exists());
    }

    #[test]
    fn a_dropped_example_is_unexpected_and_removed_with_its_empty_folders() {
        let dir = tempfile::tempdir().unwrap();
        let old = "modules/m/examples/old/main.tf";
        std::fs::create_dir_all(dir.path().join("modules/m/examples/old")).unwrap();
        std::fs::write(dir.path().join(old), "x\n").unwrap();
        // Terraform's own folder in an example is not ours to judge.
        std::fs::create_dir_all(dir.path().join("modules/m/examples/old/.terraform/modules"))
            .unwrap();
        std::fs::write(
            dir.path()
                .join("modules/m/examples/old/.terraform/modules/x.tf"),
            "x\n",
        )
        .unwrap();
        let mut tree = Tree::new();
        tree.insert("modules/m/main.tf".into(), "m\n".into());
        assert_eq!(
            check(dir.path(), &tree),
            vec![
                Drift::Unexpected(old.into()),
                Drift::Missing("modules/m/main.tf".into()),
            ]
        );
        // With Terraform's folder gone, nothing is left in examples/: it goes too.
        std::fs::remove_dir_all(dir.path().join("modules/m/examples/old/.terraform")).unwrap();
        write(dir.path(), &tree).unwrap();
        assert!(!dir.path().join("modules/m/examples").exists());
        assert!(dir.path().join("modules/m/main.tf").exists());
        assert!(check(dir.path(), &tree).is_empty());
    }

    #[test]
    fn a_removed_environment_is_unexpected() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("environments/azure")).unwrap();
        std::fs::write(dir.path().join("environments/azure/main.tf"), "x\n").unwrap();
        let tree = Tree::new();
        assert_eq!(
            check(dir.path(), &tree),
            vec![Drift::Unexpected("environments/azure/main.tf".into())]
        );
    }
}
