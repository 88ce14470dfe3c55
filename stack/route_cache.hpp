// What a connection keeps so that its packets leave without a route and neighbour look-up each:
// the Ethernet and IPv4 headers of its last packet, ready to copy in front of the next one (as
// Linux keeps sk_dst_cache and its neighbour's cached hard header). Only the IPv4 total length,
// identification and checksum change from packet to packet; the checksum starts from the sum of
// the rest. Valid while the neighbour table has not changed since it was filled (generation):
// any entry going or changing its MAC empties every cache at once, and the next packet takes the
// full path again, which also resolves the neighbour anew when it has to. Packets sent from the
// cache do not mark the neighbour's entry as recently used: with the ARP table full, an entry in
// use by connections can be evicted before idle ones, and their next packet then waits for one
// resolution (entries expire after their lifetime whether used or not, as before).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "lib/packet.hpp"

namespace tachyon {

struct RouteCache {
    static constexpr size_t kHeadersLen = 14 + 20;  // Ethernet and IPv4 without options

    // The neighbour table's generation when filled (ArpCache::generation(), never 0); 0: empty.
    uint32_t generation = 0;
    // One's-complement sum of the IPv4 header as cached: total length 20, identification and
    // checksum 0, folded to 16 bits as checksum_partial_fixed returns it (so that the TTL and TOS
    // below fit in the same 48 bytes).
    uint16_t ip_sum = 0;
    // The IPv4 TTL and TOS byte of the connection's packets (IP_TTL, IP_TOS): the cached headers
    // were built with them, so a change empties the cache. Kept by clear().
    uint8_t ttl = 64;
    uint8_t tos = 0;
    std::array<std::byte, kHeadersLen> headers{};
    // The TX offload requests every packet of the route carries (tx_flags, l2_len, l3_len).
    PacketMeta offload;

    void clear() { generation = 0; }
    void set_ttl_tos(uint8_t new_ttl, uint8_t new_tos) {
        if (new_ttl == ttl && new_tos == tos) return;
        ttl = new_ttl;
        tos = new_tos;
        clear();
    }
};

}  // namespace tachyon
