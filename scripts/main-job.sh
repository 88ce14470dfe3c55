#!/usr/bin/env bash
# The main job: Tachyon serving HTTP to the Linux kernel on this machine, checked end to end.
#
#   sudo scripts/main-job.sh [--af-packet] [--skip-setup]
#
#  1. scripts/setup.sh build/release: installs the Debian packages, configures and builds.
#  2. Starts `tachyon httpd` on a TAP device made by DPDK's net_tap PMD (interface tcymain0); the
#     kernel end of the TAP gets 10.99.0.1/24, Tachyon is 10.99.0.2/24. Without DPDK in the build
#     (or with --af-packet) it uses the native AF_PACKET backend on a veth pair instead, the kernel's
#     end in the network namespace tcymain.
#  3. Waits until httpd answers, then fetches a page and 4 MiB of /bytes/4194304 with curl from the
#     kernel side and checks the page's content and the bytes' size and SHA-256 against the pattern.
#  4. Prints the stack's counters and connections (`tachyon stat`, then httpd's --stats at exit).
#  5. Cleans up on every exit path: stops httpd (the TAP disappears with it), removes the veth pair
#     and the namespace, deletes the temporary files.
#
# Environment: BUILD (default build/release), SKIP_SETUP=1 (same as --skip-setup: use BUILD as it is).
# Exit status 0 when every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build/release}
SKIP_SETUP=${SKIP_SETUP:-0}
FORCE_AF_PACKET=0
for arg in "$@"; do
  case "$arg" in
    --af-packet) FORCE_AF_PACKET=1 ;;
    --skip-setup) SKIP_SETUP=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "main-job: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" != 0 ]; then
  echo "main-job: needs root (TAP/veth devices, raw sockets): run it with sudo" >&2
  exit 2
fi

IFACE=tcymain0          # DPDK TAP, or our end of the veth pair
PEER_IF=tcymain1        # the kernel's end of the veth pair
NETNS=tcymain           # where the kernel's end lives (veth fallback)
KERNEL_IP=10.99.0.1
TACHYON_IP=10.99.0.2
BYTES=4194304
WORK=$(mktemp -d /tmp/tachyon-main-job.XXXXXX)
HTTPD_PID=
STATUS=1

step() { printf '\n== %s\n' "$*"; }
fail() { echo "main-job: FAILED: $*" >&2; exit 1; }

cleanup() {
  set +e
  if [ -n "$HTTPD_PID" ] && kill -0 "$HTTPD_PID" 2>/dev/null; then
    kill -INT "$HTTPD_PID"
    for _ in $(seq 50); do kill -0 "$HTTPD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$HTTPD_PID" 2>/dev/null
    wait "$HTTPD_PID" 2>/dev/null
  fi
  if [ -f "$WORK/httpd.log" ] && [ "$STATUS" != 0 ]; then
    echo "---- httpd output ----" >&2
    cat "$WORK/httpd.log" >&2
  fi
  ip link del "$IFACE" 2>/dev/null
  ip netns del "$NETNS" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Leftovers of an interrupted earlier run would make the device creation fail.
ip link del "$IFACE" 2>/dev/null || true
ip netns del "$NETNS" 2>/dev/null || true

if [ "$SKIP_SETUP" != 1 ]; then
  step "setup: packages, configure, build ($BUILD)"
  scripts/setup.sh "$BUILD"
fi
TACHYON=$BUILD/apps/tachyon
[ -x "$TACHYON" ] || fail "$TACHYON was not built (is CLI11 installed? run scripts/setup.sh $BUILD)"

if [ "$FORCE_AF_PACKET" = 0 ] && grep -q 'TACHYON_HAVE_DPDK 1' "$BUILD/tachyon_config.hpp" 2>/dev/null; then
  BACKEND=dpdk
  DEV="dpdk:--vdev=net_tap0,iface=$IFACE"
  KERNEL=()  # the kernel side is this namespace
else
  BACKEND=af_packet
  DEV="af_packet:$IFACE"
  KERNEL=(ip netns exec "$NETNS")
fi

mkdir -p "$WORK/www"
cat > "$WORK/www/index.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>Tachyon</title></head>
<body><h1>Hello from Tachyon</h1><p>Served by a userspace TCP/IP stack.</p></body></html>
EOF

if [ "$BACKEND" = af_packet ]; then
  step "veth pair $IFACE <-> $PEER_IF (in namespace $NETNS, $KERNEL_IP/24)"
  ip netns add "$NETNS"
  ip link add "$IFACE" type veth peer name "$PEER_IF" netns "$NETNS"
  ip link set "$IFACE" up
  # Wire-sized frames with complete checksums from the kernel (AF_PACKET sees what the kernel sends).
  "${KERNEL[@]}" ethtool -K "$PEER_IF" tso off gso off tx off >/dev/null 2>&1 || true
  "${KERNEL[@]}" ip addr add "$KERNEL_IP/24" dev "$PEER_IF"
  "${KERNEL[@]}" ip link set "$PEER_IF" up
  "${KERNEL[@]}" ip link set lo up
fi

step "tachyon httpd on $DEV, $TACHYON_IP/24"
"$TACHYON" httpd --dev "$DEV" --ip "$TACHYON_IP/24" --idle backoff --root "$WORK/www" --port 80 --stats \
  >"$WORK/httpd.log" 2>&1 &
HTTPD_PID=$!

if [ "$BACKEND" = dpdk ]; then
  # The TAP appears once DPDK has started the port; then the kernel's end gets its address.
  for _ in $(seq 300); do
    ip link show "$IFACE" >/dev/null 2>&1 && break
    kill -0 "$HTTPD_PID" 2>/dev/null || fail "httpd exited while starting"
    sleep 0.1
  done
  ip link show "$IFACE" >/dev/null 2>&1 || fail "the TAP $IFACE did not appear within 30 s"
  ip addr add "$KERNEL_IP/24" dev "$IFACE"
  ip link set "$IFACE" up
fi

step "waiting for httpd to answer at http://$TACHYON_IP/"
ok=0
for _ in $(seq 60); do
  kill -0 "$HTTPD_PID" 2>/dev/null || fail "httpd exited"
  if "${KERNEL[@]}" curl -s -o /dev/null -m 1 "http://$TACHYON_IP/"; then ok=1; break; fi
  sleep 0.5
done
[ "$ok" = 1 ] || fail "httpd did not answer within 30 s"

step "GET / (the page)"
"${KERNEL[@]}" curl -sS -m 10 -D "$WORK/page.head" -o "$WORK/page.html" "http://$TACHYON_IP/"
head -n 1 "$WORK/page.head"
grep -q "Hello from Tachyon" "$WORK/page.html" || fail "the page does not have the expected content"
cmp -s "$WORK/page.html" "$WORK/www/index.html" || fail "the page differs from the file served"
echo "page: $(wc -c <"$WORK/page.html") bytes, identical to the file served"

step "GET /bytes/$BYTES (4 MiB)"
"${KERNEL[@]}" curl -sS -m 60 -o "$WORK/bytes.bin" -w 'HTTP %{http_code}, %{size_download} bytes in %{time_total} s\n' \
  "http://$TACHYON_IP/bytes/$BYTES"
expected=$(python3 -c "
import hashlib
n = $BYTES
data = b''.join(b'%016x tachyon bytes 0123456789abcdefghijklmnopqrstuv\n' % (64 * k) for k in range((n + 63) // 64))[:n]
print(hashlib.sha256(data).hexdigest())")
size=$(stat -c %s "$WORK/bytes.bin")
actual=$(sha256sum "$WORK/bytes.bin" | cut -d' ' -f1)
[ "$size" = "$BYTES" ] || fail "got $size bytes, expected $BYTES"
[ "$actual" = "$expected" ] || fail "SHA-256 $actual, expected $expected"
echo "bytes: $size, SHA-256 $actual (as expected)"

step "the stack's counters and connections (tachyon stat --pid $HTTPD_PID)"
"$TACHYON" stat --pid "$HTTPD_PID" || fail "tachyon stat could not read httpd's counters"

step "stopping httpd (its --stats follow)"
kill -INT "$HTTPD_PID"
for _ in $(seq 100); do kill -0 "$HTTPD_PID" 2>/dev/null || break; sleep 0.1; done
wait "$HTTPD_PID" || fail "httpd exited with status $?"
HTTPD_PID=
grep -v '^EAL: \|^tap_\|^qdisc_\|^eth_dev_tap' "$WORK/httpd.log" || true

STATUS=0
step "main job: OK ($BACKEND backend)"
