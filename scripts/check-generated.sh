#!/usr/bin/env bash
# Checks the generated Terraform tree (modules/, environments/):
#   1. multicloud-codegen --check   committed files are exactly what the generator writes
#   2. terraform fmt -check          on the committed tree, with real Terraform 1.15.5
#   3. init/validate/plan            every module and environment against the real aws/google/azurerm
#                                    schemas (../shared/provider-schemas) and the real multicloud
#                                    provider, freshly built here and installed in a filesystem mirror
#                                    (modules/networking and environments/global plan their VPN, mesh
#                                    and global-LB resources with it; global's remote states and
#                                    ingress addresses are made-up stand-ins); SKIPPED (loudly) when
#                                    ../shared is missing
#   4. checkov                       on modules/ and environments/ (bootstrap included), zero failed
#                                    checks (skips carry their reason inline)
#   5. checkov (kubernetes)          on the project's own Kubernetes manifests as `render` writes them
#                                    (kubernetes/federation and sample-app, the ApplicationSets, what Terraform puts on
#                                    the clusters), zero failed; SKIPPED (loudly) without ../shared/k8s
# Exits non-zero on any failure. Installs checkov (PyPI) into .tools/checkov-venv once (stamp file).
# Needs scripts/install-tools.sh to have run (Terraform).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TOOLS="${MULTICLOUD_TOOLS_DIR:-$ROOT/.tools}"
TF="$TOOLS/bin/terraform-1.15.5"
PYTHON="${PYTHON:-python3}"
CHECKOV_VERSION=3.3.30
SCHEMAS="${MULTICLOUD_PROVIDER_SCHEMAS:-$ROOT/../shared/provider-schemas}"
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
export TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1

say() { echo "check-generated: $*" >&2; }
step_start=0
begin() { step_start=$SECONDS; say "== $*"; }
end() { say "   done in $((SECONDS - step_start))s"; }

[[ -x "$TF" ]] || { say "FAIL: $TF missing: run scripts/install-tools.sh"; exit 1; }

begin "building multicloud-codegen, the schema double and the multicloud provider"
cargo build -q -p multicloud-codegen --bins
# MULTICLOUD_PROVIDER_BIN names a prebuilt provider instead (e.g. a release build).
if [[ -z "${MULTICLOUD_PROVIDER_BIN:-}" ]]; then
  cargo build -q -p terraform-provider-multicloud --bin terraform-provider-multicloud
  MULTICLOUD_PROVIDER_BIN="$TARGET_DIR/debug/terraform-provider-multicloud"
fi
export MULTICLOUD_PROVIDER_BIN
end

begin "multicloud-codegen --check"
"$TARGET_DIR/debug/multicloud-codegen" --check --root "$ROOT"
end

begin "terraform fmt -check -recursive modules environments"
"$TF" fmt -check -recursive -diff modules environments
end

begin "terraform init/validate/plan of every module and environment"
if [[ -d "$SCHEMAS" ]]; then
  cargo test -q -p multicloud-codegen --test terraform -- --nocapture --test-threads=1
else
  echo "SKIPPED: ../shared/provider-schemas not found"
  say "SKIPPED: modules and environments were NOT validated against provider schemas"
fi
end

begin "checkov $CHECKOV_VERSION on modules/ and environments/"
VENV="$TOOLS/checkov-venv"
STAMP="$TOOLS/stamps/checkov"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$CHECKOV_VERSION" && -x "$VENV/bin/checkov" ]]; then
  say "checkov $CHECKOV_VERSION: already installed"
else
  say "checkov $CHECKOV_VERSION: installing into $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  # A throwaway HOME keeps pip's cache and any setup side effects out of the real one.
  home="$(mktemp -d)"
  HOME="$home" "$VENV/bin/python" -m pip install -q "checkov==$CHECKOV_VERSION" >&2
  rm -rf "$home"
  mkdir -p "$(dirname "$STAMP")"
  echo "$CHECKOV_VERSION" >"$STAMP"
fi
# checkov_scan WHAT FRAMEWORK DIR...: zero failed checks or exit 1, printing the findings.
# --skip-download: no network (no Prisma Cloud guidelines); the checks themselves ship with checkov.
checkov_scan() {
  local what=$1 framework=$2 home report rc summary failed
  shift 2
  local dirs=()
  for d in "$@"; do dirs+=(-d "$d"); done
  home="$(mktemp -d)"
  report="$(mktemp)"
  set +e
  HOME="$home" "$VENV/bin/checkov" "${dirs[@]}" --framework "$framework" --quiet --compact --skip-download \
    -o cli >"$report" 2>"$report.err"
  rc=$?
  set -e
  rm -rf "$home"
  grep -E "Passed checks|FAILED for resource|^Check:" "$report" || true
  # One summary line per scanned folder (and per framework part): all of them count.
  summary="$(grep -E "Passed checks: [0-9]+, Failed checks: [0-9]+, Skipped checks: [0-9]+" "$report" || true)"
  rm -f "$report" "$report.err"
  [[ -n "$summary" ]] || { say "FAIL: checkov printed no summary for $what (exit $rc)"; exit 1; }
  failed="$(sed -E 's/.*Failed checks: ([0-9]+).*/\1/' <<<"$summary" | awk '{ n += $1 } END { print n + 0 }')"
  summary="$(tr '\n' ';' <<<"$summary")"
  if [[ "$rc" -ne 0 || "$failed" -ne 0 ]]; then
    say "FAIL: checkov found $failed failed checks in $what (exit $rc)"
    exit 1
  fi
  say "checkov ($what): $summary"
}
checkov_scan "modules/ and environments/" terraform modules environments
end

begin "checkov $CHECKOV_VERSION on the project's own Kubernetes manifests"
K8S="${MULTICLOUD_SHARED_K8S:-$ROOT/../shared/k8s}"
if [[ -d "$K8S/charts" ]]; then
  rendered="$(mktemp -d)"
  own="$(mktemp -d)"
  "$TARGET_DIR/debug/multicloud-codegen" render --root "$ROOT" --out "$rendered" --charts "$K8S/charts" \
    --helm "$TOOLS/bin/helm" 2>/dev/null
  # Upstream charts' objects are theirs (docs/kubernetes.md lists their findings); these are ours.
  for f in "$rendered"/*/{federation,sample-app,terraform,applicationsets,applications}.yaml; do
    [[ -f "$f" ]] && cp "$f" "$own/$(basename "$(dirname "$f")")-$(basename "$f")"
  done
  checkov_scan "the Kubernetes manifests" kubernetes "$own"
  rm -rf "$rendered" "$own"
else
  echo "SKIPPED: $K8S not found"
  say "SKIPPED: the Kubernetes manifests were NOT rendered or scanned"
fi
end

say "all checks passed in ${SECONDS}s"
