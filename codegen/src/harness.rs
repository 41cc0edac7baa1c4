//! Test support: a root configuration that calls a generated module the way a consumer would, with
//! provider blocks that satisfy each provider's schema. Used by the Terraform tests; rendered
//! through the same `hcl-rs` path as the modules.

use hcl::{Body, Structure};

use crate::expr::s;
use crate::model::{Module, body, labeled};
use crate::render::hcl_text;

/// A `provider` block for a provider the modules use, with settings its schema requires.
pub fn provider_block(name: &str) -> hcl::Block {
    let b = match name {
        "aws" => body().a("region", s("us-east-1")),
        "google" => body()
            .a("project", s("test-project"))
            .a("region", s("europe-west1")),
        "azurerm" => body()
            .a("subscription_id", s("00000000-0000-0000-0000-000000000000"))
            .b("features", body()),
        _ => body(),
    };
    labeled("provider", &[name], b.build())
}

/// `main.tf` of a root module that calls `m` (from its README usage block) at `source`, plus
/// its required providers and their provider blocks.
pub fn caller(m: &Module, source: &str) -> String {
    let mut items = Vec::new();
    let mut rp = body();
    for p in &m.required_providers {
        rp = rp.a(&p.name, crate::expr::obj([("source", s(&p.source))]));
    }
    items.push(labeled(
        "terraform",
        &[],
        body().b("required_providers", rp).build(),
    ));
    for p in &m.required_providers {
        items.push(provider_block(&p.name));
    }
    if let Some(usage) = &m.usage {
        let mut structures: Vec<Structure> = usage.body().clone().into_inner();
        for st in &mut structures {
            if let Structure::Attribute(a) = st
                && a.key() == "source"
            {
                *a = hcl::Attribute::new("source", source);
            }
        }
        let labels: Vec<&str> = usage.labels().iter().map(|l| l.as_str()).collect();
        items.push(labeled("module", &labels, Body(structures)));
    }
    items
        .into_iter()
        .map(|b| hcl_text(&Body(vec![Structure::Block(b)])))
        .collect::<Vec<_>>()
        .join("\n")
}
