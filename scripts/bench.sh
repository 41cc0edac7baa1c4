#!/usr/bin/env bash
# Benchmark the provider against hashicorp/null and Terraform's built-in terraform_data, print a
# Markdown report and write it to docs/benchmarks.md; then count API calls per refresh of VPN
# connections (docs/benchmarks-vpn.md). `make bench` runs this.
#
#   bash scripts/bench.sh [--runs N] [--count N] [--terraform 1.15.5|1.0.3]
#
# Defaults: 5 runs, count 1000, Terraform 1.15.5. The measuring is in scripts/lib/bench.py; this
# script installs the tools and builds the release provider first. Exits non-zero only when
# something fails to run: a missed target is reported, not an error.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
BENCH_PY="$ROOT/scripts/lib/bench.py"
STARTED_AT="$(date +%s.%N)"

say() { echo "bench: $*" >&2; }

# Reject bad arguments before minutes of installing and building.
"$PYTHON" "$BENCH_PY" --args-only "$@"

say "installing tools"
bash "$ROOT/scripts/install-tools.sh"

# cargo honours a CARGO_TARGET_DIR set by the caller; otherwise its default. Ask cargo where that
# is instead of guessing.
cd "$ROOT"
say "building the release provider"
cargo build --release --bin terraform-provider-multicloud >&2
METADATA="$(cargo metadata --format-version 1 --no-deps)"
TARGET_DIR="$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' <<<"$METADATA")"
PROVIDER_VERSION="$("$PYTHON" -c '
import json, sys
pkgs = json.load(sys.stdin)["packages"]
print(next(p["version"] for p in pkgs if p["name"] == "terraform-provider-multicloud"))' <<<"$METADATA")"
PROVIDER_BIN="$TARGET_DIR/release/terraform-provider-multicloud"

"$PYTHON" "$BENCH_PY" --root "$ROOT" --provider-bin "$PROVIDER_BIN" \
  --provider-version "$PROVIDER_VERSION" --started-at "$STARTED_AT" "$@"

# Calls per refresh of VPN connections (N = 1, 10, 100), against moto and the GCP emulator; it
# needs boto3, which moto brought into the tools venv. Written to docs/benchmarks-vpn.md.
say "VPN refresh: API calls for N = 1, 10, 100 connections"
HOME="$(mktemp -d)" "$ROOT/.tools/venv/bin/python" "$ROOT/scripts/lib/bench_vpn.py" \
  --root "$ROOT" --provider-bin "$PROVIDER_BIN"
