#include "tests/fuzz/fuzz_frames.hpp"

#include <algorithm>
#include <cstring>

#include "stack/wire/ethernet.hpp"
#include "stack/wire/tcp_options.hpp"
#include "stack/wire/udp.hpp"

namespace tachyon::fuzz {

Bytes eth_frame(const EthernetAddress& dst, const EthernetAddress& src, uint16_t ethertype,
                std::span<const std::byte> payload) {
    Bytes out(EthernetFrame::kHeaderLen + payload.size());
    EthernetFrame f(out);
    f.set_dst_addr(dst);
    f.set_src_addr(src);
    f.set_ethertype(ethertype);
    if (!payload.empty()) std::memcpy(out.data() + EthernetFrame::kHeaderLen, payload.data(), payload.size());
    return out;
}

Bytes ipv4_packet(const Ipv4Spec& s, std::span<const std::byte> payload) {
    const size_t len = std::min<size_t>(payload.size(), 65535 - Ipv4Packet::kMinHeaderLen);
    Bytes out(Ipv4Packet::kMinHeaderLen + len);
    Ipv4Repr r;
    r.src_addr = s.src;
    r.dst_addr = s.dst;
    r.protocol = s.protocol;
    r.payload_len = static_cast<uint16_t>(len);
    r.ttl = s.ttl;
    r.dscp_ecn = s.dscp_ecn;
    r.ident = s.ident;
    r.dont_fragment = s.dont_fragment;
    r.more_fragments = s.more_fragments;
    r.fragment_offset = s.fragment_offset;
    Ipv4Packet p(out);
    r.emit(p);
    if (len != 0) std::memcpy(out.data() + Ipv4Packet::kMinHeaderLen, payload.data(), len);
    return out;
}

Bytes tcp_segment(const TcpSpec& t, Ipv4Address src, Ipv4Address dst) {
    const size_t opt_len = std::min<size_t>((t.options.size() + 3) / 4 * 4, wire::kMaxOptionsLen);
    const size_t copy_len = std::min(opt_len, t.options.size());
    const size_t hlen = TcpSegment::kMinHeaderLen + opt_len;
    Bytes out(hlen + t.payload.size());
    TcpSegment seg(out);
    seg.set_src_port(t.src_port);
    seg.set_dst_port(t.dst_port);
    seg.set_seq_number(SeqNum(t.seq));
    seg.set_ack_number(SeqNum(t.ack));
    seg.set_header_len(hlen);
    seg.set_flags(t.flags);
    seg.set_window_len(t.window);
    seg.set_urgent_pointer(t.urgent);
    if (copy_len != 0) std::memcpy(out.data() + TcpSegment::kMinHeaderLen, t.options.data(), copy_len);
    if (!t.payload.empty()) std::memcpy(out.data() + hlen, t.payload.data(), t.payload.size());
    seg.fill_checksum(src, dst);
    return out;
}

Bytes tcp_option_bytes(const TcpRepr& r) {
    Bytes out(wire::tcp_options_len(r));
    if (!out.empty()) wire::write_tcp_options(r, out.data());
    return out;
}

Bytes udp_datagram(Ipv4Address src, Ipv4Address dst, uint16_t src_port, uint16_t dst_port,
                   std::span<const std::byte> payload, bool with_checksum) {
    const size_t len = std::min<size_t>(payload.size(), 65535 - 20 - UdpDatagram::kHeaderLen);
    UdpRepr r{src_port, dst_port, payload.first(len)};
    Bytes out(r.buffer_len());
    UdpDatagram d(out);
    r.emit(d, src, dst);
    if (!with_checksum) d.set_checksum(0);
    return out;
}

Bytes icmp_message(const Icmpv4Repr& icmp) {
    Bytes out(icmp.buffer_len());
    Icmpv4Packet p(out);
    icmp.emit(p);
    return out;
}

Bytes arp_packet(const ArpRepr& arp) {
    Bytes out(ArpRepr::buffer_len());
    ArpPacket p(out);
    arp.emit(p);
    return out;
}

namespace {

std::string check_arp(const EthernetFrame& eth, const EthernetAddress& mac, Ipv4Address ip, SentFrame& out) {
    ArpPacket p(eth.payload());
    const auto arp = ArpRepr::parse(p);
    if (!arp) return std::string("sent ARP does not parse: ") + to_string(arp.error());
    if (arp->source_hardware_addr != mac || arp->source_protocol_addr != ip) return "sent ARP with foreign sender";
    if (arp->operation == ArpOperation::kReply && eth.dst_addr() != arp->target_hardware_addr) {
        return "sent ARP reply not addressed to the requester";
    }
    out.arp = *arp;
    return {};
}

std::string check_ipv4(std::span<std::byte> payload, Ipv4Address ip, SentFrame& out) {
    Ipv4Packet p(payload);
    const auto r = Ipv4Repr::parse(p);
    if (!r) return std::string("sent IPv4 does not parse: ") + to_string(r.error());
    if (r->src_addr != ip) return "sent IPv4 from a foreign address";
    if (r->dst_addr == ip) return "sent IPv4 to our own address";
    if (r->ttl == 0) return "sent IPv4 with TTL 0";
    if (r->is_fragment()) return {};  // the transport header may be elsewhere
    const std::span<std::byte> l4 = p.payload();
    switch (static_cast<IpProtocol>(r->protocol)) {
        case IpProtocol::kTcp: {
            const TcpSegment seg(l4);
            const auto t = TcpRepr::parse(seg, r->src_addr, r->dst_addr);
            if (!t) return std::string("sent TCP does not parse: ") + to_string(t.error());
            if (t->src_port == 0 || t->dst_port == 0) return "sent TCP with port 0";
            out.tcp = SentTcp{*r, *t};
            return {};
        }
        case IpProtocol::kUdp: {
            const auto u = UdpRepr::parse(UdpDatagram(l4), r->src_addr, r->dst_addr);
            if (!u) return std::string("sent UDP does not parse: ") + to_string(u.error());
            return {};
        }
        case IpProtocol::kIcmp: {
            const auto i = Icmpv4Repr::parse(Icmpv4Packet(l4));
            if (!i) return std::string("sent ICMP does not parse: ") + to_string(i.error());
            return {};
        }
    }
    return "sent IPv4 of an unknown protocol";
}

}  // namespace

SentFrame check_sent_frame(std::span<const std::byte> frame, const EthernetAddress& mac, Ipv4Address ip,
                           size_t mtu) {
    SentFrame out;
    // The views take mutable spans; nothing here writes.
    const std::span<std::byte> bytes(const_cast<std::byte*>(frame.data()), frame.size());
    const EthernetFrame eth(bytes);
    if (eth.check() != WireError::kNone) {
        out.error = "sent a runt frame";
        return out;
    }
    if (frame.size() > mtu + EthernetFrame::kHeaderLen) {
        out.error = "sent a frame larger than the MTU";
        return out;
    }
    if (eth.src_addr() != mac) {
        out.error = "sent a frame from a foreign MAC";
        return out;
    }
    switch (static_cast<EtherType>(eth.ethertype())) {
        case EtherType::kArp: out.error = check_arp(eth, mac, ip, out); break;
        case EtherType::kIpv4: out.error = check_ipv4(eth.payload(), ip, out); break;
        default: out.error = "sent a frame of an unknown ethertype"; break;
    }
    return out;
}

}  // namespace tachyon::fuzz
