//! multicloud-codegen: writes `modules/`, `environments/` and `kubernetes/` from the typed models in
//! this crate and the platform description (`platform.toml`), and renders what would run on each
//! cluster.
//!
//! ```text
//! multicloud-codegen generate [--root DIR]     write the tree (only files that differ)
//! multicloud-codegen --check [--root DIR]      list stale, hand-edited, missing or unexpected files; exit 1 if any
//! multicloud-codegen render --out DIR [--root DIR] [--helm PATH] [--charts DIR]
//!                                              every object Argo CD and Terraform would apply, per cluster,
//!                                              charts rendered by `helm template` (defaults: $MULTICLOUD_HELM
//!                                              or ROOT/.tools/bin/helm; $MULTICLOUD_K8S_CHARTS or
//!                                              ROOT/../shared/k8s/charts)
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use multicloud_codegen::kubernetes::render;

const USAGE: &str = "usage: multicloud-codegen generate [--root DIR] | multicloud-codegen --check [--root DIR] | multicloud-codegen render --out DIR [--root DIR] [--helm PATH] [--charts DIR]";

#[derive(PartialEq)]
enum Mode {
    None,
    Generate,
    Check,
    Render,
}

fn main() -> ExitCode {
    let mut mode = Mode::None;
    let mut root = PathBuf::from(".");
    let mut out: Option<PathBuf> = None;
    let mut helm: Option<PathBuf> = None;
    let mut charts: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |slot: &mut Option<PathBuf>| match args.next() {
            Some(v) => {
                *slot = Some(PathBuf::from(v));
                true
            }
            None => false,
        };
        let ok = match a.as_str() {
            "generate" => std::mem::replace(&mut mode, Mode::Generate) == Mode::None,
            "--check" | "check" => std::mem::replace(&mut mode, Mode::Check) == Mode::None,
            "render" => std::mem::replace(&mut mode, Mode::Render) == Mode::None,
            "--root" => {
                let mut r = None;
                let ok = value(&mut r);
                if let Some(r) = r {
                    root = r;
                }
                ok
            }
            "--out" => value(&mut out),
            "--helm" => value(&mut helm),
            "--charts" => value(&mut charts),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => false,
        };
        if !ok {
            return usage();
        }
    }
    match mode {
        Mode::None => usage(),
        Mode::Render => match out {
            Some(out) => render_cmd(&root, &out, helm, charts),
            None => usage(),
        },
        Mode::Check | Mode::Generate => {
            if out.is_some() || helm.is_some() || charts.is_some() {
                return usage();
            }
            tree_cmd(&root, mode == Mode::Check)
        }
    }
}

fn tree_cmd(root: &std::path::Path, check: bool) -> ExitCode {
    let tree = match multicloud_codegen::tree_for_root(root) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("multicloud-codegen: {e}");
            eprintln!("multicloud-codegen: nothing was written");
            return ExitCode::from(1);
        }
    };
    if check {
        let drift = multicloud_codegen::tree::check(root, &tree);
        if drift.is_empty() {
            println!(
                "multicloud-codegen: {} generated files are up to date",
                tree.len()
            );
            return ExitCode::SUCCESS;
        }
        for d in &drift {
            println!("{d}");
        }
        eprintln!(
            "multicloud-codegen: {} of {} generated files differ; run `cargo run -p multicloud-codegen -- generate`",
            drift.len(),
            tree.len()
        );
        return ExitCode::from(1);
    }
    match multicloud_codegen::tree::write(root, &tree) {
        Ok(touched) => {
            for p in &touched {
                println!("wrote {p}");
            }
            println!(
                "multicloud-codegen: {} files generated, {} written or removed",
                tree.len(),
                touched.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("multicloud-codegen: cannot write the tree: {e}");
            ExitCode::from(1)
        }
    }
}

fn render_cmd(
    root: &std::path::Path,
    out: &std::path::Path,
    helm: Option<PathBuf>,
    charts: Option<PathBuf>,
) -> ExitCode {
    let fail = |msg: String| {
        eprintln!("multicloud-codegen: {msg}");
        eprintln!("multicloud-codegen: nothing was rendered");
        ExitCode::from(1)
    };
    let platform = match multicloud_codegen::platform_for_root(root) {
        Ok(Some(p)) => p,
        Ok(None) => {
            return fail(format!(
                "no {} in {}",
                multicloud_codegen::PLATFORM_FILE,
                root.display()
            ));
        }
        Err(e) => return fail(e.to_string()),
    };
    let tree = match multicloud_codegen::tree_for_root(root) {
        Ok(t) => t,
        Err(e) => return fail(e.to_string()),
    };
    let env_path = |name: &str| std::env::var_os(name).map(PathBuf::from);
    let opts = render::Options {
        root: root.to_path_buf(),
        helm: helm
            .or_else(|| env_path("MULTICLOUD_HELM"))
            .unwrap_or_else(|| root.join(".tools/bin/helm")),
        charts: charts
            .or_else(|| env_path("MULTICLOUD_K8S_CHARTS"))
            .unwrap_or_else(|| root.join("../shared/k8s/charts")),
    };
    let rendered = match render::render(&platform, &tree, &opts, &mut |line| {
        eprintln!("render: {line}")
    }) {
        Ok(r) => r,
        Err(e) => return fail(e.to_string()),
    };
    match render::write(&rendered, out) {
        Ok(files) => {
            let objects: usize = rendered
                .values()
                .flat_map(|p| p.values())
                .map(Vec::len)
                .sum();
            println!(
                "multicloud-codegen: rendered {objects} objects for {} clusters into {files} files under {}",
                rendered.len(),
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e.to_string()),
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}
