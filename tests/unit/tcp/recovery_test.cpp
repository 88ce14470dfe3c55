// Loss recovery at segment level: fast retransmit on three duplicate ACKs (RFC 5681 3.2),
// NewReno partial ACKs (RFC 6582), SACK generation (RFC 2018) and SACK-based recovery (RFC 6675,
// its losses found by RACK: rack_tlp_test.cpp), limited transmit (RFC 3042) and the RTO's
// cwnd/ssthresh (RFC 5681 3.1).
#include "tests/unit/tcp/recovery_fixture.hpp"

namespace tachyon::test {
namespace {

using Recovery = RecoveryTest;

TEST_F(Recovery, InitialWindowIsTenSegments) {
    const TcpHandle h = establish(false);
    send_segments(h, 12, 10);  // RFC 6928: min(10 MSS, max(2 MSS, 14600)) = 14600 bytes
    EXPECT_EQ(conn(h).cc.cwnd, 14600u);
    // Slow start with ABC (RFC 3465): one ACK of one segment grows cwnd by one segment, and
    // the ACK clock releases the two that waited.
    ack(kSnd + kMss);
    expect(is_tcp({.seq = kSnd + 10 * kMss, .len = kMss}));
    expect(is_tcp({.seq = kSnd + 11 * kMss, .len = kMss}));
    EXPECT_EQ(conn(h).cc.cwnd, 14600u + kMss);
}

TEST_F(Recovery, ThreeDuplicateAcksRetransmitExactlyOnce) {
    const TcpHandle h = establish(false);
    send_segments(h, 10, 10);
    ack(kSnd + kMss);  // the first arrived, the second was lost
    ack(kSnd + kMss);
    ack(kSnd + kMss);
    expect_nothing();  // two duplicates are not a loss (RFC 5681 3.2)
    ack(kSnd + kMss);  // the third
    expect(is_tcp({.seq = kSnd + kMss, .len = kMss}));
    ack(kSnd + kMss);  // more duplicates: no further retransmission
    ack(kSnd + kMss);
    expect_nothing();
    EXPECT_EQ(counters().fast_retransmits, 1u);
    EXPECT_EQ(counters().retransmitted_segments, 1u);
    EXPECT_EQ(counters().retransmit_timeouts, 0u);
    // RFC 5681 equation (4): ssthresh = FlightSize / 2; no window inflation beyond it.
    EXPECT_EQ(conn(h).cc.ssthresh, 9u * kMss / 2);
    EXPECT_EQ(conn(h).recovery, RecoveryState::kRecovery);
    ack(kSnd + 10 * kMss);  // full ACK: recovery ends with cwnd = ssthresh
    EXPECT_EQ(conn(h).recovery, RecoveryState::kOpen);
    EXPECT_EQ(conn(h).cc.cwnd, 9u * kMss / 2);
}

TEST_F(Recovery, LimitedTransmitSendsNewDataOnTheFirstTwoDuplicates) {
    const TcpHandle h = establish(false);
    send_segments(h, 13, 10);
    ack(kSnd);  // a duplicate of the handshake's ACK does not count: nothing outstanding changed
    ack(kSnd + kMss);  // cwnd + 1 MSS: two more go
    expect(is_tcp({.seq = kSnd + 10 * kMss}));
    expect(is_tcp({.seq = kSnd + 11 * kMss}));
    ack(kSnd + kMss);  // RFC 3042: each of the first two duplicates lets one new segment go
    expect(is_tcp({.seq = kSnd + 12 * kMss, .len = kMss}));
    ack(kSnd + kMss);
    expect_nothing();  // no new data left
    ack(kSnd + kMss);
    expect(is_tcp({.seq = kSnd + kMss, .len = kMss}));
}

TEST_F(Recovery, NewRenoPartialAckRetransmitsTheNextHole) {
    const TcpHandle h = establish(false);
    send_segments(h, 10, 10);
    for (int i = 0; i < 4; ++i) ack(kSnd + kMss);
    expect(is_tcp({.seq = kSnd + kMss, .len = kMss}));
    // The retransmission filled the first hole; the fourth segment was lost too: the partial
    // ACK (below "recover") retransmits it at once (RFC 6582 3.2 step 4).
    ack(kSnd + 3 * kMss);
    expect(is_tcp({.seq = kSnd + 3 * kMss, .len = kMss}));
    expect_nothing();
    EXPECT_EQ(counters().partial_acks, 1u);
    EXPECT_EQ(conn(h).recovery, RecoveryState::kRecovery);
    ack(kSnd + 10 * kMss);
    EXPECT_EQ(conn(h).recovery, RecoveryState::kOpen);
    EXPECT_EQ(counters().fast_retransmits, 1u);
    EXPECT_EQ(counters().retransmit_timeouts, 0u);
}

TEST_F(Recovery, SackedSegmentsAboveAHoleMarkItLost) {
    const TcpHandle h = establish(true, "reno", Duration::from_ms(10));  // at 10 ms
    send_segments(h, 10, 10);
    host_.run_until(at_ms(20));  // the ACKs come a 10 ms round trip later
    ack(kSnd + kMss);
    // Segments 3, 4, 5 SACKed: with three SACKed above it and no reordering seen, RACK's
    // reordering window is zero and segment 2 is lost (RFC 8985 6.2, as RFC 6675's IsLost).
    ack(kSnd + kMss, {{kSnd + 2 * kMss, kSnd + 3 * kMss}});
    ack(kSnd + kMss, {{kSnd + 2 * kMss, kSnd + 4 * kMss}});
    expect_nothing();
    ack(kSnd + kMss, {{kSnd + 2 * kMss, kSnd + 5 * kMss}});
    expect(is_tcp({.seq = kSnd + kMss, .len = kMss}));
    EXPECT_EQ(conn(h).sb.sacked_segments(), 3u);
    // Segment 7 is missing too: once three above it are SACKed it is retransmitted, and the
    // SACKed ones are never sent again.
    ack(kSnd + kMss, {{kSnd + 7 * kMss, kSnd + 10 * kMss}, {kSnd + 2 * kMss, kSnd + 6 * kMss}});
    expect(is_tcp({.seq = kSnd + 6 * kMss, .len = kMss}));
    expect_nothing();
    ack(kSnd + 6 * kMss, {{kSnd + 7 * kMss, kSnd + 10 * kMss}});
    expect_nothing();
    ack(kSnd + 10 * kMss);
    EXPECT_EQ(counters().retransmitted_segments, 2u);
    EXPECT_EQ(counters().retransmit_timeouts, 0u);
    EXPECT_EQ(conn(h).recovery, RecoveryState::kOpen);
}

TEST_F(Recovery, SackBlocksReportTheOutOfOrderQueueMostRecentFirst) {
    const TcpHandle h = establish(true);
    const auto blocks = sack_blocks;
    using V = SackBlocks;
    send(seg({.seq = kRcv + 100, .ack = kSnd, .data = std::string(100, 'b')}));
    EXPECT_EQ(blocks(expect(is_tcp({.ack = kRcv}))), (V{{100, 200}}));
    send(seg({.seq = kRcv + 300, .ack = kSnd, .data = std::string(100, 'd')}));
    EXPECT_EQ(blocks(expect(is_tcp({.ack = kRcv}))), (V{{300, 400}, {100, 200}}));
    send(seg({.seq = kRcv + 500, .ack = kSnd, .data = std::string(100, 'f')}));
    EXPECT_EQ(blocks(expect(is_tcp({.ack = kRcv}))), (V{{500, 600}, {300, 400}, {100, 200}}));
    // Filling between two ranges merges them; the merged range is the most recent.
    send(seg({.seq = kRcv + 200, .ack = kSnd, .data = std::string(100, 'c')}));
    EXPECT_EQ(blocks(expect(is_tcp({.ack = kRcv}))), (V{{100, 400}, {500, 600}}));
    send(seg({.seq = kRcv + 700, .ack = kSnd, .data = std::string(100, 'h')}));
    EXPECT_EQ(blocks(expect(is_tcp({.ack = kRcv}))), (V{{700, 800}, {100, 400}, {500, 600}}));
    // Filling the hole at RCV.NXT is acknowledged at once; absorbed ranges are no longer reported.
    send(seg({.seq = kRcv, .ack = kSnd, .data = std::string(100, 'a')}));
    EXPECT_EQ(blocks(expect(is_tcp({.ack = kRcv + 400}))), (V{{700, 800}, {500, 600}}));
    EXPECT_EQ(tcp().receive_available(h), 400u);
}

TEST_F(Recovery, TimeoutCollapsesCwndAndRepairsInSlowStart) {
    const TcpHandle h = establish(false);
    host_.run_until(at_ms(0));
    send_segments(h, 4, 4);
    expect_at(at_ms(200), is_tcp({.seq = kSnd, .len = kMss}));  // RFC 6298 5.4: only the first
    expect_nothing();
    EXPECT_EQ(conn(h).cc.cwnd, kMss);  // RFC 5681 3.1: loss window
    EXPECT_EQ(conn(h).cc.ssthresh, 2u * kMss);  // max(FlightSize / 2, 2 SMSS)
    EXPECT_EQ(conn(h).recovery, RecoveryState::kLoss);
    ack(kSnd + kMss);  // slow start: cwnd 2 segments, both lost ones go
    expect(is_tcp({.seq = kSnd + kMss, .len = kMss}));
    expect(is_tcp({.seq = kSnd + 2 * kMss, .len = kMss}));
    expect_nothing();
    // Duplicate ACKs while repairing after an RTO start no fast recovery (RFC 6582 section 4).
    for (int i = 0; i < 3; ++i) ack(kSnd + kMss);
    expect_nothing();
    ack(kSnd + 4 * kMss);
    EXPECT_EQ(conn(h).recovery, RecoveryState::kOpen);
    EXPECT_EQ(counters().fast_retransmits, 0u);
}

TEST_F(Recovery, LostSynMeansOneSegmentWindowAndThreeSecondRto) {
    auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok());
    expect_at(at_ms(0), is_tcp({.flags = kSyn, .seq = kClientIss}));
    expect_at(at_ms(1000), is_tcp({.flags = kSyn, .seq = kClientIss}));  // the first was lost
    send(seg({.flags = kSyn | kAck, .seq = kPeerServerIss, .ack = kClientIss + 1, .mss = 1460}), at_ms(1010));
    expect(is_tcp({.flags = kAck, .ack = kPeerServerIss + 1}));
    EXPECT_EQ(conn(h.value()).cc.cwnd, kMss);                     // RFC 5681 3.1
    EXPECT_EQ(conn(h.value()).rtt.rto(), Duration::from_secs(3));  // RFC 6298 5.7
    send_str(h.value(), std::string(2 * kMss, 'w'));
    expect(is_tcp({.seq = kClientIss + 1, .len = kMss}));
    expect_nothing();
    send(seg({.seq = kPeerServerIss + 1, .ack = kClientIss + 1 + kMss}));
    expect(is_tcp({.seq = kClientIss + 1 + kMss, .len = kMss}));
    send(seg({.seq = kPeerServerIss + 1, .ack = kClientIss + 1 + 2 * kMss}));
}

}  // namespace
}  // namespace tachyon::test
namespace tachyon::test {
namespace {

// RFC 6937: in fast recovery the window comes down to ssthresh gradually, new data going out in
// proportion to what is delivered (ssthresh / RecoverFS: Reno's half, one segment for every two
// delivered), instead of the sender falling silent until pipe drops below ssthresh.
TEST_F(Recovery, ProportionalRateReductionSendsOneSegmentForEveryTwoDelivered) {
    const TcpHandle h = establish(true, "reno", Duration::from_ms(10));
    send_segments(h, 30, 10);
    host_.advance(Duration::from_ms(10));
    // Segment 1 was lost; 2, 3 and 4 arrive, each ACK SACKing one more: limited transmit and
    // slow start send new segments, and at the third RACK marks 1 lost.
    std::vector<uint32_t> sent;
    for (uint32_t n = 2; n <= 4; ++n) {
        ack(kSnd, {{seg_start(2), seg_end(n)}});
        for (Captured c = pop(); c.valid; c = pop()) sent.push_back(c.tcp.seq_number.raw());
    }
    ASSERT_FALSE(sent.empty());
    EXPECT_EQ(sent.back(), seg_start(1));  // the fast retransmit
    EXPECT_EQ(conn(h).recovery, RecoveryState::kRecovery);
    EXPECT_EQ(conn(h).cc.ssthresh, 7 * kMss);  // half of the 14 segments in flight
    EXPECT_EQ(conn(h).prr_recover_fs, 12 * kMss);  // cwnd when recovery began
    // Each later ACK delivers one segment while more than ssthresh is in flight: 7/12 of a
    // segment per ACK may go, so one new segment every second ACK. Without PRR (cwnd set to
    // ssthresh at once) none would go until pipe fell below it.
    std::vector<int> released;
    for (uint32_t n = 5; n <= 8; ++n) {
        ack(kSnd, {{seg_start(2), seg_end(n)}});
        int count = 0;
        for (Captured c = pop(); c.valid; c = pop()) ++count;
        released.push_back(count);
    }
    EXPECT_EQ(released, (std::vector<int>{1, 0, 1, 0}));
    EXPECT_EQ(counters().retransmit_timeouts, 0u);
}

}  // namespace
}  // namespace tachyon::test
