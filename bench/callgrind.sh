#!/usr/bin/env bash
# Instructions per operation on the fast path, counted by valgrind's callgrind (repeatable, unlike
# time): bench/tcp/fastpath_driver runs a fixed number of operations after its setup, callgrind
# counts only inside the measured loop, and this prints instructions per operation and the top
# functions by inclusive cost (per operation too).
#
#   bench/callgrind.sh [-b BUILD_DIR] [-n ITERATIONS] [-t TOP] [-o OUT_DIR] [SCENARIO...]
#
# Scenarios (default: all nine):
#   rx_ack    one in-order 1448-byte segment received, ACKed and read (TCP layer, fake hosts)
#   rx_ack_inplace  the stack's own share of rx_ack: the segment already in the packet buffer (as a
#             NIC leaves it), read in place (receive_peek/receive_consume) instead of copied out
#   idle_poll one poll step with nothing to do (an established connection, nothing arriving)
#   pingpong  one 64-byte round trip between two stacks in one thread over the memory link
#   bulk      one 1448-byte segment of a bulk transfer between the same two stacks
#   connect   one short connection between the same two stacks: connect, 64-byte request and
#             answer, close from both ends (the client port reused from TIME-WAIT after 1 ms)
#   pingpong_offload, bulk_offload   the same with the memory link's virtual checksum offload
# BUILD_DIR defaults to build/release (set up with -Dbuildtype=release if missing); the
# callgrind.out files stay in OUT_DIR (default bench/results/callgrind) for callgrind_annotate or
# kcachegrind.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$repo/build/release"
iterations=20000
top=15
out="$repo/bench/results/callgrind"
while getopts "b:n:t:o:h" opt; do
    case $opt in
        b) build=$OPTARG ;;
        n) iterations=$OPTARG ;;
        t) top=$OPTARG ;;
        o) out=$OPTARG ;;
        *) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
scenarios=("$@")
[ ${#scenarios[@]} -eq 0 ] && scenarios=(rx_ack rx_ack_inplace idle_poll pingpong bulk connect pingpong_offload bulk_offload connect_offload)

command -v valgrind >/dev/null || { echo "valgrind is missing (Debian: apt-get install valgrind)" >&2; exit 1; }
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$repo" -Dbuildtype=release >/dev/null || { echo "meson setup $build failed" >&2; exit 1; }
fi
ninja -C "$build" bench/tcp/fastpath_driver >/dev/null || { ninja -C "$build" bench/tcp/fastpath_driver >&2; exit 1; }
driver="$build/bench/tcp/fastpath_driver"
mkdir -p "$out"

for s in "${scenarios[@]}"; do
    # bulk rounds move many segments each: fewer rounds give a similar count.
    n=$iterations
    [[ "$s" == bulk* ]] && n=$(( iterations / 20 > 0 ? iterations / 20 : 1 ))
    file="$out/callgrind.out.$s"
    log="$out/$s.log"
    valgrind --tool=callgrind --callgrind-out-file="$file" --collect-atstart=no \
        --toggle-collect='*bench::(anonymous namespace)::measured*' \
        "$driver" "$s" "$n" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
    ops=$(awk '/^operations/ {print $2}' "$log")
    total=$(awk '/^summary:/ {print $2}' "$file")
    [ -n "$ops" ] && [ "$ops" -gt 0 ] && [ -n "$total" ] || { echo "$s: no result (see $log)" >&2; exit 1; }
    echo "== $s: $ops operations ($n iterations), $total instructions: $(awk -v t="$total" -v o="$ops" 'BEGIN {printf "%.0f", t / o}') instructions per operation"
    echo "   top $top functions by inclusive instructions (per operation, share):"
    callgrind_annotate --inclusive=yes --threshold=100 "$file" 2>/dev/null |
        awk -v o="$ops" -v top="$top" -v total="$total" '
            /^-+$/ { sep++; next }
            sep >= 3 && NF >= 2 && $1 ~ /^[0-9,]+$/ && shown < top {
                ir = $1; gsub(",", "", ir)
                line = $0
                sub(/^ *[0-9,]+ +(\([ 0-9.%]+\) +)?/, "", line)
                sub(/ \[[^]]*\]$/, "", line)
                sub(/^[^:]*:/, "", line)
                if (line ~ /measured|^main$|PROGRAM TOTALS|below main|^0x[0-9a-f]+$|libc_start|^\?\?\?/) next
                if (length(line) > 90) line = substr(line, 1, 87) "..."
                printf "   %9.1f  %5.1f%%  %s\n", ir / o, 100 * ir / total, line
                ++shown  # no early exit: callgrind_annotate would die of SIGPIPE (pipefail)
            }'
done
