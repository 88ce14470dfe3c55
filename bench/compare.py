#!/usr/bin/env python3
"""Tachyon against the Linux kernel's TCP, side by side, in one run on this machine (issue 8).

Pairs (a `tachyon perf server` and a `tachyon perf client`, each pinned to one core: with taskset,
or for Tachyon with EAL's -l, leaving EAL's control threads the other core):
  tachyon          Tachyon over DPDK net_memif between the two processes, both busy-polling
  tachyon-trusted  the same with --trust-link at both ends: no checksums computed or verified, as
                   the kernel does over loopback (frames that never leave the host's memory)
  kernel           the kernel's TCP over loopback, both sides busy-polling (non-blocking sockets)
  kernel-blocking  the kernel's TCP over loopback, blocking sockets (the usual way to wait)
Tests (`tachyon perf client -t ...`, apps/perf_client.hpp), 64-byte messages unless said:
  latency     ping-pong; half round trip p50/p99/p99.9 and the CDF
  throughput  one connection's bulk transfer, 64 KiB writes, MSS 1460 (the kernel's set with
              TCP_MAXSEG: loopback's own MTU is 64 KiB; Tachyon's comes from memif's 1500 MTU)
  rate        64-byte messages streamed on one connection, messages/s
  cps         connect, one 64-byte request and its answer, close; connections/s, one at a time
  cps_par     the same with --cps-connections (8) in flight at once, as a web load generator's
              concurrency
              In both, the client closes first and keeps TIME-WAIT, and a TIME-WAIT tuple is
              reusable after --time-wait-reuse-delay (10 ms) in both stacks (Tachyon's option, the
              kernel's net.ipv4.tcp_tw_reuse_delay, set for the test and restored): with Linux's 1 s,
              28,232 ephemeral ports cap any client at 28k connections/s to one server port.
Every test also records the involuntary context switches (preemptions) of the client and the
server process, and the interrupts and steal time of their two CPUs, while it ran: with two
busy-polling processes on two cores, each one is a stall.

Prints a table with the ratios Tachyon / kernel (for latency: kernel / Tachyon, "x times better"),
writes JSON, and draws bench/results/latency_cdf.png and bench/results/throughput.png.

  bench/compare.py                      # builds build/release if it is missing, ~2 minutes
  bench/compare.py --seconds 10 --build /tmp/b --json /tmp/c.json

Needs root (DPDK), taskset, and matplotlib (Debian: python3-matplotlib) for the PNGs.
"""

import argparse
from contextlib import nullcontext
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TACHYON_PAIRS = ["tachyon", "tachyon-trusted"]
PAIRS = TACHYON_PAIRS + ["kernel", "kernel-blocking"]
TESTS = ["latency", "throughput", "rate", "cps", "cps_par"]
MEMIF_SERVER_IP = "10.201.0.1"
MEMIF_CLIENT_IP = "10.201.0.2"


def reexec_with_system_python():
    """Debian's python3-matplotlib lives in /usr/bin/python3's path; a pyenv python3 lacks it."""
    try:
        import matplotlib  # noqa: F401
        return
    except ImportError:
        pass
    system = "/usr/bin/python3"
    if os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system) \
            and not os.environ.get("TACHYON_COMPARE_REEXEC"):
        os.environ["TACHYON_COMPARE_REEXEC"] = "1"
        os.execv(system, [system] + sys.argv)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.path.join(REPO, "build", "release"),
                   help="meson build directory (set up with -Dbuildtype=release and built if missing)")
    p.add_argument("--tachyon", help="path of the tachyon binary (default: BUILD/apps/tachyon)")
    p.add_argument("--seconds", type=float, default=8.0, help="measured seconds per test and pair")
    p.add_argument("--warmup", type=float, default=0.5, help="warm-up seconds per test and pair")
    p.add_argument("--tests", default=",".join(TESTS), help="comma-separated subset of " + ",".join(TESTS))
    p.add_argument("--pairs", default=",".join(PAIRS), help="comma-separated subset of " + ",".join(PAIRS))
    p.add_argument("--server-core", type=int, default=1, help="core of the server process")
    p.add_argument("--client-core", type=int, default=0, help="core of the client process")
    p.add_argument("--mss", type=int, default=1460, help="the kernel's TCP_MAXSEG for the throughput test")
    p.add_argument("--port", type=int, default=0, help="kernel server port (default: a free one)")
    p.add_argument("--json", default=os.path.join(REPO, "bench", "results", "compare.json"), help="JSON output")
    p.add_argument("--plots", help="PNG directory (default: the JSON's directory); 'none' for no plots")
    p.add_argument("--time-wait", type=float, default=60.0,
                   help="Tachyon's TIME-WAIT in seconds for cps (RFC 9293's 2 MSL; the kernel keeps 60)")
    p.add_argument("--cps-connections", type=int, default=8, help="connections in flight in the cps_par test")
    p.add_argument("--time-wait-reuse-delay", type=int, default=10,
                   help="ms before a TIME-WAIT tuple may be reused in the cps tests, both stacks (Linux: 1000)")
    p.add_argument("--from-json", metavar="JSON",
                   help="measure nothing: print the table and draw the plots of an earlier run's JSON")
    p.add_argument("-v", "--verbose", action="store_true", help="print every command")
    return p.parse_args()


def ensure_built(args):
    if args.tachyon:
        return args.tachyon
    binary = os.path.join(args.build, "apps", "tachyon")
    if not os.path.exists(os.path.join(args.build, "build.ninja")):
        # A fresh clone: the Debian packages (matplotlib among them) and the configuration, as the
        # README's commands do.
        run_checked(["bash", os.path.join(REPO, "scripts", "setup.sh"), args.build, "-Dbuildtype=release"])
    run_checked(["ninja", "-C", args.build, "apps/tachyon"])
    return binary


def run_checked(cmd):
    print("+ " + " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, stdout=sys.stderr)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `tachyon perf server`, pinned, up until stop(); one per test."""

    def __init__(self, cmd, ready_text, verbose):
        self.cmd = cmd
        if verbose:
            print("+ " + " ".join(cmd), file=sys.stderr)
        self.log = open(os.devnull, "w")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        self.output = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.output.append(line)
            if ready_text in line:
                return
        self.stop()
        raise RuntimeError("perf server did not start: " + " ".join(cmd) + "\n" + "".join(self.output))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def memif_dev(pair, sock, role, core):
    # -l: the polling thread on its own core; EAL's control threads take the other one (pin()).
    args = ["--dev", "dpdk:--vdev=net_memif0,role=%s,id=0,socket=%s -l %d" % (role, sock, core)]
    return args + ["--trust-link"] if pair == "tachyon-trusted" else args


def pin(args, pair, core):
    """taskset for one side. A Tachyon process may use both cores: its polling thread is pinned to
    its own by -l (memif_dev), and EAL's control threads go to the other, so that they never
    preempt the poll loop (as DPDK deployments give them a CPU of their own)."""
    if pair in TACHYON_PAIRS:
        return ["taskset", "-c", "%d,%d" % (args.server_core, args.client_core)]
    return ["taskset", "-c", str(core)]


def start_server(args, tachyon, pair, sock, port):
    cmd = pin(args, pair, args.server_core)
    if pair in TACHYON_PAIRS:
        cmd += [tachyon, "perf", "server"] + memif_dev(pair, sock, "server", args.server_core) + ["--ip",
                MEMIF_SERVER_IP + "/24", "--idle", "busy", "--no-stat-shm"]
        return Server(cmd, "perf server: tachyon", args.verbose)
    idle = "busy" if pair == "kernel" else "backoff"
    cmd += [tachyon, "perf", "server", "--kernel", "--port", str(port), "--idle", idle]
    return Server(cmd, "perf server: kernel", args.verbose)


def client_cmd(args, tachyon, pair, test, sock, port):
    cps = test.startswith("cps")
    cmd = pin(args, pair, args.client_core) + [tachyon, "perf", "client", "-t", "cps" if cps else test, "--json",
                                               "--no-progress", "-D", str(args.seconds), "--warmup", str(args.warmup)]
    if test in ("latency", "rate") or cps:
        cmd += ["-s", "64"]
    if test == "cps_par":
        cmd += ["-c", str(args.cps_connections)]
    if pair in TACHYON_PAIRS:
        cmd += memif_dev(pair, sock, "client", args.client_core) + ["--ip", MEMIF_CLIENT_IP + "/24", "--idle",
                                                                    "busy", "--no-stat-shm", MEMIF_SERVER_IP]
        if cps:
            # TIME-WAIT lasts --time-wait, bounded as this kernel bounds its own: beyond that many
            # records the oldest gives way, as Linux beyond tcp_max_tw_buckets.
            cmd += ["--time-wait", str(args.time_wait), "--max-time-wait", str(kernel_max_tw_buckets())]
            cmd += ["--time-wait-reuse-delay", str(args.time_wait_reuse_delay)]
    else:
        cmd += ["--kernel", "--idle", "busy" if pair == "kernel" else "backoff", "127.0.0.1:%d" % port]
        if test == "throughput" and args.mss > 0:
            cmd += ["--kernel-mss", str(args.mss)]
    return cmd


def preemptions(pid):
    """Involuntary context switches of a process so far (/proc/PID/status)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("nonvoluntary_ctxt_switches:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_counters(cpus):
    """Interrupts handled and steal time (ms) so far on the given CPUs, from /proc/interrupts and
    /proc/stat: what stops a busy-polling process without a context switch."""
    interrupts = 0
    try:
        with open("/proc/interrupts") as f:
            header = f.readline().split()
            cols = [header.index("CPU%d" % c) for c in cpus if "CPU%d" % c in header]
            for line in f:
                fields = line.split()[1:]
                for c in cols:
                    if c < len(fields) and fields[c].isdigit():
                        interrupts += int(fields[c])
    except OSError:
        pass
    steal = 0
    hz = os.sysconf("SC_CLK_TCK")
    try:
        with open("/proc/stat") as f:
            for line in f:
                name = line.split()[0]
                if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
                    steal += int(line.split()[8]) * 1000 // hz
    except OSError:
        pass
    return interrupts, steal


def kernel_max_tw_buckets():
    """net.ipv4.tcp_max_tw_buckets (131072 on the development machine)."""
    try:
        with open("/proc/sys/net/ipv4/tcp_max_tw_buckets") as f:
            return max(16, min(int(f.read()), 1 << 20))
    except (OSError, ValueError):
        return 1 << 17


def run_client(cmd, verbose, timeout, server_pid, cpus):
    """The client's JSON result, with the preemptions of both processes, and the interrupts and
    steal time of their CPUs, while it ran."""
    if verbose:
        print("+ " + " ".join(cmd), file=sys.stderr)
    for attempt in range(5):
        server_before = preemptions(server_pid)
        cpu_before = cpu_counters(cpus)
        client_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_nivcsw
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
        client_preempted = resource.getrusage(resource.RUSAGE_CHILDREN).ru_nivcsw - client_before
        server_after = preemptions(server_pid)
        cpu_after = cpu_counters(cpus)
        # The memif server takes the previous client's disconnection in its interrupt thread; a
        # new client that comes first is refused. It is let in once that is done.
        if r.returncode == 0 or "memif_connect_client" not in r.stderr:
            break
        time.sleep(0.5 * (attempt + 1))
    if r.returncode != 0:
        raise RuntimeError("client failed (%d): %s\n%s%s" % (r.returncode, " ".join(cmd), r.stdout, r.stderr))
    # DPDK may print lines of its own before the JSON object.
    text = r.stdout[r.stdout.index("{"):]
    result = json.loads(text)["results"][0]
    result["client_preemptions"] = client_preempted
    result["interrupts"] = cpu_after[0] - cpu_before[0]
    result["steal_ms"] = cpu_after[1] - cpu_before[1]
    if server_before is not None and server_after is not None:
        result["server_preemptions"] = server_after - server_before
    return result


class KernelTimeWaitReuseDelay:
    """net.ipv4.tcp_tw_reuse_delay (Linux 6.13+) set for a while and put back."""
    PATH = "/proc/sys/net/ipv4/tcp_tw_reuse_delay"

    def __init__(self, ms):
        self.ms = ms
        self.saved = None

    def __enter__(self):
        if os.path.exists(self.PATH):
            with open(self.PATH) as f:
                self.saved = f.read().strip()
            with open(self.PATH, "w") as f:
                f.write(str(self.ms))
        else:
            print("note: this kernel has no tcp_tw_reuse_delay; its TIME-WAIT reuse waits 1 s", file=sys.stderr)
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            with open(self.PATH, "w") as f:
                f.write(self.saved)


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    return {"cpu": cpu, "cpus": os.cpu_count(), "kernel": platform.release(), "loadavg_before": load}


# (test, JSON key, label, unit, higher is better, scale)
ROWS = [
    ("latency", "half_rtt_p50_us", "half RTT p50", "us", False, 1),
    ("latency", "half_rtt_p99_us", "half RTT p99", "us", False, 1),
    ("latency", "half_rtt_p99_9_us", "half RTT p99.9", "us", False, 1),
    ("throughput", "gbit_per_s", "bulk throughput", "Gbit/s", True, 1),
    ("rate", "messages_per_s", "64 B message rate", "M msg/s", True, 1e-6),
    ("cps", "connections_per_s", "conn/s, one at a time", "k conn/s", True, 1e-3),
    ("cps", "connection_p50_us", "connection time p50", "us", False, 1),
    ("cps_par", "connections_per_s", "conn/s, N in flight", "k conn/s", True, 1e-3),
]


def ratio_name(tachyon_pair, kernel_pair):
    return "%s vs %s" % (tachyon_pair, kernel_pair)


def table(results, pairs):
    lines = []
    head = "%-20s %-9s" % ("", "unit") + "".join(" %15s" % p for p in pairs)
    kernels = [p for p in pairs if p not in TACHYON_PAIRS]
    versus = [(t, k) for t in pairs if t in TACHYON_PAIRS for k in kernels]
    head += "".join(" %26s" % ratio_name(t, k) for t, k in versus)
    lines.append(head)
    ratios = {}
    for test, key, label, unit, higher, scale in ROWS:
        vals = {p: results.get(p, {}).get(test, {}).get(key) for p in pairs}
        if all(v is None for v in vals.values()):
            continue
        line = "%-20s %-9s" % (label, unit)
        for p in pairs:
            line += " %15s" % ("-" if vals[p] is None else "%.3f" % (vals[p] * scale))
        for t, k in versus:
            tv, kv = vals[t], vals[k]
            if tv and kv:
                r = tv / kv if higher else kv / tv
                ratios.setdefault(ratio_name(t, k), {})[test + "." + key] = r
                line += " %25.2fx" % r
            else:
                line += " %26s" % "-"
        lines.append(line)
    # Per test, what stopped the two processes: preemptions (client + server) and interrupts.
    for test in TESTS:
        runs = {p: results.get(p, {}).get(test) for p in pairs}
        if all(r is None or "client_preemptions" not in r for r in runs.values()):
            continue
        # The counts cover the client's start-up and warm-up too: per measured second, an upper bound.
        for label, count in (("preempted, ", lambda r: r["client_preemptions"] + r.get("server_preemptions", 0)),
                             ("interrupts, ", lambda r: r.get("interrupts"))):
            line = "%-20s %-9s" % (label + test, "1/s")
            for p in pairs:
                r = runs[p]
                n = None if r is None or "client_preemptions" not in r else count(r)
                line += " %15s" % ("-" if n is None else "%.0f" % (n / max(r["seconds"], 1e-9)))
            lines.append(line)
    return "\n".join(lines), ratios


def plot(results, pairs, outdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    colours = {"tachyon": "#1b7837", "tachyon-trusted": "#5aae61", "kernel": "#2166ac", "kernel-blocking": "#b2182b"}
    files = []
    lat = {p: results[p]["latency"] for p in pairs if "latency" in results.get(p, {})}
    if lat:
        fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
        for p, r in lat.items():
            pts = [(v / 2e3, pc / 100) for pc, v in r["cdf_ns"] if 0 < pc < 100]
            ax.plot([x for x, _ in pts], [y for _, y in pts], marker=".", markersize=3, linewidth=1.5,
                    color=colours.get(p), label="%s  (p50 %.2f us, p99.9 %.2f us)" % (
                        p, r["half_rtt_p50_us"], r["half_rtt_p99_9_us"]))
        ax.set_xscale("log")
        ax.set_yscale("logit")
        ax.set_ylim(0.01, 0.99999)
        ticks = [0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 0.99999]
        ax.set_yticks(ticks)
        ax.set_yticklabels(["p1", "p10", "p50", "p90", "p99", "p99.9", "p99.99", "p99.999"])
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("half round trip (us, log scale), 64-byte messages")
        ax.set_ylabel("percentile (logit scale)")
        ax.set_title("Latency CDF: Tachyon over memif vs kernel TCP loopback")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="lower right", fontsize=9)
        fig.tight_layout()
        path = os.path.join(outdir, "latency_cdf.png")
        fig.savefig(path)
        plt.close(fig)
        files.append(path)

    bars = [("throughput", "gbit_per_s", "bulk throughput (Gbit/s)\nMSS 1460", 1),
            ("rate", "messages_per_s", "64 B message rate\n(M msg/s)", 1e-6),
            ("cps", "connections_per_s", "connections/s (k), one at a time\nconnect, 1 request, close", 1e-3),
            ("cps_par", "connections_per_s", "connections/s (k),\nseveral in flight", 1e-3)]
    bars = [b for b in bars if any(b[0] in results.get(p, {}) for p in pairs)]
    if bars:
        fig, axes = plt.subplots(1, len(bars), figsize=(4 * len(bars), 4.5), dpi=110, squeeze=False)
        for ax, (test, key, title, scale) in zip(axes[0], bars):
            names = [p for p in pairs if test in results.get(p, {})]
            vals = [results[p][test][key] * scale for p in names]
            rects = ax.bar(range(len(names)), vals, color=[colours.get(p) for p in names])
            ax.set_xticks(range(len(names)))
            ax.set_xticklabels(names, rotation=15)
            ax.set_title(title, fontsize=10)
            top = max(vals) if vals else 1
            ax.set_ylim(0, top * 1.18)
            for rect, v in zip(rects, vals):
                ax.text(rect.get_x() + rect.get_width() / 2, rect.get_height() + top * 0.02, "%.3g" % v,
                        ha="center", va="bottom", fontsize=9)
        fig.suptitle("Tachyon over memif vs kernel TCP loopback (one connection)")
        fig.tight_layout()
        path = os.path.join(outdir, "throughput.png")
        fig.savefig(path)
        plt.close(fig)
        files.append(path)
    return files


def main():
    reexec_with_system_python()
    args = parse_args()
    tests = [t for t in args.tests.split(",") if t]
    pairs = [p for p in args.pairs.split(",") if p]
    for t in tests:
        if t not in TESTS:
            sys.exit("unknown test %r (%s)" % (t, ",".join(TESTS)))
    for p in pairs:
        if p not in PAIRS:
            sys.exit("unknown pair %r (%s)" % (p, ",".join(PAIRS)))
    if args.from_json:
        with open(args.from_json) as f:
            saved = json.load(f)
        pairs = [p for p in pairs if p in saved["results"]]
        report(saved["machine"], saved["seconds"], saved["warmup"], None, saved["results"], pairs)
        draw(args, saved["results"], pairs, os.path.dirname(os.path.abspath(args.from_json)))
        return
    if shutil.which("taskset") is None:
        sys.exit("taskset is missing (Debian: util-linux)")
    tachyon = ensure_built(args)
    port = args.port or free_port()
    sock = "/tmp/tcy-compare-%d.sock" % os.getpid()
    info = machine()
    started = time.monotonic()
    results = {}
    commands = []
    client_timeout = args.warmup + args.seconds + 60
    cpus = {args.server_core, args.client_core}
    try:
        for pair in pairs:
            for test in tests:
                # A server of its own per test: each starts clean, and no client depends on the
                # memif server taking a reconnection (which it sometimes refused under load).
                server = start_server(args, tachyon, pair, sock, port)
                commands.append(" ".join(server.cmd))
                try:
                    cmd = client_cmd(args, tachyon, pair, test, sock, port)
                    commands.append(" ".join(cmd))
                    print("%-16s %-11s ..." % (pair, test), end="", file=sys.stderr, flush=True)
                    kernel_cps = test.startswith("cps") and pair not in TACHYON_PAIRS
                    with KernelTimeWaitReuseDelay(args.time_wait_reuse_delay) if kernel_cps else nullcontext():
                        r = run_client(cmd, args.verbose, client_timeout, server.proc.pid, cpus)
                    results.setdefault(pair, {})[test] = r
                    print(" done", file=sys.stderr)
                finally:
                    server.stop()
    finally:
        if os.path.exists(sock):
            os.unlink(sock)
    with open("/proc/loadavg") as f:
        info["loadavg_after"] = f.read().split()[:3]
    ratios = report(info, args.seconds, args.warmup, time.monotonic() - started, results, pairs,
                    args.server_core, args.client_core)
    out = {"machine": info, "seconds": args.seconds, "warmup": args.warmup, "kernel_mss": args.mss,
           "commands": commands, "results": results, "ratios": ratios}
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(out, f, indent=1)
    print("JSON: " + args.json)
    draw(args, results, pairs, os.path.dirname(os.path.abspath(args.json)))


def report(info, seconds, warmup, elapsed, results, pairs, server_core=None, client_core=None):
    text, ratios = table(results, pairs)
    print("Machine: %s, %d CPUs, Linux %s; load average before %s, after %s" % (
        info["cpu"], info["cpus"], info["kernel"], " ".join(info["loadavg_before"]),
        " ".join(info.get("loadavg_after", ["?"]))))
    line = "Each test: %.1f s measured after %.1f s warm-up" % (seconds, warmup)
    if server_core is not None:
        line += "; server on core %d, client on core %d" % (server_core, client_core)
    if elapsed is not None:
        line += "; %.0f s in all" % elapsed
    print(line)
    print(text)
    print("(ratios: how many times better Tachyon is; latency kernel/Tachyon, the rest Tachyon/kernel)")
    return ratios


def draw(args, results, pairs, default_dir):
    if args.plots == "none":
        return
    outdir = args.plots or default_dir
    os.makedirs(outdir, exist_ok=True)
    try:
        for path in plot(results, pairs, outdir):
            print("plot: " + path)
    except ImportError:
        print("no plots: matplotlib is missing (Debian: apt-get install python3-matplotlib)", file=sys.stderr)


if __name__ == "__main__":
    main()
