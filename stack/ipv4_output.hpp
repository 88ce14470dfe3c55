// IPv4 output: routing on the one interface (on-link, via the gateway, broadcast, multicast), the
// header (ident counter, checksum in software or by the device), then ARP for the next hop.
// send() refuses a packet over the MTU (EMSGSIZE, as with IP_PMTUDISC_DO: TCP sizes its segments
// to the path); send_fragmented() cuts a datagram into fragments (RFC 791), for UDP.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "lib/packet.hpp"
#include "stack/arp.hpp"
#include "stack/route_cache.hpp"
#include "stack/stack_core.hpp"
#include "stack/wire/checksum_mode.hpp"
#include "stack/wire/ipv4.hpp"

namespace tachyon {

struct Route {
    enum class Kind : uint8_t { kUnicast, kBroadcast, kMulticast };
    Kind kind = Kind::kUnicast;
    Ipv4Address next_hop;  // for kUnicast: the destination itself or the gateway
};

class Ipv4Output {
public:
    Ipv4Output(StackCore& core, ArpLayer& arp);

    // nullopt when dst is unreachable: off-link without a gateway, unspecified, loopback, or our
    // own address (there is no loopback interface).
    std::optional<Route> route(Ipv4Address dst) const;
    // Sends pkt (transport header and payload). `ip` supplies addresses, protocol, TTL, DSCP and DF;
    // the source is filled in when unspecified, payload_len and ident are set here. Returns 0 or an
    // errno (EHOSTUNREACH, EMSGSIZE, ENOBUFS); the packet is consumed either way, drops counted.
    // With a valid `route` cache the headers come from it; a unicast packet sent straight to a
    // reachable neighbour fills it. An empty cache whose packet has the headers the last filled
    // one had (same destination, source, protocol, TTL, DSCP, DF) is filled from that one: a new
    // connection to where the last one went skips the look-ups too (Linux's sockets share their
    // route's dst entry the same way).
    int send(Packet pkt, const Ipv4Repr& ip, RouteCache* route = nullptr);

    // A datagram larger than the MTU, in fragments (RFC 791 section 3.2; RFC 1122 3.3.3: "MAY"),
    // as Linux fragments a UDP datagram with IP_PMTUDISC_WANT: `header` (the transport header,
    // its checksum over the whole datagram already in it, in software: a device offload would sum
    // one fragment) and `payload` are cut into pieces of `mtu`'s payload (the link's, or a smaller
    // path MTU, path_mtu()) rounded down to 8 bytes, sharing one identification, DF clear, MF on
    // all but the last. Every buffer is taken before
    // the first fragment goes: ENOBUFS sends none. EMSGSIZE above 65,535 bytes in all or above
    // kMaxFragments pieces; EHOSTUNREACH without a route.
    static constexpr size_t kMaxFragments = 64;  // 65,535 bytes at MTU 1,500 take 45
    int send_fragmented(std::span<const std::byte> header, std::span<const std::byte> payload, const Ipv4Repr& ip,
                        uint16_t mtu);

    ChecksumMode l4_checksum_mode() const {
        return core_.caps.tx_l4_checksum ? ChecksumMode::kOffload : ChecksumMode::kCompute;
    }
    uint16_t mtu() const { return core_.caps.mtu; }
    // The MTU towards dst: a smaller one "fragmentation needed" taught (StackCore::path_mtus), else mtu().
    uint16_t path_mtu(Ipv4Address dst) const { return core_.path_mtus.get(dst, mtu(), core_.now); }
    size_t max_payload() const { return core_.caps.mtu > 20 ? core_.caps.mtu - 20u : 0u; }

private:
    Ipv4Repr header_for(const Ipv4Repr& ip, size_t payload_len) const;
    // Puts hdr in front of pkt; l4_offload: the device may compute the transport checksum (not
    // for a fragment).
    bool emit_header(Packet& pkt, const Ipv4Repr& hdr, bool l4_offload);
    void set_offload_flags(PacketMeta& meta, uint8_t protocol) const;
    // Hands a packet with its IPv4 header to the link for route r; the neighbour's MAC when it
    // went straight to a resolved unicast next hop (what a route cache may keep), else nullptr.
    const EthernetAddress* to_link(Packet pkt, const Route& r, Ipv4Address dst);
    int send_cached(Packet pkt, const RouteCache& route);
    void fill(RouteCache& route, const Ipv4Repr& ip, const EthernetAddress& mac) const;
    bool same_headers(const Ipv4Repr& a, const Ipv4Repr& b) const;

    StackCore& core_;
    ArpLayer& arp_;
    uint16_t next_ident_;
    RouteCache last_route_;  // the cache filled last, and the packet header it was filled for
    Ipv4Repr last_ip_;
};

// RFC 1112 section 6.4: 01:00:5e followed by the low 23 bits of the group address.
EthernetAddress multicast_mac(Ipv4Address group);

}  // namespace tachyon
