// RACK-TLP (RFC 8985) at segment level, with SACK and a 10 ms round trip: a hole is lost once a
// later segment was delivered and a reordering window passed, a retransmission lost again is
// found without a timeout, reordering widens the window, and a tail whose ACKs do not come is
// probed two round trips after the last send instead of waiting for the RTO.
#include "tests/unit/tcp/recovery_fixture.hpp"

namespace tachyon::test {
namespace {

constexpr int64_t kRttMs = 10;

class RackTlp : public RecoveryTest {
protected:
    // SACK, Reno, and a handshake that measured the 10 ms round trip; the clock then stands at
    // 10 ms, the tests' zero.
    TcpHandle establish() { return RecoveryTest::establish(true, "reno", Duration::from_ms(kRttMs)); }
    // Ten segments sent, the ACK of seven a round trip later (the tail of three lost or late):
    // PTO = 2 SRTT + 2 ms after that ACK (7.2), the RTO would be at 210 ms; the probe is the
    // last segment again.
    TcpHandle probe_a_silent_tail();
    // Ten segments sent; a round trip later segment 3 is SACKed, and a millisecond after that
    // segment 2, never retransmitted, arrives: the network reorders (6.2 step 3).
    TcpHandle see_reordering();
};

// Times from the end of the handshake.
Instant after_us(int64_t us) { return Instant::from_ns((kRttMs * 1'000 + us) * 1'000); }
Instant after_ms(int64_t ms) { return after_us(ms * 1'000); }

TcpHandle RackTlp::see_reordering() {
    const TcpHandle h = establish();
    send_segments(h, 10, 10);
    host_.run_until(after_ms(10));
    ack(seg_end(1));
    ack(seg_end(1), {{seg_start(3), seg_end(3)}});
    host_.run_until(after_ms(11));
    ack(seg_end(3));
    EXPECT_TRUE(conn(h).rack_reordering_seen);
    expect_nothing();
    return h;
}

TcpHandle RackTlp::probe_a_silent_tail() {
    const TcpHandle h = establish();
    send_segments(h, 10, 10);
    host_.run_until(after_ms(10));
    ack(seg_end(7));
    expect_nothing_until(after_us(31'999));
    expect_at(after_ms(32), is_tcp({.seq = seg_start(10), .len = kMss}));
    EXPECT_EQ(counters().tlp_probes, 1u);
    return h;
}

TEST_F(RackTlp, OneSackedSegmentMarksTheHoleLostAQuarterRoundTripLater) {
    const TcpHandle h = establish();
    send_segments(h, 10, 10);
    host_.run_until(after_ms(10));
    ack(seg_end(1));
    ack(seg_end(1), {{seg_start(3), seg_end(3)}});
    // One SACKed segment is not yet a loss: reordering may explain it for min_rtt / 4.
    expect_nothing_until(after_us(12'499));
    EXPECT_EQ(counters().fast_retransmits, 0u);
    expect_at(after_us(12'500), is_tcp({.seq = seg_start(2), .len = kMss}));
    EXPECT_EQ(counters().rack_reorder_timeouts, 1u);
    EXPECT_EQ(counters().rack_lost, 1u);
    EXPECT_EQ(counters().fast_retransmits, 1u);
    EXPECT_EQ(counters().retransmit_timeouts, 0u);
    EXPECT_EQ(conn(h).recovery, RecoveryState::kRecovery);
    ack(seg_end(10));
    EXPECT_EQ(conn(h).recovery, RecoveryState::kOpen);
}

TEST_F(RackTlp, ReorderingSeenKeepsTheWindowWithThreeSacked) {
    see_reordering();
    // Three SACKed above a hole would mark it lost at once; after reordering RACK waits
    // min_rtt / 4 (2.5 ms) beyond the round trip of the latest delivered segment.
    ack(seg_end(3), {{seg_start(5), seg_end(7)}});
    expect_nothing_until(after_us(13'499));
    expect_at(after_us(13'500), is_tcp({.seq = seg_start(4), .len = kMss}));
    EXPECT_EQ(counters().retransmitted_segments, 1u);
    EXPECT_EQ(counters().retransmit_timeouts, 0u);
}

TEST_F(RackTlp, ADsackWidensTheReorderingWindowByAQuarterRoundTrip) {
    const TcpHandle h = see_reordering();
    // The same SACKs with a D-SACK in front (segment 1 arrived twice): the window is now two
    // quarters of the minimum RTT, 5 ms (6.2 step 4).
    ack(seg_end(3), {{seg_start(1), seg_end(1)}, {seg_start(5), seg_end(7)}});
    EXPECT_EQ(conn(h).rack_reo_wnd_mult, 2u);
    expect_nothing_until(after_us(15'999));
    expect_at(after_ms(16), is_tcp({.seq = seg_start(4), .len = kMss}));
}

TEST_F(RackTlp, ALostRetransmissionIsSentAgainWithoutATimeout) {
    const TcpHandle h = establish();
    send_segments(h, 14, 10);
    host_.run_until(after_ms(10));
    ack(seg_end(1));  // slow start: two more go
    expect(is_tcp({.seq = seg_start(11), .len = kMss}));
    expect(is_tcp({.seq = seg_start(12), .len = kMss}));
    ack(seg_end(1), {{seg_start(3), seg_end(5)}});
    // The fast retransmit, and a new segment beside it: proportional rate reduction lets
    // ssthresh / RecoverFS of the three delivered go (RFC 6937: 8,030 / 17,520 of 4,380 bytes).
    expect(is_tcp({.seq = seg_start(2), .len = kMss}));
    expect(is_tcp({.seq = seg_start(13), .len = kMss}));
    expect_nothing();
    // A millisecond later everything else up to 10 is SACKed; the last segment goes, after the
    // retransmission.
    host_.run_until(after_ms(11));
    ack(seg_end(1), {{seg_start(3), seg_end(10)}});
    expect(is_tcp({.seq = seg_start(14), .len = kMss}));
    expect_nothing();
    // Segment 14, sent after the retransmission of 2, is delivered a round trip later and 2 is
    // not: the retransmission was lost too, and goes again at once (6.2 step 5).
    host_.run_until(after_ms(21));
    ack(seg_end(1), {{seg_start(3), seg_end(14)}});
    expect(is_tcp({.seq = seg_start(2), .len = kMss}));
    expect_nothing();
    EXPECT_EQ(counters().rack_lost, 2u);
    EXPECT_EQ(counters().retransmitted_segments, 2u);
    EXPECT_EQ(counters().retransmit_timeouts, 0u);
    EXPECT_EQ(counters().fast_retransmits, 1u);
}

TEST_F(RackTlp, ATailLossIsProbedAndRepairedWithoutATimeout) {
    const TcpHandle h = probe_a_silent_tail();  // 8, 9 and 10 were lost
    // The probe is SACKed: 8 and 9, sent before it, are lost (RACK), and fast recovery sends
    // them, one per segment delivered (RFC 6937's slow-start bound: nothing is in flight).
    host_.run_until(after_ms(42));
    ack(seg_end(7), {{seg_start(10), seg_end(10)}});
    expect(is_tcp({.seq = seg_start(8), .len = kMss}));
    expect_nothing();
    EXPECT_EQ(conn(h).recovery, RecoveryState::kRecovery);
    host_.run_until(after_ms(52));
    ack(seg_end(8), {{seg_start(10), seg_end(10)}});
    expect(is_tcp({.seq = seg_start(9), .len = kMss}));
    expect_nothing();
    host_.run_until(after_ms(62));
    ack(seg_end(10));
    EXPECT_EQ(conn(h).recovery, RecoveryState::kOpen);
    EXPECT_EQ(counters().retransmit_timeouts, 0u);
    EXPECT_EQ(counters().fast_retransmits, 1u);
    EXPECT_EQ(counters().tlp_recoveries, 0u);  // recovery made the one window reduction
    EXPECT_FALSE(conn(h).tlp_active);
}

TEST_F(RackTlp, ASackSoonerThanTheMinimumRttAfterTheProbeIsNotTrusted) {
    const TcpHandle h = probe_a_silent_tail();
    EXPECT_EQ(conn(h).rack.min_rtt, Duration::from_ms(kRttMs));  // the handshake's, then the data's
    // 3 ms after the probe: too soon to be the probe's own (6.2 step 2), so the original was
    // SACKed and 8 and 9 may still be in flight: nothing is marked lost.
    host_.run_until(after_ms(35));
    ack(seg_end(7), {{seg_start(10), seg_end(10)}});
    expect_nothing();
    EXPECT_EQ(counters().rack_lost, 0u);
    EXPECT_EQ(conn(h).recovery, RecoveryState::kOpen);
}

TEST_F(RackTlp, AProbeThatRepairsTheOnlyLossReducesTheWindowOnce) {
    const TcpHandle h = establish();
    send_segments(h, 10, 10);
    host_.run_until(after_ms(10));
    ack(seg_end(9));
    const uint32_t cwnd = conn(h).cc.cwnd;
    // One segment in flight: the probe allows for a delayed ACK (2 SRTT + 200 ms), so it takes
    // the RTO's place at 210 ms, without the timeout's collapse of cwnd and backoff.
    expect_nothing_until(after_us(209'999));
    expect_at(after_ms(210), is_tcp({.seq = seg_start(10), .len = kMss}));
    EXPECT_EQ(counters().tlp_probes, 1u);
    EXPECT_EQ(counters().retransmit_timeouts, 0u);
    EXPECT_EQ(conn(h).cc.cwnd, cwnd);
    ack(seg_end(10));
    EXPECT_TRUE(conn(h).tlp_active);  // the episode ends with an ACK beyond the probe
    send_str(h, std::string(kMss, 'y'));
    expect(is_tcp({.seq = seg_start(11), .len = kMss}));
    ack(seg_end(11));
    EXPECT_FALSE(conn(h).tlp_active);
    EXPECT_EQ(counters().tlp_recoveries, 1u);
    EXPECT_EQ(conn(h).cc.ssthresh, 2 * kMss);  // Reno: max(FlightSize / 2, 2 SMSS)
    EXPECT_EQ(conn(h).cc.cwnd, conn(h).cc.ssthresh);
}

TEST_F(RackTlp, ADuplicateAckAfterTheProbeSaysNothingWasLost) {
    const TcpHandle h = probe_a_silent_tail();
    // The originals were only late: their ACK, then the probe's duplicate ACK (7.4).
    host_.run_until(after_ms(35));
    ack(seg_end(10));
    EXPECT_TRUE(conn(h).tlp_active);
    const uint32_t cwnd = conn(h).cc.cwnd;
    ack(seg_end(10));
    EXPECT_FALSE(conn(h).tlp_active);
    send_str(h, std::string(kMss, 'y'));
    expect(is_tcp({.seq = seg_start(11), .len = kMss}));
    ack(seg_end(11));
    EXPECT_EQ(counters().tlp_recoveries, 0u);
    EXPECT_GE(conn(h).cc.cwnd, cwnd);
    EXPECT_EQ(counters().retransmit_timeouts, 0u);
}

TEST_F(RackTlp, ADsackOfTheProbeSaysNothingWasLost) {
    const TcpHandle h = probe_a_silent_tail();
    host_.run_until(after_ms(35));
    ack(seg_end(10), {{seg_start(10), seg_end(10)}});  // RFC 2883: the probe was a duplicate
    EXPECT_FALSE(conn(h).tlp_active);
    EXPECT_EQ(counters().tlp_recoveries, 0u);
}

TEST_F(RackTlp, TheProbeSendsNewDataPastCwndWhenThereIsSome) {
    const TcpHandle h = establish();
    send_segments(h, 12, 10);  // cwnd holds back two
    // No ACK at all: 2 SRTT + 2 ms after the last send, the probe is new data past cwnd (7.3),
    // and the RTO follows one RTO after the probe.
    expect_nothing_until(after_us(21'999));
    expect_at(after_ms(22), is_tcp({.seq = seg_start(11), .len = kMss}));
    expect_nothing();
    EXPECT_EQ(counters().tlp_probes, 1u);
    EXPECT_EQ(counters().retransmit_timeouts, 0u);
    expect_nothing_until(after_us(221'999));
    expect_at(after_ms(222), is_tcp({.seq = seg_start(1), .len = kMss}));
    EXPECT_EQ(counters().retransmit_timeouts, 1u);
}

TEST_F(RackTlp, WithoutSackNoProbeAndNoReorderingTimer) {
    const TcpHandle h = RecoveryTest::establish(false, "reno", Duration::from_ms(kRttMs));
    send_segments(h, 10, 10);
    host_.run_until(after_ms(10));
    ack(seg_end(7));
    expect_nothing_until(after_us(209'999));
    expect_at(after_ms(210), is_tcp({.seq = seg_start(8), .len = kMss}));  // the RTO
    EXPECT_EQ(counters().tlp_probes, 0u);
    EXPECT_EQ(counters().retransmit_timeouts, 1u);
}

}  // namespace
}  // namespace tachyon::test
