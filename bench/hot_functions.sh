#!/usr/bin/env bash
# Regenerates bench/hot_functions.txt: the functions the fast path runs through, which the build
# links next to each other (meson option hot_layout, gold's --section-ordering-file), so that one
# round trip's code stays within the 32 KiB L1 instruction cache wherever the rest of the program
# moves. With the linker's default order, a change elsewhere once put the hot code on conflicting
# cache sets: callgrind's I1 simulation went from 0 to 53 misses per round trip and the round trip
# took 10% longer with fewer instructions (README, step 26).
#
#   bench/hot_functions.sh [-b BUILD_DIR]
#
# The list: every function with instructions in the measured part of these fastpath_driver
# scenarios, in this order (the steady exchange first, connection set-up last), each by its own
# instructions, most first; a name already listed is not repeated. Names that no longer exist are
# ignored by the linker, and functions not listed go after the listed ones: a stale list costs
# locality, never correctness. Regenerate after changing the fast path, from a build without LTO
# (meson -Dlto=false), the only kind that uses the list (meson.build).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$repo/build/release"
while getopts "b:h" opt; do
    case $opt in
        b) build=$OPTARG ;;
        *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
scenarios=(pingpong rx_ack_inplace rx_ack bulk idle_poll pingpong_offload bulk_offload connect)

command -v valgrind >/dev/null || { echo "valgrind is missing (Debian: apt-get install valgrind)" >&2; exit 1; }
ninja -C "$build" bench/tcp/fastpath_driver >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in "${scenarios[@]}"; do
    valgrind --tool=callgrind --demangle=no --callgrind-out-file="$tmp/$s" --collect-atstart=no \
        --toggle-collect='_ZN7tachyon5bench12_GLOBAL__N_18measured*' \
        "$build/bench/tcp/fastpath_driver" "$s" 200 >/dev/null 2>&1
done
python3 - "$repo/bench/hot_functions.txt" "${scenarios[@]/#/$tmp/}" <<'EOF'
import re, sys

out, files = sys.argv[1], sys.argv[2:]
cost_line = re.compile(r'^(?:[+-]?\d+|\*) (\d+)')
listed, order = set(), []
for path in files:
    names, self_ir = {}, {}
    fn, skip = None, False
    for line in open(path):
        if skip:  # the inclusive cost of a call, not the caller's own
            skip = False
            continue
        if line.startswith('calls='):
            skip = True
            continue
        m = re.match(r'^(c?fn)=\((\d+)\)(?: (.*))?$', line.rstrip('\n'))
        if m:
            if m.group(3):
                names[m.group(2)] = m.group(3)
            if m.group(1) == 'fn':
                fn = m.group(2)
            continue
        m = cost_line.match(line)
        if m and fn is not None:
            self_ir[fn] = self_ir.get(fn, 0) + int(m.group(1))
    for fid, ir in sorted(self_ir.items(), key=lambda kv: -kv[1]):
        name = names.get(fid, '')
        # Our own functions and the inline ones of the headers we use (not libc's).
        if ir > 0 and name.startswith('_Z') and name not in listed:
            listed.add(name)
            order.append(name)
with open(out, 'w') as f:
    for name in order:
        f.write(f'.text.{name}\n')
print(f'{len(order)} functions -> {out}')
EOF
# The list is a link argument, not an input ninja tracks: a newer base library (which every
# program links) makes the next build relink them all in the new order.
touch "$build/lib/libtachyon_base.a"
