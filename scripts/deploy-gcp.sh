#!/usr/bin/env bash
# Deploys environments/gcp (the gcp clusters and their networks) to a real account, then
# checks that the environment converged and each of its clusters answers. Prints every command
# before running it and stops at the first failure, naming the step.
#
#   scripts/deploy-gcp.sh [--dry-run] [--yes]
#
# --dry-run prints the commands without running them; --yes applies without asking.
# Needs terraform and kubectl on PATH, the cloud's credentials in the environment, and kubeconfig
# contexts named after the clusters (see docs/dr.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib/ops.sh"
source "$ROOT/scripts/lib/deploy.sh"
deploy_cloud_main gcp "$@"
