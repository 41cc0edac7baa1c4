#!/usr/bin/env bash
# Disaster recovery playbooks (docs/dr.md), one script: what to do when a cluster, a region or a
# whole cloud is lost.
#
#   scripts/dr/failover.sh --cluster NAME [--to TARGET] [--dry-run] [--yes]
#   scripts/dr/failover.sh --region CLOUD/REGION [--to TARGET] [--dry-run] [--yes]
#   scripts/dr/failover.sh --cloud CLOUD [--to TARGET] [--dry-run] [--yes]
#
# For each lost cluster: restore its latest backup into TARGET (default: the first surviving
# cluster in platform.toml order, preferring another cloud for region and cloud loss), then check
# that the global hostname's health checks see the lost backends down and the survivors up. It changes no Terraform
# configuration: removing a lost cluster for good is a platform.toml change (see docs/dr.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OPS_NAME=failover
source "$ROOT/scripts/lib/ops.sh"
ops_parse_flags "$@"
set -- "${OPS_ARGS[@]}"
mode="" what="" target=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cluster | --region | --cloud) mode=${1#--} what=${2:-}; shift 2 ;;
    --to) target=${2:-}; shift 2 ;;
    *) ops_fail "unknown argument $1 (see --help)" ;;
  esac
done
[[ -n "$mode" && -n "$what" ]] || ops_fail "say what was lost: --cluster NAME, --region CLOUD/REGION or --cloud CLOUD"
ops_need kubectl velero terraform python3

# Lost and surviving clusters, from platform.toml.
read -r lost survivors <<<"$(python3 - "$ROOT/platform.toml" "$mode" "$what" <<'PY'
import sys, tomllib
p = tomllib.load(open(sys.argv[1], "rb"))
mode, what = sys.argv[2], sys.argv[3]
def is_lost(c):
    if mode == "cluster": return c["name"] == what
    if mode == "cloud": return c["cloud"] == what
    cloud, _, region = what.partition("/")
    return c["cloud"] == cloud and c["region"] == region
cs = p.get("clusters", [])
lost = [c for c in cs if is_lost(c)]
alive = [c for c in cs if not is_lost(c)]
# For a region or cloud, prefer survivors in another cloud (the failure may be the cloud's).
if mode != "cluster" and lost:
    alive.sort(key=lambda c: c["cloud"] == lost[0]["cloud"])
print(",".join(c["name"] for c in lost) or "-", ",".join(c["name"] for c in alive) or "-")
PY
)"
[[ "$lost" != - ]] || ops_fail "no cluster in platform.toml matches --$mode $what"
[[ "$survivors" != - ]] || ops_fail "no cluster survives --$mode $what: restore needs one (bootstrap a new cluster first)"
IFS=, read -r -a lost <<<"$lost"
IFS=, read -r -a survivors <<<"$survivors"
target=${target:-${survivors[0]}}
[[ " ${survivors[*]} " == *" $target "* ]] || ops_fail "--to $target is not a surviving cluster (${survivors[*]})"
ops_say "lost: ${lost[*]}; restoring into: $target"

for c in "${lost[@]}"; do
  ops_step "restore $c into $target"
  flags=()
  [[ "$OPS_DRY_RUN" == 1 ]] && flags+=(--dry-run)
  [[ "$OPS_YES" == 1 ]] && flags+=(--yes)
  ops_run "$ROOT/scripts/dr/restore-into.sh" "$c" "$target" "${flags[@]}"
done

ops_step "global hostname: lost backends down, survivors up (refresh-only, changes nothing)"
ops_run terraform -chdir="$ROOT/environments/global" apply -refresh-only -auto-approve -input=false
if [[ "$OPS_DRY_RUN" != 1 ]]; then
  status="$(terraform -chdir="$ROOT/environments/global" show -json | ops_json '
next((r["values"]["backend_status"] for r in d["values"]["root_module"]["resources"] if r["type"] == "multicloud_global_lb"), {})')"
  for c in "${lost[@]}"; do
    [[ "$(ops_json "d.get('$c', {}).get('healthy')" <<<"$status")" != True ]] ||
      ops_fail "the global hostname still sees $c healthy: check its health check before moving traffic"
  done
  for c in "${survivors[@]}"; do
    [[ "$(ops_json "d.get('$c', {}).get('healthy')" <<<"$status")" != False ]] ||
      ops_fail "surviving backend $c is unhealthy too"
  done
fi
ops_say "done: ${lost[*]} restored on $target and out of the global hostname's answers"
ops_say "to remove them for good: take them out of [global_lb] clusters (and [[clusters]]) in platform.toml, regenerate, and apply"
