//! `make install` puts the provider where Terraform's implied local mirror finds it, so a plain
//! `terraform init` works with no CLI configuration about this provider at all.

use std::process::Command;

use crate::both_versions;
use crate::harness::{REQUIRED_PROVIDERS, Tf, provider_binary, root};

fn make_install_then_init(tf: Tf) {
    let home = tempfile::tempdir().unwrap();
    let plugins = home.path().join(".terraform.d/plugins");
    let out = Command::new("make")
        .arg("-C")
        .arg(root())
        .arg("install")
        .arg(format!("PROVIDER_BIN={}", provider_binary().display()))
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "make install failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let installed = plugins.join("registry.terraform.io/multicloud/multicloud/0.1.0/linux_amd64/terraform-provider-multicloud_v0.1.0");
    assert!(
        installed.exists(),
        "not installed at {}",
        installed.display()
    );

    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("main.tf"),
        format!("{REQUIRED_PROVIDERS}\nresource \"multicloud_psk\" \"k\" {{}}\n"),
    )
    .unwrap();
    let empty_rc = work.path().join("empty.rc");
    std::fs::write(&empty_rc, "").unwrap();
    let run = |args: &[&str]| {
        Command::new(tf.binary())
            .args(args)
            .current_dir(work.path())
            .env("HOME", home.path())
            .env("TF_CLI_CONFIG_FILE", &empty_rc)
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_PLUGIN_CACHE_DIR")
            .output()
            .unwrap()
    };
    let init = run(&["init", "-input=false", "-no-color"]);
    let text =
        String::from_utf8_lossy(&init.stdout).to_string() + &String::from_utf8_lossy(&init.stderr);
    assert!(
        init.status.success(),
        "init from ~/.terraform.d/plugins failed:\n{text}"
    );
    assert!(text.contains("multicloud/multicloud v0.1.0"), "{text}");
    let apply = run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert!(
        apply.status.success(),
        "{}",
        String::from_utf8_lossy(&apply.stderr)
    );
}
both_versions!(make_install_then_init);
