#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, -Dfuzz=enabled) and runs each one for a bounded
# time, one after the other, from a copy of its seed corpus (tests/fuzz/corpus/<target>/ never
# grows). Prints one result line per target and exits non-zero if any target crashed or failed an
# invariant. Installs nothing: scripts/setup.sh installs clang and libclang-rt-14-dev.
#
#   FUZZ_SECONDS=30            time per target
#   FUZZ_BUILD=build/fuzz      build directory (configured here if it is not yet)
#   FUZZ_OUT=$FUZZ_BUILD/fuzz-out   per target: the corpus copy, crash artifacts, the log
#   FUZZ_TARGETS="..."         a subset of: fuzz_rx_path fuzz_tcp_options fuzz_ipv4_fragments fuzz_arp
#   FUZZ_SEED=N                libFuzzer's -seed (default: random; each log says which it used)
#
# A crash leaves its input in $FUZZ_OUT/<target>/artifacts/. To make it a regression test, copy it
# to tests/fuzz/regressions/<target>/: test_fuzz_regressions replays that folder in every build.
# To reproduce one: $FUZZ_BUILD/tests/fuzz/<target> <file>, with TACHYON_FUZZ_TRACE=1 for counters.
set -uo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${FUZZ_SECONDS:-30}
BUILD=${FUZZ_BUILD:-build/fuzz}
OUT=${FUZZ_OUT:-$BUILD/fuzz-out}
TARGETS=${FUZZ_TARGETS:-fuzz_rx_path fuzz_tcp_options fuzz_ipv4_fragments fuzz_arp}

if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$BUILD" -Dfuzz=enabled -Dbuildtype=debugoptimized \
    -Db_sanitize=address,undefined -Db_lundef=false -Dtests=enabled -Dbenchmarks=disabled >/dev/null ||
    { for t in $TARGETS; do echo "$t SETUP-FAILED"; done; exit 1; }
fi
ninja_targets=()
for t in $TARGETS; do ninja_targets+=("tests/fuzz/$t"); done
# Result lines are "<target> ok|CRASH|...", details indented (scripts/count-cases.py reads them).
if ! ninja -C "$BUILD" -j2 "${ninja_targets[@]}" >"$BUILD/fuzz-build.log" 2>&1; then
  for t in $TARGETS; do echo "$t BUILD-FAILED"; done
  grep -E 'error|FAILED' "$BUILD/fuzz-build.log" | head -20 | sed 's/^/    /'
  echo "    log: $BUILD/fuzz-build.log"
  exit 1
fi

# UBSan findings are crashes too; leaks are checked per input by libFuzzer.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1

max_len() {
  case $1 in
    fuzz_rx_path) echo 8192 ;;
    fuzz_tcp_options) echo 512 ;;
    *) echo 4096 ;;
  esac
}

# The last "key: value" of a libFuzzer status line or final stat.
field() { grep -oE "$1:? *[0-9]+" "$2" | tail -1 | grep -oE '[0-9]+$'; }

failed=0
for t in $TARGETS; do
  work=$OUT/$t
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  seeds=$(find "tests/fuzz/corpus/$t" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | wc -l)
  [ "$seeds" -gt 0 ] && cp "tests/fuzz/corpus/$t"/* "$work/corpus/"
  seed_arg=()
  [ -n "${FUZZ_SEED:-}" ] && seed_arg=(-seed="$FUZZ_SEED")
  "$BUILD/tests/fuzz/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=2560 \
    -max_len="$(max_len "$t")" -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
    "${seed_arg[@]}" "$work/corpus" >"$work/log" 2>&1
  rc=$?
  execs=$(field 'stat::number_of_executed_units' "$work/log")
  rate=$(field 'stat::average_exec_per_sec' "$work/log")
  cov=$(field 'cov' "$work/log")
  ft=$(field 'ft' "$work/log")
  units=$(find "$work/corpus" -type f | wc -l)
  artifacts=$(find "$work/artifacts" -type f | wc -l)
  if [ "$rc" -ne 0 ] || [ "$artifacts" -ne 0 ]; then
    result=CRASH
    failed=1
  else
    result=ok
  fi
  printf '%-20s %-5s %4ss  %9s runs  %6s/s  cov %5s  ft %6s  corpus %3s -> %4s\n' "$t" "$result" \
    "$SECONDS_PER_TARGET" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$seeds" "$units"
  if [ "$result" = CRASH ]; then
    grep -m1 -E '==tachyon fuzz==|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|Assertion' \
      "$work/log" | sed 's/^/    /'
    find "$work/artifacts" -type f | sed 's/^/    input: /'
    echo "    $(grep -m1 -oE 'Seed: [0-9]+' "$work/log"), log: $work/log"
  fi
done
exit $failed
