// TCP option parsing and writing for TcpRepr (internal to stack/wire). The layout written is
// Linux's tcp_options_write(), so that peers and captures see what a Linux host would send.
#pragma once

#include <cstddef>
#include <span>

#include "stack/wire/tcp.hpp"
#include "stack/wire/wire_error.hpp"

namespace tachyon::wire {

// Option kinds (IANA "TCP Option Kind Numbers").
namespace tcp_option {
inline constexpr uint8_t kEnd = 0;
inline constexpr uint8_t kNop = 1;
inline constexpr uint8_t kMaxSegSize = 2;     // RFC 9293 3.2
inline constexpr uint8_t kWindowScale = 3;    // RFC 7323 2
inline constexpr uint8_t kSackPermitted = 4;  // RFC 2018 2
inline constexpr uint8_t kSack = 5;           // RFC 2018 3
inline constexpr uint8_t kTimestamp = 8;      // RFC 7323 3
}  // namespace tcp_option

// RFC 7323 section 2.3: a shift above 14 is used as 14.
inline constexpr uint8_t kMaxWindowScale = 14;
// The option space: data offset at most 15 words, 5 of them the fixed header.
inline constexpr size_t kMaxOptionsLen = TcpSegment::kMaxHeaderLen - TcpSegment::kMinHeaderLen;

// Fills the option fields of r (which start out absent) from the option bytes of a segment.
WireError parse_tcp_options(std::span<const std::byte> options, TcpRepr& r);

// How many of r's SACK blocks fit beside its other options (Linux trims the same way).
size_t tcp_sack_blocks_emitted(const TcpRepr& r);
// Bytes of options r emits, a multiple of 4 and at most kMaxOptionsLen.
size_t tcp_options_len(const TcpRepr& r);
// Writes tcp_options_len(r) bytes at p.
void write_tcp_options(const TcpRepr& r, std::byte* p);

}  // namespace tachyon::wire
