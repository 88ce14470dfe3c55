#include "stack/wire/udp.hpp"

#include <cstring>

#include "lib/checksum.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/ipv4.hpp"

namespace tachyon {

namespace {
// Field offsets (RFC 768).
constexpr size_t kSrcPort = 0;
constexpr size_t kDstPort = 2;
constexpr size_t kLen = 4;
constexpr size_t kChecksum = 6;

constexpr uint8_t kProtoUdp = static_cast<uint8_t>(IpProtocol::kUdp);
}  // namespace

WireError UdpDatagram::check() const {
    if (b_.size() < kHeaderLen) return WireError::kTruncated;
    const size_t l = len();
    if (l < kHeaderLen || l > b_.size()) return WireError::kBadTotalLength;
    return WireError::kNone;
}

uint16_t UdpDatagram::src_port() const { return wire::load_be16(b_.data() + kSrcPort); }
uint16_t UdpDatagram::dst_port() const { return wire::load_be16(b_.data() + kDstPort); }
uint16_t UdpDatagram::len() const { return wire::load_be16(b_.data() + kLen); }
uint16_t UdpDatagram::checksum() const { return wire::load_be16(b_.data() + kChecksum); }
std::span<std::byte> UdpDatagram::payload() const { return b_.subspan(kHeaderLen, len() - kHeaderLen); }

bool UdpDatagram::verify_checksum(Ipv4Address src, Ipv4Address dst) const {
    if (checksum() == 0) return true;  // the sender did not compute one (RFC 768)
    const uint16_t l = len();
    return checksum_finish(checksum_partial(b_.first(l), pseudo_header_sum(src, dst, kProtoUdp, l))) == 0;
}

void UdpDatagram::set_src_port(uint16_t v) { wire::store_be16(b_.data() + kSrcPort, v); }
void UdpDatagram::set_dst_port(uint16_t v) { wire::store_be16(b_.data() + kDstPort, v); }
void UdpDatagram::set_len(uint16_t v) { wire::store_be16(b_.data() + kLen, v); }
void UdpDatagram::set_checksum(uint16_t v) { wire::store_be16(b_.data() + kChecksum, v); }

void UdpDatagram::fill_checksum(Ipv4Address src, Ipv4Address dst) {
    set_checksum(0);
    const uint16_t l = len();
    const uint16_t c = checksum_finish(checksum_partial(b_.first(l), pseudo_header_sum(src, dst, kProtoUdp, l)));
    // A computed zero is sent as all ones: zero on the wire means "no checksum" (RFC 768).
    set_checksum(c == 0 ? 0xffff : c);
}

Parsed<UdpRepr> UdpRepr::parse(const UdpDatagram& d, Ipv4Address src, Ipv4Address dst, ChecksumCheck check) {
    if (const WireError e = d.check(); e != WireError::kNone) return e;
    if (check == ChecksumCheck::kVerify && !d.verify_checksum(src, dst)) return WireError::kBadChecksum;
    return UdpRepr{d.src_port(), d.dst_port(), d.payload()};
}

void UdpRepr::emit(UdpDatagram& d, Ipv4Address src, Ipv4Address dst, ChecksumMode mode) const {
    // The payload moves first so that one overlapping the header area survives; memmove because the
    // caller may have built it anywhere in the same buffer.
    std::byte* const to = d.bytes().data() + UdpDatagram::kHeaderLen;
    if (!payload.empty() && payload.data() != to) std::memmove(to, payload.data(), payload.size());
    const auto l = static_cast<uint16_t>(buffer_len());
    d.set_src_port(src_port);
    d.set_dst_port(dst_port);
    d.set_len(l);
    if (mode == ChecksumMode::kCompute) {
        d.fill_checksum(src, dst);
    } else {
        // The device finishes the sum over the datagram (DPDK RTE_MBUF_F_TX_UDP_CKSUM).
        d.set_checksum(wire::fold_sum(pseudo_header_sum(src, dst, kProtoUdp, l)));
    }
}

}  // namespace tachyon
