# Shared by the deploy and DR scripts: print what will be done, do it (or only print it with
# --dry-run), stop at the first failure with the step that failed, and wait for conditions with a
# deadline. Sourced, not run.

OPS_DRY_RUN=${OPS_DRY_RUN:-0}
OPS_YES=${OPS_YES:-0}
OPS_STEP=""

ops_say() { printf '%s: %s\n' "${OPS_NAME:-ops}" "$*" >&2; }

# step "what": announces the next step; failures name it.
ops_step() {
  OPS_STEP=$*
  printf '\n== %s\n' "$*" >&2
}

ops_fail() {
  ops_say "FAILED at step: ${OPS_STEP:-start}: $*"
  exit 1
}

# run CMD...: prints the command, then runs it unless --dry-run; a failure stops the script.
ops_run() {
  printf '  $ %s\n' "$*" >&2
  [[ "$OPS_DRY_RUN" == 1 ]] && return 0
  "$@" || ops_fail "'$*' exited with $?"
}

# query CMD...: runs a read-only command even in --dry-run (checks need its answer).
ops_query() {
  "$@" 2>/dev/null
}

# confirm "question": asks unless --yes; in --dry-run the answer is yes.
ops_confirm() {
  [[ "$OPS_YES" == 1 || "$OPS_DRY_RUN" == 1 ]] && return 0
  local answer
  read -r -p "$1 [y/N] " answer
  [[ "$answer" == y || "$answer" == yes ]] || ops_fail "not confirmed"
}

# need TOOL...: every tool on PATH, or stop before doing anything.
ops_need() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || ops_fail "$t is not on PATH"
  done
}

# wait_until SECONDS "what" CMD...: polls CMD every OPS_POLL seconds until it succeeds.
ops_wait_until() {
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  [[ "$OPS_DRY_RUN" == 1 ]] && { printf '  (would wait for: %s)\n' "$what" >&2; return 0; }
  until "$@"; do
    ((SECONDS < deadline)) || ops_fail "timed out waiting for: $what"
    sleep "${OPS_POLL:-10}"
  done
  ops_say "ok: $what"
}

# Common flags: --dry-run, --yes; the rest are left in OPS_ARGS.
ops_parse_flags() {
  OPS_ARGS=()
  local a
  for a in "$@"; do
    case "$a" in
      --dry-run) OPS_DRY_RUN=1 ;;
      --yes) OPS_YES=1 ;;
      -h | --help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
      *) OPS_ARGS+=("$a") ;;
    esac
  done
}

# JSON field of stdin, by a Python expression over `d` (python3 is the one dependency every
# machine running these has; jq often is not).
ops_json() {
  python3 -c 'import json,sys; d=json.load(sys.stdin); r=eval(sys.argv[1]); print(r if not isinstance(r,(dict,list)) else json.dumps(r))' "$1"
}
