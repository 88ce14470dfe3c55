#include "stack/ipv4_output.hpp"

#include <cerrno>

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

int Ipv4Output::send(Packet pkt, const Ipv4Repr& ip) {
    const std::optional<Route> r = route(ip.dst_addr);
    if (!r) {
        ++core_.counters.no_route;
        return EHOSTUNREACH;
    }
    if (pkt.size() > max_payload()) {
        ++core_.counters.tx_too_big;
        return EMSGSIZE;
    }
    if (!emit_header(pkt, ip)) {
        ++core_.counters.tx_no_headroom;
        return ENOBUFS;
    }
    ++core_.counters.ip_tx;
    switch (r->kind) {
        case Route::Kind::kUnicast:
            arp_.send_ipv4(std::move(pkt), r->next_hop);
            break;
        case Route::Kind::kBroadcast:
            core_.send_frame(std::move(pkt), EthernetAddress::broadcast(), EtherType::kIpv4);
            break;
        case Route::Kind::kMulticast:
            core_.send_frame(std::move(pkt), multicast_mac(ip.dst_addr), EtherType::kIpv4);
            break;
    }
    return 0;
}

bool Ipv4Output::emit_header(Packet& pkt, const Ipv4Repr& ip) {
    Ipv4Repr hdr = ip;
    hdr.payload_len = static_cast<uint16_t>(pkt.size());
    if (hdr.src_addr.is_unspecified()) hdr.src_addr = core_.cidr.address;
    hdr.more_fragments = false;
    hdr.fragment_offset = 0;
    // One counter for every packet (Linux hashes per destination; a single counter is what
    // RFC 6864 allows for atomic datagrams and still unique for fragmentable ones).
    hdr.ident = next_ident_++;
    if (pkt.prepend(Ipv4Repr::buffer_len()) == nullptr) return false;
    Ipv4Packet view(pkt.bytes());
    PacketMeta& meta = pkt.meta();
    const bool ip_offload = core_.caps.tx_ipv4_checksum;
    hdr.emit(view, ip_offload ? ChecksumMode::kOffload : ChecksumMode::kCompute);
    if (ip_offload) meta.tx_flags |= PacketMeta::kTxIpCsum;
    if (l4_checksum_mode() == ChecksumMode::kOffload) {
        if (hdr.protocol == static_cast<uint8_t>(IpProtocol::kTcp)) meta.tx_flags |= PacketMeta::kTxTcpCsum;
        if (hdr.protocol == static_cast<uint8_t>(IpProtocol::kUdp)) meta.tx_flags |= PacketMeta::kTxUdpCsum;
    }
    if (meta.tx_flags != 0) {
        meta.l2_len = EthernetFrame::kHeaderLen;
        meta.l3_len = static_cast<uint16_t>(Ipv4Repr::buffer_len());
    }
    return true;
}

EthernetAddress multicast_mac(Ipv4Address group) {
    return {{0x01, 0x00, 0x5e, static_cast<uint8_t>((group.value >> 16) & 0x7f),
             static_cast<uint8_t>((group.value >> 8) & 0xff), static_cast<uint8_t>(group.value & 0xff)}};
}

}  // namespace tachyon
