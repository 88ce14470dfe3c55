// ICMP at the frame level: echo replies, port unreachable quoting the datagram, the error rate
// limit, and pings sent by the application with their replies queued.
#include "tests/unit/stack/stack_fixture.hpp"

namespace tachyon::test {
namespace {

using IcmpTest = StackTest;

TEST_F(IcmpTest, EchoRequestGetsReplyWithSameIdentSeqAndPayload) {
    learn_peer();
    for (size_t len : {size_t{0}, size_t{1}, size_t{56}, size_t{1000}, size_t{1500 - 20 - 8}}) {
        SCOPED_TRACE(len);
        const Bytes payload = pattern_bytes(len, 9);
        inject(icmp_frame({Icmpv4Type::kEchoRequest, 0, 0x1234, 77, payload}));
        const auto out = frames_out();
        ASSERT_EQ(out.size(), 1u);
        const Decoded& f = out[0];
        EXPECT_EQ(f.eth.dst, kPeerMac);
        EXPECT_EQ(f.eth.src, kOurMac);
        ASSERT_TRUE(f.ip);
        EXPECT_TRUE(f.ip_checksum_ok);
        EXPECT_EQ(f.ip->src_addr, kOurIp);
        EXPECT_EQ(f.ip->dst_addr, kPeerIp);
        EXPECT_EQ(f.ip->ttl, 64);
        ASSERT_TRUE(f.icmp) << "bad ICMP checksum or type";
        EXPECT_EQ(f.icmp->type, Icmpv4Type::kEchoReply);
        EXPECT_EQ(f.icmp->code, 0);
        EXPECT_EQ(f.icmp->ident, 0x1234);
        EXPECT_EQ(f.icmp->seq_no, 77);
        EXPECT_EQ(to_bytes(f.icmp->data), payload);
    }
    EXPECT_EQ(counters().icmp_echo_reply_tx, 5u);
}

// As Linux: a ping larger than the MTU goes in IPv4 fragments, and a fragmented echo request is
// answered in fragments (`ping -s 3000` both ways).
TEST_F(IcmpTest, EchoesOverTheMtuGoInFragmentsBothWays) {
    learn_peer();
    // Put the IP payloads of fragments back together, checking what makes them one datagram.
    const auto joined = [](const std::vector<Decoded>& frames) {
        Bytes d;
        for (size_t i = 0; i < frames.size(); ++i) {
            EXPECT_TRUE(frames[i].ip && frames[i].ip_checksum_ok);
            if (!frames[i].ip) return d;
            EXPECT_EQ(frames[i].ip->ident, frames[0].ip->ident);
            EXPECT_EQ(frames[i].ip->fragment_offset, d.size());
            EXPECT_EQ(frames[i].ip->more_fragments, i + 1 < frames.size());
            EXPECT_FALSE(frames[i].ip->dont_fragment);
            d.insert(d.end(), frames[i].l4.begin(), frames[i].l4.end());
        }
        return d;
    };
    ASSERT_TRUE(stack_->icmp().send_ping(kPeerIp, 7, 1, 3000).ok());
    stack_->poll();
    Bytes request = joined(frames_out());
    ASSERT_EQ(request.size(), 3008u);
    const Parsed<Icmpv4Repr> echo = Icmpv4Repr::parse(Icmpv4Packet(request));
    ASSERT_TRUE(echo.ok()) << "the checksum covers the whole message";
    EXPECT_EQ(echo->type, Icmpv4Type::kEchoRequest);
    EXPECT_EQ(echo->seq_no, 1);
    EXPECT_TRUE(IcmpLayer::has_pattern(echo->data));
    EXPECT_EQ(stack_->icmp().send_ping(kPeerIp, 7, 2, IcmpLayer::kMaxPayload + 1).code(), EMSGSIZE);

    // The peer's 2,000-byte echo request in two fragments.
    const Bytes msg = icmp_message({Icmpv4Type::kEchoRequest, 0, 0x4242, 9, pattern_bytes(2000, 3)});
    const std::span<const std::byte> whole(msg);
    inject(eth_frame(kOurMac, kPeerMac, 0x0800,
                     ipv4_packet({.src_addr = kPeerIp, .dst_addr = kOurIp, .protocol = 1, .ident = 99,
                                  .dont_fragment = false, .more_fragments = true},
                                 whole.first(1480))));
    inject(eth_frame(kOurMac, kPeerMac, 0x0800,
                     ipv4_packet({.src_addr = kPeerIp, .dst_addr = kOurIp, .protocol = 1, .ident = 99,
                                  .dont_fragment = false, .fragment_offset = 1480},
                                 whole.subspan(1480))));
    Bytes reply = joined(frames_out());
    ASSERT_EQ(reply.size(), msg.size());
    const Parsed<Icmpv4Repr> answer = Icmpv4Repr::parse(Icmpv4Packet(reply));
    ASSERT_TRUE(answer.ok());
    EXPECT_EQ(answer->type, Icmpv4Type::kEchoReply);
    EXPECT_EQ(answer->ident, 0x4242);
    EXPECT_EQ(to_bytes(answer->data), pattern_bytes(2000, 3));
    EXPECT_EQ(counters().frag_tx, 5u);
    EXPECT_EQ(stack_->pool().in_use(), 0u);
}

TEST_F(IcmpTest, EchoRequestToBroadcastIsIgnored) {
    learn_peer();
    const Bytes msg = icmp_message({Icmpv4Type::kEchoRequest, 0, 1, 1, {}});
    inject(eth_frame(EthernetAddress::broadcast(), kPeerMac, 0x0800,
                     ipv4_packet({.src_addr = kPeerIp, .dst_addr = Ipv4Address::from_octets(10, 0, 0, 255), .protocol = 1},
                                 msg)));
    EXPECT_TRUE(frames_out().empty());
    EXPECT_EQ(counters().icmp_echo_ignored, 1u);
}

TEST_F(IcmpTest, UdpToClosedPortGetsPortUnreachableQuotingTheDatagram) {
    learn_peer();
    const Bytes payload = pattern_bytes(30);
    const Bytes frame = udp_frame(4000, 9999, payload);
    inject(frame);
    const auto out = frames_out();
    ASSERT_EQ(out.size(), 1u);
    const Decoded& f = out[0];
    ASSERT_TRUE(f.icmp);
    EXPECT_EQ(f.icmp->type, Icmpv4Type::kDstUnreachable);
    EXPECT_EQ(f.icmp->code, static_cast<uint8_t>(Icmpv4Unreachable::kPortUnreachable));
    EXPECT_EQ(f.ip->dst_addr, kPeerIp);
    EXPECT_FALSE(f.ip->dont_fragment);
    // The whole original IP datagram (it is short): header, UDP header, payload.
    const Bytes original(frame.begin() + EthernetFrame::kHeaderLen, frame.end());
    EXPECT_EQ(to_bytes(f.icmp->data), original);
    EXPECT_EQ(counters().udp_no_port, 1u);
    EXPECT_EQ(counters().icmp_unreachable_tx, 1u);
}

TEST_F(IcmpTest, PortUnreachableQuotesAtMost576Bytes) {
    learn_peer();
    const Bytes frame = udp_frame(4000, 9999, pattern_bytes(1400));
    inject(frame);
    const auto out = frames_out();
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(out[0].icmp);
    EXPECT_EQ(out[0].icmp->data.size(), IcmpLayer::kMaxQuote);
    EXPECT_EQ(out[0].ip->payload_len, 576u - 20u);
    const Bytes quoted(frame.begin() + EthernetFrame::kHeaderLen,
                       frame.begin() + EthernetFrame::kHeaderLen + IcmpLayer::kMaxQuote);
    EXPECT_EQ(to_bytes(out[0].icmp->data), quoted);
}

TEST_F(IcmpTest, NoPortUnreachableForBroadcast) {
    learn_peer();
    const Bytes udp = udp_datagram(kPeerIp, Ipv4Address::broadcast(), 4000, 9999, pattern_bytes(4));
    inject(eth_frame(EthernetAddress::broadcast(), kPeerMac, 0x0800,
                     ipv4_packet({.src_addr = kPeerIp, .dst_addr = Ipv4Address::broadcast(), .protocol = 17}, udp)));
    EXPECT_TRUE(frames_out().empty());
    EXPECT_EQ(counters().udp_no_port, 1u);
}

TEST_F(IcmpTest, ErrorsAreRateLimited) {
    StackConfig c = config();
    c.icmp.errors_per_sec = 1;
    c.icmp.errors_burst = 2;
    make(c);
    learn_peer();
    for (int i = 0; i < 5; ++i) inject(udp_frame(4000, 9999, pattern_bytes(4)));
    EXPECT_EQ(frames_out().size(), 2u);
    EXPECT_EQ(counters().icmp_rate_limited, 3u);
    clock_.advance(Duration::from_secs(1));
    inject(udp_frame(4000, 9999, pattern_bytes(4)));
    inject(udp_frame(4000, 9999, pattern_bytes(4)));
    EXPECT_EQ(frames_out().size(), 1u);
    EXPECT_EQ(counters().icmp_rate_limited, 4u);
}

TEST_F(IcmpTest, SendPingAndQueueTheReply) {
    learn_peer();
    ASSERT_TRUE(stack_->icmp().send_ping(kPeerIp, 0x4242, 3, 56).ok());
    stack_->poll();
    auto out = frames_out();
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(out[0].icmp);
    EXPECT_EQ(out[0].icmp->type, Icmpv4Type::kEchoRequest);
    EXPECT_EQ(out[0].icmp->ident, 0x4242);
    EXPECT_EQ(out[0].icmp->seq_no, 3);
    EXPECT_EQ(out[0].icmp->data.size(), 56u);
    EXPECT_TRUE(out[0].ip->dont_fragment);
    EXPECT_EQ(counters().icmp_echo_tx, 1u);

    // The peer answers with the same data.
    clock_.advance(Duration::from_ms(3));
    const Bytes data = to_bytes(out[0].icmp->data);
    inject(icmp_frame({Icmpv4Type::kEchoReply, 0, 0x4242, 3, data}));
    EXPECT_EQ(stack_->icmp().echo_replies_queued(), 1u);
    const auto reply = stack_->icmp().pop_echo_reply();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->src, kPeerIp);
    EXPECT_EQ(reply->ident, 0x4242);
    EXPECT_EQ(reply->seq_no, 3);
    EXPECT_EQ(reply->payload_len, 56);
    EXPECT_TRUE(reply->payload_ok);
    EXPECT_EQ(reply->ttl, 64);
    EXPECT_EQ(reply->received_at, clock_.now());
    EXPECT_FALSE(stack_->icmp().pop_echo_reply());
}

TEST_F(IcmpTest, EchoReplyQueueIsBounded) {
    StackConfig c = config();
    c.icmp.echo_reply_queue = 2;
    make(c);
    for (uint16_t i = 0; i < 3; ++i) inject(icmp_frame({Icmpv4Type::kEchoReply, 0, 1, i, {}}));
    EXPECT_EQ(stack_->icmp().echo_replies_queued(), 2u);
    EXPECT_EQ(counters().icmp_echo_reply_queue_full, 1u);
    EXPECT_EQ(stack_->icmp().pop_echo_reply()->seq_no, 0);
    EXPECT_EQ(stack_->icmp().pop_echo_reply()->seq_no, 1);
}

TEST_F(IcmpTest, SendPingErrors) {
    EXPECT_EQ(stack_->icmp().send_ping(kPeerIp, 1, 1, IcmpLayer::kMaxPayload + 1).code(), EMSGSIZE);
    EXPECT_EQ(stack_->icmp().send_ping(Ipv4Address::from_octets(8, 8, 8, 8), 1, 1, 8).code(), EHOSTUNREACH);
    EXPECT_EQ(stack_->pool().in_use(), 0u);
}

TEST_F(IcmpTest, UnreachableAndOtherTypesAreCounted) {
    inject(icmp_frame({Icmpv4Type::kDstUnreachable, 3, 0, 0, pattern_bytes(28)}));
    EXPECT_EQ(counters().icmp_unreachable_rx, 1u);
    EXPECT_EQ(counters().icmp_error_bad_quote, 1u);  // the pattern is no IPv4 header of ours
    // Timestamp request (type 13): not handled.
    Bytes msg = icmp_message({Icmpv4Type::kEchoRequest, 0, 1, 1, pattern_bytes(12)});
    Icmpv4Packet view(msg);
    view.set_msg_type(13);
    view.fill_checksum();
    inject(eth_frame(kOurMac, kPeerMac, 0x0800, ipv4_packet({.src_addr = kPeerIp, .dst_addr = kOurIp, .protocol = 1}, msg)));
    EXPECT_EQ(counters().icmp_unsupported, 1u);
    EXPECT_TRUE(frames_out().empty());
}

}  // namespace
}  // namespace tachyon::test
