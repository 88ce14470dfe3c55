// The wire format of `tachyon perf`: sockperf's (github.com/Mellanox/sockperf, src/message.h), so
// that Debian's sockperf client can measure Tachyon's server and Tachyon's client could measure a
// sockperf server. Every message starts with a 14-byte header in network byte order:
//
//   0   sequence number  u64
//   8   flags            u16   1 CLIENT (from a client), 2 PONG_REQUEST (answer me), 4 WARMUP
//   10  length           u32   of the whole message, header included (>= 14)
//
// then length - 14 bytes of payload. A server answers a client message that asks for it
// (PONG_REQUEST, and not WARMUP, as sockperf's server does) with the same bytes, the CLIENT flag
// cleared; everything else it only consumes. Tachyon's client asks for an answer to every ping-pong
// message, and to the last message of a throughput run, so that it knows when the server has
// received everything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace tachyon::apps::perf {

inline constexpr size_t kHeaderLen = 14;
inline constexpr uint16_t kFlagClient = 1;
inline constexpr uint16_t kFlagPong = 2;
inline constexpr uint16_t kFlagWarmup = 4;
inline constexpr uint32_t kMaxMessage = 16u << 20;  // larger lengths are a protocol error
inline constexpr uint16_t kDefaultPort = 11111;      // sockperf's

struct Header {
    uint64_t seq = 0;
    uint16_t flags = 0;
    uint32_t length = 0;
};

inline void encode(const Header& h, std::span<std::byte> out) {
    for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<std::byte>(h.seq >> (56 - 8 * i));
    out[8] = static_cast<std::byte>(h.flags >> 8);
    out[9] = static_cast<std::byte>(h.flags);
    for (int i = 0; i < 4; ++i) out[static_cast<size_t>(10 + i)] = static_cast<std::byte>(h.length >> (24 - 8 * i));
}

inline Header decode(std::span<const std::byte> in) {
    Header h;
    for (int i = 0; i < 8; ++i) h.seq = (h.seq << 8) | static_cast<uint64_t>(in[static_cast<size_t>(i)]);
    h.flags = static_cast<uint16_t>((static_cast<unsigned>(in[8]) << 8) | static_cast<unsigned>(in[9]));
    for (int i = 0; i < 4; ++i) h.length = (h.length << 8) | static_cast<uint32_t>(in[static_cast<size_t>(10 + i)]);
    return h;
}

}  // namespace tachyon::apps::perf
