#include "stack/wire/ipv4.hpp"

#include "lib/checksum.hpp"
#include "stack/wire/bytes.hpp"

namespace tachyon {

namespace {
// Field offsets (RFC 791 section 3.1).
constexpr size_t kVerIhl = 0;
constexpr size_t kDscpEcn = 1;
constexpr size_t kTotalLen = 2;
constexpr size_t kIdent = 4;
constexpr size_t kFlagsFrag = 6;
constexpr size_t kTtl = 8;
constexpr size_t kProtocol = 9;
constexpr size_t kChecksum = 10;
constexpr size_t kSrc = 12;
constexpr size_t kDst = 16;

constexpr uint16_t kFlagDf = 0x4000;
constexpr uint16_t kFlagMf = 0x2000;
constexpr uint16_t kFragOffsetMask = 0x1fff;  // in units of 8 bytes
}  // namespace

WireError Ipv4Packet::check() const {
    if (b_.size() < kMinHeaderLen) return WireError::kTruncated;
    if (version() != 4) return WireError::kBadVersion;
    const size_t hlen = header_len();
    if (hlen < kMinHeaderLen || hlen > b_.size()) return WireError::kBadHeaderLength;
    const size_t tlen = total_len();
    if (tlen < hlen || tlen > b_.size()) return WireError::kBadTotalLength;
    return WireError::kNone;
}

uint8_t Ipv4Packet::version() const { return wire::load_u8(b_.data() + kVerIhl) >> 4; }
size_t Ipv4Packet::header_len() const { return size_t{wire::load_u8(b_.data() + kVerIhl) & 0x0fu} * 4; }
uint8_t Ipv4Packet::dscp_ecn() const { return wire::load_u8(b_.data() + kDscpEcn); }
uint16_t Ipv4Packet::total_len() const { return wire::load_be16(b_.data() + kTotalLen); }
uint16_t Ipv4Packet::ident() const { return wire::load_be16(b_.data() + kIdent); }
bool Ipv4Packet::dont_fragment() const { return (wire::load_be16(b_.data() + kFlagsFrag) & kFlagDf) != 0; }
bool Ipv4Packet::more_fragments() const { return (wire::load_be16(b_.data() + kFlagsFrag) & kFlagMf) != 0; }
uint16_t Ipv4Packet::fragment_offset() const {
    return static_cast<uint16_t>((wire::load_be16(b_.data() + kFlagsFrag) & kFragOffsetMask) * 8);
}
uint8_t Ipv4Packet::ttl() const { return wire::load_u8(b_.data() + kTtl); }
uint8_t Ipv4Packet::protocol() const { return wire::load_u8(b_.data() + kProtocol); }
uint16_t Ipv4Packet::header_checksum() const { return wire::load_be16(b_.data() + kChecksum); }
Ipv4Address Ipv4Packet::src_addr() const { return {wire::load_be32(b_.data() + kSrc)}; }
Ipv4Address Ipv4Packet::dst_addr() const { return {wire::load_be32(b_.data() + kDst)}; }

namespace {
// Almost every header has no options: the inline 20-byte sum.
uint32_t header_sum(std::span<const std::byte> header) {
    return header.size() == Ipv4Packet::kMinHeaderLen ? checksum_partial_fixed<Ipv4Packet::kMinHeaderLen>(header.data()) : checksum_partial(header);
}
}  // namespace

bool Ipv4Packet::verify_checksum() const {
    return checksum_finish(header_sum(b_.first(header_len()))) == 0;
}

std::span<std::byte> Ipv4Packet::payload() const {
    const size_t hlen = header_len();
    return b_.subspan(hlen, total_len() - hlen);
}

void Ipv4Packet::set_version_and_header_len(uint8_t version, size_t header_len) {
    wire::store_u8(b_.data() + kVerIhl, static_cast<uint8_t>((version << 4) | ((header_len / 4) & 0x0f)));
}
void Ipv4Packet::set_dscp_ecn(uint8_t v) { wire::store_u8(b_.data() + kDscpEcn, v); }
void Ipv4Packet::set_total_len(uint16_t v) { wire::store_be16(b_.data() + kTotalLen, v); }
void Ipv4Packet::set_ident(uint16_t v) { wire::store_be16(b_.data() + kIdent, v); }
void Ipv4Packet::set_flags_and_fragment_offset(bool dont_fragment, bool more_fragments, uint16_t offset_bytes) {
    const uint16_t v = static_cast<uint16_t>((dont_fragment ? kFlagDf : 0) | (more_fragments ? kFlagMf : 0) |
                                             ((offset_bytes / 8) & kFragOffsetMask));
    wire::store_be16(b_.data() + kFlagsFrag, v);
}
void Ipv4Packet::set_ttl(uint8_t v) { wire::store_u8(b_.data() + kTtl, v); }
void Ipv4Packet::set_protocol(uint8_t v) { wire::store_u8(b_.data() + kProtocol, v); }
void Ipv4Packet::set_header_checksum(uint16_t v) { wire::store_be16(b_.data() + kChecksum, v); }
void Ipv4Packet::set_src_addr(Ipv4Address a) { wire::store_be32(b_.data() + kSrc, a.value); }
void Ipv4Packet::set_dst_addr(Ipv4Address a) { wire::store_be32(b_.data() + kDst, a.value); }

void Ipv4Packet::fill_checksum() {
    set_header_checksum(0);
    set_header_checksum(checksum_finish(header_sum(b_.first(header_len()))));
}

Parsed<Ipv4Repr> Ipv4Repr::parse(const Ipv4Packet& packet, ChecksumCheck check) {
    if (const WireError e = packet.check(); e != WireError::kNone) return e;
    if (check == ChecksumCheck::kVerify && !packet.verify_checksum()) return WireError::kBadChecksum;
    Ipv4Repr r;
    r.src_addr = packet.src_addr();
    r.dst_addr = packet.dst_addr();
    r.protocol = packet.protocol();
    r.payload_len = static_cast<uint16_t>(packet.total_len() - packet.header_len());
    r.ttl = packet.ttl();
    r.dscp_ecn = packet.dscp_ecn();
    r.ident = packet.ident();
    r.dont_fragment = packet.dont_fragment();
    r.more_fragments = packet.more_fragments();
    r.fragment_offset = packet.fragment_offset();
    return r;
}

void Ipv4Repr::emit(Ipv4Packet& packet, ChecksumMode mode) const {
    packet.set_version_and_header_len(4, Ipv4Packet::kMinHeaderLen);
    packet.set_dscp_ecn(dscp_ecn);
    packet.set_total_len(static_cast<uint16_t>(Ipv4Packet::kMinHeaderLen + payload_len));
    packet.set_ident(ident);
    packet.set_flags_and_fragment_offset(dont_fragment, more_fragments, fragment_offset);
    packet.set_ttl(ttl);
    packet.set_protocol(protocol);
    packet.set_src_addr(src_addr);
    packet.set_dst_addr(dst_addr);
    // With offload the device fills the field and expects it zeroed (DPDK RTE_MBUF_F_TX_IP_CKSUM).
    if (mode == ChecksumMode::kCompute) {
        packet.fill_checksum();
    } else {
        packet.set_header_checksum(0);
    }
}

uint32_t pseudo_header_sum(Ipv4Address src, Ipv4Address dst, uint8_t protocol, uint16_t l4_len) {
    // Each term is at most 0xffff and there are six of them: no 32-bit overflow.
    return (src.value >> 16) + (src.value & 0xffff) + (dst.value >> 16) + (dst.value & 0xffff) +
           uint32_t{protocol} + uint32_t{l4_len};
}

}  // namespace tachyon
