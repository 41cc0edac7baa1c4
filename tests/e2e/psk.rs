//! multicloud_psk through its whole life, and its bad inputs, on both Terraform versions.

use crate::both_versions;
use crate::harness::{Install, REQUIRED_PROVIDERS, Tf, Workdir};

fn config(extra: &str) -> String {
    format!("{REQUIRED_PROVIDERS}\nresource \"multicloud_psk\" \"link\" {{\n{extra}\n}}\n")
}

fn psk_attrs(w: &Workdir) -> serde_json::Value {
    w.state_of("multicloud_psk.link")
}

fn assert_valid_key(key: &str, len: usize) {
    assert_eq!(key.len(), len, "{key}");
    assert!(key.chars().all(|c| c.is_ascii_alphanumeric()), "{key}");
    assert!(key.as_bytes()[0].is_ascii_alphabetic(), "{key}");
}

fn lifecycle(tf: Tf) {
    let w = Workdir::new(
        tf,
        Install::Mirror,
        &config("  length  = 40\n  keepers = { rotation = \"1\" }"),
    );
    w.init();
    w.ok(&["validate", "-no-color"]);

    // The plan shows the key as unknown and sensitive, never a value.
    let plan = w.plan_json();
    let change = &plan["resource_changes"][0]["change"];
    assert_eq!(change["actions"], serde_json::json!(["create"]));
    assert_eq!(change["after_unknown"]["result"], true);
    assert_eq!(change["after"]["length"], 40);

    let applied = w.apply();
    let first = psk_attrs(&w);
    let key = first["result"].as_str().expect("result").to_string();
    assert_valid_key(&key, 40);
    assert!(!applied.contains(&key), "apply output shows the key");
    assert!(first["id"].as_str().unwrap().starts_with("psk-"));
    w.assert_plan_empty();

    // A keepers change replaces the key.
    w.write(
        "main.tf",
        &config("  length  = 40\n  keepers = { rotation = \"2\" }"),
    );
    let plan = w.plan_json();
    assert_eq!(
        plan["resource_changes"][0]["change"]["actions"],
        serde_json::json!(["delete", "create"])
    );
    w.apply();
    let rotated = psk_attrs(&w)["result"].as_str().unwrap().to_string();
    assert_valid_key(&rotated, 40);
    assert_ne!(rotated, key, "keepers change must generate a new key");
    w.assert_plan_empty();

    // Destroy leaves nothing.
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(w.resources().is_empty());
}
both_versions!(lifecycle);

fn import_by_value(tf: Tf) {
    let w = Workdir::new(tf, Install::Mirror, &config(""));
    w.init();
    let key = "Imported.Key_2026abc";
    let out = w.ok(&[
        "import",
        "-input=false",
        "-no-color",
        "multicloud_psk.link",
        key,
    ]);
    assert!(
        !beyond_import_line(&out).contains(key),
        "import output shows the key:\n{out}"
    );
    let attrs = psk_attrs(&w);
    assert_eq!(attrs["result"], key);
    assert_eq!(attrs["length"], key.len());
    // The configuration sets neither length nor keepers: the imported key is kept as it is.
    w.assert_plan_empty();

    // Adopting keepers after import updates in place, keeping the key.
    w.write("main.tf", &config("  keepers = { owner = \"net\" }"));
    let plan = w.plan_json();
    assert_eq!(
        plan["resource_changes"][0]["change"]["actions"],
        serde_json::json!(["update"])
    );
    w.apply();
    assert_eq!(psk_attrs(&w)["result"], key);
    w.assert_plan_empty();
}
both_versions!(import_by_value);

/// Terraform itself echoes the import id; everything after that line is ours.
fn beyond_import_line(out: &str) -> String {
    out.lines()
        .filter(|l| !l.contains("Importing from ID"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `env:NAME` keeps the key off the command line and out of Terraform's own output.
fn import_from_environment(tf: Tf) {
    let key = "FromEnv_0123456789abcdef";
    let w = Workdir::new(tf, Install::Mirror, &config("")).env("MC_TEST_PSK", key);
    w.init();
    let out = w.ok(&[
        "import",
        "-input=false",
        "-no-color",
        "multicloud_psk.link",
        "env:MC_TEST_PSK",
    ]);
    assert!(!out.contains(key), "{out}");
    assert_eq!(psk_attrs(&w)["result"], key);
    w.assert_plan_empty();
}
both_versions!(import_from_environment);

fn bad_inputs(tf: Tf) {
    let w = Workdir::new(tf, Install::Mirror, &config("  length = 4"));
    w.init();
    let out = w.fails(&["validate", "-no-color"]);
    assert!(
        out.contains("length = 4"),
        "diagnostic does not point at length:\n{out}"
    );
    assert!(
        out.contains("from 8 to 64"),
        "diagnostic does not say what is allowed:\n{out}"
    );

    w.write("main.tf", &config("  length = 65"));
    let out = w.fails(&["plan", "-input=false", "-no-color"]);
    assert!(
        out.contains("length = 65") && out.contains("from 8 to 64"),
        "{out}"
    );

    // Keys that some cloud would reject cannot be imported, and the key is not echoed back.
    w.write("main.tf", &config(""));
    for (bad, why) in [
        ("0abcdefgh", "starts with '0'"),
        ("abc-defgh", "'-'"),
        ("short", "5 characters"),
    ] {
        let out = w
            .fails(&[
                "import",
                "-input=false",
                "-no-color",
                "multicloud_psk.link",
                bad,
            ])
            .replace('\n', " ");
        assert!(out.contains(why), "import of {bad:?}: {out}");
        assert!(
            !beyond_import_line(&out).contains(bad),
            "import error echoes the key: {out}"
        );
    }
    let out = w
        .fails(&[
            "import",
            "-input=false",
            "-no-color",
            "multicloud_psk.link",
            "env:MC_TEST_UNSET_VARIABLE",
        ])
        .replace('\n', " ");
    assert!(
        out.contains("MC_TEST_UNSET_VARIABLE") && out.contains("not set"),
        "{out}"
    );
    assert!(
        w.resources().is_empty(),
        "a failed import left state behind"
    );
}
both_versions!(bad_inputs);

/// dev_overrides, the developer's loop: no init, the freshly built binary used directly.
fn dev_overrides(tf: Tf) {
    let w = Workdir::new(tf, Install::DevOverrides, &config(""));
    // The default length is planned as a known value, not "known after apply".
    let plan = w.plan_json();
    assert_eq!(plan["resource_changes"][0]["change"]["after"]["length"], 32);
    let out = w.apply();
    assert!(
        out.to_lowercase()
            .contains("provider development overrides"),
        "{out}"
    );
    assert_valid_key(psk_attrs(&w)["result"].as_str().unwrap(), 32);
    w.assert_plan_empty();
    w.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
}
both_versions!(dev_overrides);

/// With provider logs at TRACE, the key appears nowhere in Terraform's output or log.
fn secrets_stay_out_of_logs(tf: Tf) {
    let log = tempfile::NamedTempFile::new().unwrap();
    let w = Workdir::new(tf, Install::Mirror, &config(""))
        .env("TF_LOG_PROVIDER", "TRACE")
        .env("TF_LOG_PATH", log.path().to_str().unwrap());
    w.init();
    let out = w.apply();
    let key = psk_attrs(&w)["result"].as_str().unwrap().to_string();
    let logged = std::fs::read_to_string(log.path()).unwrap();
    assert!(
        logged.contains("generated a pre-shared key"),
        "provider log lines missing from TF_LOG_PATH"
    );
    assert!(!logged.contains(&key), "the key reached the log");
    assert!(!out.contains(&key), "the key reached the output");
}
both_versions!(secrets_stay_out_of_logs);
