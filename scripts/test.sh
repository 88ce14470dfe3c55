#!/usr/bin/env bash
# Runs every test:
#  1. installs packages, builds a release build (warnings as errors) and runs the unit, simulation and
#     interop suites (interop needs root: network namespaces, TAP, veth);
#  2. builds with ASan+UBSan (without the DPDK and AF_XDP drivers, whose tests need the kernel peer)
#     and runs the unit and simulation suites under them.
#  3. builds the libFuzzer targets with clang (ASan+UBSan) and runs each for FUZZ_SECONDS (60 by
#     default) from its seed corpus (scripts/fuzz.sh); each target counts as one case.
# Ends with the line "N passed, M failed" counting individual test cases of all three.
set -uo pipefail
cd "$(dirname "$0")/.."

RELEASE=${TACHYON_BUILD:-build/release}
ASAN=${TACHYON_ASAN_BUILD:-build/asan}

scripts/setup.sh "$RELEASE" -Dbuildtype=release -Dwerror=true || exit 1
scripts/setup.sh "$ASAN" -Dbuildtype=debug -Dwerror=true -Db_sanitize=address,undefined \
  -Db_lundef=false -Dbenchmarks=disabled -Ddpdk=disabled -Daf_xdp=disabled || exit 1

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1

echo "== release: unit, sim, interop"
meson test -C "$RELEASE" --no-rebuild --num-processes 1 --print-errorlogs \
  --suite unit --suite sim --suite interop | tail -n 12
echo "== asan+ubsan: unit, sim"
meson test -C "$ASAN" --no-rebuild --num-processes 2 --print-errorlogs --timeout-multiplier 4 \
  --suite unit --suite sim | tail -n 12

echo "== libFuzzer targets, ${FUZZ_SECONDS:=60} s each"
export FUZZ_SECONDS FUZZ_BUILD=${FUZZ_BUILD:-build/fuzz}
mkdir -p "$FUZZ_BUILD"
FUZZ_RESULTS=$FUZZ_BUILD/results.txt
bash scripts/fuzz.sh | tee "$FUZZ_RESULTS"

python3 scripts/count-cases.py "$RELEASE" "$ASAN" "$FUZZ_RESULTS"
