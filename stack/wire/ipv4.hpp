// IPv4 headers (RFC 791). Options are accepted on input (skipped) and never emitted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/wire/checksum_mode.hpp"
#include "stack/wire/ipv4_address.hpp"
#include "stack/wire/wire_error.hpp"

namespace tachyon {

enum class IpProtocol : uint8_t { kIcmp = 1, kTcp = 6, kUdp = 17 };

class Ipv4Packet {
public:
    static constexpr size_t kMinHeaderLen = 20;
    explicit Ipv4Packet(std::span<std::byte> bytes) : b_(bytes) {}
    // Version, IHL >= 5, header within the buffer, total length >= header and <= buffer.
    WireError check() const;
    std::span<std::byte> bytes() const { return b_; }  // the whole underlying buffer

    uint8_t version() const;
    size_t header_len() const;  // IHL * 4
    uint8_t dscp_ecn() const;
    uint16_t total_len() const;
    uint16_t ident() const;
    bool dont_fragment() const;
    bool more_fragments() const;
    uint16_t fragment_offset() const;  // in bytes
    uint8_t ttl() const;
    uint8_t protocol() const;
    uint16_t header_checksum() const;
    Ipv4Address src_addr() const;
    Ipv4Address dst_addr() const;
    bool verify_checksum() const;
    // The bytes after the header up to total_len (excludes link-layer padding). After check().
    std::span<std::byte> payload() const;

    void set_version_and_header_len(uint8_t version, size_t header_len);
    void set_dscp_ecn(uint8_t v);
    void set_total_len(uint16_t v);
    void set_ident(uint16_t v);
    void set_flags_and_fragment_offset(bool dont_fragment, bool more_fragments, uint16_t offset_bytes);
    void set_ttl(uint8_t v);
    void set_protocol(uint8_t v);
    void set_header_checksum(uint16_t v);
    void set_src_addr(Ipv4Address a);
    void set_dst_addr(Ipv4Address a);
    void fill_checksum();  // computes over the header

private:
    std::span<std::byte> b_;
};

struct Ipv4Repr {
    Ipv4Address src_addr;
    Ipv4Address dst_addr;
    uint8_t protocol = 0;
    uint16_t payload_len = 0;
    uint8_t ttl = 64;
    uint8_t dscp_ecn = 0;
    uint16_t ident = 0;
    bool dont_fragment = true;
    bool more_fragments = false;
    uint16_t fragment_offset = 0;  // bytes

    bool is_fragment() const { return more_fragments || fragment_offset != 0; }

    // packet must pass check(); kBadChecksum unless check == kTrusted.
    static Parsed<Ipv4Repr> parse(const Ipv4Packet& packet, ChecksumCheck check = ChecksumCheck::kVerify);
    static constexpr size_t buffer_len() { return Ipv4Packet::kMinHeaderLen; }  // header we emit
    // Writes the 20-byte header with total length 20 + payload_len (so payload_len <= 65515).
    void emit(Ipv4Packet& packet, ChecksumMode mode = ChecksumMode::kCompute) const;
    bool operator==(const Ipv4Repr&) const = default;
};

// One's-complement sum of the TCP/UDP pseudo-header (RFC 9293 3.1, RFC 768), not folded.
uint32_t pseudo_header_sum(Ipv4Address src, Ipv4Address dst, uint8_t protocol, uint16_t l4_len);

}  // namespace tachyon
