//! A reusable module's `examples/basic` and `examples/complete`: root configurations that call it
//! with `source = "../.."`, built from its model (required providers, the call's label, the
//! variables' example values) like every other generated file. `basic` sets the required inputs
//! only, `complete` every input; the README's usage is the basic call with the README's source, so
//! what the README shows is what the tests validate.

use hcl::Block;

use crate::expr::s;
use crate::model::{Item, Module, RequiredProvider, Usage, Variable, body, labeled};
use crate::render::Tree;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Example {
    Basic,
    Complete,
}

impl Example {
    pub const ALL: [Example; 2] = [Example::Basic, Example::Complete];

    pub fn name(self) -> &'static str {
        match self {
            Example::Basic => "basic",
            Example::Complete => "complete",
        }
    }

    /// What it shows: the README's list and the comment above its module call.
    pub fn summary(self) -> &'static str {
        match self {
            Example::Basic => "the required inputs only; every other input keeps its default",
            Example::Complete => "every input set",
        }
    }

    fn sets(self, v: &Variable) -> bool {
        self == Example::Complete || v.required()
    }
}

/// `modules/NAME/examples/EXAMPLE`
pub fn dir(m: &Module, e: Example) -> String {
    format!("{}/examples/{}", m.dir, e.name())
}

/// The `module` block of example `e`, calling `m` at `source`.
///
/// Panics on a required input without an example value: module definitions are this crate's
/// code, and `every_required_input_has_an_example_value` catches it first.
pub fn call(m: &Module, usage: &Usage, e: Example, source: &str) -> Block {
    let mut b = body().a("source", s(source));
    for v in m.variables.iter().filter(|v| e.sets(v)) {
        let value = v.example_value().unwrap_or_else(|| {
            panic!(
                "{}: required input {} has no example value (Variable::example)",
                m.dir, v.name
            )
        });
        b = b.a(&v.name, value.clone());
    }
    labeled("module", &[&usage.label], b.build())
}

/// A provider block with the settings the provider needs before it plans, matching the modules'
/// example values (us-east-1 zones, project my-project in europe-west1); `None` for a provider
/// that needs none (multicloud reads its settings from the environment).
pub fn provider_block(p: &RequiredProvider) -> Option<Block> {
    let b = match p.name.as_str() {
        "aws" => body().a("region", s("us-east-1")),
        "google" => body()
            .a("project", s("my-project"))
            .a("region", s("europe-west1")),
        // azurerm 4 needs the subscription in the configuration (or ARM_SUBSCRIPTION_ID).
        "azurerm" => body()
            .a("subscription_id", s("00000000-0000-0000-0000-000000000000"))
            .b("features", body()),
        _ => return None,
    };
    Some(labeled("provider", &[&p.name], b.build()))
}

/// `main.tf` of example `e`: the module's version constraints, its providers' blocks, the call.
pub fn main_tf(m: &Module, usage: &Usage, e: Example) -> String {
    let mut items = vec![crate::render::versions(m)];
    items.extend(
        m.required_providers
            .iter()
            .filter_map(provider_block)
            .map(Item::new),
    );
    let more = match e {
        Example::Basic => " (examples/complete sets them all)",
        Example::Complete => "",
    };
    let comment = format!("{}{more}.", capitalized(e.summary()));
    items.push(Item::new(call(m, usage, e, "../..")).comment(&comment));
    crate::render::file(&items)
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Every example's `main.tf` of a reusable module (none for a root module).
pub fn files(m: &Module) -> Tree {
    let Some(usage) = &m.usage else {
        return Tree::new();
    };
    Example::ALL
        .iter()
        .map(|e| (format!("{}/main.tf", dir(m, *e)), main_tf(m, usage, *e)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_inputs(m: &Module, e: Example) -> Vec<String> {
        let usage = m.usage.as_ref().expect("a reusable module has a usage");
        call(m, usage, e, "../..")
            .body()
            .attributes()
            .map(|a| a.key().to_string())
            .filter(|k| k != "source")
            .collect()
    }

    #[test]
    fn every_required_input_has_an_example_value() {
        for m in crate::modules::all() {
            for v in m.variables.iter().filter(|v| v.required()) {
                assert!(
                    v.example.is_some(),
                    "{}: required input {} needs Variable::example",
                    m.dir,
                    v.name
                );
            }
        }
    }

    #[test]
    fn basic_sets_the_required_inputs_and_complete_every_input() {
        for m in crate::modules::all() {
            let required: Vec<String> = m
                .variables
                .iter()
                .filter(|v| v.required())
                .map(|v| v.name.clone())
                .collect();
            let all: Vec<String> = m.variables.iter().map(|v| v.name.clone()).collect();
            assert_eq!(set_inputs(&m, Example::Basic), required, "{}", m.dir);
            assert_eq!(set_inputs(&m, Example::Complete), all, "{}", m.dir);
        }
    }

    #[test]
    fn every_module_has_both_examples_calling_it_from_two_levels_down() {
        for m in crate::modules::all() {
            let files = files(&m);
            for e in Example::ALL {
                let text = &files[&format!("{}/main.tf", dir(&m, e))];
                // Lines without the `=` alignment.
                let lines: Vec<String> = text
                    .lines()
                    .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                    .collect();
                assert!(lines.contains(&"source = \"../..\"".into()), "{text}");
                for p in &m.required_providers {
                    let want = format!("source = \"{}\"", p.source);
                    assert!(lines.contains(&want), "{want} missing:\n{text}");
                }
            }
        }
    }
}
