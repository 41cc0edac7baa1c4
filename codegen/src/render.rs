//! Renders a [`Module`] into its files: `versions.tf`, `providers.tf` (root modules),
//! `variables.tf`, `main.tf`, `outputs.tf`, `README.md` and, for reusable modules,
//! `examples/*/main.tf` ([`crate::examples`]).
//!
//! HCL goes through `hcl-rs`'s formatter, then [`crate::fmt::layout`] (the indentation and `=` alignment of
//! `terraform fmt`). Comments cannot live in `hcl-rs` structures, so an [`Item`]'s comment lines
//! are written above its block and its checkov skips as the block's first lines.

use std::collections::BTreeMap;

use hcl::format::{Format, Formatter};
use hcl::{Block, Body, Structure};

use crate::expr::{Expr, obj, s};
use crate::model::{Item, Module, Variable, body, labeled};

/// Generated files by path relative to the repository root.
pub type Tree = BTreeMap<String, String>;

/// Formats HCL structures the way `terraform fmt` lays them out.
pub fn hcl_text(body: &Body) -> String {
    let mut f = Formatter::builder()
        .compact_arrays(true)
        .prefer_ident_keys(true)
        .build_vec();
    let text = body
        .format_string(&mut f)
        .unwrap_or_else(|e| panic!("hcl-rs cannot format a generated body: {e}"));
    crate::fmt::layout(&text)
}

/// One expression on one line (for README tables).
pub fn inline(e: &Expr) -> String {
    let mut f = Formatter::builder()
        .compact(true)
        .prefer_ident_keys(true)
        .build_vec();
    e.format_string(&mut f)
        .unwrap_or_else(|err| panic!("hcl-rs cannot format a generated expression: {err}"))
}

fn block_text(item: &Item) -> String {
    let mut text = hcl_text(&Body(vec![Structure::Block(item.block.clone())]));
    if !item.skips.is_empty() {
        let (head, tail) = text.split_once('\n').unwrap_or((&text, ""));
        let skips: String = item
            .skips
            .iter()
            .map(|(id, why)| format!("  #checkov:skip={id}:{why}\n"))
            .collect();
        text = format!("{head}\n{skips}{tail}");
    }
    let comments: String = item
        .comment
        .iter()
        .map(|c| format!("# {c}\n").replace("# \n", "#\n"))
        .collect();
    format!("{comments}{text}")
}

/// Blocks as one `.tf` file, a blank line between them.
pub(crate) fn file(items: &[Item]) -> String {
    items.iter().map(block_text).collect::<Vec<_>>().join("\n")
}

/// The `terraform {}` block: required version and providers, and the backend of a root module.
pub(crate) fn versions(m: &Module) -> Item {
    let mut providers = Vec::new();
    for p in &m.required_providers {
        let mut fields = vec![("source", s(&p.source))];
        if let Some(v) = &p.version {
            fields.push(("version", s(v)));
        }
        providers.push((p.name.clone(), obj(fields)));
    }
    let mut rp = body();
    for (name, value) in providers {
        rp = rp.a(&name, value);
    }
    let mut structures = body()
        .a("required_version", s(&m.required_version))
        .b("required_providers", rp)
        .build()
        .into_inner();
    if let Some(b) = &m.backend {
        structures.push(Structure::Block(b.clone()));
    }
    Item::new(labeled("terraform", &[], Body(structures)))
}

fn variable(v: &Variable) -> Item {
    let mut b = body()
        .a("description", s(&v.full_description()))
        .a("type", v.ty.clone());
    b = b.a_opt("default", v.default.clone());
    if let Some(n) = v.nullable {
        b = b.a("nullable", n);
    }
    if v.sensitive {
        b = b.a("sensitive", true);
    }
    for val in &v.validations {
        b = b.b(
            "validation",
            body()
                .a("condition", val.condition.clone())
                .a("error_message", s(&val.error_message)),
        );
    }
    Item::new(labeled("variable", &[&v.name], b.build()))
}

/// All files of a module.
pub fn render(m: &Module) -> Tree {
    let mut files = Tree::new();
    let path = |name: &str| format!("{}/{name}", m.dir);
    files.insert(path("versions.tf"), file(&[versions(m)]));
    if !m.provider_blocks.is_empty() {
        let items: Vec<Item> = m.provider_blocks.iter().cloned().map(Item::new).collect();
        files.insert(path("providers.tf"), file(&items));
    }
    if !m.variables.is_empty() {
        let items: Vec<Item> = m.variables.iter().map(variable).collect();
        files.insert(path("variables.tf"), file(&items));
    }
    files.insert(path("main.tf"), file(&m.main));
    if !m.outputs.is_empty() {
        let items: Vec<Item> = m
            .outputs
            .iter()
            .map(|o| {
                let b = body()
                    .a("description", s(&o.description))
                    .a("value", o.value.clone())
                    .when(o.sensitive, |b| b.a("sensitive", true));
                Item::new(labeled("output", &[&o.name], b.build()))
            })
            .collect();
        files.insert(path("outputs.tf"), file(&items));
    }
    files.insert(path("README.md"), crate::readme::readme(m));
    files.extend(crate::examples::files(m));
    files
}

/// A block used only in READMEs.
pub fn block_text_of(b: &Block) -> String {
    hcl_text(&Body(vec![Structure::Block(b.clone())]))
}
