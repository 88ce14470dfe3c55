// Helpers shared by the wire tests: byte buffers, hex dumps for readable failures, and one parse of
// a whole Ethernet frame down to its transport header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmpv4.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"
#include "stack/wire/udp.hpp"

namespace tachyon::wire_test {

using Bytes = std::vector<std::byte>;

// An exactly sized heap copy, so that AddressSanitizer flags any read past the end.
inline Bytes to_bytes(std::span<const uint8_t> a) {
    Bytes b(a.size());
    for (size_t i = 0; i < a.size(); ++i) b[i] = std::byte{a[i]};
    return b;
}
inline Bytes to_bytes(std::initializer_list<uint8_t> a) { return to_bytes(std::span<const uint8_t>(a.begin(), a.size())); }
inline Bytes to_bytes(std::string_view s) {
    Bytes b(s.size());
    for (size_t i = 0; i < s.size(); ++i) b[i] = static_cast<std::byte>(s[i]);
    return b;
}
inline Bytes prefix(std::span<const uint8_t> a, size_t n) { return to_bytes(a.first(n)); }

inline std::string hex(std::span<const std::byte> b) {
    std::string s;
    char buf[4];
    for (size_t i = 0; i < b.size(); ++i) {
        std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned>(b[i]));
        if (i > 0) s += (i % 16 == 0) ? '\n' : ' ';
        s += buf;
    }
    return s;
}
inline std::string hex(std::span<const uint8_t> b) { return hex(std::as_bytes(b)); }

inline constexpr EthernetAddress kMacA{{0x02, 0, 0, 0, 0, 0x01}};
inline constexpr EthernetAddress kMacB{{0x02, 0, 0, 0, 0, 0x02}};
inline constexpr Ipv4Address kIpA = Ipv4Address::from_octets(10, 0, 0, 1);
inline constexpr Ipv4Address kIpB = Ipv4Address::from_octets(10, 0, 0, 2);

// Every layer of a frame, parsed the way the stack's receive path does it.
struct ParsedFrame {
    WireError error = WireError::kNone;
    EthernetRepr eth;
    Ipv4Repr ip;
    ArpRepr arp;
    TcpRepr tcp;
    UdpRepr udp;
    Icmpv4Repr icmp;
};

inline ParsedFrame parse_frame(std::span<std::byte> bytes, ChecksumCheck check = ChecksumCheck::kVerify) {
    ParsedFrame out;
    EthernetFrame frame(bytes);
    auto eth = EthernetRepr::parse(frame);
    if (!eth) return {eth.error()};
    out.eth = *eth;
    if (eth->ethertype == static_cast<uint16_t>(EtherType::kArp)) {
        auto arp = ArpRepr::parse(ArpPacket(frame.payload()));
        if (!arp) return {arp.error()};
        out.arp = *arp;
        return out;
    }
    const Ipv4Packet packet(frame.payload());
    auto ip = Ipv4Repr::parse(packet, check);
    if (!ip) return {ip.error()};
    out.ip = *ip;
    switch (ip->protocol) {
        case static_cast<uint8_t>(IpProtocol::kTcp): {
            auto tcp = TcpRepr::parse(TcpSegment(packet.payload()), ip->src_addr, ip->dst_addr, check);
            if (!tcp) return {tcp.error()};
            out.tcp = *tcp;
            break;
        }
        case static_cast<uint8_t>(IpProtocol::kUdp): {
            auto udp = UdpRepr::parse(UdpDatagram(packet.payload()), ip->src_addr, ip->dst_addr, check);
            if (!udp) return {udp.error()};
            out.udp = *udp;
            break;
        }
        case static_cast<uint8_t>(IpProtocol::kIcmp): {
            auto icmp = Icmpv4Repr::parse(Icmpv4Packet(packet.payload()), check);
            if (!icmp) return {icmp.error()};
            out.icmp = *icmp;
            break;
        }
        default:
            return {WireError::kUnsupported};
    }
    return out;
}

// Emits Ethernet + IPv4 + one transport header into a buffer of exactly the frame's size.
template <typename L4Repr>
Bytes emit_ip_frame(const EthernetRepr& eth, Ipv4Repr ip, const L4Repr& l4,
                    ChecksumMode mode = ChecksumMode::kCompute) {
    Bytes buf(EthernetFrame::kHeaderLen + Ipv4Repr::buffer_len() + l4.buffer_len());
    EthernetFrame frame(buf);
    eth.emit(frame);
    ip.payload_len = static_cast<uint16_t>(l4.buffer_len());
    Ipv4Packet packet(frame.payload());
    ip.emit(packet, mode);
    if constexpr (std::is_same_v<L4Repr, Icmpv4Repr>) {
        Icmpv4Packet icmp(packet.payload());
        l4.emit(icmp);
    } else if constexpr (std::is_same_v<L4Repr, TcpRepr>) {
        TcpSegment seg(packet.payload());
        l4.emit(seg, ip.src_addr, ip.dst_addr, mode);
    } else {
        UdpDatagram d(packet.payload());
        l4.emit(d, ip.src_addr, ip.dst_addr, mode);
    }
    return buf;
}

// The transport bytes of a golden IPv4-over-Ethernet frame (no options in its IP header).
inline Bytes l4_bytes(std::span<const uint8_t> frame) { return to_bytes(frame.subspan(34)); }

}  // namespace tachyon::wire_test
