// ARP for IPv4 over Ethernet (RFC 826): hardware type 1, protocol 0x0800, sizes 6 and 4.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/ethernet_address.hpp"
#include "stack/wire/ipv4_address.hpp"
#include "stack/wire/wire_error.hpp"

namespace tachyon {

enum class ArpOperation : uint16_t { kRequest = 1, kReply = 2 };

class ArpPacket {
public:
    static constexpr size_t kLen = 28;
    explicit ArpPacket(std::span<std::byte> bytes) : b_(bytes) {}
    WireError check() const;  // length only
    std::span<std::byte> bytes() const { return b_; }  // the whole underlying buffer

    uint16_t hardware_type() const;
    uint16_t protocol_type() const;
    uint8_t hardware_len() const;
    uint8_t protocol_len() const;
    uint16_t operation() const;
    EthernetAddress sender_hardware_addr() const;
    Ipv4Address sender_protocol_addr() const;
    EthernetAddress target_hardware_addr() const;
    Ipv4Address target_protocol_addr() const;

    void set_hardware_type(uint16_t v);
    void set_protocol_type(uint16_t v);
    void set_hardware_len(uint8_t v);
    void set_protocol_len(uint8_t v);
    void set_operation(uint16_t v);
    void set_sender_hardware_addr(const EthernetAddress& a);
    void set_sender_protocol_addr(Ipv4Address a);
    void set_target_hardware_addr(const EthernetAddress& a);
    void set_target_protocol_addr(Ipv4Address a);

private:
    std::span<std::byte> b_;
};

struct ArpRepr {
    ArpOperation operation = ArpOperation::kRequest;
    EthernetAddress source_hardware_addr;
    Ipv4Address source_protocol_addr;
    EthernetAddress target_hardware_addr;
    Ipv4Address target_protocol_addr;

    // kBadAddress for other hardware/protocol types or sizes, kUnsupported for other operations.
    static Parsed<ArpRepr> parse(const ArpPacket& packet);
    static constexpr size_t buffer_len() { return ArpPacket::kLen; }
    void emit(ArpPacket& packet) const;
    bool operator==(const ArpRepr&) const = default;
};

}  // namespace tachyon
