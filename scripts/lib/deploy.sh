# One environment's apply with the checks around it, for deploy-<cloud>.sh and
# deploy-multicloud.sh. Sourced after lib/ops.sh.

# deploy_env NAME: init, plan to a file, show what changes, confirm, apply exactly that plan, then
# check that the plan is now empty (the environment converged).
deploy_env() {
  local env=$1 dir="$ROOT/environments/$1"
  [[ -d "$dir" ]] || ops_fail "environments/$env does not exist (not in platform.toml?)"
  ops_step "environments/$env: init"
  ops_run terraform -chdir="$dir" init -input=false
  ops_step "environments/$env: plan"
  ops_run terraform -chdir="$dir" plan -input=false -out=tfplan
  ops_step "environments/$env: apply the saved plan"
  ops_confirm "Apply environments/$env?"
  ops_run terraform -chdir="$dir" apply -input=false tfplan
  ops_step "environments/$env: converged (the next plan changes nothing)"
  # -detailed-exitcode: 0 no changes, 2 changes, 1 error.
  printf '  $ terraform -chdir=%s plan -detailed-exitcode\n' "$dir" >&2
  if [[ "$OPS_DRY_RUN" != 1 ]]; then
    local rc=0
    terraform -chdir="$dir" plan -input=false -detailed-exitcode -lock=false >/dev/null || rc=$?
    [[ $rc == 0 ]] || ops_fail "environments/$env still has changes after apply (plan exit $rc)"
  fi
}

# check_clusters CONTEXT...: each cluster's API answers /readyz (kubeconfig contexts named after
# the clusters, as `aws eks update-kubeconfig --alias`, `gcloud ... get-credentials` and
# `az aks get-credentials --context` can name them).
check_clusters() {
  local c
  for c in "$@"; do
    ops_step "cluster $c: API server ready"
    ops_wait_until 600 "$c answers /readyz" kubectl --context "$c" get --raw /readyz
  done
}

# The clusters of one cloud, from platform.toml (codegen knows; the scripts don't parse TOML).
clusters_of() {
  python3 - "$ROOT/platform.toml" "$1" <<'PY'
import sys, tomllib
p = tomllib.load(open(sys.argv[1], "rb"))
print(" ".join(c["name"] for c in p.get("clusters", []) if sys.argv[2] in ("all", c["cloud"])))
PY
}

# deploy_cloud_main CLOUD ARGS...: the whole of deploy-<cloud>.sh.
deploy_cloud_main() {
  local cloud=$1
  shift
  OPS_NAME=deploy-$cloud
  ops_parse_flags "$@"
  ops_need terraform kubectl python3
  deploy_env "$cloud"
  local clusters
  read -r -a clusters <<<"$(clusters_of "$cloud")"
  check_clusters "${clusters[@]}"
  ops_say "done: environments/$cloud applied and its clusters answer"
}
