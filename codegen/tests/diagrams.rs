//! Every Mermaid diagram in the repository's Markdown (the generated architecture and Kubernetes
//! pictures, the DR flow) parses with Mermaid itself (codegen/tests/diagrams/check.mjs, Mermaid
//! and jsdom from scripts/install-tools.sh), so none shows up on GitHub as a syntax error.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn markdown_with_diagrams(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                markdown_with_diagrams(&p, out);
            }
        } else if name.ends_with(".md")
            && std::fs::read_to_string(&p).is_ok_and(|t| t.contains("```mermaid"))
        {
            out.push(p);
        }
    }
}

#[test]
fn every_mermaid_diagram_parses() {
    let modules = common::tools_dir().join("mermaid/node_modules");
    assert!(
        modules.join("mermaid").is_dir(),
        "{} is missing: run scripts/install-tools.sh first",
        modules.display()
    );
    let mut files = Vec::new();
    markdown_with_diagrams(&common::root(), &mut files);
    files.sort();
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    for must in ["docs/architecture.md", "kubernetes/README.md", "docs/dr.md"] {
        assert!(
            names.iter().any(|n| n.ends_with(must)),
            "{must} has no diagram: {names:?}"
        );
    }
    let out = Command::new("node")
        .arg(common::root().join("codegen/tests/diagrams/check.mjs"))
        .args(&files)
        .env("MERMAID_MODULES", &modules)
        .output()
        .expect("run node");
    let text = common::text(&out);
    println!("{text}");
    assert!(out.status.success(), "{text}");
}

#[test]
fn a_broken_diagram_is_reported() {
    let modules = common::tools_dir().join("mermaid/node_modules");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.md");
    std::fs::write(&bad, "```mermaid\nflowchart LR\n  a --> b[unclosed\n```\n").unwrap();
    let out = Command::new("node")
        .arg(common::root().join("codegen/tests/diagrams/check.mjs"))
        .arg(&bad)
        .env("MERMAID_MODULES", &modules)
        .output()
        .expect("run node");
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
    assert!(
        common::text(&out).contains("INVALID"),
        "{}",
        common::text(&out)
    );
}
