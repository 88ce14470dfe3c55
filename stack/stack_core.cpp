#include "stack/stack_core.hpp"

namespace tachyon {

StackCore::StackCore(Device& dev, const StackConfig& config)
    : device(dev),
      clock(*config.clock),
      caps(dev.caps()),
      mac(config.mac.value_or(caps.mac)),
      cidr(config.address),
      gateway(config.gateway),
      ttl(config.ttl),
      now(config.clock->now()),
      random(config.seed),
      timers(now, config.timer_tick),
      pool(config.pool_size),
      tx(config.tx_queue_len) {}

Packet StackCore::alloc_tx() {
    Packet pkt = device.alloc_tx();
    if (pkt && pkt.headroom() >= kLinkAndIpHeaders) return pkt;
    pkt.reset();
    pkt = pool.alloc();
    if (!pkt) ++counters.pool_exhausted;
    return pkt;
}

void StackCore::send_frame(Packet pkt, const EthernetAddress& dst, EtherType type) {
    std::byte* hdr = pkt.prepend(EthernetFrame::kHeaderLen);
    if (hdr == nullptr) {
        ++counters.tx_no_headroom;
        return;
    }
    EthernetFrame frame(pkt.bytes());
    EthernetRepr{dst, mac, static_cast<uint16_t>(type)}.emit(frame);
    queue_frame(std::move(pkt));
}

void StackCore::queue_frame(Packet pkt) {
    if (tx.full()) flush();
    if (!tx.push(pkt)) {
        ++counters.tx_queue_full;
        return;
    }
    // Hand over full bursts as they form: keeps the queue short and the device busy.
    if (tx.size() >= Device::kMaxBurst) flush();
}

size_t StackCore::flush_queued() {
    const TxQueue::Flushed f = tx.flush(device);
    counters.tx_frames += f.frames;
    counters.tx_bytes += f.bytes;
    return f.frames;
}

}  // namespace tachyon
