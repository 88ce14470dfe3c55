#include "stack/wire/icmpv4.hpp"

#include <cstring>

#include "lib/checksum.hpp"
#include "stack/wire/bytes.hpp"

namespace tachyon {

namespace {
// Field offsets (RFC 792).
constexpr size_t kType = 0;
constexpr size_t kCode = 1;
constexpr size_t kChecksum = 2;
constexpr size_t kIdent = 4;        // echo
constexpr size_t kSeqNo = 6;        // echo
constexpr size_t kRest = 4;         // the 32-bit "rest of header"
constexpr size_t kNextHopMtu = 6;   // dst unreachable, fragmentation needed (RFC 1191)
}  // namespace

WireError Icmpv4Packet::check() const {
    return b_.size() < kHeaderLen ? WireError::kTruncated : WireError::kNone;
}

uint8_t Icmpv4Packet::msg_type() const { return wire::load_u8(b_.data() + kType); }
uint8_t Icmpv4Packet::msg_code() const { return wire::load_u8(b_.data() + kCode); }
uint16_t Icmpv4Packet::checksum() const { return wire::load_be16(b_.data() + kChecksum); }
uint16_t Icmpv4Packet::echo_ident() const { return wire::load_be16(b_.data() + kIdent); }
uint16_t Icmpv4Packet::echo_seq_no() const { return wire::load_be16(b_.data() + kSeqNo); }
uint16_t Icmpv4Packet::next_hop_mtu() const { return wire::load_be16(b_.data() + kNextHopMtu); }

bool Icmpv4Packet::verify_checksum() const { return internet_checksum(b_) == 0; }

void Icmpv4Packet::set_msg_type(uint8_t v) { wire::store_u8(b_.data() + kType, v); }
void Icmpv4Packet::set_msg_code(uint8_t v) { wire::store_u8(b_.data() + kCode, v); }
void Icmpv4Packet::set_checksum(uint16_t v) { wire::store_be16(b_.data() + kChecksum, v); }
void Icmpv4Packet::set_echo_ident(uint16_t v) { wire::store_be16(b_.data() + kIdent, v); }
void Icmpv4Packet::set_echo_seq_no(uint16_t v) { wire::store_be16(b_.data() + kSeqNo, v); }
void Icmpv4Packet::set_rest_of_header(uint32_t v) { wire::store_be32(b_.data() + kRest, v); }

void Icmpv4Packet::fill_checksum() {
    set_checksum(0);
    set_checksum(internet_checksum(b_));
}

Parsed<Icmpv4Repr> Icmpv4Repr::parse(const Icmpv4Packet& packet, ChecksumCheck check) {
    if (const WireError e = packet.check(); e != WireError::kNone) return e;
    if (check == ChecksumCheck::kVerify && !packet.verify_checksum()) return WireError::kBadChecksum;
    Icmpv4Repr r;
    r.code = packet.msg_code();
    r.data = packet.data();
    switch (packet.msg_type()) {
        case static_cast<uint8_t>(Icmpv4Type::kEchoRequest):
        case static_cast<uint8_t>(Icmpv4Type::kEchoReply):
            r.type = static_cast<Icmpv4Type>(packet.msg_type());
            r.ident = packet.echo_ident();
            r.seq_no = packet.echo_seq_no();
            return r;
        case static_cast<uint8_t>(Icmpv4Type::kDstUnreachable):
            r.type = Icmpv4Type::kDstUnreachable;
            if (r.code == static_cast<uint8_t>(Icmpv4Unreachable::kFragRequired)) r.next_hop_mtu = packet.next_hop_mtu();
            return r;
        case static_cast<uint8_t>(Icmpv4Type::kTimeExceeded):  // data: the original header + 8 bytes
            r.type = Icmpv4Type::kTimeExceeded;
            return r;
        default:
            return WireError::kUnsupported;
    }
}

void Icmpv4Repr::emit(Icmpv4Packet& packet) const {
    // Data first, so that data overlapping the header area survives (memmove).
    std::byte* const to = packet.bytes().data() + Icmpv4Packet::kHeaderLen;
    if (!data.empty() && data.data() != to) std::memmove(to, data.data(), data.size());
    packet.set_msg_type(static_cast<uint8_t>(type));
    packet.set_msg_code(code);
    if (type == Icmpv4Type::kEchoRequest || type == Icmpv4Type::kEchoReply) {
        packet.set_echo_ident(ident);
        packet.set_echo_seq_no(seq_no);
    } else if (type == Icmpv4Type::kDstUnreachable && code == static_cast<uint8_t>(Icmpv4Unreachable::kFragRequired)) {
        packet.set_rest_of_header(next_hop_mtu);  // high 16 bits unused, zero (RFC 1191 section 4)
    } else {
        packet.set_rest_of_header(0);  // unused (RFC 792)
    }
    Icmpv4Packet exact(packet.bytes().first(buffer_len()));
    exact.fill_checksum();
}

}  // namespace tachyon
