//! Every example under examples/ is runnable: init, apply, an empty second plan, destroy.

use crate::both_versions;
use crate::harness::{Install, Tf, Workdir, root};

fn example_dirs() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("main.tf").exists())
        .collect();
    dirs.sort();
    dirs
}

fn examples_apply_cleanly(tf: Tf) {
    let dirs = example_dirs();
    assert!(
        dirs.len() >= 3,
        "expected quickstart, psk and cidr-plan examples: {dirs:?}"
    );
    for dir in dirs {
        let main = std::fs::read_to_string(dir.join("main.tf")).unwrap();
        let w = Workdir::new(tf, Install::Mirror, &main);
        w.init();
        w.ok(&["validate", "-no-color"]);
        w.apply();
        w.assert_plan_empty();
        w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
        assert!(
            w.resources().is_empty(),
            "{} left resources after destroy",
            dir.display()
        );
    }
}
both_versions!(examples_apply_cleanly);
