#!/usr/bin/env bash
# The main job: build the provider, then plan and apply examples/quickstart with real Terraform
# against nothing but this machine (Route 53 is moto on 127.0.0.1), then destroy it again.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

bash "$ROOT/scripts/install-tools.sh"
echo "quickstart: building the provider (release)" >&2
cargo build --release --quiet --bin terraform-provider-multicloud --manifest-path "$ROOT/Cargo.toml"

work="$ROOT/.tools/quickstart"
rm -rf "$work" && mkdir -p "$work"
write_mirror release "$work/mirror"
write_cli_config "$work/terraform.rc" "$work/mirror"
cp "$ROOT/examples/quickstart/main.tf" "$work/"
export TF_CLI_CONFIG_FILE="$work/terraform.rc"
terraform="${TERRAFORM:-$ROOT/.tools/bin/terraform-1.15.5}"

# Route 53 for the global hostname is moto, on this machine only.
read -r moto_endpoint zone_id moto_pid < <("$ROOT/.tools/venv/bin/python" "$ROOT/scripts/lib/local_aws.py" \
  "$ROOT/.tools/venv/bin/moto_server" example.com "$work/moto.log")
trap 'kill "$moto_pid" 2>/dev/null || true' EXIT
echo "quickstart: local Route 53 (moto) at $moto_endpoint, zone example.com = $zone_id" >&2
export AWS_ENDPOINT_URL="$moto_endpoint" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export TF_VAR_zone_id="$zone_id"

cd "$work"
"$terraform" init -input=false
"$terraform" apply -auto-approve -input=false
echo "quickstart: a second plan must show no changes" >&2
"$terraform" plan -detailed-exitcode -input=false
"$terraform" output
echo "quickstart: destroying (moto stops with this script)" >&2
"$terraform" destroy -auto-approve -input=false
echo "quickstart: done" >&2
