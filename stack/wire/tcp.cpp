#include "stack/wire/tcp.hpp"

#include <cstring>

#include "lib/checksum.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp_options.hpp"

namespace tachyon {

namespace {
// Field offsets (RFC 9293 section 3.1).
constexpr size_t kSrcPort = 0;
constexpr size_t kDstPort = 2;
constexpr size_t kSeq = 4;
constexpr size_t kAck = 8;
constexpr size_t kDataOffset = 12;
constexpr size_t kFlags = 13;
constexpr size_t kWindow = 14;
constexpr size_t kChecksum = 16;
constexpr size_t kUrgent = 18;

constexpr uint8_t kProtoTcp = static_cast<uint8_t>(IpProtocol::kTcp);

uint32_t segment_pseudo_sum(Ipv4Address src, Ipv4Address dst, size_t len) {
    return pseudo_header_sum(src, dst, kProtoTcp, static_cast<uint16_t>(len));
}
}  // namespace

WireError TcpSegment::check() const {
    if (b_.size() < kMinHeaderLen) return WireError::kTruncated;
    const size_t hlen = header_len();
    if (hlen < kMinHeaderLen || hlen > b_.size()) return WireError::kBadHeaderLength;
    return WireError::kNone;
}

uint16_t TcpSegment::src_port() const { return wire::load_be16(b_.data() + kSrcPort); }
uint16_t TcpSegment::dst_port() const { return wire::load_be16(b_.data() + kDstPort); }
SeqNum TcpSegment::seq_number() const { return SeqNum(wire::load_be32(b_.data() + kSeq)); }
SeqNum TcpSegment::ack_number() const { return SeqNum(wire::load_be32(b_.data() + kAck)); }
size_t TcpSegment::header_len() const { return (size_t{wire::load_u8(b_.data() + kDataOffset)} >> 4) * 4; }
uint8_t TcpSegment::flags() const { return wire::load_u8(b_.data() + kFlags); }
uint16_t TcpSegment::window_len() const { return wire::load_be16(b_.data() + kWindow); }
uint16_t TcpSegment::checksum() const { return wire::load_be16(b_.data() + kChecksum); }
uint16_t TcpSegment::urgent_pointer() const { return wire::load_be16(b_.data() + kUrgent); }
std::span<std::byte> TcpSegment::options() const {
    return b_.subspan(kMinHeaderLen, header_len() - kMinHeaderLen);
}
std::span<std::byte> TcpSegment::payload() const { return b_.subspan(header_len()); }

bool TcpSegment::verify_checksum(Ipv4Address src, Ipv4Address dst) const {
    return checksum_finish(checksum_partial(b_, segment_pseudo_sum(src, dst, b_.size()))) == 0;
}

void TcpSegment::set_src_port(uint16_t v) { wire::store_be16(b_.data() + kSrcPort, v); }
void TcpSegment::set_dst_port(uint16_t v) { wire::store_be16(b_.data() + kDstPort, v); }
void TcpSegment::set_seq_number(SeqNum v) { wire::store_be32(b_.data() + kSeq, v.raw()); }
void TcpSegment::set_ack_number(SeqNum v) { wire::store_be32(b_.data() + kAck, v.raw()); }
void TcpSegment::set_header_len(size_t bytes) {
    // The reserved bits (and the historic NS bit, RFC 3540) are sent as zero.
    wire::store_u8(b_.data() + kDataOffset, static_cast<uint8_t>((bytes / 4) << 4));
}
void TcpSegment::set_flags(uint8_t v) { wire::store_u8(b_.data() + kFlags, v); }
void TcpSegment::set_window_len(uint16_t v) { wire::store_be16(b_.data() + kWindow, v); }
void TcpSegment::set_checksum(uint16_t v) { wire::store_be16(b_.data() + kChecksum, v); }
void TcpSegment::set_urgent_pointer(uint16_t v) { wire::store_be16(b_.data() + kUrgent, v); }

void TcpSegment::fill_checksum(Ipv4Address src, Ipv4Address dst) {
    set_checksum(0);
    set_checksum(checksum_finish(checksum_partial(b_, segment_pseudo_sum(src, dst, b_.size()))));
}

uint8_t TcpRepr::flags() const {
    uint8_t f = 0;
    switch (control) {
        case TcpControl::kNone: break;
        case TcpControl::kSyn: f |= tcp_flags::kSyn; break;
        case TcpControl::kFin: f |= tcp_flags::kFin; break;
        case TcpControl::kRst: f |= tcp_flags::kRst; break;
    }
    if (psh) f |= tcp_flags::kPsh;
    if (ack_number) f |= tcp_flags::kAck;
    if (urg) f |= tcp_flags::kUrg;
    if (ece) f |= tcp_flags::kEce;
    if (cwr) f |= tcp_flags::kCwr;
    return f;
}

size_t TcpRepr::header_len() const { return TcpSegment::kMinHeaderLen + wire::tcp_options_len(*this); }

namespace {
// SYN+FIN and SYN+RST are impossible (Linux's tcp_rcv_state_process drops them); FIN+RST is an RST.
WireError parse_control(uint8_t f, TcpControl& control) {
    const bool syn = (f & tcp_flags::kSyn) != 0;
    const bool fin = (f & tcp_flags::kFin) != 0;
    const bool rst = (f & tcp_flags::kRst) != 0;
    if (syn && (fin || rst)) return WireError::kBadFlags;
    control = syn ? TcpControl::kSyn : rst ? TcpControl::kRst : fin ? TcpControl::kFin : TcpControl::kNone;
    return WireError::kNone;
}

// Fills r, which lies in parse()'s return slot: building a TcpRepr elsewhere and copying it cost
// store-forwarding stalls worth a third of the parse time.
WireError parse_into(const TcpSegment& seg, Ipv4Address src, Ipv4Address dst, ChecksumCheck check, TcpRepr& r) {
    if (const WireError e = seg.check(); e != WireError::kNone) return e;
    if (check == ChecksumCheck::kVerify && !seg.verify_checksum(src, dst)) return WireError::kBadChecksum;
    const uint8_t f = seg.flags();
    if (const WireError e = parse_control(f, r.control); e != WireError::kNone) return e;
    r.src_port = seg.src_port();
    r.dst_port = seg.dst_port();
    r.psh = (f & tcp_flags::kPsh) != 0;
    r.ece = (f & tcp_flags::kEce) != 0;
    r.cwr = (f & tcp_flags::kCwr) != 0;
    r.urg = (f & tcp_flags::kUrg) != 0;
    r.seq_number = seg.seq_number();
    if (f & tcp_flags::kAck) r.ack_number = seg.ack_number();
    r.window_len = seg.window_len();
    if (r.urg) r.urgent_pointer = seg.urgent_pointer();
    if (const WireError e = wire::parse_tcp_options(seg.options(), r); e != WireError::kNone) return e;
    r.payload = seg.payload();
    return WireError::kNone;
}
}  // namespace

Parsed<TcpRepr> TcpRepr::parse(const TcpSegment& seg, Ipv4Address src, Ipv4Address dst, ChecksumCheck check) {
    Parsed<TcpRepr> out{WireError::kNone};  // a default TcpRepr, filled in place (one return: NRVO)
    if (const WireError e = parse_into(seg, src, dst, check, out.value()); e != WireError::kNone) out = e;
    return out;
}

namespace {

// The fixed 20 bytes with a zero checksum, stored through base (a local) rather than TcpSegment's
// setters: a std::byte store may alias the segment's span, which the setters would then reload
// after every field. The reserved bits (and the historic NS bit, RFC 3540) are sent as zero.
void store_fixed_header(std::byte* base, uint16_t src_port, uint16_t dst_port, SeqNum seq, SeqNum ack, size_t hlen,
                        uint8_t flags, uint16_t window, uint16_t urgent) {
    wire::store_be16(base + kSrcPort, src_port);
    wire::store_be16(base + kDstPort, dst_port);
    wire::store_be32(base + kSeq, seq.raw());
    wire::store_be32(base + kAck, ack.raw());
    wire::store_u8(base + kDataOffset, static_cast<uint8_t>((hlen / 4) << 4));
    wire::store_u8(base + kFlags, flags);
    wire::store_be16(base + kWindow, window);
    wire::store_be16(base + kChecksum, 0);
    wire::store_be16(base + kUrgent, urgent);
}

}  // namespace

void TcpRepr::emit(TcpSegment& seg, Ipv4Address src, Ipv4Address dst, ChecksumMode mode) const {
    emit(seg, src, dst, mode, header_len());
}

void TcpRepr::emit(TcpSegment& seg, Ipv4Address src, Ipv4Address dst, ChecksumMode mode, size_t hlen) const {
    // The payload moves first so that one overlapping the header area survives (memmove).
    std::byte* const base = seg.bytes().data();
    if (!payload.empty() && payload.data() != base + hlen) std::memmove(base + hlen, payload.data(), payload.size());

    store_fixed_header(base, src_port, dst_port, seq_number, ack_number.value_or(SeqNum(0)), hlen, flags(), window_len,
                       urg ? urgent_pointer : 0);
    wire::write_tcp_options(*this, base + TcpSegment::kMinHeaderLen);

    const size_t len = hlen + payload.size();
    const uint32_t pseudo = segment_pseudo_sum(src, dst, len);
    if (mode == ChecksumMode::kCompute) {
        wire::store_be16(base + kChecksum, checksum_finish(checksum_partial({base, len}, pseudo)));
    } else {
        // The device finishes the sum over the segment (DPDK RTE_MBUF_F_TX_TCP_CKSUM expects the
        // folded, uncomplemented pseudo-header sum, as rte_ipv4_phdr_cksum() returns).
        wire::store_be16(base + kChecksum, wire::fold_sum(pseudo));
    }
}

void TcpPlainHeader::emit(std::byte* base, size_t payload_len, Ipv4Address src, Ipv4Address dst,
                          ChecksumMode mode) const {
    const size_t hlen = header_len();
    store_fixed_header(base, src_port, dst_port, seq_number, ack_number, hlen, flags, window_len, 0);
    if (timestamp) {
        // write_tcp_options() for a lone timestamp: NOP NOP TS (RFC 7323 appendix A layout).
        wire::store_be32(base + TcpSegment::kMinHeaderLen,
                         (uint32_t{wire::tcp_option::kNop} << 24) | (uint32_t{wire::tcp_option::kNop} << 16) |
                             (uint32_t{wire::tcp_option::kTimestamp} << 8) | 10u);
        wire::store_be32(base + TcpSegment::kMinHeaderLen + 4, timestamp->tsval);
        wire::store_be32(base + TcpSegment::kMinHeaderLen + 8, timestamp->tsecr);
    }
    const size_t len = hlen + payload_len;
    const uint32_t pseudo = segment_pseudo_sum(src, dst, len);
    if (mode != ChecksumMode::kCompute) {
        wire::store_be16(base + kChecksum, wire::fold_sum(pseudo));  // as TcpRepr::emit
        return;
    }
    // A pure ACK: its header summed inline (one of two fixed sizes). The pseudo header makes the
    // total nonzero, so the folded result is the one checksum_partial() would give.
    const uint32_t sum = payload_len != 0 ? checksum_partial({base, len}, pseudo)
                         : timestamp      ? pseudo + checksum_partial_fixed<kTimestampHeaderLen>(base)
                                          : pseudo + checksum_partial_fixed<TcpSegment::kMinHeaderLen>(base);
    wire::store_be16(base + kChecksum, checksum_finish(sum));
}

}  // namespace tachyon
