#include "tests/fuzz/fuzz_tcp_options_harness.hpp"

#include <algorithm>
#include <cstring>

#include "stack/wire/tcp_options.hpp"
#include "tests/fuzz/fuzz_frames.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace tachyon::fuzz {

namespace {

constexpr Ipv4Address kSrc = Ipv4Address::from_octets(10, 0, 0, 1);
constexpr Ipv4Address kDst = Ipv4Address::from_octets(10, 0, 0, 2);

// The first option field in which a and b differ ("" when none); b is expected to carry only the
// first `sack_blocks` of a's SACK blocks (emit() trims what does not fit).
std::string option_difference(const TcpRepr& a, const TcpRepr& b, size_t sack_blocks) {
    if (a.max_seg_size != b.max_seg_size) return "MSS";
    if (a.window_scale != b.window_scale) return "window scale";
    if (a.sack_permitted != b.sack_permitted) return "SACK-permitted";
    if (a.timestamp != b.timestamp) return "timestamps";
    if (b.sack_block_count != sack_blocks) return "SACK block count";
    for (size_t i = 0; i < sack_blocks; ++i) {
        if (!(a.sack_blocks[i] == b.sack_blocks[i])) return "SACK block " + std::to_string(i);
    }
    return {};
}

std::string difference(const TcpRepr& a, const TcpRepr& b, size_t sack_blocks) {
    if (a.src_port != b.src_port || a.dst_port != b.dst_port) return "ports";
    if (a.control != b.control) return "control";
    if (a.psh != b.psh || a.ece != b.ece || a.cwr != b.cwr || a.urg != b.urg) return "flags";
    if (!(a.seq_number == b.seq_number)) return "sequence number";
    if (a.ack_number != b.ack_number) return "acknowledgment number";
    if (a.window_len != b.window_len) return "window";
    if (a.urg && a.urgent_pointer != b.urgent_pointer) return "urgent pointer";
    if (a.payload.size() != b.payload.size() ||
        (!a.payload.empty() && std::memcmp(a.payload.data(), b.payload.data(), a.payload.size()) != 0)) {
        return "payload";
    }
    return option_difference(a, b, sack_blocks);
}

// emit -> parse gives back what was emitted (SACK blocks trimmed to what fits), and emitting that
// again gives the same bytes; with checksum offload the trusted parse agrees.
std::string round_trip(const TcpRepr& r) {
    const size_t blocks = wire::tcp_sack_blocks_emitted(r);
    if (r.header_len() > TcpSegment::kMaxHeaderLen || r.header_len() % 4 != 0) return "header_len() out of range";
    Bytes first(r.buffer_len());
    TcpSegment seg(first);
    r.emit(seg, kSrc, kDst);
    if (seg.check() != WireError::kNone || seg.header_len() != r.header_len()) return "emit wrote a bad header";
    const auto again = TcpRepr::parse(seg, kSrc, kDst);
    if (!again) return std::string("emitted segment does not parse: ") + to_string(again.error());
    if (std::string d = difference(r, *again, blocks); !d.empty()) return "round trip changed the " + d;
    Bytes second(again->buffer_len());
    TcpSegment seg2(second);
    again->emit(seg2, kSrc, kDst);
    if (second != first) return "emitting the parsed segment gave other bytes";
    Bytes third(r.buffer_len());
    TcpSegment seg3(third);
    r.emit(seg3, kSrc, kDst, ChecksumMode::kOffload);
    const auto trusted = TcpRepr::parse(seg3, kSrc, kDst, ChecksumCheck::kTrusted);
    if (!trusted) return "offloaded emit does not parse trusted";
    if (std::string d = difference(r, *trusted, blocks); !d.empty()) return "offload round trip changed the " + d;
    return {};
}

// The parsed fields are the ones written.
std::string check_fields(const TcpRepr& r, const TcpSpec& t) {
    const uint8_t f = t.flags;
    TcpControl control = TcpControl::kNone;
    if ((f & tcp_flags::kRst) != 0) {
        control = TcpControl::kRst;  // FIN+RST is taken as RST
    } else if ((f & tcp_flags::kSyn) != 0) {
        control = TcpControl::kSyn;
    } else if ((f & tcp_flags::kFin) != 0) {
        control = TcpControl::kFin;
    }
    if (r.control != control) return "control differs from the flags";
    if (r.src_port != t.src_port || r.dst_port != t.dst_port) return "ports differ";
    if (r.seq_number.raw() != t.seq) return "sequence number differs";
    if (r.ack_number.has_value() != ((f & tcp_flags::kAck) != 0)) return "ACK presence differs from the flag";
    if (r.ack_number && r.ack_number->raw() != t.ack) return "acknowledgment number differs";
    if (r.psh != ((f & tcp_flags::kPsh) != 0) || r.urg != ((f & tcp_flags::kUrg) != 0) ||
        r.ece != ((f & tcp_flags::kEce) != 0) || r.cwr != ((f & tcp_flags::kCwr) != 0)) {
        return "PSH/URG/ECE/CWR differ from the flags";
    }
    if (r.urg && r.urgent_pointer != t.urgent) return "urgent pointer differs";
    if (r.window_len != t.window) return "window differs";
    if (r.flags() != (f & 0xff & ~(control == TcpControl::kRst ? tcp_flags::kFin : 0))) {
        return "flags() is not the flag byte";
    }
    if (r.payload.size() != t.payload.size() ||
        (!t.payload.empty() && std::memcmp(r.payload.data(), t.payload.data(), t.payload.size()) != 0)) {
        return "payload differs";
    }
    return {};
}

// The option parser alone on raw bytes of any length: what parses writes back and parses the same.
std::string options_alone(std::span<const std::byte> options) {
    TcpRepr r;
    if (wire::parse_tcp_options(options, r) != WireError::kNone) return {};
    if (r.window_scale && *r.window_scale > wire::kMaxWindowScale) return "window scale above 14 (RFC 7323 2.3)";
    if (r.sack_block_count > TcpRepr::kMaxSackBlocks) return "too many SACK blocks";
    const size_t len = wire::tcp_options_len(r);
    if (len > wire::kMaxOptionsLen || len % 4 != 0) return "tcp_options_len() out of range";
    Bytes written(len);
    if (len != 0) wire::write_tcp_options(r, written.data());
    TcpRepr back;
    if (wire::parse_tcp_options(written, back) != WireError::kNone) return "written options do not parse";
    if (std::string d = option_difference(r, back, wire::tcp_sack_blocks_emitted(r)); !d.empty()) {
        return "option round trip changed the " + d;
    }
    return {};
}

// The segment built from the input, with a right data offset and checksum.
std::string built_segment(FuzzInput& in) {
    TcpSpec t;
    t.flags = in.u8();
    t.seq = in.u32();
    t.ack = in.u32();
    t.window = in.u16();
    t.urgent = in.u16();
    t.src_port = 40000;
    t.dst_port = 80;
    const auto raw_options = as_bytes(in.bytes(in.u8() % (wire::kMaxOptionsLen + 1)));
    t.options = raw_options;
    t.payload = as_bytes(in.bytes(256));
    if (std::string e = options_alone(raw_options); !e.empty()) return e;

    Bytes seg_bytes = tcp_segment(t, kSrc, kDst);
    TcpSegment seg(seg_bytes);
    if (seg.check() != WireError::kNone) return "built segment fails check()";
    // What the parser sees as options: the input's bytes padded with zeros (End of Option List).
    TcpRepr scratch;
    const WireError options_error = wire::parse_tcp_options(seg.options(), scratch);
    const bool syn = (t.flags & tcp_flags::kSyn) != 0;
    const bool bad_flags = syn && (t.flags & (tcp_flags::kFin | tcp_flags::kRst)) != 0;
    const auto r = TcpRepr::parse(seg, kSrc, kDst);
    if (!r) {
        if (r.error() == WireError::kBadFlags && bad_flags) return {};
        if (r.error() == WireError::kBadOption && options_error != WireError::kNone) return {};
        return std::string("valid segment rejected: ") + to_string(r.error());
    }
    if (bad_flags) return "SYN with FIN or RST accepted";
    if (options_error != WireError::kNone) return "malformed options accepted";
    if (std::string e = check_fields(*r, t); !e.empty()) return e;
    // A wrong checksum is refused when verified and ignored when trusted.
    seg.set_checksum(static_cast<uint16_t>(seg.checksum() ^ 0x0101));
    if (TcpRepr::parse(seg, kSrc, kDst).error() != WireError::kBadChecksum) return "bad checksum accepted";
    const auto trusted = TcpRepr::parse(seg, kSrc, kDst, ChecksumCheck::kTrusted);
    if (!trusted) return "trusted parse failed where the verified one succeeded";
    return round_trip(*r);
}

// The input as a raw header: any data offset, any length; trusted so the checksum does not stop it.
std::string raw_segment(std::span<const uint8_t> data) {
    const auto b = as_bytes(data);
    Bytes raw(b.begin(), b.end());
    TcpSegment seg(raw);
    if (seg.check() != WireError::kNone) {
        if (TcpRepr::parse(seg, kSrc, kDst, ChecksumCheck::kTrusted)) return "parse accepted what check() refused";
        return {};
    }
    if (seg.options().size() != seg.header_len() - TcpSegment::kMinHeaderLen) return "options() has the wrong size";
    if (seg.payload().size() != raw.size() - seg.header_len()) return "payload() has the wrong size";
    const auto r = TcpRepr::parse(seg, kSrc, kDst, ChecksumCheck::kTrusted);
    if (!r) return {};
    return round_trip(*r);
}

}  // namespace

std::string fuzz_tcp_options(std::span<const uint8_t> data) {
    FuzzInput in(data);
    if (std::string e = built_segment(in); !e.empty()) return "built segment: " + e;
    if (std::string e = raw_segment(data); !e.empty()) return "raw segment: " + e;
    return {};
}

}  // namespace tachyon::fuzz
