//! multicloud-codegen: writes `modules/` and `environments/` from the typed models in this crate and
//! the platform description (`platform.toml`).
//!
//! ```text
//! multicloud-codegen generate [--root DIR]     write the tree (only files that differ)
//! multicloud-codegen --check [--root DIR]      list stale, hand-edited, missing or unexpected files; exit 1 if any
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: multicloud-codegen generate [--root DIR] | multicloud-codegen --check [--root DIR]";

fn main() -> ExitCode {
    let mut check = false;
    let mut generate = false;
    let mut root = PathBuf::from(".");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "generate" => generate = true,
            "--check" | "check" => check = true,
            "--root" => match args.next() {
                Some(r) => root = PathBuf::from(r),
                None => return usage(),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => return usage(),
        }
    }
    if !check && !generate {
        return usage();
    }
    let tree = match multicloud_codegen::tree_for_root(&root) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("multicloud-codegen: {e}");
            eprintln!("multicloud-codegen: nothing was written");
            return ExitCode::from(1);
        }
    };
    if check {
        let drift = multicloud_codegen::tree::check(&root, &tree);
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
    match multicloud_codegen::tree::write(&root, &tree) {
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

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}
