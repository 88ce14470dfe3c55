// Resource bounds of the stack below TCP (issue 9), each filled exactly to its limit: the next item
// is dropped and counted under its reason, and it recovers when room comes back. Plus ICMP Time
// Exceeded on a reassembly timeout (RFC 792 type 11 code 1, RFC 1122 3.3.2).
//
// Knobs: StackConfig::pool_size, UdpConfig::queue_len (received buffers held), ArpConfig::
// max_pending_total / max_pending_per_entry / max_entries, ReassemblyConfig::max_bytes /
// max_datagrams / timeout. Also covered elsewhere: arp_test (per-entry pending, LRU eviction),
// reassembly_test (max_datagrams eviction, max_bytes drop, timeouts).
#include <cstring>

#include "tests/unit/stack/stack_fixture.hpp"

namespace tachyon::test {
namespace {

const std::byte kPayload[4] = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};

class StackBounds : public StackTest {
protected:
    Bytes fragment(std::span<const std::byte> data, size_t offset, bool more, uint16_t ident) {
        return eth_frame(kOurMac, kPeerMac, 0x0800,
                         ipv4_packet({.src_addr = kPeerIp,
                                      .dst_addr = kOurIp,
                                      .protocol = 17,
                                      .ttl = 33,
                                      .ident = ident,
                                      .dont_fragment = false,
                                      .more_fragments = more,
                                      .fragment_offset = static_cast<uint16_t>(offset)},
                                     data));
    }
};

TEST_F(StackBounds, ReassemblyTimeoutAfterTheFirstFragmentSendsTimeExceeded) {
    learn_peer();
    const Bytes l4 = udp_datagram(kPeerIp, kOurIp, 4000, 5000, pattern_bytes(100));
    inject(fragment(std::span(l4).first(64), 0, true, 0x4242));
    EXPECT_TRUE(frames_out().empty());
    advance(Duration::from_secs(30));  // ReassemblyConfig::timeout
    EXPECT_EQ(counters().frag_timeout, 1u);
    EXPECT_EQ(counters().icmp_time_exceeded_tx, 1u);
    const auto out = frames_out();
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(out[0].ip);
    EXPECT_EQ(out[0].ip->dst_addr, kPeerIp);
    EXPECT_EQ(out[0].ip->protocol, 1);
    const Icmpv4Packet icmp(out[0].l4);
    ASSERT_EQ(icmp.check(), WireError::kNone);
    EXPECT_TRUE(icmp.verify_checksum());
    EXPECT_EQ(icmp.msg_type(), 11);  // Time Exceeded
    EXPECT_EQ(icmp.msg_code(), 1);   // fragment reassembly time exceeded
    // The quote: the first fragment's IPv4 header and its data (at least 64 bits, RFC 792).
    const std::span<const std::byte> quote = icmp.data();
    ASSERT_EQ(quote.size(), 20u + 64u);
    const Ipv4Packet inner(std::span<std::byte>(const_cast<std::byte*>(quote.data()), 20));
    EXPECT_TRUE(inner.verify_checksum());
    auto ip = Ipv4Repr::parse(Ipv4Packet(std::span<std::byte>(const_cast<std::byte*>(quote.data()), quote.size())));
    ASSERT_TRUE(ip.ok());
    EXPECT_EQ(ip->src_addr, kPeerIp);
    EXPECT_EQ(ip->dst_addr, kOurIp);
    EXPECT_EQ(ip->ident, 0x4242);
    EXPECT_EQ(ip->ttl, 33);
    EXPECT_TRUE(ip->more_fragments);
    EXPECT_EQ(ip->fragment_offset, 0);
    EXPECT_EQ(ip->payload_len, 64);
    EXPECT_EQ(std::memcmp(quote.data() + 20, l4.data(), 64), 0);
}

TEST_F(StackBounds, ReassemblyTimeoutWithoutTheFirstFragmentIsSilent) {
    learn_peer();
    const Bytes l4 = udp_datagram(kPeerIp, kOurIp, 4000, 5000, pattern_bytes(100));
    inject(fragment(std::span(l4).subspan(64), 64, false, 7));
    advance(Duration::from_secs(30));
    EXPECT_EQ(counters().frag_timeout, 1u);
    EXPECT_EQ(counters().icmp_time_exceeded_tx, 0u);
    EXPECT_TRUE(frames_out().empty());
}

TEST_F(StackBounds, ReassemblyBytesFillExactlyThenDropAndRecover) {
    StackConfig c = config();
    c.reassembly.max_bytes = 1480;
    make(c);
    const UdpSocketId s = bind(5000);
    const Bytes l4 = udp_datagram(kPeerIp, kOurIp, 4000, 5000, pattern_bytes(2000));
    inject(fragment(std::span(l4).first(1480), 0, true, 1));  // exactly max_bytes held
    EXPECT_EQ(stack_->reassembler().bytes_held(), 1480u);
    EXPECT_EQ(counters().frag_dropped, 0u);
    inject(fragment(std::span(l4).subspan(1480), 1480, false, 1));  // one byte more: the datagram goes
    EXPECT_EQ(counters().frag_dropped, 1u);
    EXPECT_EQ(stack_->reassembler().bytes_held(), 0u);
    // Room again: a datagram within the bound completes.
    const Bytes small = udp_datagram(kPeerIp, kOurIp, 4000, 5000, pattern_bytes(1000));
    inject(fragment(std::span(small).first(512), 0, true, 2));
    inject(fragment(std::span(small).subspan(512), 512, false, 2));
    EXPECT_EQ(stack_->udp().queued(s), 1u);
    EXPECT_EQ(counters().frag_reassembled, 1u);
}

// TX: every stack buffer is out (with the link, unread by the peer); the next send fails with
// ENOBUFS and counts; buffers come back and sending works again, nothing leaked.
TEST_F(StackBounds, TxPoolExhaustionDropsCountsAndRecovers) {
    StackConfig c = config();
    c.pool_size = 8;
    make(c);
    learn_peer();
    const UdpSocketId s = bind(5000);
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(stack_->udp().send_to(s, {kPeerIp, 7}, kPayload).ok()) << i;
    stack_->flush();
    EXPECT_EQ(stack_->pool().in_use(), 8u);
    auto r = stack_->udp().send_to(s, {kPeerIp, 7}, kPayload);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), ENOBUFS);
    EXPECT_EQ(counters().pool_exhausted, 1u);
    // An echo request now finds no buffer for its reply: dropped, counted.
    inject(icmp_frame(Icmpv4Repr{Icmpv4Type::kEchoRequest, 0, 1, 1, kPayload}));
    EXPECT_EQ(counters().pool_exhausted, 2u);
    EXPECT_EQ(frames_out().size(), 8u);  // the peer reads: the buffers return
    EXPECT_EQ(stack_->pool().in_use(), 0u);
    ASSERT_TRUE(stack_->udp().send_to(s, {kPeerIp, 7}, kPayload).ok());
    inject(icmp_frame(Icmpv4Repr{Icmpv4Type::kEchoRequest, 0, 1, 2, kPayload}));
    EXPECT_EQ(frames_out().size(), 2u);
    EXPECT_EQ(counters().pool_exhausted, 2u);
}

// RX: a received datagram is copied from the device's buffer (which goes back at once) into a
// stack buffer that the socket holds. With every stack buffer held, the next datagram is dropped
// and counted (pool_exhausted); reading returns the buffers and reception resumes.
TEST_F(StackBounds, RxPoolExhaustionDropsCountsAndRecovers) {
    StackConfig c = config();
    c.pool_size = 4;
    c.udp.queue_len = 16;
    make(c);
    const UdpSocketId s = bind(5000);
    for (int i = 0; i < 4; ++i) inject(udp_frame(4000, 5000, kPayload));
    EXPECT_EQ(stack_->udp().queued(s), 4u);
    EXPECT_EQ(stack_->pool().in_use(), 4u);
    EXPECT_EQ(test_pool_.in_use(), 0u);  // the device's buffers went back
    inject(udp_frame(4000, 5000, kPayload));
    EXPECT_EQ(counters().pool_exhausted, 1u);
    EXPECT_EQ(stack_->udp().queued(s), 4u);
    EXPECT_EQ(test_pool_.in_use(), 0u);
    std::byte buf[16];
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(stack_->udp().recv_from(s, buf).ok());
    EXPECT_EQ(stack_->pool().in_use(), 0u);
    inject(udp_frame(4000, 5000, kPayload));
    EXPECT_EQ(stack_->udp().queued(s), 1u);
    EXPECT_EQ(counters().pool_exhausted, 1u);
}

// The socket queue bounds the received datagrams held: past it, dropped and counted at once.
TEST_F(StackBounds, SocketQueueFillsExactlyThenDrops) {
    StackConfig c = config();
    c.udp.queue_len = 4;
    make(c);
    const UdpSocketId s = bind(5000);
    for (int i = 0; i < 4; ++i) inject(udp_frame(4000, 5000, kPayload));
    EXPECT_EQ(stack_->udp().queued(s), 4u);
    inject(udp_frame(4000, 5000, kPayload));
    EXPECT_EQ(counters().udp_queue_full, 1u);
    EXPECT_EQ(stack_->pool().in_use(), 4u);  // the dropped one's buffer went back
    std::byte buf[16];
    ASSERT_TRUE(stack_->udp().recv_from(s, buf).ok());
    inject(udp_frame(4000, 5000, kPayload));
    EXPECT_EQ(stack_->udp().queued(s), 4u);
    EXPECT_EQ(counters().udp_queue_full, 1u);
}

TEST_F(StackBounds, ArpPendingTotalFillsExactlyAndRecoversOnResolution) {
    StackConfig c = config();
    c.arp.max_pending_per_entry = 8;
    c.arp.max_pending_total = 3;
    make(c);
    const UdpSocketId s = bind(5000);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(stack_->udp().send_to(s, {kPeerIp, 7}, kPayload).ok());
    EXPECT_EQ(stack_->arp().cache().pending_total(), 3u);
    EXPECT_EQ(counters().arp_pending_full, 0u);
    ASSERT_TRUE(stack_->udp().send_to(s, {kPeerIp, 7}, kPayload).ok());  // dropped, counted
    EXPECT_EQ(counters().arp_pending_full, 1u);
    EXPECT_EQ(stack_->arp().cache().pending_total(), 3u);
    inject(arp_frame(ArpOperation::kReply, kPeerMac, kPeerIp, kOurMac, kOurIp, kOurMac));
    EXPECT_EQ(stack_->arp().cache().pending_total(), 0u);
    EXPECT_EQ(frames_out().size(), 1u + 3u);  // the request, then the three held
    ASSERT_TRUE(stack_->udp().send_to(s, {kPeerIp, 7}, kPayload).ok());
    stack_->flush();
    EXPECT_EQ(frames_out().size(), 1u);
    EXPECT_EQ(stack_->pool().in_use(), 0u);
}

TEST_F(StackBounds, ArpEntriesFillExactlyThenTheOldestIsEvicted) {
    StackConfig c = config();
    c.arp.max_entries = 3;
    make(c);
    const UdpSocketId s = bind(5000);
    for (uint8_t host = 2; host <= 4; ++host) {
        ASSERT_TRUE(stack_->udp().send_to(s, {Ipv4Address::from_octets(10, 0, 0, host), 7}, kPayload).ok());
    }
    EXPECT_EQ(stack_->arp().cache().size(), 3u);
    EXPECT_EQ(counters().arp_evicted, 0u);
    ASSERT_TRUE(stack_->udp().send_to(s, {Ipv4Address::from_octets(10, 0, 0, 5), 7}, kPayload).ok());
    EXPECT_EQ(stack_->arp().cache().size(), 3u);
    EXPECT_EQ(counters().arp_evicted, 1u);
    EXPECT_EQ(stack_->arp().cache().pending_total(), 3u);  // the evicted entry's packet went with it
    (void)frames_out();
}

}  // namespace
}  // namespace tachyon::test
