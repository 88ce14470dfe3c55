// Golden frames parsed into Reprs, and Reprs emitted back into the identical bytes, for every header.
#include <gtest/gtest.h>

#include "tests/unit/wire/golden_frames.hpp"
#include "tests/unit/wire/wire_test_util.hpp"

namespace tachyon::wire_test {
namespace {

constexpr uint16_t kIpv4Type = static_cast<uint16_t>(EtherType::kIpv4);

Ipv4Repr ip_repr(Ipv4Address src, Ipv4Address dst, IpProtocol proto, uint16_t ident) {
    Ipv4Repr r;
    r.src_addr = src;
    r.dst_addr = dst;
    r.protocol = static_cast<uint8_t>(proto);
    r.ident = ident;
    return r;  // ttl 64, DF, not a fragment: what Linux sends
}

// The TCP segments of the golden frames as a Linux host built them.
TcpRepr linux_syn() {
    TcpRepr t;
    t.src_port = 40000;
    t.dst_port = 80;
    t.control = TcpControl::kSyn;
    t.seq_number = SeqNum(0x6d2c9a11);
    t.window_len = 64240;
    t.max_seg_size = 1460;
    t.sack_permitted = true;
    t.timestamp = TcpTimestamp{2882343476u, 0};
    t.window_scale = 7;
    return t;
}

TcpRepr linux_syn_ack() {
    TcpRepr t;
    t.src_port = 80;
    t.dst_port = 40000;
    t.control = TcpControl::kSyn;
    t.seq_number = SeqNum(0x1f0a3b01);
    t.ack_number = SeqNum(0x6d2c9a12);
    t.window_len = 65160;
    t.max_seg_size = 1460;
    t.sack_permitted = true;
    t.timestamp = TcpTimestamp{1234567890u, 2882343476u};
    t.window_scale = 7;
    return t;
}

constexpr std::string_view kHttpGet = "GET / HTTP/1.1\r\nHost: b\r\n\r\n";

TcpRepr linux_data(std::span<const std::byte> payload) {
    TcpRepr t;
    t.src_port = 40000;
    t.dst_port = 80;
    t.psh = true;
    t.seq_number = SeqNum(0x6d2c9a12);
    t.ack_number = SeqNum(0x1f0a3b02);
    t.window_len = 502;
    t.timestamp = TcpTimestamp{2882343486u, 1234567890u};
    t.payload = payload;
    return t;
}

TcpRepr linux_sack() {
    TcpRepr t;
    t.src_port = 80;
    t.dst_port = 40000;
    t.seq_number = SeqNum(0x1f0a3b02);
    t.ack_number = SeqNum(0x6d2c9a2e);
    t.window_len = 509;
    t.timestamp = TcpTimestamp{1234567900u, 2882343486u};
    t.sack_blocks[0] = {SeqNum(0x6d2ca0d6), SeqNum(0x6d2ca67e)};
    t.sack_blocks[1] = {SeqNum(0x6d2cb1ce), SeqNum(0x6d2cb776)};
    t.sack_block_count = 2;
    return t;
}

void expect_tcp_eq(const TcpRepr& got, const TcpRepr& want) {
    EXPECT_EQ(got.src_port, want.src_port);
    EXPECT_EQ(got.dst_port, want.dst_port);
    EXPECT_EQ(got.control, want.control);
    EXPECT_EQ(got.psh, want.psh);
    EXPECT_EQ(got.ece, want.ece);
    EXPECT_EQ(got.cwr, want.cwr);
    EXPECT_EQ(got.urg, want.urg);
    EXPECT_EQ(got.seq_number.raw(), want.seq_number.raw());
    ASSERT_EQ(got.ack_number.has_value(), want.ack_number.has_value());
    if (want.ack_number) {
        EXPECT_EQ(got.ack_number->raw(), want.ack_number->raw());
    }
    EXPECT_EQ(got.window_len, want.window_len);
    EXPECT_EQ(got.urgent_pointer, want.urgent_pointer);
    EXPECT_EQ(got.max_seg_size, want.max_seg_size);
    EXPECT_EQ(got.window_scale, want.window_scale);
    EXPECT_EQ(got.sack_permitted, want.sack_permitted);
    EXPECT_EQ(got.timestamp, want.timestamp);
    ASSERT_EQ(got.sack_block_count, want.sack_block_count);
    for (size_t i = 0; i < want.sack_block_count; ++i) EXPECT_EQ(got.sack_blocks[i], want.sack_blocks[i]) << i;
    EXPECT_EQ(hex(got.payload), hex(want.payload));
}

struct TcpGolden {
    const char* name;
    std::span<const uint8_t> frame;
    EthernetRepr eth;
    Ipv4Repr ip;
    TcpRepr tcp;
};

std::vector<TcpGolden> tcp_goldens(std::span<const std::byte> http_get) {
    return {
        {"syn", kLinuxSyn, {kMacB, kMacA, kIpv4Type}, ip_repr(kIpA, kIpB, IpProtocol::kTcp, 0x1c46), linux_syn()},
        {"syn-ack", kLinuxSynAck, {kMacA, kMacB, kIpv4Type}, ip_repr(kIpB, kIpA, IpProtocol::kTcp, 0),
         linux_syn_ack()},
        {"data", kLinuxData, {kMacB, kMacA, kIpv4Type}, ip_repr(kIpA, kIpB, IpProtocol::kTcp, 0x1c47),
         linux_data(http_get)},
        {"sack", kLinuxSack, {kMacA, kMacB, kIpv4Type}, ip_repr(kIpB, kIpA, IpProtocol::kTcp, 0x5a10), linux_sack()},
    };
}

TEST(WireGolden, LinuxSynHasTheExpectedSize) {
    EXPECT_EQ(sizeof kLinuxSyn, 74u);
    EXPECT_EQ(linux_syn().header_len(), 40u);
    EXPECT_EQ(linux_sack().header_len(), 52u);
}

TEST(WireGolden, TcpFramesParse) {
    const Bytes http_get = to_bytes(kHttpGet);
    for (const TcpGolden& g : tcp_goldens(http_get)) {
        SCOPED_TRACE(g.name);
        Bytes buf = to_bytes(g.frame);
        const ParsedFrame p = parse_frame(buf);
        ASSERT_EQ(p.error, WireError::kNone) << to_string(p.error);
        EXPECT_EQ(p.eth, g.eth);
        Ipv4Repr want_ip = g.ip;
        want_ip.payload_len = static_cast<uint16_t>(g.tcp.buffer_len());
        EXPECT_EQ(p.ip, want_ip);
        expect_tcp_eq(p.tcp, g.tcp);
        // The payload is a view into the frame, not a copy.
        if (!p.tcp.payload.empty()) {
            EXPECT_EQ(p.tcp.payload.data(), buf.data() + buf.size() - p.tcp.payload.size());
        }
    }
}

TEST(WireGolden, TcpFramesEmitIdentically) {
    const Bytes http_get = to_bytes(kHttpGet);
    for (const TcpGolden& g : tcp_goldens(http_get)) {
        SCOPED_TRACE(g.name);
        EXPECT_EQ(hex(emit_ip_frame(g.eth, g.ip, g.tcp)), hex(g.frame));
    }
}

TEST(WireGolden, TcpFramesReemitFromTheirOwnParse) {
    const Bytes http_get = to_bytes(kHttpGet);
    for (const TcpGolden& g : tcp_goldens(http_get)) {
        SCOPED_TRACE(g.name);
        Bytes buf = to_bytes(g.frame);
        const ParsedFrame p = parse_frame(buf);
        ASSERT_EQ(p.error, WireError::kNone);
        EXPECT_EQ(hex(emit_ip_frame(p.eth, p.ip, p.tcp)), hex(g.frame));
    }
}

// Real frames from a Linux kernel, whose loopback device offloads TCP checksums: re-emitting them
// with ChecksumMode::kOffload (IPv4 header checksum still computed) reproduces every byte.
TEST(WireGolden, LinuxLoopbackCaptureMatchesOffloadEmit) {
    const std::span<const uint8_t> frames[] = {kLoopbackSyn, kLoopbackSynAck, kLoopbackData};
    for (const auto& frame : frames) {
        Bytes buf = to_bytes(frame);
        EXPECT_EQ(parse_frame(buf).error, WireError::kBadChecksum);  // the field holds only the pseudo sum
        const ParsedFrame p = parse_frame(buf, ChecksumCheck::kTrusted);
        ASSERT_EQ(p.error, WireError::kNone);
        Bytes out(buf.size());
        EthernetFrame eth(out);
        p.eth.emit(eth);
        Ipv4Packet ip(eth.payload());
        p.ip.emit(ip, ChecksumMode::kCompute);
        TcpSegment seg(ip.payload());
        p.tcp.emit(seg, p.ip.src_addr, p.ip.dst_addr, ChecksumMode::kOffload);
        EXPECT_EQ(hex(out), hex(frame));
    }
}

TEST(WireGolden, LinuxLoopbackSynFields) {
    Bytes buf = to_bytes(kLoopbackSyn);
    const ParsedFrame p = parse_frame(buf, ChecksumCheck::kTrusted);
    ASSERT_EQ(p.error, WireError::kNone);
    const Ipv4Address lo = Ipv4Address::from_octets(127, 0, 0, 1);
    EXPECT_EQ(p.ip.src_addr, lo);
    EXPECT_EQ(p.ip.ident, 0x2758);
    EXPECT_EQ(p.tcp.src_port, 34304);
    EXPECT_EQ(p.tcp.dst_port, 45678);
    EXPECT_EQ(p.tcp.control, TcpControl::kSyn);
    EXPECT_FALSE(p.tcp.ack_number);
    EXPECT_EQ(p.tcp.window_len, 65495);
    EXPECT_EQ(p.tcp.max_seg_size, 65495);  // loopback MTU 65536 - 40
    EXPECT_TRUE(p.tcp.sack_permitted);
    EXPECT_EQ(p.tcp.timestamp, (TcpTimestamp{0x796a6fe4, 0}));
    EXPECT_EQ(p.tcp.window_scale, 10);
    // Computed in software instead, the checksum is the one the wire would carry (checked with scapy).
    Bytes out(p.tcp.buffer_len());
    TcpSegment seg(out);
    p.tcp.emit(seg, lo, lo, ChecksumMode::kCompute);
    EXPECT_EQ(seg.checksum(), 0xb7ca);
}

TEST(WireGolden, TcpViewAccessors) {
    Bytes buf = to_bytes(kLinuxSyn);
    TcpSegment seg{std::span(buf).subspan(34)};
    ASSERT_EQ(seg.check(), WireError::kNone);
    EXPECT_EQ(seg.src_port(), 40000);
    EXPECT_EQ(seg.dst_port(), 80);
    EXPECT_EQ(seg.seq_number().raw(), 0x6d2c9a11u);
    EXPECT_EQ(seg.ack_number().raw(), 0u);
    EXPECT_EQ(seg.header_len(), 40u);
    EXPECT_EQ(seg.flags(), tcp_flags::kSyn);
    EXPECT_EQ(seg.window_len(), 64240);
    EXPECT_EQ(seg.checksum(), 0xd73c);
    EXPECT_EQ(seg.urgent_pointer(), 0);
    EXPECT_EQ(seg.options().size(), 20u);
    EXPECT_TRUE(seg.payload().empty());
    EXPECT_TRUE(seg.verify_checksum(kIpA, kIpB));
    EXPECT_FALSE(seg.verify_checksum(kIpA, Ipv4Address::from_octets(10, 0, 0, 3)));
    seg.set_checksum(0x1234);
    seg.fill_checksum(kIpA, kIpB);
    EXPECT_EQ(seg.checksum(), 0xd73c);
}

TEST(WireGolden, Ipv4ViewAccessors) {
    Bytes buf = to_bytes(kLinuxData);
    Ipv4Packet p{std::span(buf).subspan(14)};
    ASSERT_EQ(p.check(), WireError::kNone);
    EXPECT_EQ(p.version(), 4);
    EXPECT_EQ(p.header_len(), 20u);
    EXPECT_EQ(p.dscp_ecn(), 0);
    EXPECT_EQ(p.total_len(), 79);
    EXPECT_EQ(p.ident(), 0x1c47);
    EXPECT_TRUE(p.dont_fragment());
    EXPECT_FALSE(p.more_fragments());
    EXPECT_EQ(p.fragment_offset(), 0);
    EXPECT_EQ(p.ttl(), 64);
    EXPECT_EQ(p.protocol(), 6);
    EXPECT_EQ(p.header_checksum(), 0x0a60);
    EXPECT_EQ(p.src_addr(), kIpA);
    EXPECT_EQ(p.dst_addr(), kIpB);
    EXPECT_TRUE(p.verify_checksum());
    EXPECT_EQ(p.payload().size(), 59u);
    EXPECT_EQ(p.payload().data(), buf.data() + 34);
}

TEST(WireGolden, EthernetViewAndRepr) {
    Bytes buf = to_bytes(kArpRequest);
    EthernetFrame f(buf);
    ASSERT_EQ(f.check(), WireError::kNone);
    EXPECT_TRUE(f.dst_addr().is_broadcast());
    EXPECT_EQ(f.src_addr(), kMacA);
    EXPECT_EQ(f.ethertype(), 0x0806);
    EXPECT_EQ(f.payload().size(), 28u);
    Bytes out(14);
    EthernetFrame g(out);
    EthernetRepr{EthernetAddress::broadcast(), kMacA, 0x0806}.emit(g);
    EXPECT_EQ(hex(out), hex(std::span(kArpRequest).first(14)));
    for (size_t n = 0; n < 14; ++n) {
        Bytes t = prefix(kArpRequest, n);
        EXPECT_EQ(EthernetFrame(t).check(), WireError::kTruncated) << n;
        EXPECT_EQ(EthernetRepr::parse(EthernetFrame(t)).error(), WireError::kTruncated) << n;
    }
}

ArpRepr arp_request() {
    return {ArpOperation::kRequest, kMacA, kIpA, EthernetAddress{}, kIpB};
}
ArpRepr arp_reply() { return {ArpOperation::kReply, kMacB, kIpB, kMacA, kIpA}; }

Bytes emit_arp_frame(const EthernetRepr& eth, const ArpRepr& arp) {
    Bytes buf(EthernetFrame::kHeaderLen + ArpRepr::buffer_len());
    EthernetFrame frame(buf);
    eth.emit(frame);
    ArpPacket packet(frame.payload());
    arp.emit(packet);
    return buf;
}

TEST(WireGolden, ArpRequestAndReply) {
    const EthernetRepr req_eth{EthernetAddress::broadcast(), kMacA, static_cast<uint16_t>(EtherType::kArp)};
    const EthernetRepr rep_eth{kMacA, kMacB, static_cast<uint16_t>(EtherType::kArp)};
    Bytes req = to_bytes(kArpRequest);
    Bytes rep = to_bytes(kArpReply);
    const ParsedFrame p = parse_frame(req);
    ASSERT_EQ(p.error, WireError::kNone);
    EXPECT_EQ(p.eth, req_eth);
    EXPECT_EQ(p.arp, arp_request());
    const ParsedFrame q = parse_frame(rep);
    ASSERT_EQ(q.error, WireError::kNone);
    EXPECT_EQ(q.eth, rep_eth);
    EXPECT_EQ(q.arp, arp_reply());
    EXPECT_EQ(hex(emit_arp_frame(req_eth, arp_request())), hex(kArpRequest));
    EXPECT_EQ(hex(emit_arp_frame(rep_eth, arp_reply())), hex(kArpReply));

    ArpPacket view{std::span(rep).subspan(14)};
    EXPECT_EQ(view.hardware_type(), 1);
    EXPECT_EQ(view.protocol_type(), 0x0800);
    EXPECT_EQ(view.hardware_len(), 6);
    EXPECT_EQ(view.protocol_len(), 4);
    EXPECT_EQ(view.operation(), 2);
    EXPECT_EQ(view.sender_hardware_addr(), kMacB);
    EXPECT_EQ(view.sender_protocol_addr(), kIpB);
    EXPECT_EQ(view.target_hardware_addr(), kMacA);
    EXPECT_EQ(view.target_protocol_addr(), kIpA);
}

TEST(WireGolden, ArpPaddedToMinimumFrameParses) {
    // A NIC pads the 42-byte frame to 60; the padding is not part of the ARP packet.
    std::vector<uint8_t> padded(std::begin(kArpReply), std::end(kArpReply));
    padded.resize(60, 0);
    Bytes buf = to_bytes(padded);
    const ParsedFrame p = parse_frame(buf);
    ASSERT_EQ(p.error, WireError::kNone);
    EXPECT_EQ(p.arp, arp_reply());
}

// ping's 56 data bytes: a little-endian struct timeval, then 0x10..0x37.
Bytes ping_data() { return to_bytes(std::span<const uint8_t>(kPingRequest).subspan(42)); }

TEST(WireGolden, PingEchoRequest) {
    Bytes buf = to_bytes(kPingRequest);
    const ParsedFrame p = parse_frame(buf);
    ASSERT_EQ(p.error, WireError::kNone);
    EXPECT_EQ(p.ip.protocol, 1);
    EXPECT_EQ(p.ip.payload_len, 64);
    EXPECT_EQ(p.icmp.type, Icmpv4Type::kEchoRequest);
    EXPECT_EQ(p.icmp.code, 0);
    EXPECT_EQ(p.icmp.ident, 0x04d2);
    EXPECT_EQ(p.icmp.seq_no, 1);
    const Bytes data = ping_data();
    EXPECT_EQ(hex(p.icmp.data), hex(data));

    Icmpv4Repr echo;
    echo.type = Icmpv4Type::kEchoRequest;
    echo.ident = 0x04d2;
    echo.seq_no = 1;
    echo.data = data;
    const EthernetRepr eth{kMacB, kMacA, kIpv4Type};
    EXPECT_EQ(hex(emit_ip_frame(eth, ip_repr(kIpA, kIpB, IpProtocol::kIcmp, 0x3f21), echo)), hex(kPingRequest));

    Icmpv4Packet view{std::span(buf).subspan(34)};
    EXPECT_EQ(view.msg_type(), 8);
    EXPECT_EQ(view.msg_code(), 0);
    EXPECT_EQ(view.checksum(), 0x9e21);
    EXPECT_EQ(view.echo_ident(), 0x04d2);
    EXPECT_EQ(view.echo_seq_no(), 1);
    EXPECT_TRUE(view.verify_checksum());
}

TEST(WireGolden, PingEchoReplyAsLinuxAnswers) {
    // The reply Linux sends: same ident, sequence number and data, type 0, checksum adjusted by 0x0800.
    Bytes buf = to_bytes(kPingRequest);
    const ParsedFrame p = parse_frame(buf);
    ASSERT_EQ(p.error, WireError::kNone);
    Icmpv4Repr reply = p.icmp;
    reply.type = Icmpv4Type::kEchoReply;
    Bytes out(reply.buffer_len());
    Icmpv4Packet packet(out);
    reply.emit(packet);
    EXPECT_EQ(packet.msg_type(), 0);
    EXPECT_EQ(packet.checksum(), 0x9e21 + 0x0800);
    EXPECT_EQ(hex(std::span(out).subspan(4)), hex(std::span(buf).subspan(38)));
    auto again = Icmpv4Repr::parse(packet);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->type, Icmpv4Type::kEchoReply);
}

TEST(WireGolden, UdpDatagram) {
    Bytes buf = to_bytes(kUdpDatagram);
    const ParsedFrame p = parse_frame(buf);
    ASSERT_EQ(p.error, WireError::kNone);
    EXPECT_EQ(p.ip.protocol, 17);
    EXPECT_EQ(p.udp.src_port, 53000);
    EXPECT_EQ(p.udp.dst_port, 9000);
    const Bytes text = to_bytes("tachyon udp\n");
    EXPECT_EQ(hex(p.udp.payload), hex(text));

    const UdpRepr udp{53000, 9000, text};
    const EthernetRepr eth{kMacB, kMacA, kIpv4Type};
    EXPECT_EQ(hex(emit_ip_frame(eth, ip_repr(kIpA, kIpB, IpProtocol::kUdp, 0x7b3c), udp)), hex(kUdpDatagram));

    UdpDatagram view{std::span(buf).subspan(34)};
    EXPECT_EQ(view.len(), 20);
    EXPECT_EQ(view.checksum(), 0x54ca);
    EXPECT_TRUE(view.verify_checksum(kIpA, kIpB));
}

// Truncating a frame anywhere gives the error of the first layer that notices, never a crash; the
// buffers are exactly sized so AddressSanitizer catches any read past the end.
TEST(WireTruncated, EveryPrefixOfEveryIpFrame) {
    const std::span<const uint8_t> frames[] = {kLinuxSyn, kLinuxSynAck, kLinuxData, kLinuxSack, kPingRequest,
                                               kUdpDatagram};
    for (const auto& frame : frames) {
        for (size_t n = 0; n < frame.size(); ++n) {
            Bytes buf = prefix(frame, n);
            const WireError want = n < 14 + 20 ? WireError::kTruncated : WireError::kBadTotalLength;
            EXPECT_EQ(parse_frame(buf).error, want) << "len " << n << " of " << frame.size();
            EXPECT_EQ(parse_frame(buf, ChecksumCheck::kTrusted).error, want) << "len " << n;
        }
        Bytes whole = to_bytes(frame);
        EXPECT_EQ(parse_frame(whole).error, WireError::kNone);
    }
}

TEST(WireTruncated, EveryPrefixOfArpFrames) {
    for (const auto& frame : {std::span<const uint8_t>(kArpRequest), std::span<const uint8_t>(kArpReply)}) {
        for (size_t n = 0; n < frame.size(); ++n) {
            Bytes buf = prefix(frame, n);
            EXPECT_EQ(parse_frame(buf).error, WireError::kTruncated) << n;
        }
    }
}

TEST(WireTruncated, TcpSegmentsCutShort) {
    for (const auto& frame : {std::span<const uint8_t>(kLinuxSyn), std::span<const uint8_t>(kLinuxSynAck),
                              std::span<const uint8_t>(kLinuxData), std::span<const uint8_t>(kLinuxSack)}) {
        Bytes whole = l4_bytes(frame);
        const size_t hlen = TcpSegment(whole).header_len();
        for (size_t n = 0; n < whole.size(); ++n) {
            Bytes buf(whole.begin(), whole.begin() + static_cast<ptrdiff_t>(n));
            const TcpSegment seg(buf);
            const WireError want = n < 20 ? WireError::kTruncated
                                   : n < hlen ? WireError::kBadHeaderLength
                                              : WireError::kBadChecksum;
            EXPECT_EQ(TcpRepr::parse(seg, kIpA, kIpB).error(), want) << n;
            auto trusted = TcpRepr::parse(seg, kIpA, kIpB, ChecksumCheck::kTrusted);
            if (n < hlen) {
                EXPECT_EQ(trusted.error(), want) << n;
            } else {
                ASSERT_TRUE(trusted.ok()) << n;
                EXPECT_EQ(trusted->payload.size(), n - hlen);
            }
        }
    }
}

TEST(WireTruncated, UdpIcmpArpCutShort) {
    const Bytes udp = l4_bytes(kUdpDatagram);
    for (size_t n = 0; n < udp.size(); ++n) {
        Bytes buf(udp.begin(), udp.begin() + static_cast<ptrdiff_t>(n));
        EXPECT_EQ(UdpRepr::parse(UdpDatagram(buf), kIpA, kIpB).error(),
                  n < 8 ? WireError::kTruncated : WireError::kBadTotalLength) << n;
    }
    const Bytes icmp = l4_bytes(kPingRequest);
    for (size_t n = 0; n < icmp.size(); ++n) {
        Bytes buf(icmp.begin(), icmp.begin() + static_cast<ptrdiff_t>(n));
        EXPECT_EQ(Icmpv4Repr::parse(Icmpv4Packet(buf)).error(), n < 8 ? WireError::kTruncated : WireError::kBadChecksum)
            << n;
        if (n >= 8) {
            EXPECT_TRUE(Icmpv4Repr::parse(Icmpv4Packet(buf), ChecksumCheck::kTrusted).ok()) << n;
        }
    }
    const Bytes arp = to_bytes(std::span<const uint8_t>(kArpReply).subspan(14));
    for (size_t n = 0; n < arp.size(); ++n) {
        Bytes buf(arp.begin(), arp.begin() + static_cast<ptrdiff_t>(n));
        EXPECT_EQ(ArpPacket(buf).check(), WireError::kTruncated) << n;
        EXPECT_EQ(ArpRepr::parse(ArpPacket(buf)).error(), WireError::kTruncated) << n;
    }
}

TEST(WireChecksum, CorruptedByteInEachLayerIsBadChecksum) {
    struct Case {
        std::span<const uint8_t> frame;
        size_t offset;  // a byte covered by exactly one checksum
    };
    const Case cases[] = {
        {kLinuxSyn, 22},      // IP TTL
        {kLinuxSyn, 40},      // TCP seq
        {kLinuxData, 80},     // TCP payload
        {kLinuxSack, 75},     // a SACK block
        {kPingRequest, 60},   // ICMP data
        {kUdpDatagram, 45},   // UDP payload
    };
    for (const Case& c : cases) {
        Bytes buf = to_bytes(c.frame);
        buf[c.offset] ^= std::byte{0x01};
        EXPECT_EQ(parse_frame(buf).error, WireError::kBadChecksum) << c.offset;
        EXPECT_EQ(parse_frame(buf, ChecksumCheck::kTrusted).error, WireError::kNone) << c.offset;
    }
}

TEST(WireMisc, WireErrorNames) {
    EXPECT_STREQ(to_string(WireError::kNone), "none");
    EXPECT_STREQ(to_string(WireError::kTruncated), "truncated");
    EXPECT_STREQ(to_string(WireError::kBadVersion), "bad version");
    EXPECT_STREQ(to_string(WireError::kBadHeaderLength), "bad header length");
    EXPECT_STREQ(to_string(WireError::kBadTotalLength), "bad total length");
    EXPECT_STREQ(to_string(WireError::kBadChecksum), "bad checksum");
    EXPECT_STREQ(to_string(WireError::kBadOption), "bad option");
    EXPECT_STREQ(to_string(WireError::kBadFlags), "bad flags");
    EXPECT_STREQ(to_string(WireError::kBadAddress), "bad address");
    EXPECT_STREQ(to_string(WireError::kUnsupported), "unsupported");
    EXPECT_STREQ(to_string(static_cast<WireError>(200)), "unknown");
}

}  // namespace
}  // namespace tachyon::wire_test
