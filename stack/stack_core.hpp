// The services every part of a Stack shares: the device and its capabilities, the interface
// addresses, the time of the current step, the one Random, the timer wheel, the packet pool, the
// counters and the TX queue. Owned by the Stack; the protocol parts hold a reference.
#pragma once

#include <optional>

#include "lib/device.hpp"
#include "lib/packet.hpp"
#include "lib/random.hpp"
#include "lib/time.hpp"
#include "lib/timer_wheel.hpp"
#include "stack/path_mtu_cache.hpp"
#include "stack/counters.hpp"
#include "stack/stack_config.hpp"
#include "stack/tx_queue.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4_address.hpp"

namespace tachyon {

struct StackCore {
    // Ethernet + IPv4 without options: what a TX buffer needs in front of the transport header.
    static constexpr size_t kLinkAndIpHeaders = 14 + 20;

    StackCore(Device& dev, const StackConfig& config);
    StackCore(const StackCore&) = delete;
    StackCore& operator=(const StackCore&) = delete;

    // A TX buffer: the device's own (zero-copy) if it has one with enough headroom, else the pool's.
    // Empty when both are exhausted (counted).
    Packet alloc_tx();
    // Prepends the Ethernet header and queues the frame; drops and counts on failure.
    void send_frame(Packet pkt, const EthernetAddress& dst, EtherType type);
    // Queues a whole frame, Ethernet header included; drops and counts when the queue is full.
    void queue_frame(Packet pkt);
    // Hands queued frames to the device; returns how many it took. Inline: most polls have
    // nothing queued and need no call.
    size_t flush() { return tx.size() == 0 ? 0 : flush_queued(); }
    Instant refresh_now() { return now = clock.now(); }
    // The directed broadcast of our subnet; /31 (RFC 3021) and /32 have none.
    bool is_subnet_broadcast(Ipv4Address a) const { return cidr.prefix_len < 31 && a == cidr.subnet_broadcast(); }
    // Whether pkt's buffer is the stack's own (its pool or its reassembly slots) rather than the
    // device's, which must go back promptly.
    bool owns(const Packet& pkt) const {
        const BufferOwner* o = pkt.raw()->owner;
        return o == &pool || (o != nullptr && o == reassembly);
    }

    Device& device;
    const Clock& clock;
    const DeviceCaps caps;
    const EthernetAddress mac;
    const Ipv4Cidr cidr;
    const std::optional<Ipv4Address> gateway;
    const uint8_t ttl;
    Instant now;
    Random random;
    TimerWheel timers;
    PacketPool pool;
    StackCounters counters;
    TxQueue tx;
    PathMtuCache path_mtus;  // what "fragmentation needed" taught, for TCP's MSS and UDP's fragments
    const BufferOwner* reassembly = nullptr;  // set by the Stack

private:
    size_t flush_queued();
};

}  // namespace tachyon
