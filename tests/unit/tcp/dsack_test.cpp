// D-SACK (RFC 2883): data that arrives again is reported once as the first SACK block of the ACK
// it draws, and a peer's D-SACK is counted and widens RACK's reordering window by a quarter
// minimum RTT, once per round trip (RFC 8985 6.2 step 4).
#include "tests/unit/tcp/recovery_fixture.hpp"

namespace tachyon::test {
namespace {

using Dsack = RecoveryTest;

TEST_F(Dsack, ADuplicateSegmentIsReportedOnceAsTheFirstBlock) {
    const TcpHandle h = establish(true);
    send(seg({.seq = kRcv, .ack = kSnd, .data = std::string(100, 'a')}));
    EXPECT_EQ(sack_blocks(expect(is_tcp({.ack = kRcv + 100}))), SackBlocks{});
    // The same segment again (the peer's retransmission was spurious): acknowledged at once,
    // the duplicate named in the first block.
    send(seg({.seq = kRcv, .ack = kSnd, .data = std::string(100, 'a')}));
    EXPECT_EQ(sack_blocks(expect(is_tcp({.ack = kRcv + 100}))), (SackBlocks{{0, 100}}));
    EXPECT_EQ(counters().dsacks_sent, 1u);
    send(seg({.seq = kRcv + 100, .ack = kSnd, .data = std::string(100, 'b')}));
    EXPECT_EQ(sack_blocks(expect(is_tcp({.ack = kRcv + 200}))), SackBlocks{});  // reported once
    EXPECT_EQ(tcp().receive_available(h), 200u);
    EXPECT_EQ(counters().dsacks_sent, 1u);
}

TEST_F(Dsack, AnOverlapReportsItsDuplicatePartAheadOfTheOutOfOrderRanges) {
    const TcpHandle h = establish(true);
    send(seg({.seq = kRcv, .ack = kSnd, .data = std::string(100, 'a')}));
    expect(is_tcp({.ack = kRcv + 100}));
    send(seg({.seq = kRcv + 300, .ack = kSnd, .data = std::string(100, 'd')}));
    EXPECT_EQ(sack_blocks(expect(is_tcp({.ack = kRcv + 100}))), (SackBlocks{{300, 400}}));
    // 50..150: the first half was had, the second is new.
    send(seg({.seq = kRcv + 50, .ack = kSnd, .data = std::string(100, 'b')}));
    EXPECT_EQ(sack_blocks(expect(is_tcp({.ack = kRcv + 150}))), (SackBlocks{{50, 100}, {300, 400}}));
    EXPECT_EQ(tcp().receive_available(h), 150u);
}

TEST_F(Dsack, OutOfOrderDataRepeatedIsReportedAheadOfItsRange) {
    establish(true);
    send(seg({.seq = kRcv + 300, .ack = kSnd, .data = std::string(100, 'd')}));
    EXPECT_EQ(sack_blocks(expect(is_tcp({.ack = kRcv}))), (SackBlocks{{300, 400}}));
    // RFC 2883 4.1.3: the repeated part first, then the range that holds it.
    send(seg({.seq = kRcv + 350, .ack = kSnd, .data = std::string(100, 'e')}));
    EXPECT_EQ(sack_blocks(expect(is_tcp({.ack = kRcv}))), (SackBlocks{{350, 400}, {300, 450}}));
    send(seg({.seq = kRcv + 300, .ack = kSnd, .data = std::string(100, 'd')}));
    EXPECT_EQ(sack_blocks(expect(is_tcp({.ack = kRcv}))), (SackBlocks{{300, 400}, {300, 450}}));
    EXPECT_EQ(counters().dsacks_sent, 2u);
}

TEST_F(Dsack, WithoutSackNothingIsReported) {
    establish(false);
    send(seg({.seq = kRcv, .ack = kSnd, .data = std::string(100, 'a')}));
    expect(is_tcp({.ack = kRcv + 100}));
    send(seg({.seq = kRcv, .ack = kSnd, .data = std::string(100, 'a')}));
    EXPECT_EQ(sack_blocks(expect(is_tcp({.ack = kRcv + 100}))), SackBlocks{});
    EXPECT_EQ(counters().dsacks_sent, 0u);
}

TEST_F(Dsack, APeersDsackWidensTheReorderingWindowOncePerRoundTrip) {
    const TcpHandle h = establish(true, "reno", Duration::from_ms(10));
    send_segments(h, 4, 4);
    EXPECT_EQ(conn(h).rack_reo_wnd_mult, 1u);
    // The peer got segment 1 twice: a D-SACK below the cumulative ACK (RFC 2883 4.1.1).
    ack(seg_end(2), {{seg_start(1), seg_end(1)}});
    EXPECT_EQ(counters().dsacks_received, 1u);
    EXPECT_EQ(counters().sack_blocks_ignored, 0u);
    EXPECT_EQ(conn(h).rack_reo_wnd_mult, 2u);
    ack(seg_end(3), {{seg_start(2), seg_end(2)}});  // the same round trip: no more
    EXPECT_EQ(conn(h).rack_reo_wnd_mult, 2u);
    ack(seg_end(4));  // SND.UNA reaches what SND.NXT was at the first D-SACK: the round is over
    send_str(h, std::string(kMss, 'y'));
    expect(is_tcp({.seq = seg_start(5), .len = kMss}));
    ack(seg_end(5), {{seg_start(4), seg_end(4)}});
    EXPECT_EQ(conn(h).rack_reo_wnd_mult, 3u);
    EXPECT_EQ(counters().dsacks_received, 3u);
    EXPECT_EQ(conn(h).stats.dsack_or_spurious, 3u);
}

}  // namespace
}  // namespace tachyon::test
