//! Reference pages generated from the schemas, so the docs cannot drift from what Terraform sees,
//! in the layout and format the Terraform Registry renders (`docs/resources/*.md`, …; see
//! [`render`]). Each page embeds its snippets from `examples/<kind>/<name>/` (tfplugindocs'
//! conventions) and links the runnable scenario in `examples/<scenario>/main.tf` that the
//! end-to-end tests apply. The hand-written narrative is in [`notes`].

mod notes;
mod render;

use std::path::Path;

use tfplugin::{Provider, Schema};

use crate::MulticloudProvider;

const PROVIDER: &str = "terraform-provider-multicloud";

/// (relative path, contents) of every generated page.
pub fn pages(root: &Path) -> Vec<(String, String)> {
    let p = MulticloudProvider;
    let mut out = vec![("docs/index.md".to_string(), index(root, &p.schema()))];
    for r in p.resources() {
        let (name, short) = (r.name(), short(r.name()));
        let mut text = entry_page(name, "Resource", &r.schema(), "");
        render::example_usage(
            &mut text,
            root,
            &[&format!("examples/resources/{name}/resource.tf")],
            scenario(root, &short.replace('_', "-")),
        );
        render::schema(&mut text, &r.schema());
        let identity = r.abilities().identity.map(|i| i.identity_schema());
        render::import(
            &mut text,
            root,
            name,
            identity.as_ref(),
            notes::import_note(name).as_deref(),
        );
        out.push((format!("docs/resources/{short}.md"), text));
    }
    for d in p.data_sources() {
        let (name, short) = (d.name(), short(d.name()));
        let mut text = entry_page(name, "Data Source", &d.schema(), "");
        render::example_usage(
            &mut text,
            root,
            &[&format!("examples/data-sources/{name}/data-source.tf")],
            scenario(root, &short.replace('_', "-")),
        );
        render::schema(&mut text, &d.schema());
        out.push((format!("docs/data-sources/{short}.md"), text));
    }
    for e in p.ephemeral_resources() {
        let (name, short) = (e.name(), short(e.name()));
        let mut text = entry_page(
            name,
            "Ephemeral Resource",
            &e.schema(),
            "Requires Terraform 1.10 or later (`ephemeral` blocks). Nothing it returns is stored in plan or state.\n\n",
        );
        // The ephemeral key's scenario is the connection it feeds.
        let scenario_dir = if short == "psk" {
            "vpn-connection-write-only".to_string()
        } else {
            format!("ephemeral-{}", short.replace('_', "-"))
        };
        render::example_usage(
            &mut text,
            root,
            &[&format!(
                "examples/ephemeral-resources/{name}/ephemeral-resource.tf"
            )],
            scenario(root, &scenario_dir),
        );
        render::schema(&mut text, &e.schema());
        out.push((format!("docs/ephemeral-resources/{short}.md"), text));
    }
    for l in p.list_resources() {
        let (name, short) = (l.name(), short(l.name()));
        let note = format!(
            "Requires Terraform 1.14 or later (`terraform query`). Put a `list` block in a `*.tfquery.hcl` file; \
             `terraform query` prints what exists, each with the identity `resource \"{name}\"` imports by, and \
             `terraform query -generate-config-out=generated.tf` writes a resource and an `import` block for each, \
             ready to `terraform apply`. The arguments below go in the list block's `config` block.\n\n"
        );
        let mut text = entry_page(name, "List Resource", &l.schema(), &note);
        render::example_usage(
            &mut text,
            root,
            &[&format!(
                "examples/list-resources/{name}/list-resource.tfquery.hcl"
            )],
            None,
        );
        render::schema(&mut text, &l.schema());
        out.push((format!("docs/list-resources/{short}.md"), text));
    }
    for a in p.actions() {
        let (name, short) = (a.name(), short(a.name()));
        let note = format!(
            "Requires Terraform 1.14 or later. Declare it in an `action` block and run it on demand, with its \
             progress shown as it happens: `terraform apply -invoke=action.{name}.NAME`. The arguments below go \
             in the action block's `config` block.\n\n"
        );
        let mut text = entry_page(name, "Action", &a.schema(), &note);
        render::example_usage(
            &mut text,
            root,
            &[&format!("examples/actions/{name}/action.tf")],
            None,
        );
        render::schema(&mut text, &a.schema());
        out.push((format!("docs/actions/{short}.md"), text));
    }
    for f in p.functions() {
        let sig = f.signature();
        let mut text = render::head(
            &format!("{} function - {PROVIDER}", f.name()),
            notes::subcategory(f.name()),
            &format!("function: {}", f.name()),
            &format!(
                "{}\n\n{}\n\nRequires Terraform 1.8 or later (provider-defined functions).",
                sig.summary, sig.description
            ),
        );
        render::function(&mut text, root, f.as_ref());
        out.push((format!("docs/functions/{}.md", f.name()), text));
    }
    out
}

fn short(name: &str) -> &str {
    name.trim_start_matches("multicloud_")
}

/// `examples/<dir>/main.tf` when it exists.
fn scenario<'a>(root: &Path, dir: &'a str) -> Option<&'a str> {
    root.join("examples")
        .join(dir)
        .join("main.tf")
        .exists()
        .then_some(dir)
}

/// Front matter, title, description and the version note of one resource, data source, ….
fn entry_page(name: &str, kind: &str, schema: &Schema, note: &str) -> String {
    let mut text = render::head(
        &format!("{name} {kind} - {PROVIDER}"),
        notes::subcategory(name),
        &format!("{name} ({kind})"),
        &schema.block.description,
    );
    text.push_str(note);
    text
}

fn index(root: &Path, schema: &Schema) -> String {
    let mut text = render::head(
        "multicloud Provider",
        "",
        "multicloud Provider",
        &schema.block.description,
    );
    render::example_usage(
        &mut text,
        root,
        &["examples/provider/provider.tf"],
        scenario(root, "quickstart"),
    );
    text.push_str(notes::AUTHENTICATION);
    render::schema(&mut text, schema);
    text
}
