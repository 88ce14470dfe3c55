// Native AF_PACKET device: one packet socket bound to one interface, with mmap'ed TPACKET RX and TX
// rings. Needs no DPDK and no driver support, only CAP_NET_RAW; the kernel still handles every
// frame (one copy in, one copy out), so it is the portable backend, not the fastest one.
//
// - RX: frames are copied from the ring into packets from the device's own pool (see
//   tpacket_ring.hpp for why not zero-copy). No system call: rx_burst only reads the ring.
// - TX: frames are copied into the TX ring, and one sendto(MSG_DONTWAIT) per burst tells the kernel
//   to send them. That system call is inherent to AF_PACKET TX (the kernel has no TX ring poller),
//   so it is paid once per burst, not per frame. PACKET_QDISC_BYPASS hands frames straight to the
//   driver (no qdisc, so no tc shaping on this interface); PACKET_LOSS makes the kernel discard a
//   frame the driver refuses instead of stalling the ring on it.
// - Our own transmissions are not received back (PACKET_IGNORE_OUTGOING, plus a pkttype check).
// - No promiscuous mode: the stack uses the interface's own MAC (caps().mac), so unicast frames for
//   it pass any NIC filter. Keep the kernel from answering for the stack's IP too: give the
//   interface no IP address of its own.
// - A local kernel peer (veth, TAP) may send GSO super-frames larger than a slot and frames whose
//   TCP/UDP checksum is left to "hardware" (flagged kRxL4CsumGood). Turn segmentation offloads off
//   on the peer (`ethtool -K PEER tso off gso off`): over-long frames are dropped and counted
//   (rx_truncated).
//
// Ring format: TPACKET_V2 by default, chosen by measurement. An ICMP echo round trip through a veth
// pair into the kernel in a network namespace (tests/interop/drivers/test_af_packet_latency.cpp,
// 2-core VM, Linux 6.18) takes p50 5.6 us with V2, 8.0 ms with V3 and the kernel's default block
// retire timeout (8 ms on veth, which reports no link speed) and 1.0 ms with the smallest timeout
// (1 ms). V2 hands each frame over as soon as the kernel has written it; V3 hands over whole blocks,
// when one fills or its timer fires, so a lightly loaded flow waits for the timer on every frame.
// V3 packs frames more densely and saves per-frame status traffic under heavy load; it stays
// available (`version`) for capture-style receivers that do not care about latency.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lib/device.hpp"
#include "lib/packet.hpp"
#include "lib/result.hpp"

namespace tachyon {

enum class TpacketVersion : uint8_t { kV2, kV3 };

struct AfPacketConfig {
    std::string interface;
    TpacketVersion version = TpacketVersion::kV2;
    uint32_t rx_frames = 1024;  // RX ring slots (V3: ring bytes = rx_frames * slot size)
    uint32_t tx_frames = 512;   // TX ring slots
    uint32_t pool_size = 2048;  // RX packet buffers the stack may hold at once
    // V3 only: block size (a multiple of the page size) and retire timeout in ms (0: the kernel's
    // default, derived from the link speed).
    uint32_t v3_block_size = 1 << 17;
    uint32_t v3_block_timeout_ms = 0;
};

// Counters beyond DeviceStats, by reason.
struct AfPacketStats {
    uint64_t rx_kernel_drops = 0;  // the kernel found the RX ring full (PACKET_STATISTICS)
    uint64_t rx_truncated = 0;     // frame larger than a ring slot: dropped
    uint64_t rx_outgoing = 0;      // our own frames looped back: skipped
    uint64_t rx_no_buffer = 0;     // bursts cut short by an empty pool (frames stay in the ring)
    uint64_t tx_ring_full = 0;     // tx_burst calls that stopped at a slot the kernel still owned
    uint64_t tx_bad_length = 0;    // shorter than an Ethernet header or longer than MTU + 18: dropped
    uint64_t tx_wrong_format = 0;  // slots the kernel rejected as malformed
    uint64_t tx_kicks = 0;         // sendto() calls
    uint64_t tx_kick_errors = 0;   // ... that failed (retried on the next tx_burst)
};

class AfPacketDevice : public Device {
public:
    virtual AfPacketStats af_packet_stats() const = 0;
    // The socket, for poll(POLLIN) while idle instead of spinning.
    virtual int fd() const = 0;
    virtual TpacketVersion version() const = 0;
    virtual const PacketPool& pool() const = 0;
};

// Opens `config.interface`. Errors: ENODEV (no such interface; hint `ip link show`), EPERM (needs
// root or CAP_NET_RAW), EINVAL (bad ring sizes), ENOMEM (rings too large), EPROTONOSUPPORT (not
// Ethernet). The returned device is an AfPacketDevice. Every packet it returned from rx_burst must
// be released before it is destroyed (they come from its pool).
Result<std::unique_ptr<Device>> open_af_packet_device(const AfPacketConfig& config);

}  // namespace tachyon
