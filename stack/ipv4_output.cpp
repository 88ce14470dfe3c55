#include "stack/ipv4_output.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "lib/checksum.hpp"
#include "stack/wire/bytes.hpp"

namespace tachyon {

Ipv4Output::Ipv4Output(StackCore& core, ArpLayer& arp)
    : core_(core), arp_(arp), next_ident_(static_cast<uint16_t>(core.random.next_u32())) {}

std::optional<Route> Ipv4Output::route(Ipv4Address dst) const {
    const Ipv4Cidr& cidr = core_.cidr;
    if (dst.is_unspecified() || dst.is_loopback() || dst == cidr.address) return std::nullopt;
    if (dst.is_broadcast() || core_.is_subnet_broadcast(dst)) {
        return Route{Route::Kind::kBroadcast, dst};
    }
    if (dst.is_multicast()) return Route{Route::Kind::kMulticast, dst};
    if (cidr.contains(dst)) return Route{Route::Kind::kUnicast, dst};
    if (core_.gateway) return Route{Route::Kind::kUnicast, *core_.gateway};
    return std::nullopt;
}

static_assert(RouteCache::kHeadersLen == StackCore::kLinkAndIpHeaders);

int Ipv4Output::send(Packet pkt, const Ipv4Repr& ip, RouteCache* cache) {
    if (cache != nullptr) {
        const uint32_t generation = arp_.generation();
        if (cache->generation == generation) return send_cached(std::move(pkt), *cache);
        if (last_route_.generation == generation && same_headers(ip, last_ip_)) {
            *cache = last_route_;
            return send_cached(std::move(pkt), *cache);
        }
    }
    ++core_.counters.route_lookups;
    const std::optional<Route> r = route(ip.dst_addr);
    if (!r) {
        ++core_.counters.no_route;
        return EHOSTUNREACH;
    }
    if (pkt.size() > max_payload()) {
        ++core_.counters.tx_too_big;
        return EMSGSIZE;
    }
    // One counter for every packet (Linux hashes per destination; a single counter is what RFC
    // 6864 allows for atomic datagrams and still unique for fragmentable ones).
    Ipv4Repr hdr = header_for(ip, pkt.size());
    hdr.ident = next_ident_++;
    if (!emit_header(pkt, hdr, true)) {
        ++core_.counters.tx_no_headroom;
        return ENOBUFS;
    }
    ++core_.counters.ip_tx;
    if (const EthernetAddress* mac = to_link(std::move(pkt), *r, ip.dst_addr); mac && cache) {
        fill(*cache, ip, *mac);
        last_route_ = *cache;
        last_ip_ = ip;
    }
    return 0;
}

int Ipv4Output::send_fragmented(std::span<const std::byte> header, std::span<const std::byte> payload,
                                const Ipv4Repr& ip, uint16_t mtu) {
    const std::optional<Route> r = route(ip.dst_addr);
    if (!r) {
        ++core_.counters.no_route;
        return EHOSTUNREACH;
    }
    const size_t total = header.size() + payload.size();
    const size_t piece = (std::min<size_t>(mtu, core_.caps.mtu) - Ipv4Repr::buffer_len()) & ~size_t{7};  // 8-byte units
    const size_t count = piece == 0 ? 0 : (total + piece - 1) / piece;
    if (total + Ipv4Repr::buffer_len() > 65535 || count == 0 || count > kMaxFragments) {
        ++core_.counters.tx_too_big;
        return EMSGSIZE;
    }
    std::array<Packet, kMaxFragments> frags;
    for (size_t i = 0; i < count; ++i) {
        frags[i] = core_.alloc_tx();
        if (!frags[i]) return ENOBUFS;  // those taken go back with the array
    }
    const uint16_t ident = next_ident_++;
    for (size_t i = 0, offset = 0; i < count; ++i) {
        const size_t len = std::min(piece, total - offset);
        std::byte* p = frags[i].append(len);
        if (p == nullptr) {  // a buffer smaller than the MTU
            ++core_.counters.tx_too_big;
            return EMSGSIZE;
        }
        // Bytes [offset, offset + len) of header followed by payload.
        for (size_t done = 0; done < len;) {
            const size_t at = offset + done;
            const std::span<const std::byte> from = at < header.size() ? header.subspan(at) : payload.subspan(at - header.size());
            const size_t n = std::min(from.size(), len - done);
            std::memcpy(p + done, from.data(), n);
            done += n;
        }
        Ipv4Repr hdr = header_for(ip, len);
        hdr.ident = ident;
        hdr.dont_fragment = false;
        hdr.fragment_offset = static_cast<uint16_t>(offset);
        hdr.more_fragments = i + 1 < count;
        if (!emit_header(frags[i], hdr, false)) {
            ++core_.counters.tx_no_headroom;
            return ENOBUFS;
        }
        offset += len;
    }
    for (size_t i = 0; i < count; ++i) {
        ++core_.counters.ip_tx;
        ++core_.counters.frag_tx;
        (void)to_link(std::move(frags[i]), *r, ip.dst_addr);
    }
    return 0;
}

const EthernetAddress* Ipv4Output::to_link(Packet pkt, const Route& r, Ipv4Address dst) {
    switch (r.kind) {
        case Route::Kind::kUnicast: return arp_.send_ipv4(std::move(pkt), r.next_hop);
        case Route::Kind::kBroadcast: core_.send_frame(std::move(pkt), EthernetAddress::broadcast(), EtherType::kIpv4); break;
        case Route::Kind::kMulticast: core_.send_frame(std::move(pkt), multicast_mac(dst), EtherType::kIpv4); break;
    }
    return nullptr;
}

// The header we send for ip with payload_len bytes after it, ident still to be set.
Ipv4Repr Ipv4Output::header_for(const Ipv4Repr& ip, size_t payload_len) const {
    Ipv4Repr hdr = ip;
    hdr.payload_len = static_cast<uint16_t>(payload_len);
    if (hdr.src_addr.is_unspecified()) hdr.src_addr = core_.cidr.address;
    hdr.more_fragments = false;
    hdr.fragment_offset = 0;
    hdr.ident = 0;
    return hdr;
}

bool Ipv4Output::emit_header(Packet& pkt, const Ipv4Repr& hdr, bool l4_offload) {
    if (pkt.prepend(Ipv4Repr::buffer_len()) == nullptr) return false;
    Ipv4Packet view(pkt.bytes());
    hdr.emit(view, core_.caps.tx_ipv4_checksum ? ChecksumMode::kOffload : ChecksumMode::kCompute);
    set_offload_flags(pkt.meta(), l4_offload ? hdr.protocol : 0);
    return true;
}

void Ipv4Output::set_offload_flags(PacketMeta& meta, uint8_t protocol) const {
    if (core_.caps.tx_ipv4_checksum) meta.tx_flags |= PacketMeta::kTxIpCsum;
    if (l4_checksum_mode() == ChecksumMode::kOffload) {
        if (protocol == static_cast<uint8_t>(IpProtocol::kTcp)) meta.tx_flags |= PacketMeta::kTxTcpCsum;
        if (protocol == static_cast<uint8_t>(IpProtocol::kUdp)) meta.tx_flags |= PacketMeta::kTxUdpCsum;
    }
    if (meta.tx_flags != 0) {
        meta.l2_len = EthernetFrame::kHeaderLen;
        meta.l3_len = static_cast<uint16_t>(Ipv4Repr::buffer_len());
    }
}

// The cache holds the headers of ip with an empty payload, checksum 0: the packets that follow
// change only the total length, the identification and the checksum.
void Ipv4Output::fill(RouteCache& cache, const Ipv4Repr& ip, const EthernetAddress& mac) const {
    const std::span<std::byte> headers(cache.headers);
    EthernetFrame frame(headers.first(EthernetFrame::kHeaderLen));
    EthernetRepr{mac, core_.mac, static_cast<uint16_t>(EtherType::kIpv4)}.emit(frame);
    Ipv4Packet view(headers.subspan(EthernetFrame::kHeaderLen));
    header_for(ip, 0).emit(view, ChecksumMode::kOffload);
    cache.ip_sum = static_cast<uint16_t>(checksum_partial_fixed<Ipv4Repr::buffer_len()>(view.bytes().data()));  // folded
    cache.offload = PacketMeta{};
    set_offload_flags(cache.offload, ip.protocol);
    cache.generation = arp_.generation();
}

// Whether a and b put the same bytes into a cached header (all but length, ident and checksum).
bool Ipv4Output::same_headers(const Ipv4Repr& a, const Ipv4Repr& b) const {
    const Ipv4Address src_a = a.src_addr.is_unspecified() ? core_.cidr.address : a.src_addr;
    const Ipv4Address src_b = b.src_addr.is_unspecified() ? core_.cidr.address : b.src_addr;
    return a.dst_addr == b.dst_addr && src_a == src_b && a.protocol == b.protocol && a.ttl == b.ttl &&
           a.dscp_ecn == b.dscp_ecn && a.dont_fragment == b.dont_fragment;
}

// The fast path of a connection's packets: no route or neighbour look-up, one copy of the
// headers, the checksum from the cached sum (total length and identification added).
int Ipv4Output::send_cached(Packet pkt, const RouteCache& cache) {
    const size_t payload_len = pkt.size();
    if (payload_len > max_payload()) {
        ++core_.counters.tx_too_big;
        return EMSGSIZE;
    }
    std::byte* p = pkt.prepend(RouteCache::kHeadersLen);
    if (p == nullptr) {
        ++core_.counters.tx_no_headroom;
        return ENOBUFS;
    }
    std::memcpy(p, cache.headers.data(), RouteCache::kHeadersLen);
    // RFC 791 header offsets: total length 2, identification 4, checksum 10.
    std::byte* ip = p + EthernetFrame::kHeaderLen;
    const uint16_t ident = next_ident_++;
    wire::store_be16(ip + 2, static_cast<uint16_t>(Ipv4Repr::buffer_len() + payload_len));
    wire::store_be16(ip + 4, ident);
    if (!core_.caps.tx_ipv4_checksum) {
        wire::store_be16(ip + 10, checksum_finish(cache.ip_sum + static_cast<uint32_t>(payload_len) + ident));
    }
    if (cache.offload.tx_flags != 0) {
        PacketMeta& meta = pkt.meta();
        meta.tx_flags |= cache.offload.tx_flags;
        meta.l2_len = cache.offload.l2_len;
        meta.l3_len = cache.offload.l3_len;
    }
    ++core_.counters.ip_tx;
    core_.queue_frame(std::move(pkt));
    return 0;
}

EthernetAddress multicast_mac(Ipv4Address group) {
    return {{0x01, 0x00, 0x5e, static_cast<uint8_t>((group.value >> 16) & 0x7f),
             static_cast<uint8_t>((group.value >> 8) & 0xff), static_cast<uint8_t>(group.value & 0xff)}};
}

}  // namespace tachyon
