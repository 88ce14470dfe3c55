// fuzz_rx_path's records. Layout of one record after its 2-byte length:
//   [kind][clock step code][...]
//   kind % 8: 0 raw Ethernet frame, 1 raw IPv4 packet behind our Ethernet header, 2-3 a TCP
//   segment from the template (choose_tcp_segment), 4 the same segment as two IPv4 fragments,
//   5 UDP or ICMP, 6 ARP (choose_arp_frame), 7 an application call.
#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "stack/wire/udp.hpp"
#include "tests/fuzz/arp_template.hpp"
#include "tests/fuzz/rx_path_fuzz.hpp"

namespace tachyon::fuzz {

void RxPathFuzz::run(std::span<const uint8_t> data) {
    RecordReader records(data);
    for (int i = 0; i < kMaxRecords && !records.done() && verdict().ok(); ++i) {
        FuzzInput in(records.next());
        const uint8_t kind = in.u8();
        const Duration step = clock_step(in.u8());
        switch (kind % 8) {
            case 0: raw_frame(in, step); break;
            case 1: raw_ipv4(in, step); break;
            case 2:
            case 3: tcp_record(in, step); break;
            case 4: tcp_fragments(in, step); break;
            case 5: udp_or_icmp(in, step); break;
            case 6: world_.inject(choose_arp_frame(in), step); break;
            default: app_op(in, step); break;
        }
        verdict().locate("record " + std::to_string(i) + " (kind " + std::to_string(kind % 8) + ")");
    }
}

// [rx_flags][frame...]: the device's checksum verdict flags let a frame with any checksum through.
void RxPathFuzz::raw_frame(FuzzInput& in, Duration step) {
    tainted_ = true;
    const uint8_t rx_flags = in.u8() & 0x0f;
    world_.inject(as_bytes(in.rest()), step, rx_flags);
}

// [rx_flags][fix][ip...]: fix bits 0 addresses, 1 total length, 2 version/IHL, 3 header checksum,
// 4 broadcast Ethernet destination.
void RxPathFuzz::raw_ipv4(FuzzInput& in, Duration step) {
    tainted_ = true;
    const uint8_t rx_flags = in.u8() & 0x0f;
    const uint8_t fix = in.u8();
    const auto raw = as_bytes(in.rest());
    Bytes ip(raw.begin(), raw.end());
    if (ip.size() >= Ipv4Packet::kMinHeaderLen) {
        Ipv4Packet p(ip);
        if ((fix & 0x01) != 0) {
            p.set_src_addr(kPeerIp);
            p.set_dst_addr(kStackIp);
        }
        if ((fix & 0x02) != 0) p.set_total_len(static_cast<uint16_t>(std::min<size_t>(ip.size(), 65535)));
        if ((fix & 0x04) != 0) p.set_version_and_header_len(4, Ipv4Packet::kMinHeaderLen);
        if ((fix & 0x08) != 0 && p.header_len() >= Ipv4Packet::kMinHeaderLen && p.header_len() <= ip.size()) {
            p.fill_checksum();
        }
    }
    const EthernetAddress dst = (fix & 0x10) != 0 ? EthernetAddress::broadcast() : kStackMac;
    world_.inject(eth_frame(dst, kPeerMac, 0x0800, ip), step, rx_flags);
}

void RxPathFuzz::tcp_record(FuzzInput& in, Duration step) {
    const TcpChoice c = choose_tcp_segment(in, model_, world_.clock().now());
    if (c.flow != nullptr) model_.sending(*c.flow, full_spec(c));
    world_.inject(tcp_frame(c), step);
}

// [split][order][template...]: the template's segment in two fragments split at a multiple of 8,
// sent in order or reversed, the first one optionally twice.
void RxPathFuzz::tcp_fragments(FuzzInput& in, Duration step) {
    const uint8_t split = in.u8();
    const uint8_t order = in.u8();
    const TcpChoice c = choose_tcp_segment(in, model_, world_.clock().now());
    if (c.flow != nullptr) model_.sending(*c.flow, full_spec(c));
    const Bytes seg = tcp_segment(full_spec(c), c.src, kStackIp);
    const size_t blocks = seg.size() / 8;
    const size_t cut = 8 * (1 + split % std::max<size_t>(blocks, 1));
    const uint16_t ident = next_ident_++;
    Ipv4Spec ip{.src = c.src, .dst = kStackIp, .protocol = 6, .ident = ident, .dont_fragment = false};
    const std::span<const std::byte> all(seg);
    const std::span<const std::byte> head = all.first(std::min(cut, all.size()));
    const std::span<const std::byte> tail = all.subspan(head.size());
    Ipv4Spec first = ip;
    first.more_fragments = true;
    Ipv4Spec second = ip;
    second.fragment_offset = static_cast<uint16_t>(head.size());
    const Bytes f1 = eth_frame(kStackMac, kPeerMac, 0x0800, ipv4_packet(first, head));
    const Bytes f2 = eth_frame(kStackMac, kPeerMac, 0x0800, ipv4_packet(second, tail));
    const bool reversed = (order & 1) != 0;
    world_.inject(reversed ? f2 : f1);
    if ((order & 2) != 0) world_.inject(reversed ? f2 : f1);  // a duplicate
    world_.inject(reversed ? f1 : f2, step);
}

// [what][port/type][code][a:2][b:2][len:2][bytes...]
void RxPathFuzz::udp_or_icmp(FuzzInput& in, Duration step) {
    const uint8_t what = in.u8();
    const uint8_t type = in.u8();
    const uint8_t code = in.u8();
    const uint16_t a = in.u16();
    const uint16_t b = in.u16();
    const uint16_t len = in.u16();
    Bytes payload(len % 1473);
    const auto from_input = as_bytes(in.bytes(payload.size()));
    std::copy(from_input.begin(), from_input.end(), payload.begin());
    const bool broadcast = (what & 0x08) != 0;
    const Ipv4Address dst = broadcast ? Ipv4Address::from_octets(10, 0, 0, 255) : kStackIp;
    const EthernetAddress eth_dst = broadcast ? EthernetAddress::broadcast() : kStackMac;
    Bytes l4;
    uint8_t protocol = 17;
    if ((what & 1) == 0) {
        const uint16_t dst_port = (what & 2) != 0 ? kUdpPort : a;
        l4 = udp_datagram(kPeerIp, dst, b, dst_port, payload, (what & 4) == 0);
    } else {
        protocol = 1;
        static constexpr Icmpv4Type kTypes[] = {Icmpv4Type::kEchoRequest, Icmpv4Type::kEchoReply,
                                                Icmpv4Type::kDstUnreachable, Icmpv4Type::kTimeExceeded};
        Icmpv4Repr icmp;
        icmp.type = (type & 0x80) != 0 ? static_cast<Icmpv4Type>(type & 0x1f) : pick(kTypes, type);
        icmp.code = code;
        icmp.ident = a;
        icmp.seq_no = b;
        icmp.next_hop_mtu = a;
        Bytes quote;
        if (icmp.type == Icmpv4Type::kDstUnreachable || icmp.type == Icmpv4Type::kTimeExceeded) {
            quote = icmp_error_quote(in);
            icmp.data = quote;
        } else {
            icmp.data = payload;
        }
        l4 = icmp_message(icmp);
    }
    const Bytes ip = ipv4_packet({.src = kPeerIp, .dst = dst, .protocol = protocol}, l4);
    world_.inject(eth_frame(eth_dst, kPeerMac, 0x0800, ip), step);
}

// What an ICMP error quotes: the IPv4 header and first 8 bytes of a segment the stack sent on one
// of the peer's connections (RFC 792), as if a router on the way had returned it.
Bytes RxPathFuzz::icmp_error_quote(FuzzInput& in) {
    const uint8_t which = in.u8();
    const uint32_t delta = in.u8();
    if (model_.size() == 0) return {};
    const Flow& f = model_.at(which % model_.size());
    const Bytes seg = tcp_segment({.src_port = f.stack_port, .dst_port = f.peer_port, .seq = f.peer_acked + delta,
                                   .ack = f.stack_ack, .flags = tcp_flags::kAck, .window = 1000},
                                  kStackIp, kPeerIp);
    Bytes ip = ipv4_packet({.src = kStackIp, .dst = kPeerIp, .protocol = 6}, seg);
    ip.resize(Ipv4Packet::kMinHeaderLen + 8);
    return ip;
}

}  // namespace tachyon::fuzz
