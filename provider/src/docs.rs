//! Reference pages generated from the schemas, so the docs cannot drift from what Terraform sees.
//! Each page embeds the runnable example from `examples/<name>/main.tf`.

use std::path::Path;

use tfplugin::schema::{AttrKind, Attribute, Block};
use tfplugin::{Provider, Schema};

use crate::MulticloudProvider;

/// (relative path, contents) of every generated page.
pub fn pages(root: &Path) -> Vec<(String, String)> {
    let p = MulticloudProvider;
    let mut out = vec![(
        "docs/index.md".to_string(),
        page(
            "Provider: multicloud",
            &p.schema(),
            None,
            root,
            "quickstart",
        ),
    )];
    for r in p.resources() {
        let short = r.name().trim_start_matches("multicloud_");
        let import = import_note(r.name());
        out.push((
            format!("docs/resources/{short}.md"),
            page(
                &format!("Resource: {}", r.name()),
                &r.schema(),
                import,
                root,
                &short.replace('_', "-"),
            ),
        ));
    }
    for d in p.data_sources() {
        let short = d.name().trim_start_matches("multicloud_");
        out.push((
            format!("docs/data-sources/{short}.md"),
            page(
                &format!("Data source: {}", d.name()),
                &d.schema(),
                None,
                root,
                &short.replace('_', "-"),
            ),
        ));
    }
    out
}

fn import_note(name: &str) -> Option<String> {
    match name {
        "multicloud_psk" => Some(
            "Import takes the key itself (it must already be valid for all three clouds), or \
             `env:NAME` to read it from an environment variable, which keeps it out of shell history \
             and out of Terraform's \"Importing from ID\" line:\n\n\
             ```shell\nMY_PSK=\"$EXISTING_KEY\" terraform import multicloud_psk.shared env:MY_PSK\n```\n\n\
             An imported key keeps its length when `length` is not set, and adopts configured `keepers` \
             without being replaced."
                .to_string(),
        ),
        "multicloud_mesh_trust" => Some(MESH_TRUST_NOTES.to_string()),
        "multicloud_global_lb" => Some(GLOBAL_LB_NOTES.to_string()),
        _ => None,
    }
}

const GLOBAL_LB_NOTES: &str = "By DNS backend, zone and hostname:

```shell
terraform import multicloud_global_lb.app route53:Z0123456789ABC:app.example.com
terraform import multicloud_global_lb.app cloudflare:023e105f4ecef8ad9ca31a8372d0c353:app.example.com
```

Records, health checks, pools and monitors are read back into the configuration; what no API records (a \
backend's `cloud` and `region` outside latency routing) is filled in by the first apply, in place.

## Failover time

`estimated_failover_seconds` is known at plan:

| DNS backend | estimate |
|---|---|
| Route 53 | interval × failure_threshold + ttl: each health checker declares a failure within interval × threshold, and Route 53 needs fewer than 18 % of checkers reporting healthy |
| Cloudflare (DNS only) | interval × failure_threshold + timeout × (retries + 1) + ttl: a failed check retries at once; the provider uses 1 retry and a timeout of min(5, (interval − 1) / 2) s |
| Cloudflare (proxied) | as above without the ttl: clients keep Cloudflare's addresses |

With `max_failover_seconds` set, a plan whose estimate is larger fails on that attribute and names settings that fit, \
changing as few knobs as possible (e.g. `interval 10 s, threshold 2, ttl 10 → 30 s`). The same arithmetic is the \
provider function `provider::multicloud::failover_seconds(\"route53\", 10, 2, 10)` (Terraform 1.8+).

## Changes and drift

Adding or removing a backend touches only its own health check and records (or monitor and pool). A refresh \
compares every record, health check, pool, monitor and the load balancer with the configuration; anything changed \
or deleted out of band sets `backend_status[name].in_sync = false`, so the next plan shows the repair and the next \
apply makes it. Route 53 changes are written in one change batch and awaited until INSYNC. A failed create rolls \
back what it made; destroy removes everything it made.

## Limits checked at plan

Route 53: interval 10 or 30 s, threshold 1–10, failover takes exactly one primary and one secondary, latency needs an \
AWS region (GCP and Azure regions map to the nearest one), geo needs a `*` default. Cloudflare: interval 10–3600 s \
(the account's plan may require more), threshold 1–10. Weights 0–255, not all 0.
";

const MESH_TRUST_NOTES: &str = "Not supported: the private keys of existing intermediates cannot be recovered from \
certificates. To keep an existing root, give it as `root { cert_pem, key_pem }`; intermediates are then issued under it.

## Planning

- Adding a cluster issues only its intermediate; the plan shows every other cluster unchanged. Removing one removes only it.
- An intermediate within `renew_before_days` of its end shows up in the next plan as a renewal of that cluster only.
- Changing the `root` block rotates the root in two applies, following Istio's multi-root procedure:
  1. a new root is generated and added to every cluster's `root-cert.pem` (the trust bundle); intermediates are \
     untouched, so every existing certificate still verifies;
  2. the next plan re-issues every intermediate under the new root; the old root stays in the bundle as `previous` \
     so workload certificates signed under it keep verifying until they expire (24 h by Istio's default).
  Set `retain_previous_root = false` once that has passed to drop the old root. A generated root within \
  `renew_before_days` of expiry starts the same rotation by itself.

## Defaults

Root 3650 days and intermediates 730 days with RSA 4096 keys, as Istio's own `tools/certs` Makefiles do: these \
certificates are what operators already know from Istio's documentation, and every Istio version accepts them. \
ECDSA P-256 is offered and is much faster to generate; choose it when every consumer of the chain supports it.

## Secrets

`issued_secrets` (keys and the ready-to-apply `cacerts` Secret) and `root_keys` are sensitive and live in Terraform \
state: protect the state as you would the CA keys themselves. The provider never logs them.
";

fn page(
    title: &str,
    schema: &Schema,
    import: Option<String>,
    root: &Path,
    example: &str,
) -> String {
    let mut s = format!(
        "<!-- generated by `cargo run --bin multicloud-docs`; do not edit -->\n# {title}\n\n"
    );
    s.push_str(&schema.block.description);
    s.push_str("\n\n");
    let example_file = root.join("examples").join(example).join("main.tf");
    if let Ok(hcl) = std::fs::read_to_string(&example_file) {
        s.push_str(&format!(
            "## Example\n\nFrom `examples/{example}/main.tf`:\n\n```hcl\n{}\n```\n\n",
            hcl.trim_end()
        ));
    }
    let inputs: Vec<&Attribute> = schema
        .block
        .attributes
        .iter()
        .filter(|a| a.required || a.optional)
        .collect();
    let outputs: Vec<&Attribute> = schema
        .block
        .attributes
        .iter()
        .filter(|a| a.computed && !a.optional)
        .collect();
    if !inputs.is_empty() || !schema.block.blocks.is_empty() {
        s.push_str("## Arguments\n\n");
        attribute_table(&mut s, &inputs);
    }
    blocks(&mut s, &schema.block, "");
    if !outputs.is_empty() {
        s.push_str("## Attributes\n\n");
        attribute_table(&mut s, &outputs);
    }
    if let Some(note) = import {
        s.push_str(&format!("## Import\n\n{note}"));
        if !note.ends_with('\n') {
            s.push('\n');
        }
    }
    s
}

fn blocks(s: &mut String, block: &Block, prefix: &str) {
    for b in &block.blocks {
        let name = format!("{prefix}{}", b.type_name);
        s.push_str(&format!(
            "### Block `{name}`\n\n{}\n\n",
            b.block.description
        ));
        let attrs: Vec<&Attribute> = b.block.attributes.iter().collect();
        attribute_table(s, &attrs);
        blocks(s, &b.block, &format!("{name}."));
    }
}

fn attribute_table(s: &mut String, attrs: &[&Attribute]) {
    if attrs.is_empty() {
        return;
    }
    s.push_str("| Name | Type | Required | Description |\n|---|---|---|---|\n");
    for a in attrs {
        row(s, a, "");
    }
    s.push('\n');
}

fn row(s: &mut String, a: &Attribute, prefix: &str) {
    let ty = match &a.kind {
        AttrKind::Plain(t) => type_name(t),
        AttrKind::Nested { nesting, .. } => format!("{nesting:?} of objects").to_lowercase(),
    };
    let need = if a.required {
        "yes"
    } else if a.optional {
        "no"
    } else {
        "computed"
    };
    let mut notes = Vec::new();
    if a.sensitive {
        notes.push("Sensitive.");
    }
    if a.write_only {
        notes.push("Write-only (Terraform 1.11+): never stored in state.");
    }
    if a.has(tfplugin::schema::PlanModifier::RequiresReplace) {
        notes.push("Changing it replaces the resource.");
    }
    let default = a
        .default
        .as_ref()
        .map(|d| format!(" Default `{}`.", tfplugin::validators::display(d)))
        .unwrap_or_default();
    s.push_str(&format!(
        "| `{prefix}{}` | {ty} | {need} | {}{default} {} |\n",
        a.name,
        a.description.replace('|', "\\|"),
        notes.join(" ")
    ));
    if let AttrKind::Nested { attributes, .. } = &a.kind {
        for inner in attributes {
            row(s, inner, &format!("{prefix}{}[*].", a.name));
        }
    }
}

fn type_name(t: &tfplugin::Type) -> String {
    use tfplugin::Type;
    match t {
        Type::String => "string".into(),
        Type::Number => "number".into(),
        Type::Bool => "bool".into(),
        Type::Dynamic => "any".into(),
        Type::List(e) => format!("list({})", type_name(e)),
        Type::Set(e) => format!("set({})", type_name(e)),
        Type::Map(e) => format!("map({})", type_name(e)),
        Type::Tuple(_) => "tuple".into(),
        Type::Object(o) => format!(
            "object({{{}}})",
            o.attrs
                .iter()
                .map(|(k, v)| format!("{k}={}", type_name(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
