// The host's side of a net_virtio_user link for the interop tests. This machine has no
// /dev/vhost-net, so a DPDK process plays the host: net_vhost serves the vhost-user socket the guest
// (net_virtio_user) connects to, and a forwarder switches frames between it and net_tap, whose
// kernel interface is the guest's peer:
//
//   guest: net_virtio_user <-vhost-user-> net_vhost0 <-> VhostTapForwarder <-> net_tap0 <-TAP-> kernel
//
// Used by tests/interop/drivers/test_dpdk_virtio.cpp (its peer process) and by the TCP interop
// bridge tests/interop/tcp/vhost_bridge.cpp. Mbufs cross between the ports as they are (no copy).
// No hugepages are needed: with --no-huge, DPDK 22.11 backs EAL memory with memfd, which
// vhost-user can share.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "drivers/dpdk/dpdk_device.hpp"
#include "lib/packet.hpp"
#include "lib/result.hpp"

namespace tachyon::test {

struct VhostTapPorts {
    std::unique_ptr<DpdkDevice> vhost;  // net_vhost0: the vhost-user server on the socket
    std::unique_ptr<DpdkDevice> tap;    // net_tap0: the kernel interface, in this process's netns
};

// Initialises this process's EAL with the two vdevs (and eal.hpp's defaults) and opens both ports.
// The socket file exists once this returned.
Result<VhostTapPorts> open_vhost_tap_ports(const std::string& socket_path, const std::string& tap_iface);

// A guest's TCP/UDP packet with a partial checksum (virtio NEEDS_CSUM: only the pseudo-header sum in
// the field) reaches the vhost port flagged RTE_MBUF_F_RX_L4_CKSUM_NONE: "not correct in the data,
// but verified". A switch forwarding it to a port that checks (the kernel behind the TAP) must have
// the checksum completed there, as OVS does: this asks the TAP port for the TX offload.
void complete_guest_checksum(Packet& p);

struct ForwarderStats {
    uint64_t to_tap = 0;    // guest frames handed to the TAP port
    uint64_t to_guest = 0;  // kernel frames handed to the vhost port
    // Refused by the port they were forwarded to (as a switch drops them): the TAP's queue was full,
    // or the guest was not connected or had no free RX descriptor.
    uint64_t dropped_to_tap = 0;
    uint64_t dropped_to_guest = 0;
    uint64_t consumed = 0;  // guest frames the inspector kept from the TAP
};

class VhostTapForwarder {
public:
    // Sees each frame from the guest first; returning false keeps it from the TAP (it is freed).
    using Inspector = std::function<bool(const Packet&)>;

    VhostTapForwarder(DpdkDevice& vhost, DpdkDevice& tap, Inspector inspect = {})
        : vhost_(vhost), tap_(tap), inspect_(std::move(inspect)) {}

    // One burst each way; returns the frames that arrived.
    size_t step();
    // Steps until stop() returns true (asked before every step). While nothing arrives it sleeps,
    // from 20 us doubling up to 1 ms, so that an idle bridge leaves the cores to the test and the
    // kernel (the test machine has two); the first frame resets the back-off.
    void run(const std::function<bool()>& stop);

    const ForwarderStats& stats() const { return stats_; }

private:
    size_t from_guest();
    size_t to_guest();

    DpdkDevice& vhost_;
    DpdkDevice& tap_;
    Inspector inspect_;
    ForwarderStats stats_;
};

}  // namespace tachyon::test
