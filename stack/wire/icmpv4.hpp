// ICMPv4 (RFC 792): echo request/reply, destination unreachable and time exceeded, the messages the
// stack handles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/wire/checksum_mode.hpp"
#include "stack/wire/wire_error.hpp"

namespace tachyon {

enum class Icmpv4Type : uint8_t {
    kEchoReply = 0,
    kDstUnreachable = 3,
    kEchoRequest = 8,
    kTimeExceeded = 11,
};

enum class Icmpv4Unreachable : uint8_t {
    kNetUnreachable = 0,
    kHostUnreachable = 1,
    kProtoUnreachable = 2,
    kPortUnreachable = 3,
    kFragRequired = 4,
};

class Icmpv4Packet {
public:
    static constexpr size_t kHeaderLen = 8;
    explicit Icmpv4Packet(std::span<std::byte> bytes) : b_(bytes) {}
    WireError check() const;
    std::span<std::byte> bytes() const { return b_; }  // the whole underlying buffer

    uint8_t msg_type() const;
    uint8_t msg_code() const;
    uint16_t checksum() const;
    uint16_t echo_ident() const;
    uint16_t echo_seq_no() const;
    uint16_t next_hop_mtu() const;  // dst unreachable, code kFragRequired
    std::span<std::byte> data() const { return b_.subspan(kHeaderLen); }
    bool verify_checksum() const;  // over the whole buffer

    void set_msg_type(uint8_t v);
    void set_msg_code(uint8_t v);
    void set_checksum(uint16_t v);
    void set_echo_ident(uint16_t v);
    void set_echo_seq_no(uint16_t v);
    void set_rest_of_header(uint32_t v);
    void fill_checksum();  // over the whole buffer

private:
    std::span<std::byte> b_;
};

// Value form of the messages above. `data` points into the parsed packet (echo payload, or the
// original datagram's IP header plus at least 8 bytes for dst unreachable).
struct Icmpv4Repr {
    Icmpv4Type type = Icmpv4Type::kEchoRequest;
    uint8_t code = 0;
    uint16_t ident = 0;   // echo
    uint16_t seq_no = 0;  // echo
    std::span<const std::byte> data;
    uint16_t next_hop_mtu = 0;  // dst unreachable with code kFragRequired (RFC 1191 section 4)

    // kUnsupported for types other than echo request/reply, dst unreachable and time exceeded.
    static Parsed<Icmpv4Repr> parse(const Icmpv4Packet& packet, ChecksumCheck check = ChecksumCheck::kVerify);
    size_t buffer_len() const { return Icmpv4Packet::kHeaderLen + data.size(); }
    // Copies data (unless it already lies in place), then computes the checksum over buffer_len()
    // bytes. packet must hold buffer_len() bytes.
    void emit(Icmpv4Packet& packet) const;
};

}  // namespace tachyon
