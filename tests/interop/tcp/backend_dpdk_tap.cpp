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
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "tests/interop/drivers/netns_fixture.hpp"
#include "tests/interop/tcp/dpdk_env.hpp"
#include "tests/interop/tcp/environment.hpp"

namespace tachyon::interop {

namespace {

constexpr char kPrefix[] = "tcyns-";

int quiet(const std::vector<std::string>& argv, std::string* out = nullptr) {
    std::string ignored;
    return test::run_command(argv, out != nullptr ? out : &ignored);
}

// Namespaces tcyns-PID-tapN of processes that are gone (a crashed run): the TAP inside died with
// its process, the namespace did not.
void remove_stale_namespaces() {
    DIR* d = ::opendir("/run/netns");
    if (d == nullptr) return;
    std::vector<std::string> stale;
    while (dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name.rfind(kPrefix, 0) != 0 || name.find("-tap") == std::string::npos) continue;
        const long pid = std::strtol(name.c_str() + sizeof(kPrefix) - 1, nullptr, 10);
        if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) stale.push_back(name);
    }
    ::closedir(d);
    for (const auto& name : stale) quiet({"ip", "netns", "del", name});
}

class TapEnvironment final : public Environment {
public:
    ~TapEnvironment() override {
        dev_.reset();  // closes the TAP fd: the interface disappears, wherever it is
        if (netns_created_) quiet({"ip", "netns", "del", netns_});
    }

    static std::unique_ptr<TapEnvironment> create(std::string& error) {
        static unsigned next = 0;
        remove_stale_namespaces();
        std::unique_ptr<TapEnvironment> e(new TapEnvironment());
        const unsigned n = next++;
        const auto pid = static_cast<unsigned>(::getpid());
        e->netns_ = kPrefix + std::to_string(pid) + "-tap" + std::to_string(n);
        e->iface_ = "tcyt" + std::to_string(pid % 10000) + "x" + std::to_string(n % 1000);
        const auto subnet = static_cast<uint8_t>(1 + (pid + n) % 250);
        e->kernel_ip_ = Ipv4Address::from_octets(10, 79, subnet, 1);
        e->tachyon_ = {Ipv4Address::from_octets(10, 79, subnet, 2), 24};
        const std::string ns = e->netns_;
        const std::string ifc = e->iface_;

        auto step = [&](const std::vector<std::string>& argv) {
            std::string out;
            if (quiet(argv, &out) == 0) return true;
            std::string msg(1, '`');  // not error = "`": g++ 12 warns falsely (-Wrestrict)
            for (const auto& a : argv) msg += a + " ";
            error = msg + "` failed: " + out;
            return false;
        };
        quiet({"ip", "netns", "del", ns});  // a leftover with our pid
        if (!step({"ip", "netns", "add", ns})) return nullptr;
        e->netns_created_ = true;
        auto d = open_dpdk_port("net_tap" + std::to_string(n) + ",iface=" + ifc);
        if (!d) {
            error = "net_tap: " + d.error().message();
            return nullptr;
        }
        e->dev_ = std::move(*d);
        e->baseline_ = e->dev_->mbufs_in_use();
        // A MAC of its own for the kernel's end (net_tap gives it the port's), so frames look as on a
        // wire; no IPv6 chatter.
        const std::string kernel_mac = "02:00:0a:4f:" + std::to_string(10 + subnet % 90) + ":01";
        if (!step({"ip", "link", "set", ifc, "netns", ns}) ||
            !step({"ip", "-n", ns, "link", "set", ifc, "address", kernel_mac}) ||
            !step({"ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"}) ||
            !step({"ip", "-n", ns, "addr", "add", e->kernel_ip_.to_string() + "/24", "dev", ifc}) ||
            !step({"ip", "-n", ns, "link", "set", "lo", "up"}) || !step({"ip", "-n", ns, "link", "set", ifc, "up"})) {
            return nullptr;
        }
        return e;
    }

    Device& device() override { return *dev_; }
    const std::string& netns() const override { return netns_; }
    std::string kernel_if() const override { return iface_; }
    Ipv4Address kernel_ip() const override { return kernel_ip_; }
    Ipv4Cidr tachyon_address() const override { return tachyon_; }
    std::string describe() const override {
        return "DPDK " + dev_->name() + " <-TAP-> " + iface_ + " (" + kernel_ip_.to_string() + ") in " + netns_;
    }
    std::string check_released() override { return dpdk_mbufs_back(*dev_, baseline_); }

private:
    TapEnvironment() = default;
    std::string netns_;
    std::string iface_;
    bool netns_created_ = false;
    Ipv4Address kernel_ip_;
    Ipv4Cidr tachyon_;
    std::unique_ptr<DpdkDevice> dev_;
    size_t baseline_ = 0;
};

}  // namespace

std::unique_ptr<Environment> make_environment(std::string& error) { return TapEnvironment::create(error); }

}  // namespace tachyon::interop
