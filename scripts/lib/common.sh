# Shared by the scripts: repository root, cargo's target dir, and a filesystem mirror holding a
# freshly built provider, so Terraform installs it exactly as it would a released one.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Outside the clone, so CI runs on this machine reuse the build (a clean build takes minutes).
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/multicloud-target}
export CHECKPOINT_DISABLE=1
PROVIDER_VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p;T;q' "$ROOT/Cargo.toml")

# write_mirror PROFILE DIR: DIR becomes a mirror with target/PROFILE/terraform-provider-multicloud.
write_mirror() {
  local profile=$1 dir=$2
  local pkg="$dir/registry.terraform.io/multicloud/multicloud/$PROVIDER_VERSION/linux_amd64"
  mkdir -p "$pkg"
  cp "$CARGO_TARGET_DIR/$profile/terraform-provider-multicloud" "$pkg/terraform-provider-multicloud_v$PROVIDER_VERSION"
}

# write_cli_config FILE MIRROR: a CLI config that installs multicloud from MIRROR and nothing else
# from the network (there may be none).
write_cli_config() {
  cat >"$1" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$2"
    include = ["registry.terraform.io/multicloud/multicloud"]
  }
}
RC
}
