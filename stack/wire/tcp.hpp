// TCP headers (RFC 9293 section 3.1) with every option the stack uses: EOL, NOP, MSS, window scale
// (RFC 7323), SACK-permitted and SACK blocks (RFC 2018), timestamps (RFC 7323). Unknown options are
// skipped; malformed ones (length 0 or 1, running past the header, a known kind with the wrong
// length) reject the segment with kBadOption.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "lib/seq.hpp"
#include "stack/wire/checksum_mode.hpp"
#include "stack/wire/ipv4_address.hpp"
#include "stack/wire/wire_error.hpp"

namespace tachyon {

namespace tcp_flags {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kRst = 0x04;
inline constexpr uint8_t kPsh = 0x08;
inline constexpr uint8_t kAck = 0x10;
inline constexpr uint8_t kUrg = 0x20;
inline constexpr uint8_t kEce = 0x40;
inline constexpr uint8_t kCwr = 0x80;
}  // namespace tcp_flags

class TcpSegment {
public:
    static constexpr size_t kMinHeaderLen = 20;
    static constexpr size_t kMaxHeaderLen = 60;
    explicit TcpSegment(std::span<std::byte> bytes) : b_(bytes) {}
    // Fixed header present, data offset >= 5 and the header within the buffer.
    WireError check() const;
    std::span<std::byte> bytes() const { return b_; }  // the whole underlying buffer

    uint16_t src_port() const;
    uint16_t dst_port() const;
    SeqNum seq_number() const;
    SeqNum ack_number() const;
    size_t header_len() const;  // data offset * 4
    uint8_t flags() const;      // the eight flag bits of byte 13
    uint16_t window_len() const;
    uint16_t checksum() const;
    uint16_t urgent_pointer() const;
    std::span<std::byte> options() const;  // bytes between the fixed header and the data
    std::span<std::byte> payload() const;
    bool verify_checksum(Ipv4Address src, Ipv4Address dst) const;

    void set_src_port(uint16_t v);
    void set_dst_port(uint16_t v);
    void set_seq_number(SeqNum v);
    void set_ack_number(SeqNum v);
    void set_header_len(size_t bytes);  // multiple of 4, 20..60
    void set_flags(uint8_t v);
    void set_window_len(uint16_t v);
    void set_checksum(uint16_t v);
    void set_urgent_pointer(uint16_t v);
    void fill_checksum(Ipv4Address src, Ipv4Address dst);  // over header+payload

private:
    std::span<std::byte> b_;
};

// SYN, FIN and RST are mutually exclusive in any segment we accept (SYN+FIN and SYN+RST are
// rejected with kBadFlags, as Linux drops them); FIN+RST is accepted as RST. PSH is separate.
enum class TcpControl : uint8_t { kNone, kSyn, kFin, kRst };

struct TcpSackBlock {
    SeqNum left;   // first sequence number of the block
    SeqNum right;  // sequence number just past the block
    bool operator==(const TcpSackBlock&) const = default;
};

struct TcpTimestamp {
    uint32_t tsval = 0;
    uint32_t tsecr = 0;
    bool operator==(const TcpTimestamp&) const = default;
};

struct TcpRepr {
    static constexpr size_t kMaxSackBlocks = 4;

    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    TcpControl control = TcpControl::kNone;
    bool psh = false;
    bool ece = false;
    bool cwr = false;
    SeqNum seq_number;
    std::optional<SeqNum> ack_number;  // present iff the ACK flag is set
    uint16_t window_len = 0;           // as on the wire (not scaled)
    uint16_t urgent_pointer = 0;       // kept only when URG is set; the stack does not use it
    bool urg = false;

    // Options. Emitted in Linux's order: on SYN "mss, sackOK, TS, nop, wscale" (with timestamps)
    // or "mss, nop, nop, sackOK, nop, wscale" (without); on other segments "nop, nop, TS" then
    // "nop, nop, SACK" blocks.
    std::optional<uint16_t> max_seg_size;
    std::optional<uint8_t> window_scale;
    bool sack_permitted = false;
    std::optional<TcpTimestamp> timestamp;
    // emit() writes as many blocks as fit beside the other options (three beside timestamps), as
    // Linux does; parse() accepts up to four.
    std::array<TcpSackBlock, kMaxSackBlocks> sack_blocks{};
    uint8_t sack_block_count = 0;

    std::span<const std::byte> payload;  // points into the parsed segment

    // Sequence space the segment occupies: payload plus one each for SYN and FIN.
    uint32_t segment_len() const {
        return static_cast<uint32_t>(payload.size()) +
               (control == TcpControl::kSyn || control == TcpControl::kFin ? 1u : 0u);
    }
    uint8_t flags() const;  // the flag byte this repr emits
    size_t header_len() const;  // 20 + options, padded to a multiple of 4
    size_t buffer_len() const { return header_len() + payload.size(); }

    static Parsed<TcpRepr> parse(const TcpSegment& seg, Ipv4Address src, Ipv4Address dst,
                                 ChecksumCheck check = ChecksumCheck::kVerify);
    // Writes header and options, copies the payload unless it already lies in place, then the
    // checksum. seg must hold buffer_len() bytes.
    void emit(TcpSegment& seg, Ipv4Address src, Ipv4Address dst, ChecksumMode mode = ChecksumMode::kCompute) const;
    // The same, for a caller that has header_len() already (it sized the packet with it).
    void emit(TcpSegment& seg, Ipv4Address src, Ipv4Address dst, ChecksumMode mode, size_t header_len) const;
};

// The segment a synchronized connection sends most: ACK set (with PSH and FIN as asked), no urgent
// pointer, no option but the timestamps. TcpRepr::emit writes the same bytes for a repr with these
// fields; this writes them without the general flag and option logic, for the per-segment path.
struct TcpPlainHeader {
    static constexpr size_t kTimestampHeaderLen = 32;  // 20 + NOP NOP TS

    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    SeqNum seq_number;
    SeqNum ack_number;
    uint8_t flags = tcp_flags::kAck;  // kAck, with kPsh and kFin as needed
    uint16_t window_len = 0;          // as on the wire (not scaled)
    std::optional<TcpTimestamp> timestamp;

    size_t header_len() const { return timestamp ? kTimestampHeaderLen : TcpSegment::kMinHeaderLen; }
    // base holds header_len() + payload_len bytes with the payload in place after the header.
    void emit(std::byte* base, size_t payload_len, Ipv4Address src, Ipv4Address dst, ChecksumMode mode) const;
};

}  // namespace tachyon
