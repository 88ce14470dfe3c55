// A connection's RouteCache (IpHost::send_ipv4): packets sent from the cache are the packets the
// full path builds, identification and checksum per packet; the cache fills only from a
// neighbour that is reachable, and empties when the neighbour table changes, so that a new MAC
// is used at once and an expired neighbour is resolved again before anything else goes out. A
// new cache to the last destination starts from the last filled one.
#include "tests/unit/stack/stack_fixture.hpp"

namespace tachyon::test {
namespace {

const EthernetAddress kPeerNewMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x77}};

class RouteCacheTest : public StackTest {
protected:
    // One 20-byte transport payload to the peer through the cache; the frames that left.
    std::vector<Decoded> send(RouteCache& cache, uint8_t fill = 0, uint8_t ttl = 64) {
        IpHost& host = *stack_;
        Packet pkt = host.alloc_tx();
        EXPECT_TRUE(pkt);
        if (!pkt) return {};
        std::memset(pkt.append(20), fill, 20);
        host.send_ipv4(std::move(pkt), Ipv4Repr{.dst_addr = kPeerIp, .protocol = 6, .ttl = ttl}, &cache);
        stack_->poll();
        return frames_out();
    }
};

TEST_F(RouteCacheTest, CachedPacketsEqualTheFullPathsButForIdentAndChecksum) {
    learn_peer();
    RouteCache cache;
    const auto first = send(cache, 0xab);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_NE(cache.generation, 0u) << "a packet sent straight to a reachable neighbour fills the cache";
    for (int i = 1; i <= 3; ++i) {
        const auto next = send(cache, 0xab);
        ASSERT_EQ(next.size(), 1u);
        const Decoded& d = next[0];
        ASSERT_TRUE(d.ip);
        EXPECT_TRUE(d.ip_checksum_ok);
        EXPECT_EQ(d.eth, first[0].eth);
        EXPECT_EQ(d.ip->ident, static_cast<uint16_t>(first[0].ip->ident + i));
        Ipv4Repr same_but_ident = *d.ip;
        same_but_ident.ident = first[0].ip->ident;
        EXPECT_EQ(same_but_ident, *first[0].ip);
        EXPECT_EQ(to_bytes(d.l4), to_bytes(first[0].l4));
    }
    EXPECT_EQ(counters().ip_tx, 4u);
}

// A new connection to the destination the last one went to starts from that one's headers: its
// first packet needs no route or neighbour look-up, and is the packet the full path builds.
TEST_F(RouteCacheTest, ANewCacheToTheLastDestinationIsFilledFromTheLastOne) {
    learn_peer();
    RouteCache first;
    const auto a = send(first, 0xab);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(counters().route_lookups, 1u);
    RouteCache second;
    const auto b = send(second, 0xab);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(counters().route_lookups, 1u);  // no look-up for the new cache
    EXPECT_EQ(second.generation, first.generation);
    EXPECT_EQ(b[0].eth, a[0].eth);
    Ipv4Repr same_but_ident = *b[0].ip;
    same_but_ident.ident = a[0].ip->ident;
    EXPECT_EQ(same_but_ident, *a[0].ip);
    EXPECT_TRUE(b[0].ip_checksum_ok);
    // Other headers (here the TTL) are another route's: looked up, and remembered in turn.
    RouteCache third;
    const auto c = send(third, 0xab, 32);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].ip->ttl, 32u);
    EXPECT_EQ(counters().route_lookups, 2u);
    // The neighbour table changed: the remembered route is as stale as every cache.
    inject(arp_frame(ArpOperation::kRequest, kPeerNewMac, kPeerIp, EthernetAddress{}, kOurIp));
    ASSERT_EQ(frames_out().size(), 1u);  // our reply
    RouteCache fourth;
    const auto d = send(fourth, 0xab, 32);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].eth.dst, kPeerNewMac);
    EXPECT_EQ(counters().route_lookups, 3u);
}

TEST_F(RouteCacheTest, UnresolvedNeighbourLeavesTheCacheEmpty) {
    RouteCache cache;
    const auto out = send(cache);
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(out[0].arp) << "the packet waits for ARP";
    EXPECT_EQ(cache.generation, 0u);
    // Resolved: the queued packet leaves, and the next one fills the cache.
    inject(arp_frame(ArpOperation::kReply, kPeerMac, kPeerIp, kOurMac, kOurIp));
    ASSERT_EQ(frames_out().size(), 1u);
    EXPECT_EQ(cache.generation, 0u);
    ASSERT_EQ(send(cache).size(), 1u);
    EXPECT_NE(cache.generation, 0u);
}

TEST_F(RouteCacheTest, ANewMacIsUsedAtOnce) {
    learn_peer();
    RouteCache cache;
    ASSERT_EQ(send(cache).size(), 1u);
    ASSERT_EQ(send(cache)[0].eth.dst, kPeerMac);
    // The peer announces another MAC for its address (a NIC replaced, a failover).
    inject(arp_frame(ArpOperation::kRequest, kPeerNewMac, kPeerIp, EthernetAddress{}, kOurIp));
    ASSERT_EQ(frames_out().size(), 1u);  // our reply
    const auto out = send(cache);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].eth.dst, kPeerNewMac);
    EXPECT_EQ(send(cache)[0].eth.dst, kPeerNewMac);
}

TEST_F(RouteCacheTest, AnExpiredNeighbourIsResolvedAgain) {
    learn_peer();
    RouteCache cache;
    ASSERT_EQ(send(cache).size(), 1u);
    advance(config().arp.entry_lifetime + Duration::from_secs(1));
    EXPECT_EQ(counters().arp_expired, 1u);
    (void)frames_out();
    const auto out = send(cache);
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(out[0].arp) << "the cached MAC must not outlive the neighbour entry";
    EXPECT_EQ(out[0].arp->operation, ArpOperation::kRequest);
    EXPECT_EQ(out[0].arp->target_protocol_addr, kPeerIp);
}

}  // namespace
}  // namespace tachyon::test
