#include "stack/arp.hpp"

#include "lib/log.hpp"

namespace tachyon {

ArpLayer::ArpLayer(StackCore& core, const ArpConfig& config)
    : core_(core), config_(config), cache_(config, core.timers, core.random.next_u64(), &on_timer, this) {}

void ArpLayer::input(std::span<std::byte> payload) {
    ++core_.counters.arp_rx;
    ArpPacket view(payload);
    if (view.check() != WireError::kNone) {
        ++core_.counters.arp_bad;
        return;
    }
    const Parsed<ArpRepr> parsed = ArpRepr::parse(view);
    if (!parsed) {
        ++(parsed.error() == WireError::kUnsupported ? core_.counters.arp_unsupported : core_.counters.arp_bad);
        return;
    }
    const ArpRepr& arp = *parsed;
    if (!sender_is_valid(arp)) return;
    // RFC 826 "Packet Reception": update the sender's entry if we have one (the merge), add it
    // only when the packet is for us, and answer requests for our address.
    const bool probe = arp.source_protocol_addr.is_unspecified();  // RFC 5227 probe: nothing to learn
    ArpEntry* e = probe ? nullptr : cache_.find(arp.source_protocol_addr);
    if (e != nullptr) merge(*e, arp.source_hardware_addr);
    if (arp.target_protocol_addr != core_.cidr.address) return;
    if (e == nullptr && !probe && core_.cidr.contains(arp.source_protocol_addr)) {
        add_reachable(arp.source_protocol_addr, arp.source_hardware_addr);
    }
    if (arp.operation == ArpOperation::kRequest) send_reply(arp);
}

bool ArpLayer::sender_is_valid(const ArpRepr& arp) {
    const EthernetAddress& sha = arp.source_hardware_addr;
    const Ipv4Address spa = arp.source_protocol_addr;
    if (!sha.is_unicast() || sha.is_zero() || spa.is_broadcast() || spa.is_multicast() ||
        spa.is_loopback() || core_.is_subnet_broadcast(spa)) {
        ++core_.counters.arp_bad;
        return false;
    }
    // Our own frame looped back, or another host claiming our address (RFC 5227 section 2.4:
    // a conflict; we keep the address and do not learn from it).
    if (sha == core_.mac || (spa == core_.cidr.address && !spa.is_unspecified())) {
        ++core_.counters.arp_conflict;
        TCY_LOG_DEBUG("arp: %s claimed by %s", spa.to_string().c_str(), sha.to_string().c_str());
        return false;
    }
    return true;
}

void ArpLayer::confirm(ArpEntry& e, const EthernetAddress& mac) {
    cache_.set_mac(e, mac);
    e.state = ArpEntry::State::kReachable;
    cache_.touch(e);
    core_.timers.arm(e.timer, core_.now + config_.entry_lifetime);
}

void ArpLayer::merge(ArpEntry& e, const EthernetAddress& mac) {
    const bool was_incomplete = e.state == ArpEntry::State::kIncomplete;
    confirm(e, mac);
    if (!was_incomplete) return;
    ++core_.counters.arp_resolved;
    while (Packet pkt = cache_.pop_pending(e)) core_.send_frame(std::move(pkt), mac, EtherType::kIpv4);
}

void ArpLayer::add_reachable(Ipv4Address ip, const EthernetAddress& mac) {
    if (ArpEntry* e = make_entry(ip)) confirm(*e, mac);
}

ArpEntry* ArpLayer::make_entry(Ipv4Address ip) {
    ArpEntry* e = cache_.insert(ip);
    if (e != nullptr) return e;
    ArpEntry* victim = cache_.oldest();
    if (victim == nullptr) return nullptr;
    ++core_.counters.arp_evicted;
    core_.counters.arp_unresolved += cache_.remove(*victim);
    return cache_.insert(ip);
}

const EthernetAddress* ArpLayer::send_ipv4(Packet pkt, Ipv4Address next_hop) {
    ArpEntry* e = cache_.find(next_hop);
    if (e != nullptr && e->state == ArpEntry::State::kReachable) {
        cache_.touch(*e);
        core_.send_frame(std::move(pkt), e->mac, EtherType::kIpv4);
        return &e->mac;
    }
    if (e != nullptr) {
        enqueue(*e, pkt);
        return nullptr;
    }
    e = make_entry(next_hop);
    if (e == nullptr) {
        ++core_.counters.arp_unresolved;
        return nullptr;
    }
    enqueue(*e, pkt);
    send_request(next_hop);
    e->requests_sent = 1;
    core_.timers.arm(e->timer, core_.now + config_.retry_interval);
    return nullptr;
}

void ArpLayer::enqueue(ArpEntry& e, Packet& pkt) {
    size_t released = 0;
    const bool queued = cache_.push_pending(e, pkt, released);
    core_.counters.arp_pending_full += released + (queued ? 0 : 1);
}

void ArpLayer::on_timer(Timer& timer, Instant) {
    auto& e = *static_cast<ArpEntry*>(timer.context());
    static_cast<ArpLayer*>(e.owner)->timer_fired(e);
}

void ArpLayer::timer_fired(ArpEntry& e) {
    if (e.state == ArpEntry::State::kReachable) {
        ++core_.counters.arp_expired;
        cache_.remove(e);
        return;
    }
    if (e.requests_sent >= config_.max_requests) {
        ++core_.counters.arp_failed;
        TCY_LOG_DEBUG("arp: %s did not answer %u requests", e.ip.to_string().c_str(), unsigned{e.requests_sent});
        core_.counters.arp_unresolved += cache_.remove(e);
        return;
    }
    send_request(e.ip);
    ++e.requests_sent;
    core_.timers.arm(e.timer, core_.now + config_.retry_interval);
}

std::optional<EthernetAddress> ArpLayer::lookup(Ipv4Address ip) const {
    const ArpEntry* e = cache_.find(ip);
    if (e == nullptr || e->state != ArpEntry::State::kReachable) return std::nullopt;
    return e->mac;
}

void ArpLayer::announce() {
    if (core_.cidr.address.is_unspecified()) return;
    send_arp({ArpOperation::kRequest, core_.mac, core_.cidr.address, EthernetAddress{}, core_.cidr.address},
             EthernetAddress::broadcast());
}

void ArpLayer::send_request(Ipv4Address target) {
    send_arp({ArpOperation::kRequest, core_.mac, core_.cidr.address, EthernetAddress{}, target},
             EthernetAddress::broadcast());
}

void ArpLayer::send_reply(const ArpRepr& request) {
    send_arp({ArpOperation::kReply, core_.mac, core_.cidr.address, request.source_hardware_addr,
              request.source_protocol_addr},
             request.source_hardware_addr);
}

void ArpLayer::send_arp(const ArpRepr& arp, const EthernetAddress& dst) {
    Packet pkt = core_.alloc_tx();
    if (!pkt) return;
    std::byte* p = pkt.append(ArpRepr::buffer_len());
    if (p == nullptr) return;
    ArpPacket view(pkt.bytes());
    arp.emit(view);
    ++(arp.operation == ArpOperation::kRequest ? core_.counters.arp_requests_sent : core_.counters.arp_replies_sent);
    core_.send_frame(std::move(pkt), dst, EtherType::kArp);
}

}  // namespace tachyon
