//! The provider block: bad settings are diagnostics on the attribute; settings unknown at plan time
//! (taken from another resource) do not break planning.

use crate::both_versions;
use crate::harness::{Install, REQUIRED_PROVIDERS, Tf, Workdir};

fn bad_endpoint(tf: Tf) {
    let w = Workdir::new(
        tf,
        Install::Mirror,
        &format!(
            "{REQUIRED_PROVIDERS}\nprovider \"multicloud\" {{\n  aws {{\n    endpoint = \"localhost:5000\"\n  }}\n}}\n\nresource \"multicloud_psk\" \"k\" {{}}\n"
        ),
    );
    w.init();
    let out = w
        .fails(&["plan", "-input=false", "-no-color"])
        .replace('\n', " ");
    assert!(out.contains("Invalid endpoint"), "{out}");
    assert!(
        out.contains("aws.endpoint must be an http:// or https:// URL"),
        "{out}"
    );
}
both_versions!(bad_endpoint);

fn unknown_settings_at_plan(tf: Tf) {
    // An aliased provider configured from a resource's computed id: unknown during the first plan.
    let w = Workdir::new(
        tf,
        Install::Mirror,
        &format!(
            "{REQUIRED_PROVIDERS}\nresource \"multicloud_psk\" \"seed\" {{}}\n\nprovider \"multicloud\" {{\n  alias = \"late\"\n  aws {{\n    region = multicloud_psk.seed.id\n  }}\n}}\n\nresource \"multicloud_psk\" \"k\" {{\n  provider = multicloud.late\n}}\n"
        ),
    );
    w.init();
    w.apply();
    w.assert_plan_empty();
}
both_versions!(unknown_settings_at_plan);
