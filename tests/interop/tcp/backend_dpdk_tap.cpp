// The kernel-peer cases (kernel_cases.cpp) on DPDK's net_tap. Each test hot-plugs a TAP port of
// its own into this process's one EAL, then moves the TAP interface the PMD made into a fresh
// network namespace, so that the kernel peer, its address and its nftables rules are private to
// the test:
//
//   DPDK port net_tapN (Tachyon, 10.79.S.2)  <-- TAP fd -->  kernel tcytPPPPxN (10.79.S.1) in tcyns-PID-tapN
//
// The PMD keeps working after the move: it reads and writes the TAP's file descriptor, which
// does not depend on the namespace. Its ioctls by interface name (link state, MTU) no longer find
// the interface, so the port's link status is not meaningful here; the stack does not ask for it.
#include "tests/interop/tcp/dpdk_env.hpp"
#include "tests/interop/tcp/environment.hpp"
#include "tests/interop/tcp/kernel_netns.hpp"

namespace tachyon::interop {

namespace {

class TapEnvironment final : public KernelNetnsEnvironment {
public:
    // The port goes before the namespace: closing the TAP fd removes the interface, wherever it is.
    ~TapEnvironment() override { dev_.reset(); }

    static std::unique_ptr<TapEnvironment> create(std::string& error) {
        static unsigned next = 0;
        const unsigned n = next++;
        std::unique_ptr<TapEnvironment> e(new TapEnvironment());
        if (!e->make_netns("tap", 't', 79, n, error)) return nullptr;
        auto d = open_dpdk_port("net_tap" + std::to_string(n) + ",iface=" + e->iface_);
        if (!d) {
            error = "net_tap: " + d.error().message();
            return nullptr;
        }
        e->dev_ = std::move(*d);
        e->baseline_ = e->dev_->mbufs_in_use();
        // net_tap gives the kernel's end the port's MAC: configure_kernel_end() gives it its own.
        if (!run_steps({{"ip", "link", "set", e->iface_, "netns", e->netns()}}, error) || !e->configure_kernel_end(error)) {
            return nullptr;
        }
        return e;
    }

    Device& device() override { return *dev_; }
    std::string describe() const override {
        return "DPDK " + dev_->name() + " <-TAP-> " + iface_ + " (" + kernel_ip().to_string() + ") in " + netns();
    }
    std::string check_released() override { return dpdk_mbufs_back(*dev_, baseline_); }

private:
    TapEnvironment() = default;
    std::unique_ptr<DpdkDevice> dev_;
    size_t baseline_ = 0;
};

}  // namespace

std::unique_ptr<Environment> make_environment(std::string& error) { return TapEnvironment::create(error); }

}  // namespace tachyon::interop
