//! Every generated file, byte for byte, as an insta snapshot: review shows each generated change.

mod common;

#[test]
fn every_generated_file_matches_its_snapshot() {
    let tree = multicloud_codegen::tree_for_root(&common::root()).expect("generate the tree");
    assert!(
        tree.len() >= 5,
        "the tree is suspiciously small: {} files",
        tree.len()
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (path, text) in &tree {
            insta::assert_snapshot!(
                path.replace('/', "__").trim_start_matches('.').to_string(),
                text
            );
        }
    });
}

/// The committed `modules/` and `environments/` are what the generator writes (what `--check` runs).
#[test]
fn committed_tree_is_up_to_date() {
    let tree = multicloud_codegen::tree_for_root(&common::root()).expect("generate the tree");
    let drift = multicloud_codegen::tree::check(&common::root(), &tree);
    let listed: Vec<String> = drift.iter().map(ToString::to_string).collect();
    assert!(
        drift.is_empty(),
        "generated files differ from the committed ones; run `cargo run -p multicloud-codegen -- generate`:\n{}",
        listed.join("\n")
    );
}

#[test]
fn generation_is_deterministic() {
    let a = multicloud_codegen::tree_for_root(&common::root()).expect("generate");
    let b = multicloud_codegen::tree_for_root(&common::root()).expect("generate");
    assert_eq!(a, b);
}

/// Modules must work wherever they are fetched from (`git::...//modules/NAME`): nothing in a module
/// reaches above its own directory. Its examples reach exactly their module, as `../..`.
#[test]
fn modules_never_reach_outside_their_directory() {
    let tree = multicloud_codegen::tree_for_root(&common::root()).expect("generate");
    let mut examples = 0;
    for (path, text) in tree
        .iter()
        .filter(|(p, _)| p.starts_with("modules/") && p.ends_with(".tf"))
    {
        let mut text = text.clone();
        if path.contains("/examples/") {
            assert_eq!(
                path.matches('/').count(),
                4,
                "{path}: examples live in modules/NAME/examples/EXAMPLE/"
            );
            assert!(
                text.contains("\"../..\""),
                "{path} does not call its module"
            );
            text = text.replace("\"../..\"", "");
            examples += 1;
        }
        assert!(
            !text.contains("../"),
            "{path} references a path outside its module"
        );
    }
    assert_eq!(
        examples,
        2 * multicloud_codegen::modules::all().len(),
        "every module has examples/basic and examples/complete"
    );
}
