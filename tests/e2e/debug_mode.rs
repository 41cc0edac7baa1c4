//! `--debug`: the provider runs on its own, prints TF_REATTACH_PROVIDERS, and Terraform attaches to it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::both_versions;
use crate::harness::{Install, REQUIRED_PROVIDERS, Tf, Workdir, provider_binary};

fn reattach(tf: Tf) {
    let mut child = Command::new(provider_binary())
        .arg("--debug")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut reattach = None;
    for _ in 0..10 {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some(rest) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            reattach = Some(rest.trim_end_matches('\'').to_string());
            break;
        }
    }
    let reattach = reattach.expect("no TF_REATTACH_PROVIDERS line");
    let w = Workdir::new(
        tf,
        Install::Mirror,
        &format!("{REQUIRED_PROVIDERS}\nresource \"multicloud_psk\" \"k\" {{}}\n"),
    )
    .env("TF_REATTACH_PROVIDERS", &reattach);
    w.init();
    w.apply();
    w.assert_plan_empty();
    // Terraform must not have stopped the debug server: a second run attaches again.
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(child.try_wait().unwrap().is_none(), "debug server exited");
    let _ = child.kill();
    let _ = child.wait();
}
both_versions!(reattach);
