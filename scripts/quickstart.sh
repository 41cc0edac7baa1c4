#!/usr/bin/env bash
# The main job: build the provider, then plan and apply examples/quickstart with real Terraform
# against nothing but this machine. State is kept in .tools/quickstart for a look afterwards.
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

cd "$work"
"$terraform" init -input=false
"$terraform" apply -auto-approve -input=false
echo "quickstart: a second plan must show no changes" >&2
"$terraform" plan -detailed-exitcode -input=false
echo "quickstart: done; state and outputs are in $work (terraform output, terraform destroy)" >&2
