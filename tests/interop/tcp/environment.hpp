// Where a kernel-peer interop test runs: a device for Tachyon and, at the other end of the link,
// the Linux kernel in a network namespace of its own, with an address on the same /24. Each
// backend's executable defines make_environment(); the test cases (kernel_cases.cpp) are the
// same for every backend. An Environment removes everything it made (namespace, links, devices)
// when destroyed, also when the test failed.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lib/device.hpp"
#include "lib/result.hpp"
#include "stack/wire/ipv4_address.hpp"
#include "tests/interop/tcp/child_process.hpp"

namespace tachyon::interop {

class Environment {
public:
    virtual ~Environment() = default;
    virtual Device& device() = 0;
    // A descriptor that becomes readable when the device has frames (-1: none; the node sleeps).
    virtual int wait_fd() const { return -1; }
    virtual const std::string& netns() const = 0;
    virtual std::string kernel_if() const = 0;  // the kernel's interface, inside netns()
    virtual Ipv4Address kernel_ip() const = 0;
    virtual Ipv4Cidr tachyon_address() const = 0;  // the kernel's /24
    virtual std::string describe() const = 0;
    // After the stack is gone: "" when every buffer the device lent came back, else what did not.
    virtual std::string check_released() { return {}; }
    // Why the device cannot hand the stack a datagram the kernel sent in IP fragments ("": it can).
    virtual std::string fragments_not_delivered() const { return {}; }
};

// Defined by each backend's test executable.
std::unique_ptr<Environment> make_environment(std::string& error);

// A veth pair whose other end is in a fresh namespace (tests/interop/drivers/netns_fixture.hpp:
// no static neighbour entry, so the kernel resolves us by ARP; segmentation and checksum
// offloads off on the kernel's end) and a device `open` makes on our end.
struct VethDevice {
    std::unique_ptr<Device> device;
    int wait_fd = -1;
    std::function<std::string()> check_released;  // may be empty
    std::string fragments_not_delivered;          // Environment::fragments_not_delivered()
};
using VethOpener = std::function<Result<VethDevice>(const std::string& iface)>;
std::unique_ptr<Environment> make_veth_environment(const std::string& backend, const VethOpener& open,
                                                   std::string& error);

// ---- the kernel's side ----

// Runs argv in namespace ns; the exit status (output: stdout and stderr).
int netns_exec(const std::string& ns, const std::vector<std::string>& argv, std::string* output = nullptr);

// The kernel's TCP sockets in ns (`ss -Htan`), e.g. {"TIME-WAIT", "10.77.3.1:5001", "10.77.3.2:40000"}.
struct KernelSocket {
    std::string state;
    std::string local;
    std::string peer;
};
std::vector<KernelSocket> kernel_tcp_sockets(const std::string& ns);

// kernel_peer.py in ns with `args`; nullptr with `error` when it cannot start.
std::unique_ptr<ChildProcess> spawn_kernel_peer(const std::string& ns, const std::vector<std::string>& args,
                                                std::string& error);

// nftables in ns: drops one in `modulus` TCP packets at random on input (2% for 50), i.e. what
// Tachyon sends is lost on its way. Not on output: a packet the kernel's own output hook drops is
// not lost to TCP (the transmit fails and TCP sends it again), and this kernel has no netem; the
// loss of the kernel's packets is modelled at Tachyon's device (FaultInjector RX) instead.
bool add_random_loss(const std::string& ns, int modulus, std::string& error);
// nftables in ns, the same way: each rule drops the first `packets` TCP packets Tachyon sends of
// an IPv4 total length (and matching `match`, more of nft's expression, if given), to lose
// chosen segments.
struct FirstDrop {
    int ip_length = 0;
    int packets = 1;
    std::string match;
};
bool add_first_drops(const std::string& ns, const std::vector<FirstDrop>& drops, std::string& error);
// A counter of the kernel's TCP in ns as nstat names it (TcpExtTCPDSACKRecv, ...); -1 if unreadable.
long kernel_tcp_counter(const std::string& ns, const std::string& name);
// How many packets the loss rules dropped (their counters), -1 when unreadable.
long loss_rule_drops(const std::string& ns);

// nftables in ns: a TCP SYN to `port` is answered with ICMP destination unreachable `icmp_type`
// (nft's name: host-unreachable, admin-prohibited, ...) instead of reaching the kernel's TCP, as a
// firewall on the path would answer.
bool add_icmp_reject(const std::string& ns, uint16_t port, const std::string& icmp_type, std::string& error);

// A host behind the kernel of `router_ns`: a namespace of its own at the end of a veth pair from
// router_ns, which forwards between its links. The router's route to the host carries route_mtu,
// below both links' 1500, so that the host still announces MSS 1460 while the router answers a
// larger datagram with DF set with "fragmentation needed" (RFC 1191), as a tunnel on the path
// would. Tachyon reaches it with the router's address as its gateway. Removed on destruction.
class HostBehindRouter {
public:
    static std::unique_ptr<HostBehindRouter> create(const std::string& router_ns, uint16_t route_mtu, std::string& error);
    HostBehindRouter(const HostBehindRouter&) = delete;
    HostBehindRouter& operator=(const HostBehindRouter&) = delete;
    ~HostBehindRouter();

    const std::string& netns() const { return netns_; }
    Ipv4Address address() const { return address_; }

private:
    HostBehindRouter() = default;
    std::string netns_;
    std::string router_ns_;
    std::string router_if_;  // in router_ns_; deleting it deletes the pair
    Ipv4Address address_;
};

}  // namespace tachyon::interop
