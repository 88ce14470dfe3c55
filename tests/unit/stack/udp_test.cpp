// UDP at the stack level: bind (ports, ephemeral, EADDRINUSE), send_to (frames, errors), receive
// queues (sender, bounds, truncation), close.
#include "tests/unit/stack/stack_fixture.hpp"

namespace tachyon::test {
namespace {

using UdpTest = StackTest;

TEST_F(UdpTest, ReceiveWithSenderAddressAndPort) {
    const UdpSocketId s = bind(5000);
    const Bytes payload = pattern_bytes(100);
    inject(udp_frame(4000, 5000, payload));
    EXPECT_EQ(stack_->udp().queued(s), 1u);
    std::array<std::byte, 2048> buf{};
    const auto r = stack_->udp().recv_from(s, buf);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->len, 100u);
    EXPECT_EQ(r->datagram_len, 100u);
    EXPECT_EQ(r->from, (UdpEndpoint{kPeerIp, 4000}));
    EXPECT_EQ(Bytes(buf.begin(), buf.begin() + 100), payload);
    EXPECT_EQ(stack_->udp().recv_from(s, buf).code(), EAGAIN);
    EXPECT_EQ(counters().udp_rx, 1u);
    EXPECT_EQ(test_pool_.in_use(), 0u) << "the device's buffer must go back at once";
}

TEST_F(UdpTest, ReceiveTruncatesToTheBuffer) {
    const UdpSocketId s = bind(5000);
    inject(udp_frame(4000, 5000, pattern_bytes(100)));
    std::array<std::byte, 10> buf{};
    const auto r = stack_->udp().recv_from(s, buf);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->len, 10u);
    EXPECT_EQ(r->datagram_len, 100u);
}

TEST_F(UdpTest, EmptyDatagram) {
    const UdpSocketId s = bind(5000);
    inject(udp_frame(4000, 5000, {}));
    std::array<std::byte, 10> buf{};
    const auto r = stack_->udp().recv_from(s, buf);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->datagram_len, 0u);
}

TEST_F(UdpTest, PaddingIsTrimmed) {
    const UdpSocketId s = bind(5000);
    Bytes frame = udp_frame(4000, 5000, pattern_bytes(3));
    frame.resize(60, std::byte{0xee});  // Ethernet minimum frame
    inject(frame);
    std::array<std::byte, 64> buf{};
    const auto r = stack_->udp().recv_from(s, buf);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->datagram_len, 3u);
}

TEST_F(UdpTest, QueueOverflowIsCounted) {
    StackConfig c = config();
    c.udp.queue_len = 2;
    make(c);
    const UdpSocketId s = bind(5000);
    for (int i = 0; i < 3; ++i) inject(udp_frame(4000, 5000, pattern_bytes(8)));
    EXPECT_EQ(stack_->udp().queued(s), 2u);
    EXPECT_EQ(stack_->udp().drops(s), 1u);
    EXPECT_EQ(counters().udp_queue_full, 1u);
    EXPECT_TRUE(frames_out().empty());
}

TEST_F(UdpTest, SendToProducesTheDatagram) {
    learn_peer();
    const UdpSocketId s = bind(5000);
    const Bytes payload = pattern_bytes(200);
    ASSERT_TRUE(stack_->udp().send_to(s, {kPeerIp, 53}, payload).ok());
    stack_->poll();
    const auto out = frames_out();
    ASSERT_EQ(out.size(), 1u);
    const Decoded& f = out[0];
    EXPECT_EQ(f.eth.dst, kPeerMac);
    EXPECT_EQ(f.eth.ethertype, 0x0800);
    ASSERT_TRUE(f.ip);
    EXPECT_TRUE(f.ip_checksum_ok);
    EXPECT_EQ(f.ip->src_addr, kOurIp);
    EXPECT_EQ(f.ip->dst_addr, kPeerIp);
    EXPECT_EQ(f.ip->protocol, 17);
    EXPECT_EQ(f.ip->ttl, 64);
    EXPECT_TRUE(f.ip->dont_fragment);
    EXPECT_FALSE(f.ip->is_fragment());
    ASSERT_TRUE(f.udp);
    EXPECT_TRUE(f.udp_checksum_ok);
    EXPECT_EQ(f.udp->src_port, 5000);
    EXPECT_EQ(f.udp->dst_port, 53);
    EXPECT_EQ(to_bytes(f.udp->payload), payload);
    EXPECT_EQ(counters().udp_tx, 1u);
    EXPECT_EQ(counters().ip_tx, 1u);
}

TEST_F(UdpTest, IdentsIncrease) {
    learn_peer();
    const UdpSocketId s = bind(5000);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(stack_->udp().send_to(s, {kPeerIp, 53}, pattern_bytes(1)).ok());
    stack_->poll();
    const auto out = frames_out();
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(static_cast<uint16_t>(out[1].ip->ident - out[0].ip->ident), 1);
    EXPECT_EQ(static_cast<uint16_t>(out[2].ip->ident - out[1].ip->ident), 1);
}

// RFC 791 3.2 as Linux sends a UDP datagram over the MTU: fragments of 1,480 bytes (a multiple of
// 8) sharing one identification, DF clear, MF on all but the last, the UDP checksum over the whole
// datagram; put back together they are the datagram.
TEST_F(UdpTest, DatagramsOverTheMtuGoInFragments) {
    learn_peer();
    const UdpSocketId s = bind(5000);
    const Bytes payload = pattern_bytes(4000);
    ASSERT_TRUE(stack_->udp().send_to(s, {kPeerIp, 53}, payload).ok());
    stack_->poll();
    const auto out = frames_out();
    ASSERT_EQ(out.size(), 3u);
    Bytes datagram;
    for (size_t i = 0; i < out.size(); ++i) {
        ASSERT_TRUE(out[i].ip);
        const Ipv4Repr& ip = *out[i].ip;
        EXPECT_TRUE(out[i].ip_checksum_ok);
        EXPECT_EQ(ip.ident, out[0].ip->ident);
        EXPECT_FALSE(ip.dont_fragment);
        EXPECT_EQ(ip.more_fragments, i + 1 < out.size());
        EXPECT_EQ(ip.fragment_offset, datagram.size());
        EXPECT_EQ(ip.payload_len, i + 1 < out.size() ? 1480u : 4008u - 2 * 1480u);
        datagram.insert(datagram.end(), out[i].l4.begin(), out[i].l4.end());
    }
    UdpDatagram d(datagram);
    const Parsed<UdpRepr> udp = UdpRepr::parse(d, kOurIp, kPeerIp);
    ASSERT_TRUE(udp.ok()) << "the checksum covers the whole datagram";
    EXPECT_EQ(udp->src_port, 5000);
    EXPECT_EQ(udp->dst_port, 53);
    EXPECT_EQ(to_bytes(udp->payload), payload);
    EXPECT_EQ(counters().frag_tx, 3u);
    EXPECT_EQ(counters().udp_tx, 1u);
    EXPECT_EQ(stack_->pool().in_use(), 0u);
}

// RFC 1191 for UDP, as Linux: "fragmentation needed" about one of our datagrams (DF set) lowers
// the host's path MTU, and later datagrams to it go in fragments that fit; others are unchanged.
TEST_F(UdpTest, FragmentationNeededCutsLaterDatagramsToThePathMtu) {
    learn_peer();
    const UdpSocketId s = bind(5000);
    const Bytes ours = ipv4_packet({.src_addr = kOurIp, .dst_addr = kPeerIp, .protocol = 17},
                                   udp_datagram(kOurIp, kPeerIp, 5000, 53, pattern_bytes(1400)));
    inject(icmp_frame({.type = Icmpv4Type::kDstUnreachable, .code = 4, .data = Bytes(ours.begin(), ours.begin() + 28),
                       .next_hop_mtu = 1000}));
    EXPECT_EQ(counters().udp_icmp_errors, 1u);
    ASSERT_TRUE(stack_->udp().send_to(s, {kPeerIp, 53}, pattern_bytes(1400)).ok());
    ASSERT_TRUE(stack_->udp().send_to(s, {kPeerIp, 53}, pattern_bytes(900)).ok());  // fits: whole, DF
    stack_->poll();
    const auto out = frames_out();
    ASSERT_EQ(out.size(), 3u);
    ASSERT_TRUE(out[0].ip && out[1].ip && out[2].ip);
    EXPECT_EQ(out[0].ip->payload_len, 976u);  // (1000 - 20) rounded down to 8
    EXPECT_TRUE(out[0].ip->more_fragments);
    EXPECT_EQ(out[1].ip->payload_len, 1408u - 976u);
    EXPECT_EQ(out[1].ip->fragment_offset, 976u);
    EXPECT_TRUE(out[2].ip->dont_fragment);
    EXPECT_EQ(out[2].ip->payload_len, 908u);
    EXPECT_EQ(counters().frag_tx, 2u);
}

TEST_F(UdpTest, SendErrors) {
    const UdpSocketId s = bind(5000);
    const size_t max = 1500 - 20 - 8;
    EXPECT_EQ(stack_->udp().max_payload(), max);
    EXPECT_EQ(stack_->udp().send_to(s, {kPeerIp, 53}, pattern_bytes(UdpLayer::kMaxDatagramPayload + 1)).code(), EMSGSIZE);
    EXPECT_EQ(stack_->udp().send_to(s, {kPeerIp, 0}, pattern_bytes(1)).code(), EINVAL);
    EXPECT_EQ(stack_->udp().send_to(s, {Ipv4Address::from_octets(172, 16, 0, 1), 53}, pattern_bytes(1)).code(),
              EHOSTUNREACH);
    EXPECT_EQ(stack_->udp().send_to(s, {kOurIp, 53}, pattern_bytes(1)).code(), EHOSTUNREACH);
    EXPECT_EQ(stack_->udp().send_to(UdpSocketId{999, 0}, {kPeerIp, 53}, pattern_bytes(1)).code(), EBADF);
    EXPECT_EQ(stack_->pool().in_use(), 0u);
}

TEST_F(UdpTest, BindErrorsAndEphemeralPorts) {
    UdpLayer& udp = stack_->udp();
    const UdpSocketId s = bind(5000);
    EXPECT_EQ(udp.bind({Ipv4Address::any(), 5000}).code(), EADDRINUSE);
    EXPECT_EQ(udp.bind({kOtherIp, 5001}).code(), EADDRNOTAVAIL);
    auto e1 = udp.bind({Ipv4Address::any(), 0});
    auto e2 = udp.bind({kOurIp, 0});
    ASSERT_TRUE(e1.ok());
    ASSERT_TRUE(e2.ok());
    sockets_.push_back(*e1);
    sockets_.push_back(*e2);
    const uint16_t p1 = udp.local_endpoint(*e1)->port;
    const uint16_t p2 = udp.local_endpoint(*e2)->port;
    EXPECT_GE(p1, 32768);
    EXPECT_LE(p1, 60999);
    EXPECT_GE(p2, 32768);
    EXPECT_LE(p2, 60999);
    EXPECT_NE(p1, p2);
    EXPECT_EQ(udp.local_endpoint(*e2)->addr, kOurIp);
    // Close frees the port; the old handle is stale.
    ASSERT_TRUE(udp.close(s).ok());
    EXPECT_EQ(udp.close(s).code(), EBADF);
    EXPECT_EQ(udp.local_endpoint(s).code(), EBADF);
    const UdpSocketId again = bind(5000);
    EXPECT_FALSE(again == s);
}

TEST_F(UdpTest, EphemeralPortsAreDeterministicPerSeed) {
    auto port_for_seed = [&](uint64_t seed) {
        StackConfig c = config();
        c.seed = seed;
        make(c);
        auto r = stack_->udp().bind({Ipv4Address::any(), 0});
        EXPECT_TRUE(r.ok());
        const uint16_t port = stack_->udp().local_endpoint(*r)->port;
        (void)stack_->udp().close(*r);
        return port;
    };
    const uint16_t a = port_for_seed(7);
    EXPECT_EQ(port_for_seed(7), a);
    EXPECT_NE(port_for_seed(8), a);  // not guaranteed in general; true for these seeds
}

TEST_F(UdpTest, EphemeralRangeExhaustion) {
    StackConfig c = config();
    c.udp.ephemeral_low = 40000;
    c.udp.ephemeral_high = 40002;
    make(c);
    for (int i = 0; i < 3; ++i) bind(0);
    EXPECT_EQ(stack_->udp().bind({Ipv4Address::any(), 0}).code(), EADDRINUSE);
}

TEST_F(UdpTest, SocketTableExhaustion) {
    StackConfig c = config();
    c.udp.max_sockets = 2;
    make(c);
    bind(1);
    bind(2);
    EXPECT_EQ(stack_->udp().bind({Ipv4Address::any(), 3}).code(), EMFILE);
}

TEST_F(UdpTest, CloseReleasesQueuedDatagrams) {
    const UdpSocketId s = bind(5000);
    for (int i = 0; i < 3; ++i) inject(udp_frame(4000, 5000, pattern_bytes(8)));
    EXPECT_EQ(stack_->pool().in_use(), 3u);
    ASSERT_TRUE(stack_->udp().close(s).ok());
    EXPECT_EQ(stack_->pool().in_use(), 0u);
    inject(udp_frame(4000, 5000, pattern_bytes(8)));
    EXPECT_EQ(counters().udp_no_port, 1u);
    (void)frames_out();
}

TEST_F(UdpTest, SocketBoundToOurAddressDoesNotSeeBroadcasts) {
    auto r = stack_->udp().bind({kOurIp, 5000});
    ASSERT_TRUE(r.ok());
    sockets_.push_back(*r);
    const Bytes udp = udp_datagram(kPeerIp, Ipv4Address::broadcast(), 4000, 5000, pattern_bytes(4));
    inject(eth_frame(EthernetAddress::broadcast(), kPeerMac, 0x0800,
                     ipv4_packet({.src_addr = kPeerIp, .dst_addr = Ipv4Address::broadcast(), .protocol = 17}, udp)));
    EXPECT_EQ(stack_->udp().queued(*r), 0u);
    const UdpSocketId any = bind(5001);
    const Bytes udp2 = udp_datagram(kPeerIp, Ipv4Address::broadcast(), 4000, 5001, pattern_bytes(4));
    inject(eth_frame(EthernetAddress::broadcast(), kPeerMac, 0x0800,
                     ipv4_packet({.src_addr = kPeerIp, .dst_addr = Ipv4Address::broadcast(), .protocol = 17}, udp2)));
    EXPECT_EQ(stack_->udp().queued(any), 1u);
}

TEST_F(UdpTest, BroadcastSendUsesBroadcastMac) {
    const UdpSocketId s = bind(5000);
    ASSERT_TRUE(stack_->udp().send_to(s, {Ipv4Address::from_octets(10, 0, 0, 255), 9}, pattern_bytes(4)).ok());
    stack_->poll();
    const auto out = frames_out();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].eth.dst, EthernetAddress::broadcast());
    EXPECT_TRUE(out[0].udp);
}

TEST_F(UdpTest, ZeroChecksumMeansNone) {
    const UdpSocketId s = bind(5000);
    Bytes frame = udp_frame(4000, 5000, pattern_bytes(5));
    frame[14 + 20 + 6] = std::byte{0};
    frame[14 + 20 + 7] = std::byte{0};
    inject(frame);
    EXPECT_EQ(stack_->udp().queued(s), 1u);
}

}  // namespace
}  // namespace tachyon::test
