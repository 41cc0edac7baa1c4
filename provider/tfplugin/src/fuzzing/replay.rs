//! Replays the committed corpus (`fuzz/corpus/<target>/`) and every past finding
//! (`fuzz/regressions/<target>/`) through the fuzz targets, on every `cargo test`. The AFL++ runs
//! themselves are in scripts/fuzz.sh.

use std::fs;
use std::path::{Path, PathBuf};

use super::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of one folder, sorted; an empty list when the folder does not exist.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file());
    files.sort();
    files
}

fn replay(kind: &str) -> usize {
    let mut total = 0;
    for (name, target) in TARGETS {
        for file in inputs(&fuzz_dir().join(kind).join(name)) {
            let data = fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            // A panic names the file that caused it.
            let run = std::panic::catch_unwind(|| target(&data));
            assert!(run.is_ok(), "{name} panicked on {}", file.display());
            total += 1;
        }
    }
    total
}

#[test]
fn committed_corpus_runs_clean() {
    let n = replay("corpus");
    println!(
        "fuzz corpus: {n} inputs replayed through {} targets",
        TARGETS.len()
    );
    // Every target has a corpus: an empty or misplaced folder would make this test check nothing.
    for (name, _) in TARGETS {
        let files = inputs(&fuzz_dir().join("corpus").join(name));
        assert!(!files.is_empty(), "no corpus for fuzz target {name}");
    }
}

#[test]
fn past_findings_stay_fixed() {
    let n = replay("regressions");
    println!("fuzz regressions: {n} past findings replayed");
}
