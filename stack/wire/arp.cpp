#include "stack/wire/arp.hpp"

#include "stack/wire/bytes.hpp"

namespace tachyon {

namespace {
// Field offsets for the Ethernet/IPv4 form (RFC 826); check() guarantees kLen bytes.
constexpr size_t kHtype = 0;
constexpr size_t kPtype = 2;
constexpr size_t kHlen = 4;
constexpr size_t kPlen = 5;
constexpr size_t kOper = 6;
constexpr size_t kSha = 8;
constexpr size_t kSpa = 14;
constexpr size_t kTha = 18;
constexpr size_t kTpa = 24;

constexpr uint16_t kHardwareEthernet = 1;
constexpr uint16_t kProtocolIpv4 = 0x0800;
}  // namespace

WireError ArpPacket::check() const { return b_.size() < kLen ? WireError::kTruncated : WireError::kNone; }

uint16_t ArpPacket::hardware_type() const { return wire::load_be16(b_.data() + kHtype); }
uint16_t ArpPacket::protocol_type() const { return wire::load_be16(b_.data() + kPtype); }
uint8_t ArpPacket::hardware_len() const { return wire::load_u8(b_.data() + kHlen); }
uint8_t ArpPacket::protocol_len() const { return wire::load_u8(b_.data() + kPlen); }
uint16_t ArpPacket::operation() const { return wire::load_be16(b_.data() + kOper); }
EthernetAddress ArpPacket::sender_hardware_addr() const { return wire::load_mac(b_.data() + kSha); }
Ipv4Address ArpPacket::sender_protocol_addr() const { return {wire::load_be32(b_.data() + kSpa)}; }
EthernetAddress ArpPacket::target_hardware_addr() const { return wire::load_mac(b_.data() + kTha); }
Ipv4Address ArpPacket::target_protocol_addr() const { return {wire::load_be32(b_.data() + kTpa)}; }

void ArpPacket::set_hardware_type(uint16_t v) { wire::store_be16(b_.data() + kHtype, v); }
void ArpPacket::set_protocol_type(uint16_t v) { wire::store_be16(b_.data() + kPtype, v); }
void ArpPacket::set_hardware_len(uint8_t v) { wire::store_u8(b_.data() + kHlen, v); }
void ArpPacket::set_protocol_len(uint8_t v) { wire::store_u8(b_.data() + kPlen, v); }
void ArpPacket::set_operation(uint16_t v) { wire::store_be16(b_.data() + kOper, v); }
void ArpPacket::set_sender_hardware_addr(const EthernetAddress& a) { wire::store_mac(b_.data() + kSha, a); }
void ArpPacket::set_sender_protocol_addr(Ipv4Address a) { wire::store_be32(b_.data() + kSpa, a.value); }
void ArpPacket::set_target_hardware_addr(const EthernetAddress& a) { wire::store_mac(b_.data() + kTha, a); }
void ArpPacket::set_target_protocol_addr(Ipv4Address a) { wire::store_be32(b_.data() + kTpa, a.value); }

Parsed<ArpRepr> ArpRepr::parse(const ArpPacket& packet) {
    if (const WireError e = packet.check(); e != WireError::kNone) return e;
    if (packet.hardware_type() != kHardwareEthernet || packet.protocol_type() != kProtocolIpv4 ||
        packet.hardware_len() != 6 || packet.protocol_len() != 4) {
        return WireError::kBadAddress;
    }
    const uint16_t op = packet.operation();
    if (op != static_cast<uint16_t>(ArpOperation::kRequest) && op != static_cast<uint16_t>(ArpOperation::kReply)) {
        return WireError::kUnsupported;
    }
    return ArpRepr{static_cast<ArpOperation>(op), packet.sender_hardware_addr(), packet.sender_protocol_addr(),
                   packet.target_hardware_addr(), packet.target_protocol_addr()};
}

void ArpRepr::emit(ArpPacket& packet) const {
    packet.set_hardware_type(kHardwareEthernet);
    packet.set_protocol_type(kProtocolIpv4);
    packet.set_hardware_len(6);
    packet.set_protocol_len(4);
    packet.set_operation(static_cast<uint16_t>(operation));
    packet.set_sender_hardware_addr(source_hardware_addr);
    packet.set_sender_protocol_addr(source_protocol_addr);
    packet.set_target_hardware_addr(target_hardware_addr);
    packet.set_target_protocol_addr(target_protocol_addr);
}

}  // namespace tachyon
