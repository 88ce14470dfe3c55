#include "stack/reassembly.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "stack/icmp.hpp"

namespace tachyon {

namespace {
constexpr size_t kSlotBytes = Reassembler::kHeadroom + Reassembler::kMaxPayload;
}  // namespace

Reassembler::Reassembler(StackCore& core, const ReassemblyConfig& config)
    : core_(core), config_(config), slots_(std::make_unique<Slot[]>(config.max_datagrams)) {
    for (size_t i = 0; i < config_.max_datagrams; ++i) {
        Slot& s = slots_[i];
        s.storage = std::make_unique<std::byte[]>(kSlotBytes);
        s.buf.base = s.storage.get();
        s.buf.capacity = static_cast<uint32_t>(kSlotBytes);
        s.buf.owner = this;
        s.buf.opaque = &s;
        s.owner = this;
        s.timer.set_handler(&on_timeout, &s);
    }
}

Reassembler::~Reassembler() {
    for (size_t i = 0; i < config_.max_datagrams; ++i) {
        assert(slots_[i].state != State::kDelivered && "a reassembled Packet outlived its stack");
        core_.timers.cancel(slots_[i].timer);
    }
}

std::optional<Reassembler::Datagram> Reassembler::add(const Ipv4Repr& ip, std::span<const std::byte> payload) {
    ++core_.counters.frag_rx;
    const uint32_t offset = ip.fragment_offset;
    const uint32_t end = offset + static_cast<uint32_t>(payload.size());
    // RFC 791: every fragment but the last carries a multiple of 8 bytes; nothing may end past
    // what one datagram can hold (the "ping of death").
    if (payload.empty() || end > kMaxPayload || (ip.more_fragments && payload.size() % kBlock != 0)) {
        ++core_.counters.frag_bad;
        return std::nullopt;
    }
    Slot* s = find(ip);
    if (s == nullptr) s = claim(ip);
    if (s == nullptr) {
        ++core_.counters.frag_dropped;
        return std::nullopt;
    }
    if (!consistent(*s, ip, end)) {
        ++core_.counters.frag_bad;
        drop(*s);
        return std::nullopt;
    }
    switch (classify(*s, offset, payload.size())) {
        case Placed::kDuplicate: return std::nullopt;
        case Placed::kOverlap:
            ++core_.counters.frag_overlap;
            drop(*s);
            return std::nullopt;
        case Placed::kNew: break;
    }
    if (bytes_held_ + payload.size() > config_.max_bytes) {
        ++core_.counters.frag_dropped;
        drop(*s);
        return std::nullopt;
    }
    store(*s, offset, payload);
    if (offset == 0) {
        s->first.ttl = ip.ttl;
        s->first.dscp_ecn = ip.dscp_ecn;
        s->first.dont_fragment = ip.dont_fragment;
        s->first_len = static_cast<uint32_t>(payload.size());
    }
    if (!ip.more_fragments) s->total_len = end;
    if (end > s->max_end) s->max_end = end;
    if (s->total_len != 0 && s->blocks == (s->total_len + kBlock - 1) / kBlock) return finish(*s);
    return std::nullopt;
}

bool Reassembler::same_datagram(const Slot& s, const Ipv4Repr& ip) {
    // RFC 791: fragments of one datagram share source, destination, protocol and identification.
    return s.first.ident == ip.ident && s.first.src_addr == ip.src_addr && s.first.dst_addr == ip.dst_addr &&
           s.first.protocol == ip.protocol;
}

Reassembler::Slot* Reassembler::find(const Ipv4Repr& ip) {
    for (size_t i = 0; i < config_.max_datagrams; ++i) {
        if (slots_[i].state == State::kAssembling && same_datagram(slots_[i], ip)) return &slots_[i];
    }
    return nullptr;
}

Reassembler::Slot* Reassembler::claim(const Ipv4Repr& ip) {
    Slot* pick = nullptr;
    Slot* oldest = nullptr;
    for (size_t i = 0; i < config_.max_datagrams && pick == nullptr; ++i) {
        Slot& s = slots_[i];
        if (s.state == State::kFree) pick = &s;
        if (s.state == State::kAssembling && (oldest == nullptr || s.started < oldest->started)) oldest = &s;
    }
    if (pick == nullptr && oldest != nullptr) {
        // Out of slots: the oldest incomplete datagram is the least likely to complete.
        ++core_.counters.frag_dropped;
        drop(*oldest);
        pick = oldest;
    }
    if (pick == nullptr) return nullptr;
    Slot& s = *pick;
    s.state = State::kAssembling;
    s.first = ip;
    s.total_len = s.max_end = s.blocks = s.bytes = s.first_len = 0;
    s.bitmap.fill(0);
    s.started = core_.now;
    core_.timers.arm(s.timer, core_.now + config_.timeout);
    return &s;
}

bool Reassembler::consistent(const Slot& s, const Ipv4Repr& ip, uint32_t end) const {
    if (ip.more_fragments) return s.total_len == 0 || end < s.total_len;
    // A last fragment: the datagram ends here, so no data may lie beyond, nor another end differ.
    return (s.total_len == 0 || s.total_len == end) && s.max_end <= end;
}

Reassembler::Placed Reassembler::classify(const Slot& s, uint32_t offset, size_t len) const {
    const size_t first = offset / kBlock;
    const size_t last = (offset + len + kBlock - 1) / kBlock;  // exclusive
    size_t present = 0;
    for (size_t b = first; b < last; ++b) present += (s.bitmap[b / 64] >> (b % 64)) & 1u;
    if (present == 0) return Placed::kNew;
    return present == last - first ? Placed::kDuplicate : Placed::kOverlap;
}

void Reassembler::store(Slot& s, uint32_t offset, std::span<const std::byte> payload) {
    const size_t first = offset / kBlock;
    const size_t last = (offset + payload.size() + kBlock - 1) / kBlock;
    for (size_t b = first; b < last; ++b) s.bitmap[b / 64] |= uint64_t{1} << (b % 64);
    std::memcpy(s.storage.get() + kHeadroom + offset, payload.data(), payload.size());
    s.blocks += static_cast<uint32_t>(last - first);
    s.bytes += static_cast<uint32_t>(payload.size());
    bytes_held_ += payload.size();
}

Reassembler::Datagram Reassembler::finish(Slot& s) {
    core_.timers.cancel(s.timer);
    bytes_held_ -= s.bytes;
    s.state = State::kDelivered;
    Ipv4Repr ip = s.first;
    ip.payload_len = static_cast<uint16_t>(s.total_len);
    ip.more_fragments = false;
    ip.fragment_offset = 0;
    ip.dont_fragment = false;
    // A header in front of the data, so that an ICMP error can quote the datagram as it would
    // the original (RFC 792) and every datagram looks alike to the layers above.
    Ipv4Packet hdr({s.storage.get() + kHeadroom - Ipv4Repr::buffer_len(), Ipv4Repr::buffer_len() + s.total_len});
    ip.emit(hdr, ChecksumMode::kCompute);
    s.buf.head = static_cast<uint32_t>(kHeadroom);
    s.buf.len = s.total_len;
    s.buf.meta = PacketMeta{};
    ++core_.counters.frag_reassembled;
    return Datagram{ip, Packet(&s.buf)};
}

void Reassembler::drop(Slot& s) {
    core_.timers.cancel(s.timer);
    bytes_held_ -= s.bytes;
    s.bytes = 0;
    s.state = State::kFree;
}

void Reassembler::on_timeout(Timer& timer, Instant) {
    auto& s = *static_cast<Slot*>(timer.context());
    if (s.state != State::kAssembling) return;
    ++s.owner->core_.counters.frag_timeout;
    if (s.first_len != 0) s.owner->time_exceeded(s);
    s.owner->drop(s);
}

// RFC 1122 3.3.2: "If the fragment with offset zero has been received, an ICMP Time Exceeded
// message SHOULD be sent". It quotes that fragment as it came: its header (rebuilt from the
// fields kept; we take no IP options) and the start of its data (RFC 792: at least 64 bits).
void Reassembler::time_exceeded(const Slot& s) {
    if (icmp_ == nullptr) return;
    std::array<std::byte, IcmpLayer::kMaxQuote> original;
    Ipv4Repr ip = s.first;
    ip.more_fragments = true;  // the first fragment of a datagram that did not complete
    ip.fragment_offset = 0;
    ip.payload_len = static_cast<uint16_t>(s.first_len);
    const size_t hdr = Ipv4Repr::buffer_len();
    const size_t data = std::min<size_t>(s.first_len, original.size() - hdr);
    std::memcpy(original.data() + hdr, s.storage.get() + kHeadroom, data);
    Ipv4Packet view({original.data(), hdr});
    ip.emit(view, ChecksumMode::kCompute);
    icmp_->send_reassembly_timeout(ip, std::span<const std::byte>(original).first(hdr + data));
}

void Reassembler::release(PacketBuf* buf) noexcept {
    static_cast<Slot*>(buf->opaque)->state = State::kFree;
}

size_t Reassembler::assembling() const {
    size_t n = 0;
    for (size_t i = 0; i < config_.max_datagrams; ++i) n += slots_[i].state == State::kAssembling;
    return n;
}

size_t Reassembler::delivered() const {
    size_t n = 0;
    for (size_t i = 0; i < config_.max_datagrams; ++i) n += slots_[i].state == State::kDelivered;
    return n;
}

}  // namespace tachyon
