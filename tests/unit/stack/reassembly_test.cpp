// IPv4 reassembly through the whole stack: any order, duplicates, overlaps, bounds and timeouts.
#include <algorithm>

#include "tests/unit/stack/stack_fixture.hpp"

namespace tachyon::test {
namespace {

class ReassemblyTest : public StackTest {
protected:
    // The IP payload of a datagram, cut at `cuts` (offsets, multiples of 8) into fragment frames.
    std::vector<Bytes> fragments(std::span<const std::byte> l4, std::vector<size_t> cuts, uint16_t ident,
                                 uint8_t protocol = 17) {
        std::vector<Bytes> out;
        cuts.insert(cuts.begin(), 0);
        cuts.push_back(l4.size());
        for (size_t i = 0; i + 1 < cuts.size(); ++i) {
            out.push_back(fragment(l4.subspan(cuts[i], cuts[i + 1] - cuts[i]), cuts[i], i + 2 < cuts.size(), ident,
                                   protocol));
        }
        return out;
    }
    Bytes fragment(std::span<const std::byte> data, size_t offset, bool more, uint16_t ident, uint8_t protocol = 17) {
        return eth_frame(kOurMac, kPeerMac, 0x0800,
                         ipv4_packet({.src_addr = kPeerIp,
                                      .dst_addr = kOurIp,
                                      .protocol = protocol,
                                      .ident = ident,
                                      .dont_fragment = false,
                                      .more_fragments = more,
                                      .fragment_offset = static_cast<uint16_t>(offset)},
                                     data));
    }
    Bytes recv(UdpSocketId s) {
        Bytes buf(70000);
        auto r = stack_->udp().recv_from(s, buf);
        if (!r.ok()) return {};
        buf.resize(r->len);
        return buf;
    }
};

TEST_F(ReassemblyTest, EveryOrderOfThreeFragments) {
    const UdpSocketId s = bind(5000);
    const Bytes payload = pattern_bytes(3000, 5);
    const Bytes l4 = udp_datagram(kPeerIp, kOurIp, 4000, 5000, payload);
    std::vector<size_t> order = {0, 1, 2};
    uint16_t ident = 100;
    do {
        SCOPED_TRACE(::testing::PrintToString(order));
        const auto frags = fragments(l4, {1480, 2960}, ident++);
        for (size_t i : order) inject(frags[i]);
        EXPECT_EQ(stack_->udp().queued(s), 1u);
        EXPECT_EQ(recv(s), payload);
    } while (std::next_permutation(order.begin(), order.end()));
    EXPECT_EQ(counters().frag_reassembled, 6u);
    EXPECT_EQ(counters().frag_rx, 18u);
    EXPECT_EQ(stack_->reassembler().assembling(), 0u);
    EXPECT_EQ(stack_->reassembler().bytes_held(), 0u);
}

TEST_F(ReassemblyTest, EveryOrderOfFiveSmallFragmentsWithDuplicates) {
    const UdpSocketId s = bind(5000);
    const Bytes payload = pattern_bytes(100, 1);
    const Bytes l4 = udp_datagram(kPeerIp, kOurIp, 4000, 5000, payload);
    std::vector<size_t> order = {0, 1, 2, 3, 4};
    uint16_t ident = 1;
    do {
        const auto frags = fragments(l4, {24, 48, 64, 96}, ident++);
        inject(frags[order[0]]);  // a duplicate first fragment is ignored
        for (size_t i : order) inject(frags[i]);
        ASSERT_EQ(recv(s), payload) << ::testing::PrintToString(order);
    } while (std::next_permutation(order.begin(), order.end()));
    EXPECT_EQ(counters().frag_reassembled, 120u);
    EXPECT_EQ(counters().frag_overlap, 0u);
}

TEST_F(ReassemblyTest, LastFragmentNotMultipleOfEight) {
    const UdpSocketId s = bind(5000);
    const Bytes payload = pattern_bytes(37);
    const Bytes l4 = udp_datagram(kPeerIp, kOurIp, 4000, 5000, payload);  // 45 bytes
    const auto frags = fragments(l4, {16, 40}, 9);
    inject(frags[2]);
    inject(frags[0]);
    inject(frags[1]);
    EXPECT_EQ(recv(s), payload);
}

TEST_F(ReassemblyTest, OverlapDropsTheDatagram) {
    const UdpSocketId s = bind(5000);
    const Bytes l4 = udp_datagram(kPeerIp, kOurIp, 4000, 5000, pattern_bytes(40));  // 48 bytes
    inject(fragment(std::span(l4).subspan(0, 24), 0, true, 7));
    inject(fragment(std::span(l4).subspan(16, 16), 16, true, 7));  // overlaps [16, 24)
    EXPECT_EQ(counters().frag_overlap, 1u);
    EXPECT_EQ(stack_->reassembler().assembling(), 0u);
    // What follows starts over and cannot complete without the first part.
    inject(fragment(std::span(l4).subspan(32, 16), 32, false, 7));
    EXPECT_EQ(stack_->udp().queued(s), 0u);
    EXPECT_EQ(stack_->reassembler().assembling(), 1u);
    advance(Duration::from_secs(30));
    EXPECT_EQ(counters().frag_timeout, 1u);
    EXPECT_EQ(stack_->reassembler().assembling(), 0u);
}

TEST_F(ReassemblyTest, FragmentCoveredByEarlierOnesIsADuplicate) {
    const UdpSocketId s = bind(5000);
    const Bytes payload = pattern_bytes(40);
    const Bytes l4 = udp_datagram(kPeerIp, kOurIp, 4000, 5000, payload);  // 48 bytes
    inject(fragment(std::span(l4).subspan(0, 16), 0, true, 7));
    inject(fragment(std::span(l4).subspan(16, 16), 16, true, 7));
    inject(fragment(std::span(l4).subspan(8, 16), 8, true, 7));  // inside what we have
    inject(fragment(std::span(l4).subspan(32, 16), 32, false, 7));
    EXPECT_EQ(recv(s), payload);
    EXPECT_EQ(counters().frag_overlap, 0u);
}

TEST_F(ReassemblyTest, TimeoutFreesEverything) {
    const Bytes l4 = udp_datagram(kPeerIp, kOurIp, 4000, 5000, pattern_bytes(3000));
    const auto frags = fragments(l4, {1480, 2960}, 3);
    inject(frags[0]);
    inject(frags[2]);
    EXPECT_EQ(stack_->reassembler().bytes_held(), 1480u + 48u);
    advance(Duration::from_secs(29));
    EXPECT_EQ(stack_->reassembler().assembling(), 1u);
    advance(Duration::from_secs(1));
    EXPECT_EQ(counters().frag_timeout, 1u);
    EXPECT_EQ(stack_->reassembler().assembling(), 0u);
    EXPECT_EQ(stack_->reassembler().bytes_held(), 0u);
    // The late middle fragment starts a new datagram, which times out in its turn.
    inject(frags[1]);
    EXPECT_EQ(stack_->reassembler().assembling(), 1u);
    advance(Duration::from_secs(30));
    EXPECT_EQ(counters().frag_timeout, 2u);
}

TEST_F(ReassemblyTest, MaxDatagramsEvictsTheOldest) {
    StackConfig c = config();
    c.reassembly.max_datagrams = 2;
    make(c);
    const UdpSocketId s = bind(5000);
    const Bytes payload = pattern_bytes(40);
    const Bytes l4 = udp_datagram(kPeerIp, kOurIp, 4000, 5000, payload);
    std::vector<std::vector<Bytes>> d;
    for (uint16_t ident = 1; ident <= 3; ++ident) {
        d.push_back(fragments(l4, {24}, ident));
        inject(d.back()[0]);
        clock_.advance(Duration::from_ms(1));
    }
    EXPECT_EQ(counters().frag_dropped, 1u);  // ident 1 made room for ident 3
    EXPECT_EQ(stack_->reassembler().assembling(), 2u);
    inject(d[1][1]);
    inject(d[2][1]);
    EXPECT_EQ(stack_->udp().queued(s), 2u);
    inject(d[0][1]);  // starts over, incomplete
    EXPECT_EQ(stack_->udp().queued(s), 2u);
    EXPECT_EQ(stack_->reassembler().assembling(), 1u);
}

TEST_F(ReassemblyTest, DatagramsTooBigForAPoolBufferKeepTheirSlot) {
    StackConfig c = config();
    c.reassembly.max_datagrams = 1;
    make(c);
    const UdpSocketId s = bind(5000);
    const Bytes big = pattern_bytes(3000);
    const Bytes l4 = udp_datagram(kPeerIp, kOurIp, 4000, 5000, big);
    for (const Bytes& f : fragments(l4, {1480, 2960}, 1)) inject(f);
    EXPECT_EQ(stack_->reassembler().delivered(), 1u);  // queued on the socket, in its slot
    inject(fragments(l4, {1480, 2960}, 2)[0]);
    EXPECT_EQ(counters().frag_dropped, 1u);
    EXPECT_EQ(recv(s), big);
    EXPECT_EQ(stack_->reassembler().delivered(), 0u);
    // A small datagram is copied into a pool buffer and frees its slot at once.
    const Bytes small = pattern_bytes(40);
    const Bytes l4_small = udp_datagram(kPeerIp, kOurIp, 4000, 5000, small);
    for (const Bytes& f : fragments(l4_small, {24}, 3)) inject(f);
    EXPECT_EQ(stack_->reassembler().delivered(), 0u);
    for (const Bytes& f : fragments(l4, {1480, 2960}, 4)) inject(f);
    EXPECT_EQ(recv(s), small);
    EXPECT_EQ(recv(s), big);
}

TEST_F(ReassemblyTest, MaxBytesDropsTheDatagram) {
    StackConfig c = config();
    c.reassembly.max_bytes = 2000;
    make(c);
    const Bytes l4 = udp_datagram(kPeerIp, kOurIp, 4000, 5000, pattern_bytes(3000));
    const auto frags = fragments(l4, {1480, 2960}, 3);
    inject(frags[0]);
    inject(frags[1]);
    EXPECT_EQ(counters().frag_dropped, 1u);
    EXPECT_EQ(stack_->reassembler().bytes_held(), 0u);
    EXPECT_EQ(stack_->reassembler().assembling(), 0u);
}

TEST_F(ReassemblyTest, BadFragments) {
    const Bytes data = pattern_bytes(13);
    inject(fragment(data, 0, true, 1));  // not a multiple of 8 with more to come
    EXPECT_EQ(counters().frag_bad, 1u);
    inject(fragment(pattern_bytes(100), 65528, false, 2));  // ends past 65535
    EXPECT_EQ(counters().frag_bad, 2u);
    // Two last fragments that disagree on the end.
    inject(fragment(pattern_bytes(16), 16, false, 3));
    inject(fragment(pattern_bytes(8), 40, false, 3));
    EXPECT_EQ(counters().frag_bad, 3u);
    // A middle fragment past the known end.
    inject(fragment(pattern_bytes(16), 16, false, 4));
    inject(fragment(pattern_bytes(16), 32, true, 4));
    EXPECT_EQ(counters().frag_bad, 4u);
    EXPECT_EQ(stack_->reassembler().assembling(), 0u);
    EXPECT_TRUE(frames_out().empty());
}

TEST_F(ReassemblyTest, LargeDatagramBeyondAPoolBuffer) {
    const UdpSocketId s = bind(5000);
    const Bytes payload = pattern_bytes(20000, 3);
    const Bytes l4 = udp_datagram(kPeerIp, kOurIp, 4000, 5000, payload);
    std::vector<size_t> cuts;
    for (size_t off = 1480; off < l4.size(); off += 1480) cuts.push_back(off);
    auto frags = fragments(l4, cuts, 77);
    std::reverse(frags.begin(), frags.end());
    for (const Bytes& f : frags) inject(f);
    EXPECT_EQ(recv(s), payload);
}

TEST_F(ReassemblyTest, ReassembledEchoIsAnswered) {
    learn_peer();
    const Bytes data = pattern_bytes(1400);
    const Bytes msg = icmp_message({Icmpv4Type::kEchoRequest, 0, 5, 6, data});
    for (const Bytes& f : fragments(msg, {704}, 50, 1)) inject(f);
    auto out = frames_out();
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(out[0].icmp);
    EXPECT_EQ(out[0].icmp->type, Icmpv4Type::kEchoReply);
    EXPECT_EQ(to_bytes(out[0].icmp->data), data);
    // A reply over the MTU goes in fragments, as the request came (Linux answers `ping -s 3000`).
    const Bytes big = icmp_message({Icmpv4Type::kEchoRequest, 0, 5, 7, pattern_bytes(3000)});
    for (const Bytes& f : fragments(big, {1480, 2960}, 51, 1)) inject(f);
    out = frames_out();
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(counters().frag_tx, 3u);
    EXPECT_EQ(counters().tx_too_big, 0u);
}

TEST_F(ReassemblyTest, ReassembledDatagramToClosedPortIsQuoted) {
    learn_peer();
    const Bytes l4 = udp_datagram(kPeerIp, kOurIp, 4000, 9999, pattern_bytes(3000));
    for (const Bytes& f : fragments(l4, {1480, 2960}, 60)) inject(f);
    auto out = frames_out();
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(out[0].icmp);
    EXPECT_EQ(out[0].icmp->type, Icmpv4Type::kDstUnreachable);
    const auto quote = out[0].icmp->data;
    ASSERT_EQ(quote.size(), IcmpLayer::kMaxQuote);
    // The header of the whole datagram, then its first bytes.
    Ipv4Packet hdr(std::span<std::byte>(const_cast<std::byte*>(quote.data()), quote.size()));
    EXPECT_EQ(hdr.total_len(), 20u + l4.size());
    EXPECT_FALSE(hdr.more_fragments());
    EXPECT_EQ(hdr.ident(), 60);
    EXPECT_TRUE(hdr.verify_checksum());
    EXPECT_EQ(Bytes(quote.begin() + 20, quote.end()), Bytes(l4.begin(), l4.begin() + (IcmpLayer::kMaxQuote - 20)));
}

}  // namespace
}  // namespace tachyon::test
