#!/usr/bin/env bash
# The main job: build the provider, then plan and apply examples/quickstart with real Terraform
# against nothing but this machine (AWS is moto, GCP the Compute emulator, both on 127.0.0.1), then
# destroy it again.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

bash "$ROOT/scripts/install-tools.sh"
# The dev profile, as scripts/test.sh builds it: a first run compiles in minutes rather than the
# release build's quarter of an hour, and the tests then reuse every dependency (README, "Build
# times"). `make bench` keeps measuring the optimised release build.
echo "quickstart: building the provider (dev profile, shared with scripts/test.sh)" >&2
cargo build --quiet --bin terraform-provider-multicloud --manifest-path "$ROOT/Cargo.toml"

work="$ROOT/.tools/quickstart"
rm -rf "$work" && mkdir -p "$work"
write_mirror debug "$work/mirror"
write_cli_config "$work/terraform.rc" "$work/mirror"
cp "$ROOT/examples/quickstart/main.tf" "$work/"
export TF_CLI_CONFIG_FILE="$work/terraform.rc"
terraform="${TERRAFORM:-$ROOT/.tools/bin/terraform-1.15.5}"
python="$ROOT/.tools/venv/bin/python"

# The emulators run only while this script does, whichever way it ends.
pids=()
stop_emulators() {
  local pid
  for pid in ${pids[@]+"${pids[@]}"}; do
    kill "$pid" 2>/dev/null || true
  done
}
trap stop_emulators EXIT

# AWS (Route 53 for the global hostname, EC2 for the VPN) is moto, on this machine only.
read -r moto_endpoint zone_id vpc_id moto_pid < <("$python" "$ROOT/scripts/lib/local_aws.py" \
  "$ROOT/.tools/venv/bin/moto_server" example.com 10.0.0.0/16 "$work/moto.log")
pids+=("$moto_pid")
echo "quickstart: local AWS (moto) at $moto_endpoint, zone example.com = $zone_id, VPC $vpc_id" >&2

# GCP's Compute API is the strict emulator the tests use, with one project and network.
gcp_project=quickstart-project
gcp_network=platform
gcp_token="ya29.quickstart-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
read -r gcp_endpoint gcp_pid < <("$python" "$ROOT/scripts/lib/local_gcp.py" \
  "$ROOT/tests/emulators/gcp_compute.py" "$ROOT/.tools/gcp/compute.v1.json" \
  "$gcp_project" "$gcp_token" "$gcp_network" "$work/gcp.log")
pids+=("$gcp_pid")
echo "quickstart: local GCP Compute at $gcp_endpoint, project $gcp_project, network $gcp_network" >&2

export AWS_ENDPOINT_URL="$moto_endpoint" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export MULTICLOUD_GCP_ENDPOINT="$gcp_endpoint" GOOGLE_OAUTH_ACCESS_TOKEN="$gcp_token"
export TF_VAR_zone_id="$zone_id" TF_VAR_aws_vpc_id="$vpc_id"
export TF_VAR_gcp_project="$gcp_project" TF_VAR_gcp_network="$gcp_network"

cd "$work"
"$terraform" init -input=false
"$terraform" apply -auto-approve -input=false
echo "quickstart: a second plan must show no changes" >&2
"$terraform" plan -detailed-exitcode -input=false
echo "quickstart: outputs; vpn_tunnels shows each AWS-GCP tunnel's inside /30 and both ends (outside address, BGP address, ASN)" >&2
"$terraform" output
echo "quickstart: destroying (the emulators stop with this script)" >&2
"$terraform" destroy -auto-approve -input=false
echo "quickstart: done" >&2
