//! The part of a README between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->`, written the
//! way terraform-docs' `markdown table` writes it with its default settings (anchors, escaping,
//! HTML, sorted by name), so the READMEs read like other modules' and a team that runs
//! terraform-docs on them gets the same sections. Ours on top: the inputs table's "Changing it
//! replaces" column, and " (sensitive)" after a sensitive output's description.

use hcl::expr::ObjectKey;

use crate::expr::Expr;
use crate::model::{Item, Module};
use crate::render::inline;

pub const BEGIN: &str = "<!-- BEGIN_TF_DOCS -->";
pub const END: &str = "<!-- END_TF_DOCS -->";

/// The markers and, between them, Requirements, Providers, Modules, Resources, Inputs and Outputs.
pub fn section(m: &Module) -> String {
    let parts = [
        requirements(m),
        providers(m),
        module_calls(m),
        resources(m),
        inputs(m),
        outputs(m),
    ];
    format!("{BEGIN}\n{}\n{END}\n", parts.join("\n\n"))
}

/// A section: its table, or terraform-docs' sentence for an empty one ("No modules.").
fn table(title: &str, header: &[&str], rows: Vec<String>) -> String {
    if rows.is_empty() {
        return format!("## {title}\n\nNo {}.", title.to_lowercase());
    }
    let dashes: Vec<String> = header
        .iter()
        .map(|h| match *h {
            // terraform-docs centres the Required column.
            "Required" => ":------:".to_string(),
            _ => "-".repeat(h.len().max(4)),
        })
        .collect();
    format!(
        "## {title}\n\n| {} |\n| {} |\n{}",
        header.join(" | "),
        dashes.join(" | "),
        rows.join("\n")
    )
}

/// `<a name="input_azs"></a> [azs](#input\_azs)`: terraform-docs' anchored name.
fn anchor(prefix: &str, name: &str) -> String {
    let id = format!("{prefix}_{name}");
    format!(
        "<a name=\"{id}\"></a> [{}](#{})",
        escape_name(name),
        escape_name(&id)
    )
}

fn escape_name(name: &str) -> String {
    name.replace('_', "\\_")
}

/// Prose in a cell, escaped as terraform-docs escapes it: `_` and `|` outside code spans and URLs.
/// (terraform-docs also leaves `_emphasis_` alone; no description here uses it.) Pipes are escaped
/// inside code spans too, where terraform-docs leaves them and so breaks the row.
fn text_cell(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return "n/a".into();
    }
    let mut out = String::new();
    for (i, segment) in text.split('`').enumerate() {
        if i % 2 == 1 {
            out.push('`');
            out.push_str(&segment.replace('|', "\\|"));
            out.push('`');
        } else {
            out.push_str(&escape_prose(segment));
        }
    }
    out.replace('\n', "<br/>")
}

fn escape_prose(segment: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.starts_with("http://") || word.starts_with("https://") {
            out.push_str(word);
        } else {
            out.push_str(&word.replace('|', "\\|").replace('_', "\\_"));
        }
        word.clear();
    };
    for c in segment.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Code in a cell: a code span, or `<pre>` with `<br/>` line breaks when it spans lines.
fn code_cell(code: &str) -> String {
    let code = code.replace('|', "\\|");
    if code.contains('\n') {
        format!("<pre>{}</pre>", code.trim().replace('\n', "<br/>"))
    } else {
        format!("`{code}`")
    }
}

/// A default value as terraform-docs shows it: JSON, indented by two when it spans lines; HCL
/// text for anything that is not a literal.
fn default_text(e: &Expr) -> String {
    json(e, 0).unwrap_or_else(|| inline(e))
}

fn json(e: &Expr, indent: usize) -> Option<String> {
    let pad = " ".repeat(indent + 2);
    let close = " ".repeat(indent);
    Some(match e {
        Expr::Null => "null".into(),
        Expr::Bool(b) => b.to_string(),
        Expr::Number(n) => n.to_string(),
        Expr::String(s) => serde_json::to_string(s).ok()?,
        Expr::Array(items) if items.is_empty() => "[]".into(),
        Expr::Array(items) => {
            let lines = items
                .iter()
                .map(|i| json(i, indent + 2).map(|t| format!("{pad}{t}")))
                .collect::<Option<Vec<_>>>()?;
            format!("[\n{}\n{close}]", lines.join(",\n"))
        }
        Expr::Object(o) if o.is_empty() => "{}".into(),
        Expr::Object(o) => {
            // JSON objects from Go's encoder have sorted keys.
            let mut entries = o
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        ObjectKey::Identifier(id) => id.to_string(),
                        ObjectKey::Expression(Expr::String(s)) => s.clone(),
                        _ => return None,
                    };
                    Some((key, json(v, indent + 2)?))
                })
                .collect::<Option<Vec<_>>>()?;
            entries.sort();
            let lines: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| Some(format!("{pad}{}: {v}", serde_json::to_string(&k).ok()?)))
                .collect::<Option<_>>()?;
            format!("{{\n{}\n{close}}}", lines.join(",\n"))
        }
        _ => return None,
    })
}

fn requirements(m: &Module) -> String {
    let mut rows = vec![format!(
        "| {} | {} |",
        anchor("requirement", "terraform"),
        m.required_version
    )];
    let mut providers: Vec<_> = m.required_providers.iter().collect();
    providers.sort_by(|a, b| a.name.cmp(&b.name));
    // terraform-docs lists the providers that have a version constraint.
    for p in providers {
        if let Some(v) = &p.version {
            rows.push(format!("| {} | {v} |", anchor("requirement", &p.name)));
        }
    }
    table("Requirements", &["Name", "Version"], rows)
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mode {
    // Managed resources before data sources, as terraform-docs sorts them.
    Managed,
    Data,
}

/// A `resource` or `data` block: its type, name, and the provider (local name, alias) it uses.
struct Resource {
    mode: Mode,
    kind: String,
    name: String,
    provider: String,
    alias: Option<String>,
}

impl Resource {
    fn of(item: &Item) -> Option<Resource> {
        let b = &item.block;
        let mode = match b.identifier() {
            "resource" => Mode::Managed,
            "data" => Mode::Data,
            _ => return None,
        };
        let labels: Vec<&str> = b.labels().iter().map(|l| l.as_str()).collect();
        let (kind, name) = (labels.first()?.to_string(), labels.get(1)?.to_string());
        // `provider = aws.us_east_1` names the provider; otherwise the type's prefix does.
        let meta = b
            .body()
            .attributes()
            .find(|a| a.key() == "provider")
            .map(|a| inline(a.expr()));
        let (provider, alias) = match meta.as_deref().and_then(|p| p.split_once('.')) {
            Some((p, a)) => (p.to_string(), Some(a.to_string())),
            None => (
                meta.clone()
                    .unwrap_or_else(|| kind.split('_').next().unwrap_or_default().to_string()),
                None,
            ),
        };
        Some(Resource {
            mode,
            kind,
            name,
            provider,
            alias,
        })
    }

    fn spec(&self) -> String {
        format!("{}.{}", self.kind, self.name)
    }

    /// The Registry page terraform-docs links: `…/providers/SOURCE/VERSION/docs/resources/TYPE`
    /// (`data-sources` for data), TYPE without the provider's prefix. None for a source with a
    /// hostname (`example.com/ns/name`), which is not on the public Registry.
    fn url(&self, m: &Module) -> Option<String> {
        let required = m
            .required_providers
            .iter()
            .find(|p| p.name == self.provider);
        let source = required
            .map(|p| p.source.clone())
            .unwrap_or_else(|| format!("hashicorp/{}", self.provider));
        if source.matches('/').count() > 1 {
            return None;
        }
        let version = registry_version(required.and_then(|p| p.version.as_deref()));
        let kind = self
            .kind
            .strip_prefix(&format!("{}_", self.provider))
            .unwrap_or(&self.kind);
        let docs = match self.mode {
            Mode::Managed => "resources",
            Mode::Data => "data-sources",
        };
        Some(format!(
            "https://registry.terraform.io/providers/{source}/{version}/docs/{docs}/{kind}"
        ))
    }
}

/// terraform-docs links an exact pin (`1.2.3`, `= 1.2.3`) to that version's docs, anything else
/// to `latest`.
fn registry_version(constraint: Option<&str>) -> String {
    let parts: Vec<&str> = constraint.unwrap_or_default().split(' ').collect();
    match parts.as_slice() {
        [v] if v.starts_with(|c: char| c.is_ascii_digit()) => v.to_string(),
        [v] if v.starts_with('=') && v.len() > 1 => v[1..].to_string(),
        ["=", v] => v.to_string(),
        _ => "latest".into(),
    }
}

fn resources_of(m: &Module) -> Vec<Resource> {
    let mut all: Vec<Resource> = m.main.iter().filter_map(Resource::of).collect();
    all.sort_by_key(|r| (r.mode, r.spec()));
    all
}

fn providers(m: &Module) -> String {
    let mut used: Vec<(String, String)> = Vec::new();
    for r in resources_of(m) {
        let full = match &r.alias {
            Some(a) => format!("{}.{a}", r.provider),
            None => r.provider.clone(),
        };
        let version = m
            .required_providers
            .iter()
            .find(|p| p.name == r.provider)
            .and_then(|p| p.version.clone())
            .unwrap_or_else(|| "n/a".into());
        if !used.iter().any(|(f, _)| *f == full) {
            used.push((full, version));
        }
    }
    used.sort();
    let rows = used
        .into_iter()
        .map(|(full, version)| format!("| {} | {version} |", anchor("provider", &full)))
        .collect();
    table("Providers", &["Name", "Version"], rows)
}

fn module_calls(m: &Module) -> String {
    let mut calls: Vec<(String, String, String)> = m
        .main
        .iter()
        .filter(|i| i.block.identifier() == "module")
        .map(|i| {
            let attr = |key: &str| {
                i.block
                    .body()
                    .attributes()
                    .find(|a| a.key() == key)
                    .map(|a| match a.expr() {
                        Expr::String(s) => s.clone(),
                        e => inline(e),
                    })
            };
            let name = i
                .block
                .labels()
                .first()
                .map(|l| l.as_str().to_string())
                .unwrap_or_default();
            // Like terraform-docs, a git source's `?ref=` is shown as its version.
            let source = attr("source").unwrap_or_default();
            let (source, version) = match (attr("version"), source.rsplit_once("?ref=")) {
                (Some(v), _) => (source, v),
                (None, Some((s, r))) if !r.is_empty() => (s.to_string(), r.to_string()),
                (None, _) => (source, "n/a".into()),
            };
            (name, source, version)
        })
        .collect();
    calls.sort();
    let rows = calls
        .into_iter()
        .map(|(name, source, version)| {
            format!("| {} | {source} | {version} |", anchor("module", &name))
        })
        .collect();
    table("Modules", &["Name", "Source", "Version"], rows)
}

fn resources(m: &Module) -> String {
    let rows = resources_of(m)
        .iter()
        .map(|r| {
            let name = match r.url(m) {
                Some(url) => format!("[{}]({url})", r.spec()),
                None => r.spec(),
            };
            let kind = match r.mode {
                Mode::Managed => "resource",
                Mode::Data => "data source",
            };
            format!("| {name} | {kind} |")
        })
        .collect();
    table("Resources", &["Name", "Type"], rows)
}

fn inputs(m: &Module) -> String {
    let mut vars: Vec<_> = m.variables.iter().collect();
    vars.sort_by(|a, b| a.name.cmp(&b.name));
    let rows = vars
        .into_iter()
        .map(|v| {
            let default = v
                .default
                .as_ref()
                .map(|d| code_cell(&default_text(d)))
                .unwrap_or_else(|| "n/a".into());
            format!(
                "| {} | {} | {} | {default} | {} | {} |",
                anchor("input", &v.name),
                text_cell(&v.description),
                code_cell(&inline(&v.ty)),
                if v.required() { "yes" } else { "no" },
                text_cell(v.replaces.as_deref().unwrap_or("nothing")),
            )
        })
        .collect();
    table(
        "Inputs",
        &[
            "Name",
            "Description",
            "Type",
            "Default",
            "Required",
            "Changing it replaces",
        ],
        rows,
    )
}

fn outputs(m: &Module) -> String {
    let mut outs: Vec<_> = m.outputs.iter().collect();
    outs.sort_by(|a, b| a.name.cmp(&b.name));
    let rows = outs
        .into_iter()
        .map(|o| {
            let sensitive = if o.sensitive { " (sensitive)" } else { "" };
            format!(
                "| {} | {}{sensitive} |",
                anchor("output", &o.name),
                text_cell(&o.description)
            )
        })
        .collect();
    table("Outputs", &["Name", "Description"], rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{list, num, obj, s, strs};

    #[test]
    fn names_are_anchored_and_escaped_like_terraform_docs() {
        assert_eq!(
            anchor("input", "kubernetes_version"),
            "<a name=\"input_kubernetes_version\"></a> [kubernetes\\_version](#input\\_kubernetes\\_version)"
        );
    }

    #[test]
    fn prose_is_escaped_outside_code_and_urls() {
        assert_eq!(
            text_cell("Set endpoint_public_access (see `a_b`) a | b https://x.io/a_b"),
            "Set endpoint\\_public\\_access (see `a_b`) a \\| b https://x.io/a_b"
        );
        assert_eq!(text_cell(" "), "n/a");
    }

    #[test]
    fn defaults_are_json_and_multi_line_ones_are_pre_blocks() {
        assert_eq!(code_cell(&default_text(&s("1.33"))), "`\"1.33\"`");
        assert_eq!(code_cell(&default_text(&list([]))), "`[]`");
        assert_eq!(
            code_cell(&default_text(&strs(["a", "b"]))),
            "<pre>[<br/>  \"a\",<br/>  \"b\"<br/>]</pre>"
        );
        assert_eq!(
            default_text(&obj([("z", num(1)), ("a", list([s("x")]))])),
            "{\n  \"a\": [\n    \"x\"\n  ],\n  \"z\": 1\n}"
        );
    }

    #[test]
    fn only_exact_pins_link_a_version() {
        assert_eq!(registry_version(Some(">= 6.0, < 7.0")), "latest");
        assert_eq!(registry_version(Some(">= 0.1.0")), "latest");
        assert_eq!(registry_version(Some("6.19.0")), "6.19.0");
        assert_eq!(registry_version(Some("= 6.19.0")), "6.19.0");
        assert_eq!(registry_version(None), "latest");
    }

    #[test]
    fn empty_sections_say_so() {
        assert_eq!(
            table("Modules", &["Name"], vec![]),
            "## Modules\n\nNo modules."
        );
    }
}
