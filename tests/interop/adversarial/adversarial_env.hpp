// The stage of the adversarial tests: one `tachyon httpd` on a device of its own with the kernel
// as its peer (tests/interop/tool's harness), the attacker (adversary.py, scapy) sniffing the
// kernel's side of that device from the start, and, per test, a legitimate transfer held in
// progress (hold_client.py) that must complete byte-exact whatever is thrown at the server.
// Counters come from the shared-memory snapshot the server publishes (`tachyon stat`).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "apps/stat_shm.hpp"
#include "tests/interop/tool/tool_fixture.hpp"

namespace tachyon::advtest {

using tooltest::Millis;
using namespace std::chrono_literals;

inline constexpr int kHttpPort = 80;
inline constexpr int kClosedPort = 9;  // nothing listens here (and on kClosedPort + 1)

// A /bytes/N download that reads `hold` bytes and then stops reading until release(): the
// connection is ESTABLISHED with data queued at the server and a zero window.
class HeldTransfer {
public:
    static constexpr size_t kBytes = 1 << 20;
    static constexpr size_t kHold = 128 * 1024;

    // Starts it and waits until it holds; reports failures through gtest (then port() is 0).
    explicit HeldTransfer(size_t bytes = kBytes);
    ~HeldTransfer();
    int port() const { return port_; }
    // Lets it read the rest; true when the body arrived complete and equal to the pattern.
    bool release_and_verify(std::string& why);

private:
    std::unique_ptr<tooltest::Process> client_;
    std::string out_;
    size_t bytes_;
    int port_ = 0;
};

struct Snapshot {
    std::unique_ptr<apps::StatSnapshot> s;
    const apps::StatSnapshot* operator->() const { return s.get(); }
};

class Env {
public:
    // The suite's server and attacker, started on first use (SetUpTestSuite), removed at exit.
    static Env& get();
    static void shutdown();
    bool ok() const { return ok_; }
    const std::string& error() const { return error_; }

    tooltest::Peer& peer() { return *running_.peer; }
    tooltest::Process& server() { return *running_.tachyon; }
    std::string tachyon_ip() { return peer().tachyon_ip(); }
    std::string kernel_ip() { return peer().kernel_ip(); }
    // The kernel-side interface that routes to Tachyon (a TAP here, a veth end in a namespace).
    std::string kernel_iface();

    // Runs one attack on the held connection `port`; the attacker's verdict on the wire.
    ::testing::AssertionResult attack(const std::string& name, int port, std::string* details = nullptr);
    // A snapshot published after everything the server did before this call.
    Snapshot counters();
    long rss_kib();

    void stop_server();  // SIGINT; expects a clean exit with every buffer back

private:
    Env() = default;
    void start();
    bool ok_ = false;
    std::string error_;
    tooltest::Running running_;
    std::unique_ptr<tooltest::Process> adversary_;
    int command_fd_ = -1;
    int next_id_ = 0;
};

std::string script(const std::string& name);  // a file of this directory (ADVERSARIAL_DIR)

}  // namespace tachyon::advtest
