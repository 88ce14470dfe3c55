#include "drivers/spec/memory_loopback.hpp"

namespace tachyon {

namespace {

MemoryLinkConfig loopback_config(bool trust_link) {
    MemoryLinkConfig c;
    c.checksum_offload = trust_link;
    // Both ends answer to one MAC: frames addressed to ourselves come back to ourselves.
    c.b.mac = c.a.mac;
    c.a.name = "memory";
    c.b.name = "memory";
    // A full RX queue refuses the sender rather than losing frames, like a full TX ring.
    c.overflow = OverflowPolicy::kBackpressure;
    return c;
}

}  // namespace

MemoryLoopback::MemoryLoopback(bool trust_link) : link_(std::make_unique<MemoryLink>(loopback_config(trust_link))) {}

DeviceStats MemoryLoopback::stats() const {
    const DeviceStats tx = link_->a().stats();
    const DeviceStats rx = link_->b().stats();
    DeviceStats s;
    s.tx_packets = tx.tx_packets;
    s.tx_bytes = tx.tx_bytes;
    s.tx_dropped = tx.tx_dropped;
    s.rx_packets = rx.rx_packets;
    s.rx_bytes = rx.rx_bytes;
    s.rx_dropped = rx.rx_dropped;
    return s;
}

}  // namespace tachyon
