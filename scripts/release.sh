#!/usr/bin/env bash
# Release packages of the provider, in the layout the Terraform Registry and `terraform init` read.
# `make release` runs this.
#
#   bash scripts/release.sh [--out DIR] [--target TRIPLE]... [--binary PATH] [--sign KEY]
#                           [--network-mirror DIR] [--registry DIR]
#
# Writes into DIR (default dist/VERSION):
#   terraform-provider-multicloud_VERSION_OS_ARCH.zip   the binary as terraform-provider-multicloud_vVERSION
#                                                       and LICENSE, one per target
#   terraform-provider-multicloud_VERSION_manifest.json plugin protocol versions (Registry manifest)
#   terraform-provider-multicloud_VERSION_SHA256SUMS    sha256 of each zip and of the manifest
#   terraform-provider-multicloud_VERSION_SHA256SUMS.sig  a detached binary GnuPG signature of the
#                                                       sums, with --sign KEY (key id, fingerprint or
#                                                       e-mail in your keyring; GNUPGHOME is honoured)
# With --network-mirror DIR, also a provider network mirror (Terraform's static JSON layout, to be
# served over HTTPS as is): DIR/registry.terraform.io/multicloud/multicloud/{index.json,VERSION.json,zips}.
# With --registry DIR (needs --sign), also a private provider registry as static files (Terraform's
# provider registry protocol: .well-known/terraform.json, v1/providers/multicloud/multicloud/...,
# files/VERSION/...), to be served over HTTPS at the host named in `source = "HOST/multicloud/multicloud"`.
# Only a registry gives Terraform signed sums, so only then does the lock file record `zh:` hashes.
#
# Targets: the host's by default (linux_amd64 here). Another Rust target triple builds with
# `cargo build --release --target TRIPLE`, so it needs `rustup target add TRIPLE` and a linker for
# it (aarch64-unknown-linux-gnu: gcc-aarch64-linux-gnu and
# CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc; macOS and Windows targets
# need their SDKs, so build those on their own machines and package with --binary). --binary PATH
# packages a binary already built for the host instead of building one (the tests do).
#
# The zips are reproducible: entries are written in a fixed order with the commit's time (or
# SOURCE_DATE_EPOCH), so the same binary gives the same zip and the same `zh:` hash.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
NAME=terraform-provider-multicloud
PROTOCOLS='["6.0"]'

say() { echo "release: $*" >&2; }
die() { say "error: $*"; exit 1; }

OUT="" BINARY="" SIGN_KEY="" MIRROR="" REGISTRY=""
TARGETS=()
while (($#)); do
  case "$1" in
    --out) OUT="${2:?--out needs a directory}"; shift 2 ;;
    --target) TARGETS+=("${2:?--target needs a Rust target triple}"); shift 2 ;;
    --binary) BINARY="${2:?--binary needs a path}"; shift 2 ;;
    --sign) SIGN_KEY="${2:?--sign needs a GnuPG key}"; shift 2 ;;
    --network-mirror) MIRROR="${2:?--network-mirror needs a directory}"; shift 2 ;;
    --registry) REGISTRY="${2:?--registry needs a directory}"; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ -n "$BINARY" && ${#TARGETS[@]} -gt 0 ]] && die "--binary packages the host's binary; it does not go with --target"
[[ -n "$REGISTRY" && -z "$SIGN_KEY" ]] && die "--registry needs --sign: Terraform installs only signed packages from a registry"

# Paths are the caller's; the script works from the repository.
absolute() { [[ -z "$1" || "$1" == /* ]] && echo "$1" || echo "$PWD/$1"; }
OUT="$(absolute "$OUT")" BINARY="$(absolute "$BINARY")" MIRROR="$(absolute "$MIRROR")"
REGISTRY="$(absolute "$REGISTRY")"
cd "$ROOT"
METADATA="$(cargo metadata --format-version 1 --no-deps)"
read -r VERSION TARGET_DIR < <("$PYTHON" -c '
import json, sys
m = json.load(sys.stdin)
v = next(p["version"] for p in m["packages"] if p["name"] == "terraform-provider-multicloud")
print(v, m["target_directory"])' <<<"$METADATA")
OUT="${OUT:-$ROOT/dist/$VERSION}"
HOST="$(rustc -vV | sed -n 's/^host: //p')"
((${#TARGETS[@]})) || TARGETS=("$HOST")
# The commit's time makes the zips reproducible; outside git, a fixed date.
EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 315532800)}"

# Rust target triple -> Terraform's OS_ARCH.
platform_of() {
  local os arch
  case "$1" in
    x86_64-*) arch=amd64 ;;
    aarch64-*) arch=arm64 ;;
    i686-*) arch=386 ;;
    armv7-*|arm-*) arch=arm ;;
    *) die "no Terraform architecture for target $1" ;;
  esac
  case "$1" in
    *-linux-*) os=linux ;;
    *-apple-darwin) os=darwin ;;
    *-windows-*) os=windows ;;
    *-freebsd) os=freebsd ;;
    *) die "no Terraform OS for target $1" ;;
  esac
  echo "${os}_${arch}"
}

mkdir -p "$OUT"
rm -f "$OUT/${NAME}_${VERSION}"_*
for target in "${TARGETS[@]}"; do
  platform="$(platform_of "$target")"
  exe=""; [[ "$platform" == windows_* ]] && exe=".exe"
  if [[ -n "$BINARY" ]]; then
    bin="$BINARY"
  else
    say "building $NAME $VERSION for $target ($platform)"
    if [[ "$target" == "$HOST" ]]; then
      cargo build --release --bin "$NAME" >&2
      bin="$TARGET_DIR/release/$NAME"
    else
      cargo build --release --bin "$NAME" --target "$target" >&2
      bin="$TARGET_DIR/$target/release/$NAME$exe"
    fi
  fi
  [[ -x "$bin" ]] || die "no provider binary at $bin"
  # A binary of another version would be installed under this version's name: refuse it. Only a
  # binary that runs here can say its version.
  if [[ "$target" == "$HOST" ]]; then
    said="$("$bin" --version)" || die "$bin --version failed"
    [[ "$said" == "$NAME v$VERSION "* ]] || die "$bin says \"$said\", not version $VERSION"
  fi
  zip="$OUT/${NAME}_${VERSION}_${platform}.zip"
  "$PYTHON" - "$zip" "$EPOCH" "$bin" "${NAME}_v${VERSION}${exe}" "$ROOT/LICENSE" LICENSE <<'PY'
import sys, time, zipfile
zip_path, epoch = sys.argv[1], int(sys.argv[2])
stamp = time.gmtime(max(epoch, 315532800))[:6]  # zip dates start in 1980
members = list(zip(sys.argv[3::2], sys.argv[4::2]))
with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for source, name in members:
        info = zipfile.ZipInfo(name, stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3  # Unix, so the mode below is read
        mode = 0o755 if name.startswith("terraform-provider-") else 0o644
        info.external_attr = (0o100000 | mode) << 16
        with open(source, "rb") as f:
            z.writestr(info, f.read())
PY
  say "wrote $zip"
done

manifest="$OUT/${NAME}_${VERSION}_manifest.json"
printf '{\n  "version": 1,\n  "metadata": {\n    "protocol_versions": %s\n  }\n}\n' "$PROTOCOLS" >"$manifest"
sums="$OUT/${NAME}_${VERSION}_SHA256SUMS"
(cd "$OUT" && sha256sum "${NAME}_${VERSION}"_*.zip "$(basename "$manifest")") >"$sums"
say "wrote $manifest and $sums"

if [[ -n "$SIGN_KEY" ]]; then
  gpg --batch --yes --local-user "$SIGN_KEY" --output "$sums.sig" --detach-sign "$sums" \
    || die "cannot sign with GnuPG key $SIGN_KEY"
  say "wrote $sums.sig (verify: gpg --verify $(basename "$sums").sig $(basename "$sums"))"
fi

if [[ -n "$MIRROR" ]]; then
  dir="$MIRROR/registry.terraform.io/multicloud/multicloud"
  mkdir -p "$dir"
  cp "$OUT/${NAME}_${VERSION}"_*.zip "$dir/"
  "$PYTHON" - "$dir" "$VERSION" "$sums" <<'PY'
import json, os, sys
dir_, version, sums = sys.argv[1:]
archives = {}
for line in open(sums):
    digest, name = line.split()
    if name.endswith(".zip"):
        platform = name[: -len(".zip")].split("_", 2)[2]
        archives[platform] = {"url": name, "hashes": ["zh:" + digest]}
index_path = os.path.join(dir_, "index.json")
index = json.load(open(index_path)) if os.path.exists(index_path) else {"versions": {}}
index["versions"][version] = {}
json.dump(index, open(index_path, "w"), indent=2, sort_keys=True)
json.dump({"archives": archives}, open(os.path.join(dir_, version + ".json"), "w"), indent=2,
          sort_keys=True)
PY
  say "wrote the network mirror in $MIRROR (serve it over HTTPS; see docs/install.md)"
fi

if [[ -n "$REGISTRY" ]]; then
  files="$REGISTRY/files/$VERSION"
  mkdir -p "$files"
  cp "$OUT/${NAME}_${VERSION}"_*.zip "$sums" "$sums.sig" "$files/"
  gpg --batch --armor --export "$SIGN_KEY" >"$files/signing-key.asc"
  "$PYTHON" - "$REGISTRY" "$VERSION" "$sums" "$files/signing-key.asc" "$PROTOCOLS" "$SIGN_KEY" <<'PY'
import json, os, subprocess, sys
root, version, sums, key_file, protocols, sign_key = sys.argv[1:]
protocols = json.loads(protocols)
armor = open(key_file).read()
# The key id Terraform shows: the last 16 hex digits of the signing key's fingerprint.
colons = subprocess.run(["gpg", "--batch", "--with-colons", "--fingerprint", sign_key],
                        check=True, capture_output=True, text=True).stdout
key_id = next(l.split(":")[9] for l in colons.splitlines() if l.startswith("fpr:"))[-16:]
def write(rel, doc):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    json.dump(doc, open(path, "w"), indent=2, sort_keys=True)
write(".well-known/terraform.json", {"providers.v1": "/v1/providers/"})
base = "v1/providers/multicloud/multicloud"
versions_path = os.path.join(root, base, "versions")
versions = json.load(open(versions_path)) if os.path.exists(versions_path) else {"versions": []}
versions["versions"] = [v for v in versions["versions"] if v["version"] != version]
platforms = []
sums_name = os.path.basename(sums)
for line in open(sums):
    digest, name = line.split()
    if not name.endswith(".zip"):
        continue
    os_, arch = name[: -len(".zip")].split("_", 2)[2].split("_")
    platforms.append({"os": os_, "arch": arch})
    files = f"/files/{version}/"
    write(f"{base}/{version}/download/{os_}/{arch}", {
        "protocols": protocols, "os": os_, "arch": arch, "filename": name,
        "download_url": files + name, "shasum": digest,
        "shasums_url": files + sums_name, "shasums_signature_url": files + sums_name + ".sig",
        "signing_keys": {"gpg_public_keys": [{"key_id": key_id, "ascii_armor": armor}]},
    })
versions["versions"].append({"version": version, "protocols": protocols, "platforms": platforms})
write(f"{base}/versions", versions)
PY
  say "wrote the private registry in $REGISTRY (serve it over HTTPS; see docs/install.md)"
fi
