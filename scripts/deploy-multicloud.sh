#!/usr/bin/env bash
# Deploys the whole platform in order, with the checks between the steps:
#   1. the generated tree is current (multicloud-codegen --check)
#   2. each cloud's environment (aws, gcp, azure: those platform.toml has), each converged and its
#      clusters answering
#   3. environments/global (the VPN between the clouds, mesh trust, the global hostname), which
#      reads the cloud environments' state
#   4. the platform above the clusters: Argo CD's applications Synced and Healthy on the hub, every
#      cluster's Velero location Available, an Istio remote secret for every other cluster
# Prints every command before running it and stops at the first failure, naming the step.
#
#   scripts/deploy-multicloud.sh [--dry-run] [--yes]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OPS_NAME=deploy-multicloud
source "$ROOT/scripts/lib/ops.sh"
source "$ROOT/scripts/lib/deploy.sh"
ops_parse_flags "$@"
ops_need terraform kubectl python3 cargo

ops_step "generated tree is current"
ops_run cargo run -q -p multicloud-codegen -- --check --root "$ROOT"

for cloud in aws gcp azure; do
  read -r -a clusters <<<"$(clusters_of "$cloud")"
  ((${#clusters[@]})) || continue
  deploy_env "$cloud"
  check_clusters "${clusters[@]}"
done

if [[ -d "$ROOT/environments/global" ]]; then
  deploy_env global
fi

read -r -a all <<<"$(clusters_of all)"
hub="$(python3 -c 'import sys,tomllib; print(tomllib.load(open(sys.argv[1],"rb")).get("gitops",{}).get("hub",""))' "$ROOT/platform.toml")"
if [[ -n "$hub" ]]; then
  ops_step "Argo CD on $hub: every application Synced and Healthy"
  apps_ok() {
    kubectl --context "$hub" -n argocd get applications.argoproj.io -o json |
      ops_json 'len(d["items"]) > 0 and all(a.get("status",{}).get("sync",{}).get("status")=="Synced" and a.get("status",{}).get("health",{}).get("status")=="Healthy" for a in d["items"])' |
      grep -qx True
  }
  ops_wait_until 1800 "all Argo CD applications Synced and Healthy" apps_ok
  for c in "${all[@]}"; do
    ops_step "cluster $c: Velero's location Available, remote secrets for its $((${#all[@]} - 1)) peers"
    bsl_ok() {
      kubectl --context "$c" -n velero get backupstoragelocations.velero.io default -o json |
        ops_json 'd.get("status",{}).get("phase")' | grep -qx Available
    }
    ops_wait_until 600 "$c: BackupStorageLocation default Available" bsl_ok
    if [[ "$OPS_DRY_RUN" != 1 ]]; then
      n="$(kubectl --context "$c" -n istio-system get secrets -l istio/multiCluster=true -o json | ops_json 'len(d["items"])')"
      [[ "$n" == "$((${#all[@]} - 1))" ]] || ops_fail "$c has $n Istio remote secrets, expected $((${#all[@]} - 1))"
    fi
  done
fi
ops_say "done: the platform is deployed and checked"
