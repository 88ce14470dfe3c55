// IPv4 header validation, options, padding, fragments, checksum offload and the pseudo header.
#include <gtest/gtest.h>

#include "lib/checksum.hpp"
#include "stack/wire/bytes.hpp"
#include "tests/unit/wire/golden_frames.hpp"
#include "tests/unit/wire/wire_test_util.hpp"

namespace tachyon::wire_test {
namespace {

// The IPv4 packet of the golden SYN (20-byte header + 40-byte TCP segment).
Bytes syn_packet() { return to_bytes(std::span<const uint8_t>(kLinuxSyn).subspan(14)); }

void set_byte(Bytes& b, size_t i, uint8_t v) { b[i] = std::byte{v}; }

TEST(Ipv4, BadVersion) {
    for (uint8_t version : {0, 1, 5, 6, 15}) {
        Bytes p = syn_packet();
        set_byte(p, 0, static_cast<uint8_t>((version << 4) | 5));
        EXPECT_EQ(Ipv4Packet(p).check(), WireError::kBadVersion) << int{version};
        EXPECT_EQ(Ipv4Repr::parse(Ipv4Packet(p)).error(), WireError::kBadVersion);
    }
}

TEST(Ipv4, BadHeaderLength) {
    for (uint8_t ihl = 0; ihl < 5; ++ihl) {
        Bytes p = syn_packet();
        set_byte(p, 0, static_cast<uint8_t>(0x40 | ihl));
        EXPECT_EQ(Ipv4Packet(p).check(), WireError::kBadHeaderLength) << int{ihl};
    }
    // IHL 15 says 60 bytes of header, but the buffer holds only 24.
    Bytes p = syn_packet();
    p.resize(24);
    set_byte(p, 0, 0x4f);
    set_byte(p, 2, 0);
    set_byte(p, 3, 24);
    EXPECT_EQ(Ipv4Packet(p).check(), WireError::kBadHeaderLength);
}

TEST(Ipv4, BadTotalLength) {
    Bytes p = syn_packet();
    set_byte(p, 3, 19);  // shorter than the header
    EXPECT_EQ(Ipv4Packet(p).check(), WireError::kBadTotalLength);
    set_byte(p, 3, 61);  // longer than the buffer
    EXPECT_EQ(Ipv4Packet(p).check(), WireError::kBadTotalLength);
    set_byte(p, 2, 0xff);
    EXPECT_EQ(Ipv4Packet(p).check(), WireError::kBadTotalLength);
    set_byte(p, 2, 0);
    set_byte(p, 3, 20);  // header only: fine, empty payload
    EXPECT_EQ(Ipv4Packet(p).check(), WireError::kNone);
    EXPECT_TRUE(Ipv4Packet(p).payload().empty());
}

TEST(Ipv4, BadHeaderChecksum) {
    Bytes p = syn_packet();
    set_byte(p, 11, static_cast<uint8_t>(static_cast<uint8_t>(p[11]) + 1));
    EXPECT_EQ(Ipv4Repr::parse(Ipv4Packet(p)).error(), WireError::kBadChecksum);
    EXPECT_TRUE(Ipv4Repr::parse(Ipv4Packet(p), ChecksumCheck::kTrusted).ok());
}

TEST(Ipv4, LinkPaddingIsNotPayload) {
    // A bare ACK is 54 bytes; the NIC pads it to 60. total_len bounds the payload.
    Ipv4Repr ip;
    ip.src_addr = kIpA;
    ip.dst_addr = kIpB;
    ip.protocol = 6;
    TcpRepr ack;
    ack.src_port = 1;
    ack.dst_port = 2;
    ack.ack_number = SeqNum(5);
    Bytes frame = emit_ip_frame(EthernetRepr{kMacB, kMacA, 0x0800}, ip, ack);
    ASSERT_EQ(frame.size(), 54u);
    frame.resize(60, std::byte{0xee});
    const ParsedFrame p = parse_frame(frame);
    ASSERT_EQ(p.error, WireError::kNone);
    EXPECT_EQ(p.ip.payload_len, 20);
    EXPECT_TRUE(p.tcp.payload.empty());
}

TEST(Ipv4, OptionsAreSkipped) {
    // IHL 6 with a Router Alert option (RFC 2113), then a UDP datagram.
    const Bytes udp = l4_bytes(kUdpDatagram);
    Bytes p(24 + udp.size());
    Ipv4Packet packet(p);
    packet.set_version_and_header_len(4, 24);
    packet.set_total_len(static_cast<uint16_t>(p.size()));
    packet.set_ttl(1);
    packet.set_protocol(17);
    packet.set_src_addr(kIpA);
    packet.set_dst_addr(kIpB);
    set_byte(p, 20, 0x94);
    set_byte(p, 21, 0x04);
    std::copy(udp.begin(), udp.end(), p.begin() + 24);
    packet.fill_checksum();
    ASSERT_EQ(packet.check(), WireError::kNone);
    EXPECT_EQ(packet.header_len(), 24u);
    EXPECT_TRUE(packet.verify_checksum());
    auto ip = Ipv4Repr::parse(packet);
    ASSERT_TRUE(ip.ok()) << to_string(ip.error());
    EXPECT_EQ(ip->payload_len, udp.size());
    EXPECT_EQ(hex(packet.payload()), hex(udp));
    auto d = UdpRepr::parse(UdpDatagram(packet.payload()), ip->src_addr, ip->dst_addr);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->dst_port, 9000);
}

TEST(Ipv4, FragmentFieldsRoundTrip) {
    Ipv4Repr r;
    r.src_addr = kIpA;
    r.dst_addr = kIpB;
    r.protocol = 17;
    r.payload_len = 1480;
    r.ttl = 3;
    r.dscp_ecn = 0xb8;  // EF, not ECT
    r.ident = 0xbeef;
    r.dont_fragment = false;
    r.more_fragments = true;
    r.fragment_offset = 2960;
    EXPECT_TRUE(r.is_fragment());
    Bytes buf(20 + 1480);
    Ipv4Packet p(buf);
    r.emit(p);
    // Written by hand: flags MF (0x2000) with offset 2960 / 8 = 0x172 in 8-byte units; checksum 0xbcf5.
    const Bytes want = to_bytes({0x45, 0xb8, 0x05, 0xdc, 0xbe, 0xef, 0x21, 0x72, 0x03, 0x11, 0xbc, 0xf5, 0x0a,
                                 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02});
    EXPECT_EQ(hex(std::span(buf).first(20)), hex(want));
    auto back = Ipv4Repr::parse(p);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, r);
    EXPECT_EQ(p.fragment_offset(), 2960);
}

TEST(Ipv4, OffloadZeroesTheChecksum) {
    Ipv4Repr r;
    r.src_addr = kIpA;
    r.dst_addr = kIpB;
    r.protocol = 6;
    r.ident = 0x1c46;
    r.payload_len = 40;
    Bytes buf(60, std::byte{0xaa});
    Ipv4Packet p(buf);
    r.emit(p, ChecksumMode::kOffload);
    EXPECT_EQ(p.header_checksum(), 0);
    r.emit(p, ChecksumMode::kCompute);
    EXPECT_EQ(hex(std::span(buf).first(20)), hex(std::span<const uint8_t>(kLinuxSyn).subspan(14, 20)));
}

TEST(Ipv4, PseudoHeaderSum) {
    // 0a00 + 0001 + 0a00 + 0002 + 0006 + 0028, unfolded.
    EXPECT_EQ(pseudo_header_sum(kIpA, kIpB, 6, 40), 0x0a00u + 0x0001 + 0x0a00 + 0x0002 + 0x0006 + 0x0028);
    // Large values are not folded: the caller folds once at the end.
    const Ipv4Address ff = Ipv4Address::broadcast();
    EXPECT_EQ(pseudo_header_sum(ff, ff, 255, 0xffff), 4u * 0xffff + 0xff + 0xffff);
    // It is exactly the sum of the 12 pseudo-header bytes of RFC 9293 section 3.1.
    const Bytes ph = to_bytes({10, 0, 0, 1, 10, 0, 0, 2, 0, 6, 0, 40});
    EXPECT_EQ(wire::fold_sum(pseudo_header_sum(kIpA, kIpB, 6, 40)), wire::fold_sum(checksum_partial(ph)));
}

}  // namespace
}  // namespace tachyon::wire_test
