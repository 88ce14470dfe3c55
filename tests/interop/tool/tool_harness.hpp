// The harness of the `tachyon` tool's end-to-end tests: runs the tool and the kernel-side programs
// (curl, wrk, ab, sockperf, socat, ping, python3) as processes with bounded waits, and gives each
// test a kernel peer on a device of its own:
//   - DPDK net_tap (when the build has DPDK): Tachyon creates the TAP; its kernel end, in this
//     namespace, gets the peer address once it appears;
//   - native AF_PACKET on a veth pair whose kernel end lives in a network namespace.
// Names (interfaces, namespace) and subnets are unique per process and test; everything is removed
// in destructors, which also kill what is still running. Needs root.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace tachyon::tooltest {

using namespace std::chrono_literals;
using Millis = std::chrono::milliseconds;

// The tachyon executable under test (TACHYON_BIN, set by meson).
std::string tachyon_bin();
bool have_dpdk();

struct RunOptions {
    std::string stdin_file;        // empty: /dev/null
    bool drop_privileges = false;  // run as uid/gid 65534 with no capabilities
};

struct RunResult {
    int status = -1;   // exit code, 128 + signal when killed, -1 when it could not start
    std::string out;   // stdout and stderr together
};

// Runs argv (no shell) to completion, killing it after `timeout`.
RunResult run(const std::vector<std::string>& argv, Millis timeout = 30s, const RunOptions& options = {});

class Process {
public:
    static std::unique_ptr<Process> start(const std::vector<std::string>& argv, const RunOptions& options = {});
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
    ~Process();  // SIGKILL if still running

    pid_t pid() const { return pid_; }
    bool running();
    std::string output() const;
    // Until the output contains `needle`, the process exits, or the timeout passes.
    bool wait_output(const std::string& needle, Millis timeout = 30s);
    // SIGINT, then SIGKILL after `grace`; returns the exit status as run() does.
    int stop(Millis grace = 10s);
    // Waits for the process to exit by itself (SIGKILL after the timeout).
    int wait(Millis timeout = 30s);

private:
    Process() = default;
    bool reap(bool block);
    pid_t pid_ = -1;
    int status_ = -1;
    bool exited_ = false;
    std::string out_path_;
};

enum class PeerKind { kDpdkTap, kAfPacketVeth };
const char* peer_kind_name(PeerKind k);

// The kernel on the far side of a device that a Tachyon process opens.
class Peer {
public:
    static std::unique_ptr<Peer> create(PeerKind kind, std::string& error);
    Peer(const Peer&) = delete;
    Peer& operator=(const Peer&) = delete;
    ~Peer();

    PeerKind kind() const { return kind_; }
    std::string dev_spec() const;  // --dev
    const std::string& iface() const { return iface_; }
    std::string tachyon_ip() const { return prefix_ + ".2"; }
    std::string tachyon_cidr() const { return prefix_ + ".2/24"; }
    std::string kernel_ip() const { return prefix_ + ".1"; }
    // The common options: --dev, --ip, --idle backoff (never two busy pollers on a small machine).
    std::vector<std::string> net_args() const;

    // Once the Tachyon process runs: for a TAP, waits for the interface and gives its kernel end
    // the peer address; for veth nothing. false (with error) on a timeout or if the process died.
    bool attach(Process& p, std::string& error);
    // argv run in the kernel peer's namespace.
    std::vector<std::string> kernel(std::vector<std::string> argv) const;
    // Whether the Tachyon-side interface is gone (a TAP after its process exited).
    bool tap_gone() const;

private:
    Peer() = default;
    PeerKind kind_ = PeerKind::kDpdkTap;
    std::string iface_;     // TAP, or our end of the veth pair
    std::string peer_if_;   // veth: the kernel's end
    std::string netns_;     // veth: the kernel's namespace
    std::string prefix_;    // "10.x.y"
};

// A fresh unique name: prefix + pid + counter (fits IFNAMSIZ for short prefixes).
std::string unique_name(const std::string& prefix);
// A TCP port for a test server, different on every call: below Linux's ephemeral range (32768 and
// up), so that no client connection of an earlier test (in TIME-WAIT or FIN-WAIT-2) holds it.
int next_port();
std::string temp_dir();  // a per-process directory, removed at exit

// The /bytes/N pattern (apps/byte_pattern.hpp), rebuilt independently of the tool's code.
std::string byte_pattern(size_t n);
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& data);
// The first integer after `key` in `text` (-1 when absent).
long long number_after(const std::string& text, const std::string& key);
bool interface_exists(const std::string& name);

}  // namespace tachyon::tooltest
