// UDP (RFC 768).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/wire/checksum_mode.hpp"
#include "stack/wire/ipv4_address.hpp"
#include "stack/wire/wire_error.hpp"

namespace tachyon {

class UdpDatagram {
public:
    static constexpr size_t kHeaderLen = 8;
    explicit UdpDatagram(std::span<std::byte> bytes) : b_(bytes) {}
    // Header present, length field >= 8 and <= buffer.
    WireError check() const;
    std::span<std::byte> bytes() const { return b_; }  // the whole underlying buffer

    uint16_t src_port() const;
    uint16_t dst_port() const;
    uint16_t len() const;
    uint16_t checksum() const;
    std::span<std::byte> payload() const;  // up to len(), after check()
    // A zero checksum means "none" (RFC 768) and verifies.
    bool verify_checksum(Ipv4Address src, Ipv4Address dst) const;

    void set_src_port(uint16_t v);
    void set_dst_port(uint16_t v);
    void set_len(uint16_t v);
    void set_checksum(uint16_t v);
    void fill_checksum(Ipv4Address src, Ipv4Address dst);  // over header+payload; 0 becomes 0xffff

private:
    std::span<std::byte> b_;
};

struct UdpRepr {
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    std::span<const std::byte> payload;  // points into the parsed datagram

    static Parsed<UdpRepr> parse(const UdpDatagram& d, Ipv4Address src, Ipv4Address dst,
                                 ChecksumCheck check = ChecksumCheck::kVerify);
    size_t buffer_len() const { return UdpDatagram::kHeaderLen + payload.size(); }
    // Writes header and copies payload (unless it already lies in place), then the checksum.
    void emit(UdpDatagram& d, Ipv4Address src, Ipv4Address dst, ChecksumMode mode = ChecksumMode::kCompute) const;
};

}  // namespace tachyon
