#!/usr/bin/env bash
# Runs every test:
#  1. installs packages, builds a release build (warnings as errors) and runs the unit, simulation and
#     interop suites (interop needs root: network namespaces, TAP, veth);
#  2. builds with ASan+UBSan (without the DPDK and AF_XDP drivers, whose tests need the kernel peer)
#     and runs the unit and simulation suites under them.
# Ends with the line "N passed, M failed" counting individual test cases of both.
# TODO(issue 9): the libFuzzer targets join this run when they land (scripts/count-cases.py already
# counts a results file of "<target> ok|CRASH" lines as cases).
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

python3 scripts/count-cases.py "$RELEASE" "$ASAN"
