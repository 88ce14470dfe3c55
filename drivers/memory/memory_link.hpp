// An in-process link: two connected devices for tests, deterministic simulation and benchmarks.
// What endpoint a transmits, endpoint b receives and vice versa. Frames move as Packet handles
// (zero copy): the buffer stays the sender's and goes back to its pool when the receiver, or the
// link on destruction, releases it. So every pool used with the link must outlive the link.
//
// Single-threaded: one thread polls both endpoints. Each endpoint's RX queue is a fixed ring
// allocated at construction, so no allocation per packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "lib/fixed_ring.hpp"
#include "lib/device.hpp"
#include "lib/ethernet_address.hpp"
#include "lib/packet.hpp"

namespace tachyon {

// What tx_burst does when the peer's RX queue is full.
enum class OverflowPolicy : uint8_t {
    // Like a wire into a NIC whose RX ring is full: the sender takes every frame, the ones that do
    // not fit are dropped and counted in the receiver's rx_dropped (the sender's tx_packets still
    // counts them: they left the sender). Loss the stack must recover from.
    kDrop,
    // Like a full TX ring: tx_burst takes only as many frames as fit and the caller keeps the rest.
    // Nothing is dropped; the refused frames are counted in MemoryDeviceStats::tx_refused.
    kBackpressure,
};

struct MemoryEndpointConfig {
    EthernetAddress mac;
    uint16_t mtu = 1500;  // largest IP packet; frames up to mtu + 18 (Ethernet + one 802.1Q tag)
    size_t rx_queue_depth = 1024;
    std::string name;  // empty: "memory:a" / "memory:b"
};

struct MemoryLinkConfig {
    MemoryEndpointConfig a{.mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}}};
    MemoryEndpointConfig b{.mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}}};
    OverflowPolicy overflow = OverflowPolicy::kDrop;
    // Checksum offload on both endpoints, as between two virtio-net/veth guests of one host: the
    // frames never leave memory, so a checksum the sender asks the device for (tx_flags) is not
    // computed and the receiver is told it is good (rx_flags), like Linux's CHECKSUM_PARTIAL
    // through veth. The checksum fields then hold only the pseudo-header sums (a capture shows
    // them as wrong). Off by default: corruption tests need the checksums to catch it. Benchmarks
    // turn it on to measure the stack without the cost a NIC's offload would take over.
    bool checksum_offload = false;
};

// Drops by reason, beyond the DeviceStats totals.
struct MemoryDeviceStats {
    uint64_t tx_oversize = 0;    // larger than mtu + 18: dropped, in tx_dropped
    uint64_t tx_runt = 0;        // shorter than an Ethernet header: dropped, in tx_dropped
    uint64_t tx_link_down = 0;   // sent while the link was down: dropped, in tx_dropped
    uint64_t tx_refused = 0;     // kBackpressure: left with the caller (not a drop)
    uint64_t rx_queue_full = 0;  // kDrop: peer sent into a full RX queue, in rx_dropped
};

class MemoryLink;

class MemoryDevice final : public Device {
public:
    static constexpr size_t kEthernetHeaderLen = 14;
    static constexpr size_t kVlanTagLen = 4;

    MemoryDevice(const MemoryDevice&) = delete;
    MemoryDevice& operator=(const MemoryDevice&) = delete;

    size_t rx_burst(std::span<Packet> out) override;
    size_t tx_burst(std::span<Packet> pkts) override;
    DeviceCaps caps() const override;
    bool link_up() const override;
    DeviceStats stats() const override { return stats_; }
    std::string name() const override { return name_; }

    const MemoryDeviceStats& drop_stats() const { return drops_; }
    // Frames waiting in this endpoint's RX queue.
    size_t rx_queued() const { return rx_queue_.size(); }
    size_t rx_queue_depth() const { return rx_queue_.capacity(); }
    size_t max_frame_len() const { return mtu_ + kEthernetHeaderLen + kVlanTagLen; }

private:
    friend class MemoryLink;
    MemoryDevice(const MemoryEndpointConfig& config, std::string default_name, MemoryLink& link);

    // Checks a frame this endpoint is about to send; counts and returns false when it is dropped.
    bool admit_tx(const Packet& pkt);
    // With checksum offload: the RX verdict the peer gets for a frame this endpoint sends.
    void offload_checksums(Packet& pkt) const;

    MemoryLink& link_;
    MemoryDevice* peer_ = nullptr;
    EthernetAddress mac_;
    uint16_t mtu_;
    std::string name_;
    FixedRing<Packet> rx_queue_;
    DeviceStats stats_;
    MemoryDeviceStats drops_;
};

class MemoryLink {
public:
    explicit MemoryLink(const MemoryLinkConfig& config = {});
    // The endpoints point at each other and at the link: neither copyable nor movable.
    MemoryLink(const MemoryLink&) = delete;
    MemoryLink& operator=(const MemoryLink&) = delete;
    // Frames still queued are released here, back to their pools.
    ~MemoryLink() = default;

    MemoryDevice& a() { return a_; }
    MemoryDevice& b() { return b_; }
    const MemoryDevice& a() const { return a_; }
    const MemoryDevice& b() const { return b_; }

    // A downed link drops whatever is sent (counted as tx_link_down); queued frames stay queued.
    void set_link_up(bool up) { up_ = up; }
    bool link_up() const { return up_; }
    OverflowPolicy overflow() const { return overflow_; }
    bool checksum_offload() const { return checksum_offload_; }

private:
    OverflowPolicy overflow_;
    bool checksum_offload_;
    bool up_ = true;
    MemoryDevice a_;
    MemoryDevice b_;
};

}  // namespace tachyon
