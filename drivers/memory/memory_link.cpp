#include "drivers/memory/memory_link.hpp"

#include <utility>

namespace tachyon {

namespace {
// A zero-depth queue could never deliver anything; one slot is the least that works.
size_t at_least_one(size_t n) { return n == 0 ? 1 : n; }
}  // namespace

MemoryDevice::MemoryDevice(const MemoryEndpointConfig& config, std::string default_name,
                           MemoryLink& link)
    : link_(link),
      mac_(config.mac),
      mtu_(config.mtu),
      name_(config.name.empty() ? std::move(default_name) : config.name),
      rx_queue_(at_least_one(config.rx_queue_depth)) {}

size_t MemoryDevice::rx_burst(std::span<Packet> out) {
    size_t n = 0;
    while (n < out.size() && !rx_queue_.empty()) {
        out[n] = rx_queue_.pop_front();
        stats_.rx_bytes += out[n].size();
        ++n;
    }
    stats_.rx_packets += n;
    return n;
}

bool MemoryDevice::admit_tx(const Packet& pkt) {
    uint64_t* reason = nullptr;
    if (!link_.link_up()) {
        reason = &drops_.tx_link_down;
    } else if (pkt.size() < kEthernetHeaderLen) {
        reason = &drops_.tx_runt;
    } else if (pkt.size() > max_frame_len()) {
        reason = &drops_.tx_oversize;
    }
    if (reason == nullptr) return true;
    ++*reason;
    ++stats_.tx_dropped;
    return false;
}

void MemoryDevice::offload_checksums(Packet& pkt) const {
    PacketMeta& m = pkt.meta();
    uint8_t rx = 0;
    if ((m.tx_flags & PacketMeta::kTxIpCsum) != 0) rx |= PacketMeta::kRxIpCsumGood;
    if ((m.tx_flags & (PacketMeta::kTxTcpCsum | PacketMeta::kTxUdpCsum)) != 0) rx |= PacketMeta::kRxL4CsumGood;
    m.rx_flags = rx;
    m.tx_flags = 0;
}

size_t MemoryDevice::tx_burst(std::span<Packet> pkts) {
    for (size_t i = 0; i < pkts.size(); ++i) {
        Packet& pkt = pkts[i];
        if (!admit_tx(pkt)) {
            pkt.reset();
            continue;
        }
        if (peer_->rx_queue_.full()) {
            if (link_.overflow() == OverflowPolicy::kBackpressure) {
                drops_.tx_refused += pkts.size() - i;
                return i;  // the caller keeps [i, n)
            }
            // kDrop: the frame left this endpoint and the receiver's ring overflowed.
            ++stats_.tx_packets;
            stats_.tx_bytes += pkt.size();
            ++peer_->drops_.rx_queue_full;
            ++peer_->stats_.rx_dropped;
            pkt.reset();
            continue;
        }
        ++stats_.tx_packets;
        stats_.tx_bytes += pkt.size();
        if (link_.checksum_offload()) offload_checksums(pkt);
        peer_->rx_queue_.push_back(std::move(pkt));
    }
    return pkts.size();
}

DeviceCaps MemoryDevice::caps() const {
    DeviceCaps c;
    c.mac = mac_;
    c.mtu = mtu_;
    const bool offload = link_.checksum_offload();
    c.rx_ipv4_checksum = c.rx_l4_checksum = c.tx_ipv4_checksum = c.tx_l4_checksum = offload;
    return c;
}

bool MemoryDevice::link_up() const { return link_.link_up(); }

MemoryLink::MemoryLink(const MemoryLinkConfig& config)
    : overflow_(config.overflow), checksum_offload_(config.checksum_offload), a_(config.a, "memory:a", *this), b_(config.b, "memory:b", *this) {
    a_.peer_ = &b_;
    b_.peer_ = &a_;
}

}  // namespace tachyon
