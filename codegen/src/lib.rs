//! multicloud's code generator: Terraform modules and environments as typed Rust values, rendered
//! through `hcl-rs` into the byte-for-byte `terraform fmt` layout.

pub mod architecture;
pub mod environments;
pub mod examples;
pub mod expr;
pub mod fmt;
#[doc(hidden)]
pub mod harness;
pub mod kubernetes;
pub mod model;
pub mod modules;
pub mod platform;
pub mod readme;
pub mod render;
pub mod schema_double;
pub mod tfdocs;
pub mod tree;
pub mod workflow;

use render::Tree;

/// The platform description environments are generated from, at the repository root.
pub const PLATFORM_FILE: &str = "platform.toml";

/// Every generated file for the repository at `root`: the modules (their READMEs showing the git
/// source of `modules_source` when `root/platform.toml` sets it), and the environments of
/// `root/platform.toml` when it exists. An invalid description is an error naming each bad field.
pub fn tree_for_root(root: &std::path::Path) -> Result<Tree, platform::PlatformError> {
    let platform = platform_for_root(root)?;
    let mut t = modules_tree(platform.as_ref().and_then(|p| p.modules_source.as_deref()));
    if let Some(p) = &platform {
        t.extend(tree_for_platform(p));
    }
    Ok(t)
}

/// The platform description at `root`, if there is one.
pub fn platform_for_root(
    root: &std::path::Path,
) -> Result<Option<platform::Platform>, platform::PlatformError> {
    match std::fs::read_to_string(root.join(PLATFORM_FILE)) {
        Ok(text) => Ok(Some(platform::Platform::parse(&text, PLATFORM_FILE)?)),
        Err(_) => Ok(None),
    }
}

/// The environments of a platform.
pub fn tree_for_platform(p: &platform::Platform) -> Tree {
    let mut t = Tree::new();
    for m in environments::all(p) {
        t.extend(render::render(&m));
    }
    t.insert(workflow::PATH.to_string(), workflow::workflow(p));
    t.extend(kubernetes::tree(p));
    t.insert(
        architecture::PATH.to_string(),
        architecture::architecture(p),
    );
    t
}

/// Every generated module file, by path relative to the repository root, with READMEs showing
/// the relative source.
pub fn tree() -> Tree {
    modules_tree(None)
}

fn modules_tree(git_source: Option<&str>) -> Tree {
    let mut t = Tree::new();
    for m in modules::all_from(git_source) {
        t.extend(render::render(&m));
    }
    t
}
