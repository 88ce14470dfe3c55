// Segment-level test vocabulary: a segment spec built from a template with designated
// initializers, turned into a real packet; and a matcher, is_tcp({...}), for what the stack sent.
//
//   send(seg({.flags = kSyn, .seq = 100, .mss = 1460}));
//   expect(is_tcp({.flags = kSyn | kAck, .seq = 224, .ack = 101}));
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "lib/packet.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"

namespace tachyon::test {

using tcp_flags::kAck;
using tcp_flags::kFin;
using tcp_flags::kPsh;
using tcp_flags::kRst;
using tcp_flags::kSyn;

// A segment the test sends. Ports default to the fixture's peer -> local.
struct SegSpec {
    uint8_t flags = kAck;
    uint32_t seq = 0;
    uint32_t ack = 0;  // used when flags has kAck
    uint16_t window = 65535;
    std::optional<uint16_t> mss;
    std::optional<uint8_t> ws;
    bool sack_ok = false;
    std::optional<TcpTimestamp> ts;
    std::vector<std::pair<uint32_t, uint32_t>> sack;  // SACK blocks [left, right)
    std::string data;
    std::optional<uint16_t> src_port;
    std::optional<uint16_t> dst_port;
    bool corrupt_checksum = false;
};

inline TcpControl control_of(uint8_t flags) {
    if (flags & kSyn) return TcpControl::kSyn;
    if (flags & kRst) return TcpControl::kRst;
    if (flags & kFin) return TcpControl::kFin;
    return TcpControl::kNone;
}

// Builds spec into a packet from pool, as the IP layer would hand it to TCP.
inline Packet build_segment(PacketPool& pool, const SegSpec& s, Ipv4Address src, Ipv4Address dst,
                            uint16_t default_src_port, uint16_t default_dst_port) {
    TcpRepr r;
    r.src_port = s.src_port.value_or(default_src_port);
    r.dst_port = s.dst_port.value_or(default_dst_port);
    r.control = control_of(s.flags);
    r.psh = (s.flags & kPsh) != 0;
    r.seq_number = SeqNum(s.seq);
    if (s.flags & kAck) r.ack_number = SeqNum(s.ack);
    r.window_len = s.window;
    r.max_seg_size = s.mss;
    r.window_scale = s.ws;
    r.sack_permitted = s.sack_ok;
    r.timestamp = s.ts;
    for (const auto& [left, right] : s.sack) {
        if (r.sack_block_count == TcpRepr::kMaxSackBlocks) break;
        r.sack_blocks[r.sack_block_count++] = TcpSackBlock{SeqNum(left), SeqNum(right)};
    }
    Packet p = pool.alloc();
    if (!p) return p;
    std::byte* d = p.append(r.header_len() + s.data.size());
    if (!s.data.empty()) std::memcpy(d + r.header_len(), s.data.data(), s.data.size());
    r.payload = std::span<const std::byte>(d + r.header_len(), s.data.size());
    TcpSegment seg(p.bytes());
    r.emit(seg, src, dst);
    if (s.corrupt_checksum) seg.set_checksum(static_cast<uint16_t>(seg.checksum() ^ 0x5a5a));
    return p;
}

// What a sent segment must look like; unset fields are not checked.
struct TcpMatch {
    std::optional<uint8_t> flags;  // exact flag byte, PSH ignored unless psh is set
    std::optional<uint32_t> seq;
    std::optional<uint32_t> ack;
    std::optional<uint16_t> window;
    std::optional<size_t> len;  // payload bytes
    std::optional<std::string> data;
    std::optional<uint16_t> mss;
    std::optional<uint8_t> ws;
    std::optional<bool> sack_ok;
    std::optional<bool> has_ts;
    std::optional<uint32_t> tsecr;
    std::optional<bool> psh;
    bool no_options = false;  // no option at all (e.g. RST)
};

inline std::string flag_names(uint8_t f) {
    std::string s;
    auto add = [&](uint8_t bit, const char* n) {
        if (f & bit) s += s.empty() ? n : std::string("|") + n;
    };
    add(kSyn, "SYN");
    add(kFin, "FIN");
    add(kRst, "RST");
    add(kPsh, "PSH");
    add(kAck, "ACK");
    return s.empty() ? "none" : s;
}

inline std::string describe(const TcpRepr& r) {
    std::ostringstream o;
    o << "<" << flag_names(r.flags()) << " seq=" << r.seq_number.raw();
    if (r.ack_number) o << " ack=" << r.ack_number->raw();
    o << " win=" << r.window_len << " len=" << r.payload.size();
    if (r.max_seg_size) o << " mss=" << *r.max_seg_size;
    if (r.window_scale) o << " ws=" << int(*r.window_scale);
    if (r.sack_permitted) o << " sackOK";
    if (r.timestamp) o << " ts=" << r.timestamp->tsval << "/" << r.timestamp->tsecr;
    o << ">";
    return o.str();
}

inline ::testing::AssertionResult matches(const TcpRepr& r, const TcpMatch& m) {
    auto fail = [&](const std::string& what) {
        return ::testing::AssertionFailure() << what << " in " << describe(r);
    };
    const uint8_t f = r.flags();
    if (m.flags && (f & ~kPsh) != (*m.flags & ~kPsh)) return fail("flags " + flag_names(*m.flags) + " expected");
    if (m.psh && ((f & kPsh) != 0) != *m.psh) return fail("PSH mismatch");
    if (m.seq && r.seq_number.raw() != *m.seq) return fail("seq " + std::to_string(*m.seq) + " expected");
    if (m.ack && (!r.ack_number || r.ack_number->raw() != *m.ack)) {
        return fail("ack " + std::to_string(*m.ack) + " expected");
    }
    if (m.window && r.window_len != *m.window) return fail("window " + std::to_string(*m.window) + " expected");
    if (m.len && r.payload.size() != *m.len) return fail("len " + std::to_string(*m.len) + " expected");
    if (m.data) {
        const std::string got(reinterpret_cast<const char*>(r.payload.data()), r.payload.size());
        if (got != *m.data) return fail("data \"" + *m.data + "\" expected, got \"" + got + "\"");
    }
    if (m.mss && r.max_seg_size != m.mss) return fail("mss " + std::to_string(*m.mss) + " expected");
    if (m.ws && r.window_scale != m.ws) return fail("ws " + std::to_string(*m.ws) + " expected");
    if (m.sack_ok && r.sack_permitted != *m.sack_ok) return fail("sackOK mismatch");
    if (m.has_ts && r.timestamp.has_value() != *m.has_ts) return fail("timestamp presence mismatch");
    if (m.tsecr && (!r.timestamp || r.timestamp->tsecr != *m.tsecr)) return fail("tsecr mismatch");
    if (m.no_options && (r.max_seg_size || r.window_scale || r.sack_permitted || r.timestamp)) {
        return fail("no options expected");
    }
    return ::testing::AssertionSuccess();
}

// Spelling used by the tests: EXPECT_TRUE(matches(seg, is_tcp({...}))) reads as a packet trace.
inline TcpMatch is_tcp(TcpMatch m) { return m; }

}  // namespace tachyon::test
