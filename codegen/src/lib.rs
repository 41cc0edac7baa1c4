//! multicloud's code generator: Terraform modules and environments as typed Rust values, rendered
//! through `hcl-rs` into the byte-for-byte `terraform fmt` layout.

pub mod environments;
pub mod expr;
pub mod fmt;
#[doc(hidden)]
pub mod harness;
pub mod model;
pub mod modules;
pub mod platform;
pub mod readme;
pub mod render;
pub mod schema_double;
pub mod tree;
pub mod workflow;

use render::Tree;

/// The platform description environments are generated from, at the repository root.
pub const PLATFORM_FILE: &str = "platform.toml";

/// Every generated file for the repository at `root`: the modules, and the environments of
/// `root/platform.toml` when it exists. An invalid description is an error naming each bad field.
pub fn tree_for_root(root: &std::path::Path) -> Result<Tree, platform::PlatformError> {
    let mut t = tree();
    let path = root.join(PLATFORM_FILE);
    if let Ok(text) = std::fs::read_to_string(&path) {
        let p = platform::Platform::parse(&text, PLATFORM_FILE)?;
        t.extend(tree_for_platform(&p));
    }
    Ok(t)
}

/// The environments of a platform.
pub fn tree_for_platform(p: &platform::Platform) -> Tree {
    let mut t = Tree::new();
    for m in environments::all(p) {
        t.extend(render::render(&m));
    }
    t.insert(workflow::PATH.to_string(), workflow::workflow(p));
    t
}

/// Every generated module file, by path relative to the repository root.
pub fn tree() -> Tree {
    let mut t = Tree::new();
    for m in modules::all() {
        t.extend(render::render(&m));
    }
    t
}
