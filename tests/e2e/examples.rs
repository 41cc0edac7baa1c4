//! Every example under examples/ is runnable: init, apply, an empty second plan, destroy.

use crate::both_versions;
use crate::harness::{Install, Tf, Workdir, root};
use crate::moto::Moto;

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
    // Examples that use AWS get moto on 127.0.0.1 through the standard environment variables.
    let moto = Moto::start();
    let zone_id = moto.create_hosted_zone("example.com");
    for dir in dirs {
        let main = std::fs::read_to_string(dir.join("main.tf")).unwrap();
        let w = Workdir::new(tf, Install::Mirror, &main)
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("TF_VAR_zone_id", &zone_id);
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
