// Test helpers: build whole Ethernet frames from wire Reprs, and take frames apart again, so that
// stack tests read like packet traces. Test code: allocation is fine here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "lib/ethernet_address.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmpv4.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/udp.hpp"

namespace tachyon::test {

using Bytes = std::vector<std::byte>;

inline Bytes pattern_bytes(size_t n, uint8_t seed = 0) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((i * 7 + seed) & 0xff);
    return b;
}

inline Bytes eth_frame(const EthernetAddress& dst, const EthernetAddress& src, uint16_t type,
                       std::span<const std::byte> payload) {
    Bytes f(EthernetFrame::kHeaderLen + payload.size());
    EthernetFrame view(f);
    EthernetRepr{dst, src, type}.emit(view);
    std::copy(payload.begin(), payload.end(), f.begin() + EthernetFrame::kHeaderLen);
    return f;
}

inline Bytes arp_packet(const ArpRepr& arp) {
    Bytes p(ArpRepr::buffer_len());
    ArpPacket view(p);
    arp.emit(view);
    return p;
}

// An IPv4 packet: `ip` with payload_len taken from l4.
inline Bytes ipv4_packet(Ipv4Repr ip, std::span<const std::byte> l4) {
    ip.payload_len = static_cast<uint16_t>(l4.size());
    Bytes p(Ipv4Repr::buffer_len() + l4.size());
    Ipv4Packet view(p);
    ip.emit(view);
    std::copy(l4.begin(), l4.end(), p.begin() + Ipv4Repr::buffer_len());
    return p;
}

inline Bytes udp_datagram(Ipv4Address src, Ipv4Address dst, uint16_t sport, uint16_t dport,
                          std::span<const std::byte> payload) {
    Bytes d(UdpDatagram::kHeaderLen + payload.size());
    UdpDatagram view(d);
    UdpRepr{sport, dport, payload}.emit(view, src, dst);
    return d;
}

inline Bytes icmp_message(const Icmpv4Repr& icmp) {
    Bytes m(icmp.buffer_len());
    Icmpv4Packet view(m);
    icmp.emit(view);
    return m;
}

// A frame taken apart. Spans point into `bytes`.
struct Decoded {
    Bytes bytes;
    EthernetRepr eth;
    std::optional<ArpRepr> arp;
    std::optional<Ipv4Repr> ip;
    size_t ip_header_len = 0;
    bool ip_checksum_ok = false;
    std::span<std::byte> l4;  // the IP payload
    std::optional<UdpRepr> udp;
    bool udp_checksum_ok = false;
    std::optional<Icmpv4Repr> icmp;
};

inline Decoded decode(Bytes frame) {
    Decoded d;
    d.bytes = std::move(frame);
    EthernetFrame eth(d.bytes);
    if (eth.check() != WireError::kNone) return d;
    d.eth = *EthernetRepr::parse(eth);
    if (d.eth.ethertype == static_cast<uint16_t>(EtherType::kArp)) {
        ArpPacket arp(eth.payload());
        if (arp.check() == WireError::kNone) {
            if (auto r = ArpRepr::parse(arp)) d.arp = *r;
        }
        return d;
    }
    if (d.eth.ethertype != static_cast<uint16_t>(EtherType::kIpv4)) return d;
    Ipv4Packet ip(eth.payload());
    if (ip.check() != WireError::kNone) return d;
    d.ip_checksum_ok = ip.verify_checksum();
    d.ip = *Ipv4Repr::parse(ip, ChecksumCheck::kTrusted);
    d.ip_header_len = ip.header_len();
    d.l4 = ip.payload();
    if (d.ip->protocol == static_cast<uint8_t>(IpProtocol::kUdp)) {
        UdpDatagram udp(d.l4);
        if (udp.check() == WireError::kNone) {
            d.udp_checksum_ok = udp.verify_checksum(d.ip->src_addr, d.ip->dst_addr);
            if (auto r = UdpRepr::parse(udp, d.ip->src_addr, d.ip->dst_addr, ChecksumCheck::kTrusted)) d.udp = *r;
        }
    } else if (d.ip->protocol == static_cast<uint8_t>(IpProtocol::kIcmp)) {
        Icmpv4Packet icmp(d.l4);
        if (icmp.check() == WireError::kNone) {
            if (auto r = Icmpv4Repr::parse(icmp, ChecksumCheck::kVerify)) d.icmp = *r;
        }
    }
    return d;
}

inline Bytes to_bytes(std::span<const std::byte> s) { return Bytes(s.begin(), s.end()); }

}  // namespace tachyon::test
