// UDP checksum rules and offload, ICMP message kinds, ARP validation.
#include <gtest/gtest.h>

#include "lib/checksum.hpp"
#include "stack/wire/bytes.hpp"
#include "tests/unit/wire/golden_frames.hpp"
#include "tests/unit/wire/wire_test_util.hpp"

namespace tachyon::wire_test {
namespace {

TEST(Udp, ZeroChecksumMeansNone) {
    Bytes d = l4_bytes(kUdpDatagram);
    d[6] = std::byte{0};
    d[7] = std::byte{0};
    d[10] ^= std::byte{0xff};  // would fail any real checksum
    EXPECT_TRUE(UdpDatagram(d).verify_checksum(kIpA, kIpB));
    EXPECT_TRUE(UdpRepr::parse(UdpDatagram(d), kIpA, kIpB).ok());
}

TEST(Udp, ComputedZeroIsSentAsAllOnes) {
    // Choose two payload bytes so the one's-complement sum is 0xffff, making the checksum 0.
    Bytes d(10);
    UdpDatagram dg(d);
    dg.set_src_port(1000);
    dg.set_dst_port(2000);
    dg.set_len(10);
    dg.set_checksum(0);
    const uint16_t sum = wire::fold_sum(checksum_partial(d, pseudo_header_sum(kIpA, kIpB, 17, 10)));
    const uint16_t fill = static_cast<uint16_t>(0xffff - sum);
    d[8] = std::byte{static_cast<uint8_t>(fill >> 8)};
    d[9] = std::byte{static_cast<uint8_t>(fill & 0xff)};
    dg.fill_checksum(kIpA, kIpB);
    EXPECT_EQ(dg.checksum(), 0xffff);
    EXPECT_TRUE(dg.verify_checksum(kIpA, kIpB));
    // And through the Repr.
    auto r = UdpRepr::parse(dg, kIpA, kIpB);
    ASSERT_TRUE(r.ok());
    Bytes out(r->buffer_len());
    UdpDatagram o(out);
    r->emit(o, kIpA, kIpB);
    EXPECT_EQ(o.checksum(), 0xffff);
}

TEST(Udp, LengthField) {
    Bytes d = l4_bytes(kUdpDatagram);
    d[5] = std::byte{7};  // below the header
    EXPECT_EQ(UdpDatagram(d).check(), WireError::kBadTotalLength);
    d[5] = std::byte{21};  // beyond the buffer
    EXPECT_EQ(UdpDatagram(d).check(), WireError::kBadTotalLength);
    // A buffer longer than the length field (link padding): the payload stops at len.
    Bytes padded = l4_bytes(kUdpDatagram);
    padded.resize(padded.size() + 6);
    UdpDatagram p(padded);
    ASSERT_EQ(p.check(), WireError::kNone);
    EXPECT_EQ(p.payload().size(), 12u);
    EXPECT_TRUE(p.verify_checksum(kIpA, kIpB));
}

TEST(Udp, BadChecksum) {
    Bytes d = l4_bytes(kUdpDatagram);
    d[9] ^= std::byte{0x10};
    EXPECT_EQ(UdpRepr::parse(UdpDatagram(d), kIpA, kIpB).error(), WireError::kBadChecksum);
    EXPECT_TRUE(UdpRepr::parse(UdpDatagram(d), kIpA, kIpB, ChecksumCheck::kTrusted).ok());
    // The pseudo header counts: the same bytes to another address fail.
    Bytes e = l4_bytes(kUdpDatagram);
    EXPECT_EQ(UdpRepr::parse(UdpDatagram(e), kIpA, Ipv4Address::from_octets(10, 0, 0, 9)).error(),
              WireError::kBadChecksum);
}

TEST(Udp, OffloadStoresThePseudoHeaderSum) {
    const Bytes text = to_bytes("tachyon udp\n");
    const UdpRepr r{53000, 9000, text};
    Bytes out(r.buffer_len());
    UdpDatagram d(out);
    r.emit(d, kIpA, kIpB, ChecksumMode::kOffload);
    EXPECT_EQ(d.checksum(), wire::fold_sum(pseudo_header_sum(kIpA, kIpB, 17, 20)));
    d.set_checksum(internet_checksum(out));  // the NIC's part
    EXPECT_EQ(hex(out), hex(l4_bytes(kUdpDatagram)));
}

TEST(Udp, PayloadOverlappingTheHeaderIsMoved) {
    Bytes buf(8 + 5);
    for (size_t i = 0; i < 5; ++i) buf[i] = std::byte{static_cast<uint8_t>('a' + i)};
    const UdpRepr r{1, 2, std::span(buf).first(5)};
    UdpDatagram d(buf);
    r.emit(d, kIpA, kIpB);
    auto p = UdpRepr::parse(d, kIpA, kIpB);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(hex(p->payload), hex(to_bytes("abcde")));
}

Bytes icmp_message(uint8_t type, uint8_t code, uint32_t rest, std::span<const std::byte> data) {
    Bytes b(8 + data.size());
    Icmpv4Packet p(b);
    p.set_msg_type(type);
    p.set_msg_code(code);
    p.set_rest_of_header(rest);
    std::copy(data.begin(), data.end(), b.begin() + 8);
    p.fill_checksum();
    return b;
}

TEST(Icmpv4, DestinationUnreachableCarriesTheOriginalDatagram) {
    // The original datagram's IP header and first 8 bytes, as RFC 792 requires.
    const Bytes original = to_bytes(std::span<const uint8_t>(kUdpDatagram).subspan(14, 28));
    Bytes b = icmp_message(3, 3, 0, original);
    auto r = Icmpv4Repr::parse(Icmpv4Packet(b));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->type, Icmpv4Type::kDstUnreachable);
    EXPECT_EQ(r->code, static_cast<uint8_t>(Icmpv4Unreachable::kPortUnreachable));
    EXPECT_EQ(hex(r->data), hex(original));
    EXPECT_EQ(r->next_hop_mtu, 0);
    // Emitting the Repr gives the same bytes.
    Bytes out(r->buffer_len());
    Icmpv4Packet o(out);
    r->emit(o);
    EXPECT_EQ(hex(out), hex(b));
    // The inner header parses with the ordinary views.
    Bytes inner(r->data.begin(), r->data.end());
    Ipv4Packet ip(inner);
    EXPECT_EQ(ip.version(), 4);
    EXPECT_EQ(ip.dst_addr(), kIpB);
}

TEST(Icmpv4, FragmentationNeededCarriesTheNextHopMtu) {
    const Bytes original = to_bytes(std::span<const uint8_t>(kLinuxData).subspan(14, 28));
    Icmpv4Repr r;
    r.type = Icmpv4Type::kDstUnreachable;
    r.code = static_cast<uint8_t>(Icmpv4Unreachable::kFragRequired);
    r.next_hop_mtu = 1400;
    r.data = original;
    Bytes out(r.buffer_len());
    Icmpv4Packet o(out);
    r.emit(o);
    const auto sum = o.checksum();
    EXPECT_EQ(hex(std::span(out).first(8)),
              hex(to_bytes({3, 4, static_cast<uint8_t>(sum >> 8), static_cast<uint8_t>(sum), 0, 0, 0x05, 0x78})));
    EXPECT_EQ(o.next_hop_mtu(), 1400);
    auto back = Icmpv4Repr::parse(o);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->next_hop_mtu, 1400);
}

TEST(Icmpv4, TimeExceededCarriesTheOriginalDatagram) {
    const Bytes data = to_bytes("12345678901234567890123456789");
    Bytes b = icmp_message(11, 1, 0, data);  // fragment reassembly time exceeded
    auto r = Icmpv4Repr::parse(Icmpv4Packet(b));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->type, Icmpv4Type::kTimeExceeded);
    EXPECT_EQ(r->code, 1);
    EXPECT_EQ(r->data.size(), data.size());
    Bytes out(r->buffer_len());
    Icmpv4Packet o(out);
    r->emit(o);
    EXPECT_EQ(out, b);
}

TEST(Icmpv4, OtherTypesAreUnsupported) {
    const Bytes data = to_bytes("12345678901234567890123456789");
    for (uint8_t type : {4, 5, 12, 13, 14, 17, 255}) {
        Bytes b = icmp_message(type, 0, 0, data);
        EXPECT_EQ(Icmpv4Repr::parse(Icmpv4Packet(b)).error(), WireError::kUnsupported) << int{type};
    }
}

TEST(Icmpv4, BadChecksum) {
    Bytes b = icmp_message(8, 0, 0x00010002, to_bytes("ping"));
    EXPECT_TRUE(Icmpv4Repr::parse(Icmpv4Packet(b)).ok());
    b[9] ^= std::byte{1};
    EXPECT_EQ(Icmpv4Repr::parse(Icmpv4Packet(b)).error(), WireError::kBadChecksum);
    EXPECT_TRUE(Icmpv4Repr::parse(Icmpv4Packet(b), ChecksumCheck::kTrusted).ok());
}

TEST(Icmpv4, EmitComputesTheChecksumOverItsOwnBytesOnly) {
    Icmpv4Repr r;
    r.ident = 9;
    r.seq_no = 10;
    const Bytes data = to_bytes("odd");  // odd length
    r.data = data;
    Bytes buf(r.buffer_len() + 5, std::byte{0x77});
    Icmpv4Packet p(buf);
    r.emit(p);
    Bytes exact(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(r.buffer_len()));
    EXPECT_TRUE(Icmpv4Packet(exact).verify_checksum());
}

Bytes arp_packet() { return to_bytes(std::span<const uint8_t>(kArpRequest).subspan(14)); }

TEST(Arp, WrongTypesOrSizesAreBadAddress) {
    struct Case {
        size_t offset;
        uint8_t value;
    };
    const Case cases[] = {
        {1, 6},     // hardware type 6 (IEEE 802)
        {0, 1},     // hardware type 0x0101
        {2, 0x86},  // protocol 0x8600
        {3, 0x06},  // protocol 0x0806
        {4, 8},     // hardware size 8
        {5, 16},    // protocol size 16 (IPv6)
        {5, 0},
    };
    for (const Case& c : cases) {
        Bytes b = arp_packet();
        b[c.offset] = std::byte{c.value};
        EXPECT_EQ(ArpRepr::parse(ArpPacket(b)).error(), WireError::kBadAddress) << c.offset;
    }
}

TEST(Arp, OtherOperationsAreUnsupported) {
    for (uint16_t op : {0, 3, 4, 8, 0x0101}) {
        Bytes b = arp_packet();
        ArpPacket(b).set_operation(op);
        EXPECT_EQ(ArpRepr::parse(ArpPacket(b)).error(), WireError::kUnsupported) << op;
    }
}

}  // namespace
}  // namespace tachyon::wire_test
