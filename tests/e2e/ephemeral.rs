//! Ephemeral resources on Terraform 1.15.5: opened for a run, used, closed, and found in no state
//! file, plan file or TRACE log.

use crate::harness::{Install, REQUIRED_PROVIDERS, Tf, Workdir};
use crate::write_only::everything_written;

#[test]
fn ephemeral_psk_is_used_but_never_stored() {
    let log = tempfile::NamedTempFile::new().unwrap();
    // The key reaches a provisioner, which writes it where the test can read it: a stand-in for
    // any consumer of an ephemeral value.
    let config = format!(
        "{REQUIRED_PROVIDERS}\nephemeral \"multicloud_psk\" \"k\" {{\n  length = 40\n}}\n\nresource \"terraform_data\" \"use\" {{\n  provisioner \"local-exec\" {{\n    command = \"printf %s '${{ephemeral.multicloud_psk.k.result}}' > key.txt\"\n  }}\n}}\n"
    );
    let w = Workdir::new(Tf::V1_15_5, Install::Mirror, &config)
        .env("TF_LOG", "TRACE")
        .env("TF_LOG_PATH", log.path().to_str().unwrap());
    w.init();
    w.ok(&["plan", "-no-color", "-input=false", "-out=run.tfplan"]);
    let out = w.ok(&["apply", "-no-color", "-input=false", "run.tfplan"]);
    assert!(out.contains("ephemeral.multicloud_psk.k: Opening"), "{out}");
    assert!(out.contains("ephemeral.multicloud_psk.k: Closing"), "{out}");
    let key = std::fs::read_to_string(w.path().join("key.txt")).expect("key.txt");
    assert_eq!(key.len(), 40, "{key}");
    assert!(
        multicloud_provider::resources::psk::check_key(&key).is_none(),
        "{key}"
    );
    assert!(!out.contains(&key), "the apply output shows the key");
    assert!(
        !everything_written(w.path(), log.path()).contains(&key),
        "the key leaked into state, a plan file or the log"
    );

    // Bad input names the attribute.
    w.write("main.tf", &config.replace("length = 40", "length = 4"));
    let err = w.fails(&["validate", "-no-color"]).replace('\n', " ");
    assert!(
        err.contains("length must be a whole number from 8 to 64; got 4"),
        "{err}"
    );
}
