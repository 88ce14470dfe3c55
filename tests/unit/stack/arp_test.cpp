// ARP at the frame level: announcements, exact replies, learning (RFC 826 merge), resolution with
// retries and give-up, the pending queue bounds and cache expiry on the manual clock.
#include "tests/unit/stack/stack_fixture.hpp"

namespace tachyon::test {
namespace {

using ArpTest = StackTest;

const std::byte kPayload[4] = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};

TEST_F(ArpTest, GratuitousArpAtStart) {
    ASSERT_EQ(announcement_.size(), 1u);
    const Decoded& f = announcement_[0];
    EXPECT_EQ(f.eth.dst, EthernetAddress::broadcast());
    EXPECT_EQ(f.eth.src, kOurMac);
    ASSERT_TRUE(f.arp);
    EXPECT_EQ(f.arp->operation, ArpOperation::kRequest);
    EXPECT_EQ(f.arp->source_hardware_addr, kOurMac);
    EXPECT_EQ(f.arp->source_protocol_addr, kOurIp);
    EXPECT_EQ(f.arp->target_hardware_addr, EthernetAddress{});
    EXPECT_EQ(f.arp->target_protocol_addr, kOurIp);
    EXPECT_EQ(counters().arp_requests_sent, 1u);
    // Only once.
    advance(Duration::from_secs(5));
    EXPECT_TRUE(frames_out().empty());
}

TEST_F(ArpTest, NoAnnouncementWhenDisabled) {
    StackConfig c = config();
    c.arp.announce_at_start = false;
    make(c);
    EXPECT_TRUE(announcement_.empty());
}

TEST_F(ArpTest, RequestGetsExactReply) {
    inject(arp_frame(ArpOperation::kRequest, kPeerMac, kPeerIp, EthernetAddress{}, kOurIp));
    const auto out = frames_out();
    ASSERT_EQ(out.size(), 1u);
    const Bytes expected = eth_frame(kPeerMac, kOurMac, 0x0806,
                                     arp_packet({ArpOperation::kReply, kOurMac, kOurIp, kPeerMac, kPeerIp}));
    EXPECT_EQ(out[0].bytes, expected);
    EXPECT_EQ(stack_->arp().lookup(kPeerIp), kPeerMac);  // learned: the request was for us
    EXPECT_EQ(counters().arp_replies_sent, 1u);
}

TEST_F(ArpTest, ProbeForOurAddressIsAnsweredWithoutLearning) {
    // RFC 5227 probe: sender address 0.
    inject(arp_frame(ArpOperation::kRequest, kPeerMac, Ipv4Address::any(), EthernetAddress{}, kOurIp));
    const auto out = frames_out();
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(out[0].arp);
    EXPECT_EQ(out[0].arp->operation, ArpOperation::kReply);
    EXPECT_EQ(out[0].arp->target_protocol_addr, Ipv4Address::any());
    EXPECT_EQ(stack_->arp().cache().size(), 0u);
}

TEST_F(ArpTest, RequestForAnotherAddressIsIgnoredAndNotLearned) {
    inject(arp_frame(ArpOperation::kRequest, kPeerMac, kPeerIp, EthernetAddress{}, kOtherIp));
    EXPECT_TRUE(frames_out().empty());
    EXPECT_FALSE(stack_->arp().lookup(kPeerIp));
    EXPECT_EQ(counters().arp_rx, 1u);
}

TEST_F(ArpTest, MergeRuleUpdatesKnownSenderOnly) {
    // A gratuitous ARP from the peer is not for us: not learned while unknown ...
    inject(arp_frame(ArpOperation::kRequest, kPeerMac, kPeerIp, EthernetAddress{}, kPeerIp));
    EXPECT_FALSE(stack_->arp().lookup(kPeerIp));
    // ... but once known, a new MAC replaces the old one (RFC 826: merge before the target test).
    learn_peer();
    inject(arp_frame(ArpOperation::kRequest, kOtherMac, kPeerIp, EthernetAddress{}, kPeerIp));
    EXPECT_EQ(stack_->arp().lookup(kPeerIp), kOtherMac);
    EXPECT_TRUE(frames_out().empty());
}

TEST_F(ArpTest, ReplyToUsIsLearned) {
    inject(arp_frame(ArpOperation::kReply, kPeerMac, kPeerIp, kOurMac, kOurIp, kOurMac));
    EXPECT_EQ(stack_->arp().lookup(kPeerIp), kPeerMac);
    EXPECT_TRUE(frames_out().empty());
}

TEST_F(ArpTest, ConflictsAndBadSendersAreCounted) {
    inject(arp_frame(ArpOperation::kRequest, kPeerMac, kOurIp, EthernetAddress{}, kOurIp));  // claims our IP
    inject(arp_frame(ArpOperation::kRequest, kOurMac, kPeerIp, EthernetAddress{}, kOurIp));  // our MAC
    EXPECT_EQ(counters().arp_conflict, 2u);
    inject(arp_frame(ArpOperation::kRequest, EthernetAddress::broadcast(), kPeerIp, EthernetAddress{}, kOurIp));
    inject(arp_frame(ArpOperation::kRequest, kPeerMac, Ipv4Address::broadcast(), EthernetAddress{}, kOurIp));
    EXPECT_EQ(counters().arp_bad, 2u);
    EXPECT_TRUE(frames_out().empty());
    EXPECT_EQ(stack_->arp().cache().size(), 0u);
}

TEST_F(ArpTest, ResolutionSendsPendingPacketsInOrder) {
    const UdpSocketId s = bind(5000);
    for (uint8_t i = 0; i < 3; ++i) {
        const std::byte payload[1] = {std::byte{i}};
        ASSERT_TRUE(stack_->udp().send_to(s, {kPeerIp, 7}, payload).ok());
    }
    stack_->poll();
    auto out = frames_out();
    ASSERT_EQ(out.size(), 1u);  // just the request
    ASSERT_TRUE(out[0].arp);
    EXPECT_EQ(out[0].eth.dst, EthernetAddress::broadcast());
    EXPECT_EQ(out[0].arp->target_protocol_addr, kPeerIp);
    EXPECT_EQ(out[0].arp->source_protocol_addr, kOurIp);

    inject(arp_frame(ArpOperation::kReply, kPeerMac, kPeerIp, kOurMac, kOurIp, kOurMac));
    out = frames_out();
    ASSERT_EQ(out.size(), 3u);
    for (uint8_t i = 0; i < 3; ++i) {
        EXPECT_EQ(out[i].eth.dst, kPeerMac);
        ASSERT_TRUE(out[i].udp);
        ASSERT_EQ(out[i].udp->payload.size(), 1u);
        EXPECT_EQ(out[i].udp->payload[0], std::byte{i});
    }
    EXPECT_EQ(counters().arp_resolved, 1u);
    // Resolved: the next datagram goes straight out.
    ASSERT_TRUE(stack_->udp().send_to(s, {kPeerIp, 7}, kPayload).ok());
    stack_->poll();
    out = frames_out();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].udp);
}

TEST_F(ArpTest, RetriesThenGivesUpAndDropsPending) {
    const UdpSocketId s = bind(5000);
    ASSERT_TRUE(stack_->udp().send_to(s, {kOtherIp, 7}, kPayload).ok());
    ASSERT_TRUE(stack_->udp().send_to(s, {kOtherIp, 7}, kPayload).ok());
    stack_->poll();
    EXPECT_EQ(frames_out().size(), 1u);
    advance(Duration::from_ms(999));
    EXPECT_TRUE(frames_out().empty());  // not before the retry interval
    advance(Duration::from_ms(1));
    EXPECT_EQ(frames_out().size(), 1u);  // second request
    advance(Duration::from_secs(1));
    EXPECT_EQ(frames_out().size(), 1u);  // third
    EXPECT_EQ(counters().arp_failed, 0u);
    advance(Duration::from_secs(1));
    EXPECT_TRUE(frames_out().empty());
    EXPECT_EQ(counters().arp_failed, 1u);
    EXPECT_EQ(counters().arp_unresolved, 2u);
    EXPECT_EQ(counters().arp_requests_sent, 1u + 3u);
    EXPECT_EQ(stack_->arp().cache().size(), 0u);
    EXPECT_EQ(stack_->pool().in_use(), 0u);
    advance(Duration::from_secs(10));
    EXPECT_TRUE(frames_out().empty());
}

TEST_F(ArpTest, PendingQueueBoundPerEntryDropsOldest) {
    StackConfig c = config();
    c.arp.max_pending_per_entry = 4;
    make(c);
    const UdpSocketId s = bind(5000);
    for (uint8_t i = 0; i < 6; ++i) {
        const std::byte payload[1] = {std::byte{i}};
        ASSERT_TRUE(stack_->udp().send_to(s, {kPeerIp, 7}, payload).ok());
    }
    EXPECT_EQ(counters().arp_pending_full, 2u);
    EXPECT_EQ(stack_->arp().cache().pending_total(), 4u);
    inject(arp_frame(ArpOperation::kReply, kPeerMac, kPeerIp, kOurMac, kOurIp, kOurMac));
    auto out = frames_out();
    ASSERT_EQ(out.size(), 1u + 4u);  // the request, then the four newest
    for (uint8_t i = 0; i < 4; ++i) {
        ASSERT_TRUE(out[1 + i].udp);
        EXPECT_EQ(out[1 + i].udp->payload[0], std::byte{static_cast<uint8_t>(i + 2)});
    }
}

TEST_F(ArpTest, PendingQueueBoundInTotal) {
    StackConfig c = config();
    c.arp.max_pending_per_entry = 4;
    c.arp.max_pending_total = 5;
    make(c);
    const UdpSocketId s = bind(5000);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(stack_->udp().send_to(s, {kPeerIp, 7}, kPayload).ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(stack_->udp().send_to(s, {kOtherIp, 7}, kPayload).ok());
    EXPECT_EQ(stack_->arp().cache().pending_total(), 5u);
    EXPECT_EQ(counters().arp_pending_full, 2u);
    for (int i = 0; i < 3; ++i) advance(Duration::from_secs(1));  // both give up
    EXPECT_EQ(counters().arp_unresolved, 5u);
    EXPECT_EQ(stack_->arp().cache().pending_total(), 0u);
    (void)frames_out();
    EXPECT_EQ(stack_->pool().in_use(), 0u);
}

TEST_F(ArpTest, EntryExpiresAfterLifetime) {
    learn_peer();
    advance(Duration::from_secs(59));
    EXPECT_TRUE(stack_->arp().lookup(kPeerIp));
    // A new confirmation restarts the lifetime.
    inject(arp_frame(ArpOperation::kReply, kPeerMac, kPeerIp, kOurMac, kOurIp, kOurMac));
    advance(Duration::from_secs(59));
    EXPECT_TRUE(stack_->arp().lookup(kPeerIp));
    advance(Duration::from_secs(1));
    EXPECT_FALSE(stack_->arp().lookup(kPeerIp));
    EXPECT_EQ(counters().arp_expired, 1u);
    // The next packet resolves again.
    const UdpSocketId s = bind(5000);
    ASSERT_TRUE(stack_->udp().send_to(s, {kPeerIp, 7}, kPayload).ok());
    stack_->poll();
    auto out = frames_out();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].arp);
}

TEST_F(ArpTest, FullCacheEvictsLeastRecentlyUsed) {
    StackConfig c = config();
    c.arp.max_entries = 2;
    make(c);
    for (uint8_t host = 2; host <= 4; ++host) {
        const Ipv4Address ip = Ipv4Address::from_octets(10, 0, 0, host);
        const EthernetAddress mac{{0x02, 0, 0, 0, 0, host}};
        inject(arp_frame(ArpOperation::kRequest, mac, ip, EthernetAddress{}, kOurIp));
    }
    EXPECT_EQ(stack_->arp().cache().size(), 2u);
    EXPECT_EQ(counters().arp_evicted, 1u);
    EXPECT_FALSE(stack_->arp().lookup(Ipv4Address::from_octets(10, 0, 0, 2)));
    EXPECT_TRUE(stack_->arp().lookup(Ipv4Address::from_octets(10, 0, 0, 4)));
    (void)frames_out();
}

TEST_F(ArpTest, OffLinkGoesThroughTheGateway) {
    StackConfig c = config();
    c.gateway = Ipv4Address::from_octets(10, 0, 0, 254);
    make(c);
    const UdpSocketId s = bind(5000);
    const Ipv4Address far = Ipv4Address::from_octets(192, 168, 7, 9);
    ASSERT_TRUE(stack_->udp().send_to(s, {far, 7}, kPayload).ok());
    stack_->poll();
    auto out = frames_out();
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(out[0].arp);
    EXPECT_EQ(out[0].arp->target_protocol_addr, *c.gateway);
    inject(arp_frame(ArpOperation::kReply, kOtherMac, *c.gateway, kOurMac, kOurIp, kOurMac));
    out = frames_out();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].eth.dst, kOtherMac);
    ASSERT_TRUE(out[0].ip);
    EXPECT_EQ(out[0].ip->dst_addr, far);
}

TEST_F(ArpTest, OffLinkWithoutGatewayIsUnreachable) {
    const UdpSocketId s = bind(5000);
    const auto r = stack_->udp().send_to(s, {Ipv4Address::from_octets(192, 168, 7, 9), 7}, kPayload);
    EXPECT_EQ(r.code(), EHOSTUNREACH);
    EXPECT_EQ(counters().no_route, 1u);
    EXPECT_EQ(stack_->source_for(Ipv4Address::from_octets(192, 168, 7, 9)), std::nullopt);
    EXPECT_EQ(stack_->source_for(kPeerIp), kOurIp);
    stack_->poll();
    EXPECT_TRUE(frames_out().empty());
}

}  // namespace
}  // namespace tachyon::test
