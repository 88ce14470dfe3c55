// The kernel-peer cases (kernel_cases.cpp) on DPDK's net_virtio_user, the virtio PMD a VM or
// container uses. This machine has no /dev/vhost-net, so the host's side is tcp_vhost_bridge
// (vhost_bridge.cpp), started per test in the kernel's namespace: it serves the vhost-user socket
// with net_vhost and bridges it to a TAP interface there. Each test hot-plugs a virtio_user port
// of its own into this process's one EAL:
//
//   DPDK net_virtio_userN (Tachyon, 10.81.S.2) <-vhost-user /tmp/tcy-vio-PID-N.sock->
//     tcp_vhost_bridge: net_vhost0 <-> net_tap0 <-TAP-> kernel tcyvPPPPxN (10.81.S.1) in tcyns-PID-vioN
//
// Tachyon's TCP checksums go out partial (virtio NEEDS_CSUM) and the bridge has its TAP port
// complete them, as a host's switch does; the kernel's frames reach the guest complete.
//
// Clean-up: the environment closes the port, stops the bridge, deletes the namespace and the
// socket file, also when the test failed; when this process dies instead, the bridge dies with it
// (PR_SET_PDEATHSIG) and the next run deletes the namespace and socket its pid names.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include "tests/interop/tcp/child_process.hpp"
#include "tests/interop/tcp/dpdk_env.hpp"
#include "tests/interop/tcp/environment.hpp"
#include "tests/interop/tcp/kernel_netns.hpp"

#ifndef TACHYON_VHOST_BRIDGE
#error "meson passes the path of tcp_vhost_bridge as TACHYON_VHOST_BRIDGE"
#endif

namespace tachyon::interop {

namespace {

constexpr char kSocketDir[] = "/tmp";
constexpr char kSocketPrefix[] = "tcy-vio-";

using namespace std::chrono_literals;
using WallClock = std::chrono::steady_clock;

constexpr auto kBridgeTimeout = 20s;  // the bridge's EAL start-up, the link coming up, its exit

// Pumps `child` until it reports `name`; nullopt when it reported an error, exited or the deadline
// passed first.
std::optional<JsonLine> await_child_event(ChildProcess& child, const std::string& name,
                                          std::chrono::milliseconds timeout) {
    const auto end = WallClock::now() + timeout;
    for (;;) {
        const bool ended = child.exit_status().has_value();  // pumps: all it wrote is read
        if (auto e = child.take_event(name)) {
            if (e->str("event") == name) return e;
            return std::nullopt;
        }
        if (ended || WallClock::now() >= end) return std::nullopt;
        std::this_thread::sleep_for(1ms);
    }
}

class VirtioEnvironment final : public KernelNetnsEnvironment {
public:
    // Also the path of a failed test: nothing of it is left behind (check_released() did the same
    // with checks on a passing path).
    ~VirtioEnvironment() override {
        dev_.reset();
        bridge_.reset();  // kills it if still running: the TAP goes with it
        if (!socket_.empty()) ::unlink(socket_.c_str());
    }

    static std::unique_ptr<VirtioEnvironment> create(std::string& error) {
        static unsigned next = 0;
        const unsigned n = next++;
        remove_stale_files(kSocketDir, kSocketPrefix);
        std::unique_ptr<VirtioEnvironment> e(new VirtioEnvironment());
        if (!e->make_netns("vio", 'v', 81, n, error)) return nullptr;
        e->socket_ = std::string(kSocketDir) + "/" + kSocketPrefix + std::to_string(::getpid()) + "-" + std::to_string(n) + ".sock";
        ::unlink(e->socket_.c_str());
        if (!e->start_bridge(error) || !e->configure_kernel_end(error)) return nullptr;
        e->vdev_ = "net_virtio_user" + std::to_string(n);
        auto d = open_dpdk_port(e->vdev_ + ",path=" + e->socket_ + ",queues=1,mac=" + e->link_mac(2));
        if (!d) {
            error = e->vdev_ + ": " + d.error().message() + "\n" + e->bridge_->transcript();
            return nullptr;
        }
        e->dev_ = std::move(*d);
        // The vhost side reports the link once it has taken the guest's rings.
        const auto end = WallClock::now() + kBridgeTimeout;
        while (!e->dev_->link_up()) {
            if (WallClock::now() >= end) {
                error = e->vdev_ + ": the link did not come up\n" + e->bridge_->transcript();
                return nullptr;
            }
            std::this_thread::sleep_for(1ms);
        }
        return e;
    }

    Device& device() override { return *dev_; }
    std::string describe() const override {
        return "DPDK " + vdev_ + " <-vhost-user-> tcp_vhost_bridge (pid " + std::to_string(bridge_pid_) + ") <-TAP-> " +
               iface_ + " (" + kernel_ip().to_string() + ") in " + netns();
    }

    // virtio frees sent mbufs only when it reuses their descriptors (no tx_done_cleanup), so the
    // exact account is taken at close: the port's mempool is freed only once every mbuf is back.
    // Then the bridge must end cleanly, having copied nothing.
    // Once only: the environment is good for destruction afterwards.
    std::string check_released() override {
        if (!dev_ || !bridge_) return "check_released() called twice";
        std::string problems;
        const std::string pool = dev_->mempool_name();
        dev_.reset();
        if (mempool_exists(pool)) problems += "mbufs of " + pool + " still in use after " + vdev_ + " closed; ";
        bridge_->signal(SIGTERM);
        auto done = await_child_event(*bridge_, "done", kBridgeTimeout);
        const int status = bridge_->wait(std::chrono::duration_cast<std::chrono::milliseconds>(kBridgeTimeout));
        if (!done || status != 0) {
            problems += "tcp_vhost_bridge ended with status " + std::to_string(status) + ": " + bridge_->transcript();
        } else {
            std::printf("[ bridge   ] %s\n", done->text().c_str());
        }
        bridge_.reset();
        return problems;
    }

private:
    VirtioEnvironment() = default;

    bool start_bridge(std::string& error) {
        bridge_ = ChildProcess::spawn({"ip", "netns", "exec", netns(), TACHYON_VHOST_BRIDGE, "--socket", socket_, "--tap",
                                       iface_, "--parent", std::to_string(::getpid())},
                                      error);
        if (!bridge_) return false;
        bridge_pid_ = bridge_->pid();
        if (await_child_event(*bridge_, "ready", kBridgeTimeout)) return true;
        error = "tcp_vhost_bridge did not start: " + bridge_->transcript();
        return false;
    }

    std::string socket_;
    std::string vdev_;
    std::unique_ptr<ChildProcess> bridge_;
    pid_t bridge_pid_ = -1;
    std::unique_ptr<DpdkDevice> dev_;
};

}  // namespace

std::unique_ptr<Environment> make_environment(std::string& error) { return VirtioEnvironment::create(error); }

}  // namespace tachyon::interop
