//! The `multicloud-codegen` binary: `generate` writes the tree, `--check` lists every file that is
//! stale, hand-edited, missing or unexpected, and a bad platform description writes nothing.

use std::path::Path;
use std::process::{Command, Output};

fn codegen(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_multicloud-codegen"))
        .args(args)
        .arg("--root")
        .arg(root)
        .output()
        .expect("run multicloud-codegen")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn repo_platform() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../platform.toml"))
        .expect("platform.toml")
}

#[test]
fn generate_then_check_then_detect_hand_edits() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("platform.toml"), repo_platform()).expect("platform");
    let out = codegen(dir.path(), &["--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("missing:    modules/gcp-gke/main.tf"),
        "{}",
        text(&out)
    );

    let out = codegen(dir.path(), &["generate"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = codegen(dir.path(), &["--check"]);
    assert!(out.status.success(), "{}", text(&out));

    let main = dir.path().join("environments/aws/main.tf");
    let edited = std::fs::read_to_string(&main)
        .expect("read")
        .replace("1.33", "1.34");
    std::fs::write(&main, edited).expect("edit");
    std::fs::write(dir.path().join("modules/aws-eks/extra.tf"), "# hand-made\n").expect("extra");
    let out = codegen(dir.path(), &["--check"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("changed:    environments/aws/main.tf"), "{t}");
    assert!(t.contains("unexpected: modules/aws-eks/extra.tf"), "{t}");

    let out = codegen(dir.path(), &["generate"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!dir.path().join("modules/aws-eks/extra.tf").exists());
    assert!(codegen(dir.path(), &["--check"]).status.success());
}

#[test]
fn a_bad_description_names_the_field_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = repo_platform().replace(
        "master_ipv4_cidr = \"172.16.0.0/28\"",
        "master_ipv4_cidr = \"172.16.0.0/28\"\nzones = [\"b\"]",
    );
    std::fs::write(dir.path().join("platform.toml"), bad).expect("platform");
    let out = codegen(dir.path(), &["generate"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("platform.toml: clusters[1].zones:"), "{t}");
    assert!(t.contains("nothing was written"), "{t}");
    let entries: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").collect();
    assert_eq!(entries.len(), 1, "only platform.toml may exist");

    std::fs::write(
        dir.path().join("platform.toml"),
        "name = \"acme\"\nnetwork = { base_cidr = \"10.0.0.0/8\", colour = \"red\" }\n",
    )
    .expect("platform");
    let t = text(&codegen(dir.path(), &["generate"]));
    assert!(t.contains("colour"), "unknown field must be named: {t}");

    // The cross-cloud sections are checked the same way: the field, and nothing written.
    let bad = repo_platform()
        .replace(
            "topology     = \"full-mesh\"",
            "topology     = \"hub-and-spoke\"",
        )
        .replace(
            "policy               = \"latency\"",
            "policy               = \"failover\"",
        );
    std::fs::write(dir.path().join("platform.toml"), bad).expect("platform");
    let out = codegen(dir.path(), &["generate"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("platform.toml: links.hub:"), "{t}");
    assert!(t.contains("platform.toml: global_lb.clusters:"), "{t}");
    assert!(t.contains("nothing was written"), "{t}");
    let entries: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").collect();
    assert_eq!(entries.len(), 1, "only platform.toml may exist");
}

/// `modules_source` switches the READMEs' usage to the git source; the examples keep `../..`, and
/// a placeholder host is refused with the field named.
#[test]
fn modules_source_gives_readmes_the_git_source() {
    let dir = tempfile::tempdir().expect("tempdir");
    let with = |value: &str| {
        repo_platform().replacen(
            "# modules_source = \"git::https://github.com/acme/platform.git?ref=v1.0.0\"",
            &format!("modules_source = {value:?}"),
            1,
        )
    };
    let platform = with("git::https://github.com/acme/platform.git?ref=v1.0.0");
    assert!(
        platform.contains("\nmodules_source = "),
        "platform.toml lost its modules_source line"
    );
    std::fs::write(dir.path().join("platform.toml"), platform).expect("platform");
    let out = codegen(dir.path(), &["generate"]);
    assert!(out.status.success(), "{}", text(&out));
    let readme =
        std::fs::read_to_string(dir.path().join("modules/gcp-gke/README.md")).expect("readme");
    assert!(
        readme
            .contains("\"git::https://github.com/acme/platform.git//modules/gcp-gke?ref=v1.0.0\""),
        "{readme}"
    );
    assert!(!readme.contains("../../modules"), "{readme}");
    let example =
        std::fs::read_to_string(dir.path().join("modules/gcp-gke/examples/basic/main.tf"))
            .expect("example");
    assert!(example.contains("\"../..\""), "{example}");
    assert!(codegen(dir.path(), &["--check"]).status.success());

    let bad = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        bad.path().join("platform.toml"),
        with("git::https://example.com/platform.git?ref=v1.0.0"),
    )
    .expect("platform");
    let out = codegen(bad.path(), &["generate"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("platform.toml: modules_source: "), "{t}");
    assert!(t.contains("placeholder host"), "{t}");
    assert!(t.contains("nothing was written"), "{t}");
}
