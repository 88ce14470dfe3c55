// The Device contract, modelled on rte_eth_rx_burst/rte_eth_tx_burst: bursts in, bursts out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "lib/ethernet_address.hpp"
#include "lib/packet.hpp"

namespace tachyon {

struct DeviceCaps {
    EthernetAddress mac;
    uint16_t mtu = 1500;  // largest IP packet (without the Ethernet header)
    uint16_t rx_queues = 1;
    uint16_t tx_queues = 1;
    // RX: the device verifies checksums and reports the verdict in PacketMeta::rx_flags.
    bool rx_ipv4_checksum = false;
    bool rx_l4_checksum = false;
    // TX: the device computes checksums requested in PacketMeta::tx_flags.
    bool tx_ipv4_checksum = false;
    bool tx_l4_checksum = false;
};

struct DeviceStats {
    uint64_t rx_packets = 0;
    uint64_t rx_bytes = 0;
    uint64_t tx_packets = 0;
    uint64_t tx_bytes = 0;
    uint64_t rx_dropped = 0;  // dropped by the device (no buffer, ring full, ...)
    uint64_t tx_dropped = 0;
};

class Device {
public:
    static constexpr size_t kMaxBurst = 32;

    virtual ~Device() = default;

    // Fills up to out.size() slots with received frames (starting at the Ethernet header) and
    // returns how many it filled.
    virtual size_t rx_burst(std::span<Packet> out) = 0;
    // Takes ownership of the first k packets and returns k; the caller keeps packets [k, n).
    virtual size_t tx_burst(std::span<Packet> pkts) = 0;

    // A buffer this device can transmit without a copy (e.g. a DPDK mbuf), with headroom; an empty
    // handle when the device has no buffers of its own, and the stack then uses its own pool.
    virtual Packet alloc_tx() { return Packet(); }

    virtual DeviceCaps caps() const = 0;
    virtual bool link_up() const { return true; }
    virtual DeviceStats stats() const { return {}; }
    virtual std::string name() const = 0;
};

}  // namespace tachyon
