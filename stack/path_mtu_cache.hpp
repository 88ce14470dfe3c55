// Path MTUs learnt from "fragmentation needed" (RFC 1191 section 5), per destination, so that a
// later connection to the host starts with segments that fit instead of losing its first window
// to the same router (Linux keeps them in the route's exception cache). Lowered only, forgotten
// after 10 minutes (RFC 1191 section 6.3 suggests trying larger again after about that; Linux's
// ip_rt_mtu_expires is 600 s). A fixed table: when full, the entry closest to expiring gives way.
// Read when a connection settles its MSS, not per packet; empty, a look-up costs one comparison.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "lib/time.hpp"
#include "stack/wire/ipv4_address.hpp"

namespace tachyon {

class PathMtuCache {
public:
    static constexpr size_t kEntries = 64;
    static constexpr Duration kLifetime = Duration::from_secs(600);
    // Linux's ip_rt_min_pmtu: a router asking for less, or naming no MTU at all (one older than
    // RFC 1191, section 5), takes a path down to this and no further.
    static constexpr uint16_t kMinMtu = 552;
    static uint16_t clamp(uint16_t next_hop_mtu) { return next_hop_mtu < kMinMtu ? kMinMtu : next_hop_mtu; }

    // The MTU towards dst: the one learnt while it lasts, else link_mtu.
    uint16_t get(Ipv4Address dst, uint16_t link_mtu, Instant now) const {
        for (size_t i = 0; i < used_; ++i) {
            const Entry& e = entries_[i];
            if (e.dst == dst && now < e.expires && e.mtu < link_mtu) return e.mtu;
        }
        return link_mtu;
    }

    // dst takes at most mtu (clamped) from now on; an MTU no smaller than the live one known is
    // ignored.
    void lower(Ipv4Address dst, uint16_t next_hop_mtu, Instant now) {
        const uint16_t mtu = clamp(next_hop_mtu);
        Entry* slot = nullptr;
        for (size_t i = 0; i < used_ && slot == nullptr; ++i) {
            if (entries_[i].dst == dst) slot = &entries_[i];
        }
        if (slot != nullptr && now < slot->expires && slot->mtu <= mtu) return;
        if (slot == nullptr) slot = used_ < kEntries ? &entries_[used_++] : soonest_to_expire();
        *slot = Entry{dst, mtu, now + kLifetime};
    }

private:
    struct Entry {
        Ipv4Address dst;
        uint16_t mtu = 0;
        Instant expires;
    };

    Entry* soonest_to_expire() {
        Entry* s = &entries_[0];
        for (Entry& e : entries_) {
            if (e.expires < s->expires) s = &e;
        }
        return s;
    }

    std::array<Entry, kEntries> entries_{};
    size_t used_ = 0;  // entries_[0, used_) have been filled
};

}  // namespace tachyon
