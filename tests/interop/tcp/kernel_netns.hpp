// The kernel's end of a DPDK link whose interface a DPDK process makes (net_tap here or in the
// vhost bridge): a network namespace of its own, "tcyns-<pid>-<kind><n>", so that the kernel
// peer, its address and its nftables rules are private to the test. Deleted on destruction;
// create() first deletes namespaces (and, with remove_stale_files, files) that processes now gone
// left behind (a crashed run).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "stack/wire/ipv4_address.hpp"
#include "tests/interop/tcp/environment.hpp"

namespace tachyon::interop {

class KernelNetns {
public:
    // nullptr with `error` when the namespace cannot be made.
    static std::unique_ptr<KernelNetns> create(const std::string& kind, unsigned n, std::string& error);
    KernelNetns(const KernelNetns&) = delete;
    KernelNetns& operator=(const KernelNetns&) = delete;
    ~KernelNetns();

    const std::string& name() const { return name_; }
    // Gives `iface` (already in the namespace) the MAC `mac` (the kernel's own, so that frames look
    // as on a wire) and `address`/24, turns IPv6 off (no chatter on the link) and brings it and lo up.
    bool configure(const std::string& iface, const std::string& mac, Ipv4Address address, std::string& error) const;

private:
    KernelNetns() = default;
    std::string name_;
};

// An Environment whose kernel end is an interface a DPDK process makes, in a KernelNetns of its
// own. Names and addresses derive from the pid and the test's number n, so that runs side by side
// do not clash: namespace tcyns-<pid>-<kind><n>, interface tcy<letter><pid % 10000>x<n % 1000>,
// the kernel at 10.<net>.S.1/24 and Tachyon at 10.<net>.S.2.
class KernelNetnsEnvironment : public Environment {
public:
    const std::string& netns() const override { return netns_->name(); }
    std::string kernel_if() const override { return iface_; }
    Ipv4Address kernel_ip() const override { return kernel_ip_; }
    Ipv4Cidr tachyon_address() const override { return tachyon_; }

protected:
    // Makes the namespace and the names; false with `error`.
    bool make_netns(const std::string& kind, char letter, uint8_t net, unsigned n, std::string& error);
    // A locally administered MAC on this link, 02:00:0a:<net>:<S>:<host>.
    std::string link_mac(uint8_t host) const;
    // Configures kernel_if() once it is in the namespace (KernelNetns::configure), MAC link_mac(1).
    bool configure_kernel_end(std::string& error) const;

    std::unique_ptr<KernelNetns> netns_;
    std::string iface_;

private:
    uint8_t net_ = 0;
    uint8_t subnet_ = 0;
    Ipv4Address kernel_ip_;
    Ipv4Cidr tachyon_;
};

// Runs each argv in turn (no shell); false with `error` naming the first that failed, and why.
bool run_steps(const std::vector<std::vector<std::string>>& steps, std::string& error);

// Deletes the files in `dir` named <prefix><pid>... whose process is gone.
void remove_stale_files(const std::string& dir, const std::string& prefix);

}  // namespace tachyon::interop
