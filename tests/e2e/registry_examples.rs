//! The Registry docs' snippets: `examples/provider`, `examples/resources`, `examples/data-sources`,
//! `examples/ephemeral-resources`, `examples/functions`, `examples/actions` and
//! `examples/list-resources`, laid out as HashiCorp's tfplugindocs reads them (one snippet per
//! file, shown bare, without `terraform { required_providers }`).
//!
//! Every file found there is proven with real Terraform (a new snippet needs no change here), and
//! every resource, data source, ephemeral resource, function, action and list resource the
//! provider offers must have one:
//! - `.tf`: beside `REQUIRED_PROVIDERS`, `terraform fmt -check`, `init` and `validate` on 1.15.5,
//!   and on 1.0.3 too unless the snippet needs newer Terraform (see [`Layout`]). Function
//!   snippets are also applied (they create nothing), and each output's `# =>` comment must be
//!   what Terraform computed.
//! - `.tfquery.hcl`: `terraform validate -query` on 1.15.5, which checks list blocks against the
//!   provider's schema and its own validation without reaching any cloud.
//! - `import.sh`: every command is a `terraform import ADDRESS ID` of a resource that the
//!   sibling `resource.tf` declares. `import-by-identity.tf` is validated like any `.tf`, and its
//!   identities are checked against the identity schema the provider declares, which `validate`
//!   does not do.
//!
//! Providers other than multicloud cannot be installed here (the mirror holds only this one), so
//! their `provider` blocks (the kubernetes and helm blocks the cluster_auth snippet feeds) are cut
//! before validating; what they reference of this provider is kept in `locals` and validated.
//! Each cut is printed.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use multicloud_provider::MulticloudProvider;
use serde_json::Value as J;
use tfplugin::Provider;

use crate::harness::{Install, REQUIRED_PROVIDERS, Tf, Workdir, root};

/// The folders tfplugindocs reads, and the files it takes in each object's folder, with the oldest
/// Terraform that understands them. Snippets whose oldest Terraform is 1.0 are also validated on
/// 1.0.3; the rest only on 1.15.5:
/// - provider, resource and data-source snippets are plain Terraform 1.0;
/// - `import { identity = ... }` needs 1.12, ephemeral resources 1.10 (`psk_wo` 1.11, which its
///   snippet says), provider functions 1.8, actions and list resources (`terraform query`) 1.14.
///
/// A snippet that needs more than its folder says starts with `# Terraform X.Y+` (e.g. a resource
/// using a write-only argument, 1.11+), and is then not validated on older Terraform.
struct Layout {
    folder: &'static str,
    files: &'static [(&'static str, (u32, u32))],
}

const LAYOUT: &[Layout] = &[
    Layout {
        folder: "provider",
        files: &[("provider.tf", (1, 0))],
    },
    Layout {
        folder: "resources",
        files: &[
            ("resource.tf", (1, 0)),
            ("import.sh", (1, 0)),
            ("import-by-identity.tf", (1, 12)),
        ],
    },
    Layout {
        folder: "data-sources",
        files: &[("data-source.tf", (1, 0))],
    },
    Layout {
        folder: "ephemeral-resources",
        files: &[("ephemeral-resource.tf", (1, 10))],
    },
    Layout {
        folder: "functions",
        files: &[("function.tf", (1, 8))],
    },
    Layout {
        folder: "actions",
        files: &[("action.tf", (1, 14))],
    },
    Layout {
        folder: "list-resources",
        files: &[("list-resource.tfquery.hcl", (1, 14))],
    },
];

/// Resources whose import is refused (their docs say why): no import snippets, and none allowed.
const IMPORT_REFUSED: &[&str] = &[
    // The private keys of existing intermediates cannot be recovered from certificates.
    "multicloud_mesh_trust",
];

/// One snippet: `examples/<folder>/<object>/<file>` (`examples/provider/<file>` has no object).
#[derive(Clone, Debug)]
struct Snippet {
    /// Relative to the repository, for messages.
    shown: String,
    path: PathBuf,
    folder: &'static str,
    object: Option<String>,
    file: String,
    oldest: (u32, u32),
}

fn examples() -> PathBuf {
    root().join("examples")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Every file under the Registry folders, each placed in the layout; files tfplugindocs would not
/// read (a misspelt name, a stray folder) are errors, since nobody would ever see them.
fn snippets() -> (Vec<Snippet>, Vec<String>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for layout in LAYOUT {
        let base = examples().join(layout.folder);
        for path in files_under(&base) {
            let rel: Vec<String> = path
                .strip_prefix(&base)
                .expect("under its folder")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let shown = format!("examples/{}/{}", layout.folder, rel.join("/"));
            let (object, file) = match (layout.folder, rel.as_slice()) {
                ("provider", [file]) => (None, file.clone()),
                (_, [object, file]) if layout.folder != "provider" => {
                    (Some(object.clone()), file.clone())
                }
                _ => {
                    errors.push(format!("{shown}: not where tfplugindocs looks"));
                    continue;
                }
            };
            let Some((_, oldest)) = layout.files.iter().find(|(name, _)| *name == file) else {
                let names: Vec<&str> = layout.files.iter().map(|(n, _)| *n).collect();
                errors.push(format!(
                    "{shown}: tfplugindocs reads only {names:?} in examples/{}",
                    layout.folder
                ));
                continue;
            };
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let oldest = (*oldest).max(stated_minimum(&text).unwrap_or((1, 0)));
            found.push(Snippet {
                shown,
                path,
                folder: layout.folder,
                object,
                file,
                oldest,
            });
        }
    }
    (found, errors)
}

/// The `X.Y` of a snippet whose first line starts with `# Terraform X.Y+`.
fn stated_minimum(text: &str) -> Option<(u32, u32)> {
    let rest = text.lines().next()?.strip_prefix("# Terraform ")?;
    let (version, _) = rest.split_once('+')?;
    let (major, minor) = version.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// What the provider offers, as (folder, object name) in the layout.
fn offered() -> Vec<(&'static str, String)> {
    let p = MulticloudProvider;
    let mut out = Vec::new();
    out.extend(p.resources().iter().map(|r| ("resources", r.name().into())));
    out.extend(
        p.data_sources()
            .iter()
            .map(|d| ("data-sources", d.name().into())),
    );
    out.extend(
        p.ephemeral_resources()
            .iter()
            .map(|e| ("ephemeral-resources", e.name().into())),
    );
    out.extend(p.functions().iter().map(|f| ("functions", f.name().into())));
    out.extend(p.actions().iter().map(|a| ("actions", a.name().into())));
    out.extend(
        p.list_resources()
            .iter()
            .map(|l| ("list-resources", l.name().into())),
    );
    out
}

/// The identity schema of a resource: attribute name → required for import.
fn identity_schema(resource: &str) -> Option<BTreeMap<String, bool>> {
    let r = MulticloudProvider
        .resources()
        .into_iter()
        .find(|r| r.name() == resource)?;
    let identity = r.abilities().identity?.identity_schema();
    Some(
        identity
            .attributes
            .iter()
            .map(|a| (a.name.to_string(), a.required_for_import))
            .collect(),
    )
}

#[test]
fn every_object_the_provider_offers_has_a_registry_example() {
    let (found, mut missing) = snippets();
    let have: BTreeSet<(String, String)> = found
        .iter()
        .map(|s| {
            (
                format!("{}/{}", s.folder, s.object.clone().unwrap_or_default()),
                s.file.clone(),
            )
        })
        .collect();
    let has = |folder: &str, object: &str, file: &str| {
        have.contains(&(format!("{folder}/{object}"), file.to_string()))
    };
    let mut needed = vec![("provider", String::new(), "provider.tf")];
    let p = MulticloudProvider;
    for (folder, name) in offered() {
        let file = LAYOUT
            .iter()
            .find(|l| l.folder == folder)
            .expect("folder in the layout")
            .files[0]
            .0;
        needed.push((folder, name, file));
    }
    for r in p.resources() {
        let abilities = r.abilities();
        if IMPORT_REFUSED.contains(&r.name()) {
            for file in ["import.sh", "import-by-identity.tf"] {
                if has("resources", r.name(), file) {
                    missing.push(format!(
                        "examples/resources/{}/{file}: this resource refuses import",
                        r.name()
                    ));
                }
            }
            continue;
        }
        if abilities.import.is_some() {
            needed.push(("resources", r.name().into(), "import.sh"));
        }
        if abilities.identity.is_some() {
            needed.push(("resources", r.name().into(), "import-by-identity.tf"));
        }
    }
    for (folder, object, file) in needed {
        if !has(folder, &object, file) {
            let path = [folder, &object, file].join("/").replace("//", "/");
            missing.push(format!("examples/{path} is missing"));
        }
    }
    // And nothing for an object the provider does not offer (a typo, a renamed type).
    let offered = offered();
    for s in &found {
        if let Some(object) = &s.object
            && !offered.iter().any(|(f, n)| *f == s.folder && n == object)
        {
            missing.push(format!(
                "{}: the provider offers no {} named {object}",
                s.shown, s.folder
            ));
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
    println!(
        "{} Registry example files cover {} objects and the provider block",
        found.len(),
        offered.len()
    );
}

#[test]
fn registry_examples_are_valid_terraform() {
    // Misplaced files are reported with the rest, after the others are proven.
    let (found, misplaced) = snippets();
    assert!(!found.is_empty(), "no Registry examples found");
    let queue = Mutex::new(found.clone());
    let proven = Mutex::new(Vec::new());
    let failed = Mutex::new(misplaced);
    // Each proof is a few short Terraform runs, mostly spent starting processes.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let Some(s) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    match catch_unwind(AssertUnwindSafe(|| prove(&s))) {
                        Ok(how) => proven.lock().unwrap().push(format!("{}: {how}", s.shown)),
                        Err(panic) => {
                            let why = panic
                                .downcast_ref::<String>()
                                .cloned()
                                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                                .unwrap_or_default();
                            failed.lock().unwrap().push(format!("{}: {why}", s.shown));
                        }
                    }
                }
            });
        }
    });
    let mut proven = proven.into_inner().unwrap();
    proven.sort();
    for line in &proven {
        println!("{line}");
    }
    let failed = failed.into_inner().unwrap();
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
    assert_eq!(proven.len(), found.len());
}

/// Proves one snippet; says what was run.
fn prove(s: &Snippet) -> String {
    let text = std::fs::read_to_string(&s.path).expect("read snippet");
    if s.file == "import.sh" {
        let resource_tf = s.path.with_file_name("resource.tf");
        let declared =
            declared_resources(&std::fs::read_to_string(&resource_tf).unwrap_or_default());
        let object = s.object.as_deref().unwrap_or_default();
        let n = check_import_script(&text, object, &declared).unwrap_or_else(|e| panic!("{e}"));
        return format!(
            "{n} `terraform import` line(s) of resources declared in resource.tf (checked, not run: importing reads the clouds)"
        );
    }
    if s.file.ends_with(".tfquery.hcl") {
        return prove_query(s, &text);
    }
    let mut notes = Vec::new();
    if s.file == "import-by-identity.tf" {
        let resource_tf = s.path.with_file_name("resource.tf");
        let declared =
            declared_resources(&std::fs::read_to_string(&resource_tf).unwrap_or_default());
        let object = s.object.as_deref().unwrap_or_default();
        let schema = identity_schema(object)
            .unwrap_or_else(|| panic!("{object} declares no identity to import by"));
        let n = check_identity_imports(&text, object, &declared, &schema)
            .unwrap_or_else(|e| panic!("{e}"));
        notes.push(format!(
            "{n} identity(ies) checked against the provider's identity schema and resource.tf"
        ));
    }
    let (validated, cut) = without_foreign_providers(&text);
    if let Some(cut) = &cut {
        // Said where it happens, too: a test that passes shows this only with --nocapture.
        println!("{}: {cut}", s.shown);
        notes.push(cut.clone());
    }
    let mut runs = Vec::new();
    for tf in [Tf::V1_0_3, Tf::V1_15_5] {
        if tf == Tf::V1_0_3 && s.oldest > (1, 0) {
            continue;
        }
        let w = Workdir::new(tf, Install::Mirror, REQUIRED_PROVIDERS);
        let mut steps = Vec::new();
        if tf == Tf::V1_15_5 {
            // As the docs show it, before any cut.
            w.write(&s.file, &text);
            w.ok(&["fmt", "-check", "-diff", "-no-color", &s.file]);
            steps.push("fmt -check");
        }
        w.write(&s.file, &validated);
        w.init();
        w.ok(&["validate", "-no-color"]);
        steps.push("init");
        steps.push("validate");
        if tf == Tf::V1_15_5 && s.folder == "functions" {
            let results = function_results(&text);
            w.apply();
            let outputs = w.outputs();
            for (name, expected) in &results {
                assert_eq!(
                    &outputs[name]["value"], expected,
                    "output {name} differs from its `# =>` comment"
                );
            }
            steps.push("apply (outputs only; each equals its `# =>` comment)");
        }
        runs.push(format!("Terraform {}: {}", tf.version(), steps.join(", ")));
    }
    runs.extend(notes);
    runs.join("; ")
}

fn prove_query(s: &Snippet, text: &str) -> String {
    let w = Workdir::new(Tf::V1_15_5, Install::Mirror, REQUIRED_PROVIDERS);
    w.write(&s.file, text);
    w.ok(&["fmt", "-check", "-diff", "-no-color", &s.file]);
    w.init();
    w.ok(&["validate", "-query", "-no-color"]);
    "Terraform 1.15.5: fmt -check, init, validate -query (beside REQUIRED_PROVIDERS)".to_string()
}

/// The `# =>` result comment of every output in a function snippet, as JSON (which is also valid
/// HCL). Every output must have one.
fn function_results(text: &str) -> BTreeMap<String, J> {
    let mut results = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut collecting: Option<String> = None;
    let finish = |current: &Option<String>, buf: String, results: &mut BTreeMap<String, J>| {
        let name = current.clone().expect("`# =>` outside an output block");
        let value: J = serde_json::from_str(&buf)
            .unwrap_or_else(|e| panic!("output {name}: `# =>` is not JSON ({e}): {buf}"));
        results.insert(name, value);
    };
    for line in text.lines() {
        let t = line.trim();
        if let Some(buf) = collecting.as_mut() {
            if let Some(more) = t.strip_prefix('#') {
                buf.push_str(more);
                continue;
            }
            let buf = collecting.take().unwrap_or_default();
            finish(&current, buf, &mut results);
        }
        if let Some(rest) = t.strip_prefix("output \"") {
            current = rest.split('"').next().map(String::from);
        } else if let Some(rest) = t.strip_prefix("# =>") {
            collecting = Some(rest.to_string());
        }
    }
    if let Some(buf) = collecting {
        finish(&current, buf, &mut results);
    }
    let outputs: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("output \""))
        .filter_map(|r| r.split('"').next().map(String::from))
        .collect();
    let commented: BTreeSet<String> = results.keys().cloned().collect();
    assert!(!outputs.is_empty(), "a function snippet shows an output");
    assert_eq!(
        outputs, commented,
        "every output needs its result in a `# =>` comment"
    );
    results
}

/// `TYPE.NAME` of every `resource` block.
fn declared_resources(text: &str) -> BTreeSet<String> {
    let mask = code_mask(text);
    top_level_blocks(text, &mask)
        .iter()
        .filter_map(|b| {
            let labels = quoted_labels(&b.header);
            (b.header.starts_with("resource ") && labels.len() == 2)
                .then(|| format!("{}.{}", labels[0], labels[1]))
        })
        .collect()
}

/// The resource an address names, without an instance key: `multicloud_psk.links["a"]` →
/// `multicloud_psk.links`.
fn resource_of(address: &str) -> &str {
    address.split('[').next().unwrap_or(address)
}

fn check_address(address: &str, object: &str, declared: &BTreeSet<String>) -> Result<(), String> {
    let resource = resource_of(address);
    if resource.split('.').next() != Some(object) {
        return Err(format!("{address} is not a {object}"));
    }
    if !declared.contains(resource) {
        return Err(format!(
            "{address}: resource.tf beside it declares no {resource} (it declares {declared:?})"
        ));
    }
    Ok(())
}

/// Every command of an import script is `[NAME=value ...] terraform import ADDRESS ID` importing a
/// `object` that `declared` holds; an `env:NAME` id needs NAME set on its line. Returns the count.
fn check_import_script(
    text: &str,
    object: &str,
    declared: &BTreeSet<String>,
) -> Result<usize, String> {
    let mut count = 0;
    for (i, line) in text.lines().enumerate() {
        let at = format!("line {}", i + 1);
        let words = shell_words(line).map_err(|e| format!("{at}: {e}"))?;
        if words.is_empty() {
            continue;
        }
        let assigned: Vec<&str> = words
            .iter()
            .take_while(|w| env_assignment(w).is_some())
            .filter_map(|w| env_assignment(w))
            .collect();
        let command = &words[assigned.len()..];
        let [terraform, import, address, id] = command else {
            return Err(format!("{at}: not `terraform import ADDRESS ID`: {line:?}"));
        };
        if terraform != "terraform" || import != "import" {
            return Err(format!("{at}: not `terraform import`: {line:?}"));
        }
        check_address(address, object, declared).map_err(|e| format!("{at}: {e}"))?;
        if let Some(var) = id.strip_prefix("env:")
            && !assigned.contains(&var)
        {
            return Err(format!(
                "{at}: the id reads ${var}, which the line does not set"
            ));
        }
        count += 1;
    }
    if count == 0 {
        return Err("no `terraform import` line".into());
    }
    Ok(count)
}

/// `NAME` of a `NAME=value` word.
fn env_assignment(word: &str) -> Option<&str> {
    let (name, _) = word.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(name)
}

/// A shell line's words, quotes removed, up to a `#` comment.
fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '#' if word.is_none() => break,
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err("unclosed '".into()),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => w.extend(chars.next()),
                        Some(c) => w.push(c),
                        None => return Err("unclosed \"".into()),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// Every `import` block imports a `object` that `declared` holds, by an identity whose attributes
/// the provider's identity schema has, with every attribute it requires. Returns the count.
fn check_identity_imports(
    text: &str,
    object: &str,
    declared: &BTreeSet<String>,
    schema: &BTreeMap<String, bool>,
) -> Result<usize, String> {
    let mask = code_mask(text);
    let mut count = 0;
    for block in top_level_blocks(text, &mask) {
        if block.header != "import" {
            continue;
        }
        let to = attribute_value(text, &mask, block.body.clone(), "to")
            .and_then(|r| text[r].split('#').next())
            .map(str::trim)
            .ok_or("an import block without `to`")?;
        check_address(to, object, declared)?;
        let identity = attribute_value(text, &mask, block.body.clone(), "identity")
            .filter(|r| text[r.clone()].starts_with('{'))
            .ok_or(format!("import of {to}: no `identity = {{...}}`"))?;
        let keys = object_keys(text, &mask, identity.start, identity.end);
        for k in &keys {
            if !schema.contains_key(k) {
                return Err(format!(
                    "import of {to}: the identity of {object} has no attribute {k} (it has {:?})",
                    schema.keys().collect::<Vec<_>>()
                ));
            }
        }
        for (k, required) in schema {
            if *required && !keys.contains(k) {
                return Err(format!("import of {to}: identity.{k} is required"));
            }
        }
        count += 1;
    }
    if count == 0 {
        return Err("no import block".into());
    }
    Ok(count)
}

/// Which bytes of HCL are code: not inside a string or a comment. (Enough for the snippets:
/// heredocs and strings inside `${...}` are not understood.)
fn code_mask(text: &str) -> Vec<bool> {
    let bytes = text.as_bytes();
    let mut mask = vec![false; bytes.len()];
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            _ => {
                mask[i] = true;
                i += 1;
            }
        }
    }
    mask
}

struct TopBlock {
    /// What precedes the `{`, e.g. `provider "helm"`.
    header: String,
    /// From the start of the header's line to the end of the closing brace's line.
    whole: std::ops::Range<usize>,
    /// Between the braces.
    body: std::ops::Range<usize>,
}

fn top_level_blocks(text: &str, mask: &[bool]) -> Vec<TopBlock> {
    let bytes = text.as_bytes();
    let mut blocks = Vec::new();
    let mut depth = 0usize;
    let mut open = 0;
    for i in 0..bytes.len() {
        if !mask[i] {
            continue;
        }
        match bytes[i] {
            b'{' => {
                if depth == 0 {
                    open = i;
                }
                depth += 1;
            }
            b'}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let line_start = text[..open].rfind('\n').map_or(0, |n| n + 1);
                    let line_end = text[i..].find('\n').map_or(text.len(), |n| i + n + 1);
                    blocks.push(TopBlock {
                        header: text[line_start..open].trim().to_string(),
                        whole: line_start..line_end,
                        body: open + 1..i,
                    });
                }
            }
            _ => {}
        }
    }
    blocks
}

fn quoted_labels(header: &str) -> Vec<String> {
    header
        .split('"')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Attribute names (`name =`) directly inside the braces `open..close` (exclusive of nested
/// objects).
fn object_keys(text: &str, mask: &[bool], open: usize, close: usize) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut keys = BTreeSet::new();
    let mut depth = 0i32;
    let mut i = open;
    while i < close {
        if !mask[i] {
            i += 1;
            continue;
        }
        match bytes[i] {
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => depth -= 1,
            b if depth == 1 && is_ident(b) && (i == 0 || !is_ident(bytes[i - 1])) => {
                let start = i;
                while i < close && is_ident(bytes[i]) {
                    i += 1;
                }
                let name = &text[start..i];
                let mut j = i;
                while j < close && (bytes[j] == b' ' || bytes[j] == b'\t') {
                    j += 1;
                }
                if bytes.get(j) == Some(&b'=') && bytes.get(j + 1) != Some(&b'=') {
                    keys.insert(name.to_string());
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    keys
}

/// Where the expression of `name = ...` directly inside `body` is: up to the end of the line, or
/// the whole `{...}` when it opens an object.
fn attribute_value(
    text: &str,
    mask: &[bool],
    body: std::ops::Range<usize>,
    name: &str,
) -> Option<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    for i in body.clone() {
        if !mask[i] {
            continue;
        }
        match bytes[i] {
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => depth -= 1,
            _ => {}
        }
        let named = depth == 0
            && text[i..].starts_with(name)
            && !is_ident(bytes[i - 1])
            && !bytes.get(i + name.len()).is_some_and(|b| is_ident(*b));
        if !named {
            continue;
        }
        let after = text[i + name.len()..body.end].trim_start_matches([' ', '\t']);
        let Some(value) = after.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start_matches([' ', '\t']);
        let start = body.end - value.len();
        if !value.starts_with('{') {
            let end = value.find('\n').map_or(body.end, |n| start + n);
            return Some(start..end);
        }
        let mut d = 0;
        for k in start..body.end {
            if !mask[k] {
                continue;
            }
            match bytes[k] {
                b'{' => d += 1,
                b'}' => {
                    d -= 1;
                    if d == 0 {
                        return Some(start..k + 1);
                    }
                }
                _ => {}
            }
        }
        return None;
    }
    None
}

/// The snippet without `provider` blocks of other providers (they cannot be installed here), and
/// what was cut. References to this provider's objects inside them are kept in `locals`, so that
/// Terraform still checks them.
fn without_foreign_providers(text: &str) -> (String, Option<String>) {
    let mask = code_mask(text);
    let cut: Vec<TopBlock> = top_level_blocks(text, &mask)
        .into_iter()
        .filter(|b| {
            b.header.starts_with("provider ")
                && quoted_labels(&b.header).first().map(String::as_str) != Some("multicloud")
        })
        .collect();
    if cut.is_empty() {
        return (text.to_string(), None);
    }
    let mut kept = String::new();
    let mut from = 0;
    let mut refs = BTreeSet::new();
    for b in &cut {
        kept.push_str(&text[from..b.whole.start]);
        from = b.whole.end;
        refs.extend(own_references(text, &mask, b.body.clone()));
    }
    kept.push_str(&text[from..]);
    let names: BTreeSet<String> = cut
        .iter()
        .filter_map(|b| quoted_labels(&b.header).into_iter().next())
        .collect();
    if !refs.is_empty() {
        kept.push_str("\nlocals {\n");
        for (i, r) in refs.iter().enumerate() {
            kept.push_str(&format!("  cut_provider_reference_{i} = {r}\n"));
        }
        kept.push_str("}\n");
    }
    let note = format!(
        "cut {} `provider` block(s) of {} before validating (only multicloud can be installed here); \
         their {} reference(s) to multicloud objects kept in locals and validated",
        cut.len(),
        names.into_iter().collect::<Vec<_>>().join(" and "),
        refs.len()
    );
    (kept, Some(note))
}

/// References like `ephemeral.multicloud_cluster_auth.eks.host` (or `var.x`, `local.x`,
/// `data.multicloud_...`) in `range`.
fn own_references(text: &str, mask: &[bool], range: std::ops::Range<usize>) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut refs = BTreeSet::new();
    let mut i = range.start;
    while i < range.end {
        let starts = mask[i]
            && (bytes[i].is_ascii_alphabetic() || bytes[i] == b'_')
            && !is_ident(bytes[i - 1])
            && bytes[i - 1] != b'.';
        if !starts {
            i += 1;
            continue;
        }
        let start = i;
        while i < range.end && mask[i] && (is_ident(bytes[i]) || bytes[i] == b'.') {
            i += 1;
        }
        let token = text[start..i].trim_end_matches('.');
        let first = token.split('.').next().unwrap_or_default();
        if token.contains('.')
            && (["ephemeral", "data", "var", "local"].contains(&first)
                || first.starts_with("multicloud_"))
        {
            refs.insert(token.to_string());
        }
    }
    refs
}

/// The checks above refuse what they should (they would otherwise pass anything).
#[test]
fn registry_example_checks_refuse_bad_snippets() {
    let declared: BTreeSet<String> = declared_resources(
        "resource \"multicloud_psk\" \"a\" {\n  keepers = { x = \"}\" }\n}\n# resource \"multicloud_psk\" \"b\" {}\n",
    );
    assert_eq!(declared, BTreeSet::from(["multicloud_psk.a".to_string()]));
    let script = |s: &str| check_import_script(s, "multicloud_psk", &declared);
    assert_eq!(
        script("# c\n\nterraform import multicloud_psk.a 'x y' # c\n"),
        Ok(1)
    );
    assert_eq!(
        script("K=v terraform import multicloud_psk.a[\"k\"] env:K\n"),
        Ok(1)
    );
    for bad in [
        "terraform import multicloud_psk.b x",
        "terraform import multicloud_mesh_trust.a x",
        "terraform state rm multicloud_psk.a",
        "terraform import multicloud_psk.a",
        "terraform import multicloud_psk.a env:K",
        "# only a comment",
    ] {
        assert!(script(bad).is_err(), "accepted {bad:?}");
    }
    let schema = BTreeMap::from([("id".to_string(), true), ("key_env".to_string(), false)]);
    let identity = |s: &str| check_identity_imports(s, "multicloud_psk", &declared, &schema);
    assert_eq!(
        identity(
            "import {\n  to       = multicloud_psk.a\n  identity = { id = \"x\", key_env = \"K\" }\n}\n"
        ),
        Ok(1)
    );
    for bad in [
        "import {\n  to = multicloud_psk.a\n  identity = {\n    key_env = \"K\"\n  }\n}\n",
        "import {\n  to = multicloud_psk.a\n  identity = {\n    id = \"x\"\n    name = \"n\"\n  }\n}\n",
        "import {\n  to = multicloud_psk.b\n  identity = { id = \"x\" }\n}\n",
        "import {\n  to = multicloud_psk.a\n  id = \"x\"\n}\n",
    ] {
        assert!(identity(bad).is_err(), "accepted {bad:?}");
    }
    let (kept, note) = without_foreign_providers(
        "ephemeral \"multicloud_psk\" \"k\" {}\n\nprovider \"helm\" {\n  kubernetes = {\n    token = ephemeral.multicloud_psk.k.result # \"}\n  }\n}\n\nprovider \"multicloud\" {}\n",
    );
    assert_eq!(
        kept,
        "ephemeral \"multicloud_psk\" \"k\" {}\n\n\nprovider \"multicloud\" {}\n\nlocals {\n  cut_provider_reference_0 = ephemeral.multicloud_psk.k.result\n}\n"
    );
    assert!(note.is_some_and(|n| n.contains("of helm")));
    assert_eq!(
        stated_minimum("# Terraform 1.11+ (write-only).\n"),
        Some((1, 11))
    );
    assert_eq!(
        stated_minimum("# One key.\n# On Terraform 1.11+ prefer psk_wo.\n"),
        None
    );
}
