#include "tests/fuzz/tcp_peer_model.hpp"

#include <algorithm>

#include "stack/wire/tcp_options.hpp"
#include "tests/fuzz/fuzz_world.hpp"

namespace tachyon::fuzz {

namespace {

// A flow selector at or above this starts a new connection; below it names flow which % size().
constexpr uint8_t kFreshFlow = 0xf0;

// Ports of the stack a new connection may go to: the listener, closed ports, the UDP port.
constexpr uint16_t kStackPorts[] = {80, 80, 80, 81, 9000, 0};

// Largest TCP payload in one 1500-byte IP packet with `options` bytes of options.
size_t max_payload(size_t options) { return 1500 - 20 - 20 - options; }

// A value relative to `base`, as the mode byte's bits 2..4 say (bits 0..1 chose the base).
uint32_t relative(uint32_t base, uint8_t mode, uint32_t val) {
    switch ((mode >> 2) & 7) {
        case 0: return base;
        case 1: return base + (val & 0xff);
        case 2: return base - (val & 0xff);
        case 3: return base + (val & 0xffff);
        case 4: return base - (val & 0xffff);
        case 5: return base + (val & 0xfffff);
        case 6: return base + 0x80000000u + (val & 0xff);
        default: return val;
    }
}

uint32_t choose_seq(const Flow& f, uint8_t mode, uint32_t val) {
    const uint32_t bases[] = {f.peer_nxt, f.stack_ack, f.peer_nxt - 1, f.stack_ack + 1};
    return relative(bases[mode & 3], mode, val);
}

uint32_t choose_ack(const Flow& f, uint8_t mode, uint32_t val) {
    const uint32_t mid = f.peer_acked + (f.stack_nxt - f.peer_acked) / 2;
    const uint32_t bases[] = {f.stack_nxt, f.peer_acked, mid, f.stack_nxt + 1};
    return relative(bases[mode & 3], mode, val);
}

// Valid options chosen by the bits of `which` (structured mode) with values from the input.
Bytes structured_options(FuzzInput& in, uint8_t which, const Flow& f, Instant now) {
    TcpRepr r;
    const uint16_t mss = in.u16();
    const uint8_t wscale = in.u8();
    const uint8_t ts_jitter = in.u8();
    if ((which & 0x01) != 0) r.max_seg_size = mss;
    if ((which & 0x02) != 0) r.window_scale = wscale;
    r.sack_permitted = (which & 0x04) != 0;
    if ((which & 0x08) != 0) {
        // Bit 7 sends a timestamp from 2^31 ago: PAWS (RFC 7323 5) must reject it.
        const uint32_t back = (which & 0x80) != 0 ? 0x80000000u : 0u;
        r.timestamp = TcpTimestamp{TcpPeerModel::tsval(now) + ts_jitter - back, f.stack_tsval};
    }
    const uint8_t blocks = std::min<uint8_t>((which >> 4) & 7, TcpRepr::kMaxSackBlocks);
    for (uint8_t i = 0; i < blocks; ++i) {
        const SeqNum left(f.peer_acked + in.u16());
        r.sack_blocks[i] = TcpSackBlock{left, left + in.u16()};
    }
    r.sack_block_count = blocks;
    return tcp_option_bytes(r);
}

Bytes choose_options(FuzzInput& in, uint8_t mode, uint8_t which, const Flow& f, Instant now) {
    switch (mode & 3) {
        case 0: return {};
        case 1: {
            TcpRepr r;
            r.timestamp = TcpTimestamp{TcpPeerModel::tsval(now), f.stack_tsval};
            return tcp_option_bytes(r);
        }
        case 2: return structured_options(in, which, f, now);
        default: {
            const auto raw = in.bytes(in.u8() % (wire::kMaxOptionsLen + 1));
            const auto b = as_bytes(raw);
            return Bytes(b.begin(), b.end());
        }
    }
}

}  // namespace

void fill_stream(Bytes& payload, uint16_t peer_port, uint32_t first) {
    for (size_t i = 0; i < payload.size(); ++i) payload[i] = stream_byte(peer_port, first + static_cast<uint32_t>(i));
}

Flow* TcpPeerModel::find(uint16_t peer_port, uint16_t stack_port) {
    for (Flow& f : flows_) {
        if (f.peer_port == peer_port && f.stack_port == stack_port) return &f;
    }
    return nullptr;
}

Flow* TcpPeerModel::add(uint16_t peer_port, uint16_t stack_port) {
    if (flows_.size() >= kMaxFlows) return nullptr;
    Flow f;
    f.peer_port = peer_port;
    f.stack_port = stack_port;
    flows_.push_back(f);
    return &flows_.back();
}

void TcpPeerModel::observe(const SentTcp& s) {
    if (s.ip.dst_addr != kPeerIp) return;
    const TcpRepr& t = s.tcp;
    const bool syn = t.control == TcpControl::kSyn;
    Flow* f = find(t.dst_port, t.src_port);
    if (f == nullptr) {
        if (!syn) return;
        f = add(t.dst_port, t.src_port);
        if (f == nullptr) return;
    }
    if (syn) {  // a connection (re)starts: the peer has acknowledged nothing of it yet
        f->stack_nxt = t.seq_number.raw();
        f->peer_acked = t.seq_number.raw();
        if (t.ack_number) f->peer_nxt = t.ack_number->raw();
    }
    const SeqNum end = t.seq_number + t.segment_len();
    if (end > SeqNum(f->stack_nxt)) f->stack_nxt = end.raw();
    if (t.ack_number && t.control != TcpControl::kRst) {
        f->stack_ack = t.ack_number->raw();
        if (*t.ack_number > SeqNum(f->peer_nxt)) f->peer_nxt = t.ack_number->raw();
    }
    if (t.timestamp) {
        f->stack_ts = true;
        f->stack_tsval = t.timestamp->tsval;
    }
}

void TcpPeerModel::sending(Flow& f, const TcpSpec& t) {
    if ((t.flags & tcp_flags::kRst) != 0) return;
    const bool syn = (t.flags & tcp_flags::kSyn) != 0;
    const bool fin = (t.flags & tcp_flags::kFin) != 0;
    const SeqNum seq(t.seq);
    const SeqNum end = seq + static_cast<uint32_t>(t.payload.size()) + (syn ? 1u : 0u) + (fin ? 1u : 0u);
    if (seq <= SeqNum(f.peer_nxt) && end > SeqNum(f.peer_nxt)) f.peer_nxt = end.raw();
    const SeqNum ack(t.ack);
    if ((t.flags & tcp_flags::kAck) != 0 && ack > SeqNum(f.peer_acked) && ack <= SeqNum(f.stack_nxt)) {
        f.peer_acked = t.ack;
    }
}

TcpChoice choose_tcp_segment(FuzzInput& in, TcpPeerModel& model, Instant now) {
    // Fixed-position fields first, so that a mutation of one leaves the others in place.
    const uint8_t which = in.u8();
    const uint8_t flags = in.u8();
    const uint8_t seq_mode = in.u8();
    const uint32_t seq_val = in.u32();
    const uint8_t ack_mode = in.u8();
    const uint32_t ack_val = in.u32();
    const uint16_t window = in.u16();
    const uint8_t opt_mode = in.u8();
    const uint8_t opt_bits = in.u8();
    const uint16_t payload_len = in.u16();
    const uint16_t urgent = in.u16();
    const uint16_t fresh_port = in.u16();
    const uint8_t fresh_where = in.u8();

    TcpChoice c;
    c.src = kPeerIp;
    Flow fresh;
    const size_t n = model.size();
    if (n != 0 && which < kFreshFlow) {
        c.flow = &model.at(which % n);
    } else {
        // A new connection: from the peer or from a neighbour not yet resolved (the reply then
        // waits in the ARP queue), to the listener or a closed port.
        fresh.peer_port = fresh_port;
        fresh.stack_port = pick(kStackPorts, fresh_where);
        fresh.peer_nxt = seq_val;
        if ((fresh_where & 0xe0) == 0xe0) c.src = Ipv4Address::from_octets(10, 0, 0, static_cast<uint8_t>(3 + (fresh_where & 0x0f)));
    }
    const Flow& f = c.flow != nullptr ? *c.flow : fresh;
    c.spec.src_port = f.peer_port;
    c.spec.dst_port = f.stack_port;
    c.spec.flags = flags;
    c.spec.seq = choose_seq(f, seq_mode, seq_val);
    c.spec.ack = choose_ack(f, ack_mode, ack_val);
    c.spec.window = window;
    c.spec.urgent = urgent;
    c.options = choose_options(in, opt_mode, opt_bits, f, now);
    c.payload.resize(payload_len % (max_payload(c.options.size()) + 1));
    const bool syn = (flags & tcp_flags::kSyn) != 0;
    fill_stream(c.payload, f.peer_port, c.spec.seq + (syn ? 1u : 0u));
    return c;
}

TcpSpec full_spec(const TcpChoice& c) {
    TcpSpec t = c.spec;
    t.options = c.options;
    t.payload = c.payload;
    return t;
}

Bytes tcp_frame(const TcpChoice& c) {
    const Bytes seg = tcp_segment(full_spec(c), c.src, kStackIp);
    const Bytes ip = ipv4_packet({.src = c.src, .dst = kStackIp, .protocol = 6}, seg);
    return eth_frame(kStackMac, kPeerMac, 0x0800, ip);
}

}  // namespace tachyon::fuzz
