#include <cstring>

#include "stack/tcp/syn_cookie.hpp"

namespace tachyon {

uint32_t SynCookies::hash(const TcpTuple& t, SeqNum peer_isn, uint32_t count) const {
    std::byte b[20];
    const uint32_t w[5] = {t.local_addr.value, t.remote_addr.value,
                           static_cast<uint32_t>(t.local_port) << 16 | t.remote_port, peer_isn.raw(), count};
    std::memcpy(b, w, sizeof b);
    return static_cast<uint32_t>(siphash24(key_, b)) & 0xffffff;
}

uint32_t SynCookies::make(const TcpTuple& t, SeqNum peer_isn, uint16_t peer_mss, Instant now) const {
    uint32_t index = 0;
    for (uint32_t i = 0; i < kMssTable.size(); ++i) {
        if (kMssTable[i] <= peer_mss) index = i;
    }
    const uint32_t count = counter(now);
    return (count & 0x1f) << 27 | index << 24 | hash(t, peer_isn, count);
}

std::optional<uint16_t> SynCookies::check(const TcpTuple& t, SeqNum peer_isn, SeqNum iss, Instant now) const {
    const uint32_t cookie = iss.raw();
    const uint32_t now_count = counter(now);
    const uint32_t age = (now_count - (cookie >> 27)) & 0x1f;
    if (age > 1) return std::nullopt;  // at most two 64 s periods old, as Linux
    const uint32_t count = now_count - age;
    if ((cookie & 0xffffff) != hash(t, peer_isn, count)) return std::nullopt;
    return kMssTable[(cookie >> 24) & 7];
}

uint32_t SynCookies::ts_with_options(uint32_t ts_now, const CookieOptions& o) {
    const uint32_t bits = (o.wscale ? (*o.wscale & 0xfu) : 0xfu) | (o.sack_ok ? 0x10u : 0u);
    uint32_t ts = (ts_now & ~kTsOptionMask) | bits;
    if (static_cast<int32_t>(ts - ts_now) > 0) ts -= kTsOptionMask + 1;  // never ahead of the clock
    return ts;
}

CookieOptions SynCookies::options_from_ts(uint32_t tsecr) {
    CookieOptions o;
    if ((tsecr & 0xf) != 0xf) o.wscale = static_cast<uint8_t>(tsecr & 0xf);
    o.sack_ok = (tsecr & 0x10) != 0;
    return o;
}

}  // namespace tachyon
