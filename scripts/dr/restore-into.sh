#!/usr/bin/env bash
# Restores a cluster's Velero backup into another cluster (in any cloud), with a check after
# every step. Every cluster already has a read-only backup location `restore-<source>` on the
# source's prefix of the shared bucket (Terraform writes one per peer), so the source cluster
# itself is not needed: it may be gone.
#
#   scripts/dr/restore-into.sh SOURCE TARGET [BACKUP] [--dry-run] [--yes]
#
# BACKUP: default the newest Completed backup of SOURCE. Platform namespaces (Argo CD installs
# them on TARGET) are not restored: kube-*, argocd, istio-*, velero, multicloud-system.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OPS_NAME=restore-into
source "$ROOT/scripts/lib/ops.sh"
ops_parse_flags "$@"
set -- "${OPS_ARGS[@]}"
[[ $# -ge 2 ]] || ops_fail "usage: scripts/dr/restore-into.sh SOURCE TARGET [BACKUP] [--dry-run] [--yes]"
source_cluster=$1 target=$2 backup=${3:-}
location="restore-$source_cluster"
ops_need kubectl velero python3

ops_step "$target: API server ready"
ops_run kubectl --context "$target" get --raw /readyz

ops_step "$target: location $location (read-only, $source_cluster's prefix) is Available"
phase="$(ops_query kubectl --context "$target" -n velero get backupstoragelocations.velero.io "$location" -o json | ops_json 'd.get("status",{}).get("phase")' || true)"
[[ "$phase" == Available ]] || ops_fail "$location on $target is '${phase:-missing}', not Available (is $source_cluster in platform.toml, and Terraform applied?)"

ops_step "$target: the backup to restore"
if [[ -z "$backup" ]]; then
  backup="$(ops_query kubectl --context "$target" -n velero get backups.velero.io -o json | ops_json "
max((b for b in d['items'] if b['spec'].get('storageLocation') == '$location' and b.get('status', {}).get('phase') == 'Completed'),
    key=lambda b: b['status'].get('completionTimestamp', ''), default={'metadata': {'name': ''}})['metadata']['name']" || true)"
  [[ -n "$backup" ]] || ops_fail "no Completed backup of $source_cluster is visible on $target through $location"
fi
ops_say "backup: $backup"

name="from-$source_cluster-$(date -u +%Y%m%d%H%M%S)"
ops_step "$target: restore $backup as $name"
ops_confirm "Restore $source_cluster's backup $backup into $target?"
ops_run velero --kubecontext "$target" restore create "$name" --from-backup "$backup" \
  --exclude-namespaces kube-system,kube-public,kube-node-lease,argocd,istio-system,istio-ingress,velero,multicloud-system \
  --wait

ops_step "$target: restore $name Completed"
if [[ "$OPS_DRY_RUN" != 1 ]]; then
  restored="$(kubectl --context "$target" -n velero get restores.velero.io "$name" -o json)"
  phase="$(ops_json 'd.get("status",{}).get("phase")' <<<"$restored")"
  [[ "$phase" == Completed ]] || ops_fail "restore $name ended $phase (velero --kubecontext $target restore describe $name --details)"
  namespaces="$(kubectl --context "$target" -n velero get backups.velero.io "$backup" -o json | ops_json '" ".join(d["status"].get("includedNamespaces") or d["spec"].get("includedNamespaces") or [])')"
fi

ops_step "$target: restored workloads are available"
for ns in ${namespaces:-}; do
  [[ "$ns" == "*" ]] && continue
  ops_run kubectl --context "$target" -n "$ns" wait deployment --all --for=condition=Available --timeout=600s
done
ops_say "done: $source_cluster's $backup runs on $target"
