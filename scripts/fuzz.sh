#!/usr/bin/env bash
# Coverage-guided fuzzing of tfplugin's value codecs, DynamicValue decoder and plan pipeline with
# AFL++ through cargo-afl (both installed by scripts/install-tools.sh). docs/fuzzing.md has the
# targets, the figures and what was found.
#
#   scripts/fuzz.sh build                 build every target (own target dir, instrumented)
#   scripts/fuzz.sh smoke [SECONDS]       every target for SECONDS (default 20) from the committed
#                                         corpus; fails on any crash or hang. SKIPPED without cargo-afl
#   scripts/fuzz.sh run TARGET EXECS [SECONDS]  a campaign of EXECS executions, or SECONDS (resumes);
#                                         findings and queue in $MULTICLOUD_FUZZ_OUT/TARGET
#   scripts/fuzz.sh cmin TARGET           minimise that campaign's queue into the committed corpus
#   scripts/fuzz.sh stats [DIR]           executions, speed, crashes and hangs of each campaign
#
# Targets: msgpack json dynamic_value round_trip plan (tfplugin::fuzzing).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT"

FUZZ="$ROOT/provider/tfplugin/fuzz"
TARGETS=(msgpack json dynamic_value round_trip plan)
# Instrumented builds never share the project's target dir: every crate is compiled differently.
export CARGO_TARGET_DIR="${MULTICLOUD_FUZZ_TARGET_DIR:-$HOME/.cache/multicloud-fuzz-target}"
OUT="${MULTICLOUD_FUZZ_OUT:-$HOME/.cache/multicloud-fuzz}"
BIN="$CARGO_TARGET_DIR/release"
# A shared 2-core machine: no CPU-frequency or core-pinning demands, no crash-reporter check (the
# kernel's core_pattern is not ours to change), plain log lines instead of the curses screen.
export AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
# 1 GB of address space: a decoder that allocates what a hostile length asks for crashes instead.
MEMORY_MB=1024

say() { echo "fuzz: $*" >&2; }

# afl-cmin runs afl-showmap from PATH: it must be the AFL++ cargo-afl built (for this rustc, next
# to its afl-fuzz), never another AFL++ that happens to be installed.
if version=$(cargo afl --version 2>/dev/null); then
  version=${version#cargo-afl }
  release=$(rustc -vV | sed -n 's/^release: //p')
  hash=$(rustc -vV | sed -n 's/^commit-hash: //p')
  export PATH="${XDG_DATA_HOME:-$HOME/.local/share}/afl.rs/rustc-$release-${hash:0:7}/afl.rs-${version%% *}/afl/bin:$PATH"
fi

have_afl() { cargo afl --version >/dev/null 2>&1; }

build() {
  say "building the targets (cargo afl build --release) into $CARGO_TARGET_DIR"
  (cd "$FUZZ" && cargo afl build --release --locked --quiet)
}

check_target() {
  local t
  for t in "${TARGETS[@]}"; do [[ "$t" == "$1" ]] && return 0; done
  say "unknown target '$1' (targets: ${TARGETS[*]})"
  exit 2
}

# stat FILE KEY: one value of an AFL++ fuzzer_stats file.
stat() { sed -n "s/^$2 *: *//p" "$1"; }

# report DIR: one line per campaign under DIR; returns 1 when any found a crash or a hang.
report() {
  local dir=$1 bad=0 stats t execs secs crashes hangs
  for t in "${TARGETS[@]}"; do
    stats="$dir/$t/default/fuzzer_stats"
    [[ -f "$stats" ]] || continue
    execs=$(stat "$stats" execs_done)
    secs=$(( $(stat "$stats" last_update) - $(stat "$stats" start_time) ))
    crashes=$(stat "$stats" saved_crashes)
    hangs=$(stat "$stats" saved_hangs)
    printf 'fuzz: %-14s %11d execs in %5d s (%s/s), corpus %s, edges %s, crashes %s, hangs %s\n' \
      "$t" "$execs" "$secs" "$(( execs / (secs > 0 ? secs : 1) ))" "$(stat "$stats" corpus_count)" \
      "$(stat "$stats" edges_found)" "$crashes" "$hangs"
    if (( crashes + hangs > 0 )); then
      bad=1
      ls -1 "$dir/$t/default/crashes" "$dir/$t/default/hangs" 2>/dev/null | grep -v README | sed "s|^|    |" >&2 || true
    fi
  done
  return $bad
}

# The inputs a campaign starts from: the committed corpus, or the seeds before there is one
# (`cargo test -p tfplugin --lib fuzzing::seeds -- --ignored` writes them).
inputs() {
  if compgen -G "$FUZZ/corpus/$1/*" >/dev/null; then
    echo "$FUZZ/corpus/$1"
  elif compgen -G "$FUZZ/seeds/$1/*" >/dev/null; then
    echo "$FUZZ/seeds/$1"
  else
    say "no corpus or seeds for $1"
    exit 1
  fi
}

# fuzz TARGET INPUT OUTPUT TIMEOUT_MS AFL-OPTIONS...: one afl-fuzz run, its log next to its output.
fuzz() {
  local t=$1 in=$2 out=$3 timeout=$4
  shift 4
  mkdir -p "$out"
  if ! cargo afl fuzz -i "$in" -o "$out" -m "$MEMORY_MB" -t "$timeout" "$@" -- "$BIN/$t" \
    >"$out/afl.log" 2>&1; then
    say "afl-fuzz failed for $t; the end of its log ($out/afl.log):"
    tail -n 20 "$out/afl.log" >&2
    return 1
  fi
}

case "${1:-}" in
  build)
    build
    ;;
  smoke)
    seconds=${2:-20}
    if ! have_afl; then
      echo "SKIPPED: cargo-afl is not installed (bash scripts/install-tools.sh installs it): the bounded AFL++ run fuzzed nothing" >&2
      exit 0
    fi
    build
    work=$(mktemp -d)
    for t in "${TARGETS[@]}"; do
      # A generous timeout: a loaded CI machine must not turn slow runs into "hangs".
      fuzz "$t" "$(inputs "$t")" "$work/$t" 5000 -V "$seconds"
    done
    if report "$work"; then
      rm -rf "$work"
    else
      say "FAIL: crashes or hangs above are kept in $work; reproduce with: $BIN/TARGET < FILE"
      say "then fix, and add the file to provider/tfplugin/fuzz/regressions/TARGET/"
      exit 1
    fi
    ;;
  run)
    t=${2:?target}
    execs=${3:?executions}
    limit=()
    [[ -n "${4:-}" ]] && limit=(-V "$4")
    check_target "$t"
    build
    # Resumes when the output already holds a campaign of this target.
    AFL_AUTORESUME=1 fuzz "$t" "$(inputs "$t")" "$OUT/$t" 1000 -E "$execs" "${limit[@]}"
    report "$OUT"
    ;;
  cmin)
    t=${2:?target}
    check_target "$t"
    new=$(mktemp -d)
    rmdir "$new"
    # The shell afl-cmin: the Python one (cargo afl cmin) sees no coverage from these persistent
    # targets. -e: one input per edge, not per hit count, to keep the corpus small.
    afl-cmin.bash -e -i "$OUT/$t/default/queue" -o "$new" -m "$MEMORY_MB" -t 1000 -- "$BIN/$t" >/dev/null
    rm -rf "$FUZZ/corpus/$t"
    mkdir -p "$FUZZ/corpus/$t"
    # Names by content, so a rerun does not rename files that stayed.
    for f in "$new"/*; do
      cp "$f" "$FUZZ/corpus/$t/$(sha1sum "$f" | cut -c1-16)"
    done
    rm -rf "$new"
    say "$t: $(ls "$FUZZ/corpus/$t" | wc -l) files, $(du -sk "$FUZZ/corpus/$t" | cut -f1) kB in provider/tfplugin/fuzz/corpus/$t"
    ;;
  stats)
    report "${2:-$OUT}"
    ;;
  *)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
