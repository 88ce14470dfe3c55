// SYN cookies (RFC 4987 section 3.6): when a listener's SYN queue is full the SYN,ACK carries all
// the state in its sequence number and nothing is kept. The ISS is
//   bits 31-27  t mod 32, t = time in 64 s units       (the cookie expires after 2 units)
//   bits 26-24  index of the peer's MSS in kMssTable   (rounded down)
//   bits 23-0   SipHash(secret, 4-tuple, peer's ISN, t)
// With timestamps, the window scale the peer offered and SACK-permitted ride in the low 6 bits of
// our TSval and come back in the ACK's TSecr, as Linux does (bits 0-3 wscale, 0xf = none; bit 4
// SACK-permitted).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "lib/random.hpp"
#include "lib/seq.hpp"
#include "lib/time.hpp"
#include "stack/tcp/siphash.hpp"
#include "stack/tcp/tcp_types.hpp"

namespace tachyon {

struct CookieOptions {
    std::optional<uint8_t> wscale;
    bool sack_ok = false;
};

class SynCookies {
public:
    static constexpr std::array<uint16_t, 8> kMssTable = {216, 536, 1200, 1360, 1400, 1440, 1460, 8960};
    static constexpr uint32_t kTsOptionBits = 6;
    static constexpr uint32_t kTsOptionMask = (1u << kTsOptionBits) - 1;

    explicit SynCookies(Random& r) : key_{r.next_u64(), r.next_u64()} {}

    uint32_t make(const TcpTuple& t, SeqNum peer_isn, uint16_t peer_mss, Instant now) const;
    // The MSS the cookie encodes, or nullopt when it is not ours or too old.
    std::optional<uint16_t> check(const TcpTuple& t, SeqNum peer_isn, SeqNum iss, Instant now) const;

    // The TSval to send: at or below ts_now, its low bits carrying the options.
    static uint32_t ts_with_options(uint32_t ts_now, const CookieOptions& o);
    static CookieOptions options_from_ts(uint32_t tsecr);

private:
    static uint32_t counter(Instant now) { return static_cast<uint32_t>(now.ns() / 64'000'000'000); }
    uint32_t hash(const TcpTuple& t, SeqNum peer_isn, uint32_t count) const;

    SipKey key_;
};

}  // namespace tachyon
