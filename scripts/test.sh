#!/usr/bin/env bash
# All tests, from a fresh machine: tools, formatting, lints, generated docs, unit and property
# tests, and the end-to-end suite (real Terraform 1.0.3 and 1.15.5 driving the real provider).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT"

step() { printf '\n== %s\n' "$*" >&2; }

step "tools"
bash scripts/install-tools.sh
step "cargo fmt --check"
cargo fmt --all --check
step "cargo clippy -D warnings"
cargo clippy --quiet --all-targets -- -D warnings
step "generated docs are current"
cargo run --quiet --bin multicloud-docs -- --check
step "tests (unit, property, end-to-end)"
cargo test --all-targets
step "generated modules: current, terraform fmt, validate/plan against the real provider schemas, checkov"
bash scripts/check-generated.sh
