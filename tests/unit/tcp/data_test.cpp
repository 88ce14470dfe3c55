// Data transfer: the seventh step (segment text), the receive window, out-of-order reassembly,
// output within the peer's window, and retransmission per RFC 6298.
#include "tests/unit/tcp/tcp_test_util.hpp"

namespace tachyon::test {
namespace {

using Data = TcpTest;

constexpr uint32_t kRcv = kPeerIss + 1;  // the peer's first data byte
constexpr uint32_t kSnd = kServerIss + 1;

TEST_F(Data, InOrderSegmentIsAcknowledgedAndDelivered) {
    const TcpHandle h = accept_established();
    send(seg({.flags = kAck | kPsh, .seq = kRcv, .ack = kSnd, .data = "hello"}));
    expect(is_tcp({.flags = kAck, .seq = kSnd, .ack = kRcv + 5, .window = 65535 - 5, .len = 0}));
    EXPECT_TRUE(tcp().readable(h));
    EXPECT_EQ(tcp().receive_available(h), 5u);
    EXPECT_EQ(read_all(h), "hello");
    EXPECT_FALSE(tcp().readable(h));
    char one[1];
    EXPECT_EQ(tcp().receive(h, std::as_writable_bytes(std::span(one))).code(), EAGAIN);
}

TEST_F(Data, OutOfOrderSegmentsAreHeldAndReassembled) {
    const TcpHandle h = accept_established();
    send(seg({.seq = kRcv + 5, .ack = kSnd, .data = "world"}));
    expect(is_tcp({.flags = kAck, .ack = kRcv}));  // duplicate ACK: the hole is at RCV.NXT
    send(seg({.seq = kRcv + 12, .ack = kSnd, .data = "!"}));
    expect(is_tcp({.flags = kAck, .ack = kRcv}));
    EXPECT_EQ(tcp().receive_available(h), 0u);
    send(seg({.seq = kRcv + 10, .ack = kSnd, .data = "__"}));
    expect(is_tcp({.flags = kAck, .ack = kRcv}));
    send(seg({.seq = kRcv, .ack = kSnd, .data = "hello"}));
    expect(is_tcp({.flags = kAck, .ack = kRcv + 13}));
    EXPECT_EQ(read_all(h), "helloworld__!");
    EXPECT_EQ(counters().ooo_segments, 3u);
}

TEST_F(Data, OverlappingAndDuplicateSegmentsDeliverEachByteOnce) {
    const TcpHandle h = accept_established();
    send(seg({.seq = kRcv, .ack = kSnd, .data = "abcd"}));
    expect(is_tcp({.ack = kRcv + 4}));
    send(seg({.seq = kRcv + 2, .ack = kSnd, .data = "cdef"}));  // straddles RCV.NXT: trimmed
    expect(is_tcp({.ack = kRcv + 6}));
    send(seg({.seq = kRcv, .ack = kSnd, .data = "abcdef"}));  // entirely old: not acceptable
    expect(is_tcp({.flags = kAck, .ack = kRcv + 6}));
    EXPECT_EQ(read_all(h), "abcdef");
    EXPECT_EQ(counters().out_of_window, 1u);
}

TEST_F(Data, SegmentBeyondTheWindowIsNotAcceptable) {
    const TcpHandle h = accept_established();
    send(seg({.seq = kRcv + 70000, .ack = kSnd, .data = "far"}));
    expect(is_tcp({.flags = kAck, .seq = kSnd, .ack = kRcv}));
    EXPECT_EQ(tcp().receive_available(h), 0u);
    EXPECT_EQ(counters().out_of_window, 1u);
}

TEST_F(Data, ZeroWindowThenWindowUpdateAfterReading) {
    const TcpHandle h = accept_established();
    ASSERT_TRUE(tcp().set_delayed_ack(h, false).ok());  // every segment's ACK shows the window
    const std::string block(1460, 'x');
    uint32_t seq = kRcv;
    uint32_t window = 65535;
    while (window > 0) {
        const std::string d = block.substr(0, std::min<size_t>(block.size(), window));
        send(seg({.seq = seq, .ack = kSnd, .data = d}));
        seq += static_cast<uint32_t>(d.size());
        window -= static_cast<uint32_t>(d.size());
        expect(is_tcp({.flags = kAck, .ack = seq, .window = static_cast<uint16_t>(window)}));
    }
    // RCV.WND = 0: data is not acceptable, but its ACK is processed and answered.
    send(seg({.seq = seq, .ack = kSnd, .data = "y"}));
    expect(is_tcp({.flags = kAck, .ack = seq, .window = 0}));
    // A pure ACK at RCV.NXT is acceptable and needs no answer.
    send(seg({.seq = seq, .ack = kSnd}));
    expect_nothing();
    // Reading opens the window: announced once it grows by at least an MSS.
    std::string buf(1000, '\0');
    ASSERT_EQ(tcp().receive(h, std::as_writable_bytes(std::span(buf))).value(), 1000u);
    expect_nothing();
    ASSERT_EQ(tcp().receive(h, std::as_writable_bytes(std::span(buf))).value(), 1000u);
    expect(is_tcp({.flags = kAck, .ack = seq, .window = 2000}));
}

// Window updates of their own go only when the sender needs them, as Linux's tcp_cleanup_rbuf
// decides: the window still offered is at most half the buffer and reading at least doubles it.
// Past the quick ACKs of a connection's start (none here), a reader that drains every segment as
// it comes gets one ACK per two segments, each carrying the larger window, not one per segment.
class WindowUpdates : public TcpTest {
protected:
    TcpConfig config() const override {
        TcpConfig c = TcpTest::config();
        c.quickacks = 0;
        return c;
    }
    // In-order full segments from seq on, n of them, unread; the ACKs they draw are dropped.
    uint32_t fill(uint32_t seq, int n) {
        for (int i = 0; i < n; ++i) {
            send(seg({.seq = seq, .ack = kSnd, .data = std::string(1460, 'x')}));
            seq += 1460;
        }
        while (pop().valid) {
        }
        return seq;
    }
};

TEST_F(WindowUpdates, AReaderThatDrainsEachSegmentGetsAnAckPerTwo) {
    const TcpHandle h = accept_established();
    uint32_t seq = kRcv;
    for (int i = 0; i < 10; ++i) {
        send(seg({.seq = seq, .ack = kSnd, .data = std::string(1460, 'x')}));
        seq += 1460;
        EXPECT_EQ(read_all(h).size(), 1460u);
        if (i % 2 == 1) {
            expect(is_tcp({.flags = kAck, .ack = seq}));  // the second segment's ACK
        }
        expect_nothing();  // no window update of its own by the end of the turn
    }
}

TEST_F(WindowUpdates, ReadingAnnouncesOnceTheOfferedWindowFellToHalfTheBuffer) {
    const TcpHandle h = accept_established();
    // 22 segments: 33,415 bytes of the 65,535 still offered, over half: reading waits.
    uint32_t seq = fill(kRcv, 22);
    EXPECT_EQ(read_all(h).size(), 22u * 1460);
    expect_nothing();
    // One more: 31,955 offered, at most half: reading announces the whole window at once.
    seq = fill(seq, 23);
    EXPECT_EQ(read_all(h).size(), 23u * 1460);
    expect(is_tcp({.flags = kAck, .ack = seq, .window = 65535}));
}

TEST_F(Data, SendIsSegmentedByMssAndWindow) {
    const TcpHandle h = accept_established();
    const std::string data(4000, 'd');
    EXPECT_EQ(send_str(h, data), 4000u);
    expect(is_tcp({.flags = kAck, .seq = kSnd, .ack = kRcv, .len = 1460, .psh = false}));
    expect(is_tcp({.flags = kAck, .seq = kSnd + 1460, .len = 1460}));
    expect(is_tcp({.flags = kAck, .seq = kSnd + 2920, .len = 1080, .psh = true}));
    send(seg({.seq = kRcv, .ack = kSnd + 4000, .window = 1000}));
    expect_nothing();
    // The window limits what goes out: a 1000-byte runt is less than half the largest window
    // the peer offered, so the sender waits (RFC 1122 4.2.3.4) ...
    send_str(h, std::string(3000, 'e'));
    expect_nothing();
    // ... until the override timeout (the persist timer, one RTO) sends what fits.
    expect_at(at_ms(200), is_tcp({.seq = kSnd + 4000, .len = 1000}));
    expect_nothing();
    send(seg({.seq = kRcv, .ack = kSnd + 5000, .window = 65535}));
    expect(is_tcp({.seq = kSnd + 5000, .len = 1460}));
    expect(is_tcp({.seq = kSnd + 6460, .len = 540}));
}

TEST_F(Data, SendBufferIsBounded) {
    const TcpHandle h = accept_established();
    send(seg({.seq = kRcv, .ack = kSnd, .window = 0}));
    const std::string big(70000, 'z');
    EXPECT_EQ(send_str(h, big), 65536u);
    EXPECT_EQ(tcp().send(h, as_bytes(big)).code(), EAGAIN);
    EXPECT_FALSE(tcp().writable(h));
    expect_nothing();  // zero window: nothing leaves yet
    host_.sent().clear();
}

TEST_F(Data, RetransmissionTimeoutBacksOffExponentially) {
    const TcpHandle h = accept_established();
    // The handshake took no time: SRTT 0, RTO at the 200 ms minimum (RFC 6298 2.4).
    EXPECT_EQ(tcp().connection(h)->rtt.rto(), Duration::from_ms(200));
    host_.run_until(at_ms(0));
    send_str(h, "data");
    expect_at(at_ms(0), is_tcp({.seq = kSnd, .data = "data"}));
    expect_nothing_until(at_ms(199));
    expect_at(at_ms(200), is_tcp({.seq = kSnd, .data = "data"}));
    expect_nothing_until(at_ms(599));
    expect_at(at_ms(600), is_tcp({.seq = kSnd, .data = "data"}));  // 5.5: doubled
    expect_at(at_ms(1400), is_tcp({.seq = kSnd, .data = "data"}));
    send(seg({.seq = kRcv, .ack = kSnd + 4}), at_ms(1500));
    expect_nothing_until(at_ms(100000));  // 5.2: all acknowledged, the timer is off
    EXPECT_EQ(counters().retransmit_timeouts, 3u);
    // Karn: the ACK of a retransmitted segment gave no sample (SRTT is still the handshake's),
    // so the backoff stays until a fresh sample.
    EXPECT_EQ(tcp().connection(h)->rtt.srtt(), Duration::zero());
    EXPECT_EQ(tcp().connection(h)->rtt.rto(), Duration::from_ms(1600));
}

TEST_F(Data, RtoFollowsTheMeasuredRoundTripWithTheMinimum) {
    const TcpHandle h = accept_established();
    host_.run_until(at_ms(0));
    send_str(h, "a");
    expect(is_tcp({.seq = kSnd, .len = 1}));
    send(seg({.seq = kRcv, .ack = kSnd + 1}), at_ms(50));
    const RttEstimator& rtt = tcp().connection(h)->rtt;
    // After the handshake's 0: RTTVAR = 3/4*0 + 1/4*50, SRTT = 7/8*0 + 1/8*50 (2.3).
    EXPECT_EQ(rtt.srtt(), Duration::from_us(6250));
    EXPECT_EQ(rtt.rttvar(), Duration::from_us(12500));
    // SRTT + 4 RTTVAR = 56.25 ms, below the 200 ms minimum (2.4).
    EXPECT_EQ(rtt.rto(), Duration::from_ms(200));
    send_str(h, "b");
    expect_at(at_ms(50), is_tcp({.seq = kSnd + 1, .data = "b"}));
    expect_nothing_until(at_ms(249));
    expect_at(at_ms(250), is_tcp({.seq = kSnd + 1, .data = "b"}));
    expect_at(at_ms(650), is_tcp({.seq = kSnd + 1, .data = "b"}));
    send(seg({.seq = kRcv, .ack = kSnd + 2}), at_ms(700));
}

// With timestamps on, the sample still comes from the segment's own send time (as Linux), not
// from the echoed TSval, whose millisecond ticks would read a 250 us round trip as 0 or 1 ms.
TEST_F(Data, RoundTripIsTimedToTheNanosecondWithTimestampsOn) {
    const TcpHandle h = accept_established(TcpTimestamp{100, 0});
    host_.run_until(at_ms(0));
    send_str(h, "a");
    const Captured c = expect(is_tcp({.seq = kSnd, .len = 1}));
    ASSERT_TRUE(c.tcp.timestamp.has_value());
    send(seg({.seq = kRcv, .ack = kSnd + 1, .ts = TcpTimestamp{102, c.tcp.timestamp->tsval}}),
         Instant::from_ns(250'000));
    const TcpConnection& conn = *tcp().connection(h);
    EXPECT_EQ(conn.min_rtt, Duration::from_us(250));
    EXPECT_EQ(conn.rtt.srtt(), Duration::from_ns(31'250));  // 7/8 of the handshake's 0, 1/8 of 250 us
}

TEST_F(Data, TimeoutResendsTheEarliestSegmentThenFollowsTheAcks) {
    const TcpHandle h = accept_established();
    host_.run_until(at_ms(0));
    send_str(h, std::string(3000, 'q'));
    expect(is_tcp({.seq = kSnd, .len = 1460}));
    expect(is_tcp({.seq = kSnd + 1460, .len = 1460}));
    expect(is_tcp({.seq = kSnd + 2920, .len = 80}));
    send(seg({.seq = kRcv, .ack = kSnd + 1460}), at_ms(10));  // first one arrived
    // RFC 6298 5.4: the timeout resends only the earliest unacknowledged segment ...
    expect_at(at_ms(210), is_tcp({.seq = kSnd + 1460, .len = 1460}));
    expect_nothing();
    // ... and each ACK of the repair lets more of the lost flight go.
    send(seg({.seq = kRcv, .ack = kSnd + 2920}), at_ms(215));
    expect(is_tcp({.seq = kSnd + 2920, .len = 80}));
    send(seg({.seq = kRcv, .ack = kSnd + 3000}), at_ms(220));
    expect_nothing_until(at_ms(5000));
    EXPECT_EQ(counters().retransmitted_segments, 2u);
}

TEST_F(Data, TooManyRetransmissionsIsEtimedout) {
    const TcpHandle h = accept_established();
    send_str(h, "x");
    expect(is_tcp({.len = 1}));
    for (int i = 0; i < 15; ++i) {
        host_.advance(Duration::from_secs(120));
        expect(is_tcp({.len = 1}));
    }
    host_.advance(Duration::from_secs(120));
    expect_nothing();
    EXPECT_EQ(tcp().state(h), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h), ETIMEDOUT);
    EXPECT_EQ(counters().connection_timeouts, 1u);
}

TEST_F(Data, ZeroWindowIsProbedAndProbesDoNotKillTheConnection) {
    const TcpHandle h = accept_established();
    host_.run_until(at_ms(0));
    send(seg({.seq = kRcv, .ack = kSnd, .window = 0}));
    send_str(h, "abc");
    expect_nothing();
    // The persist timer probes the zero window (RFC 9293 3.8.6.1) as Linux does: an old
    // sequence number (SND.UNA - 1) without data, which the peer must answer with its window;
    // the interval doubles from the RTO while the window stays shut (200, 400, 800 ms ...).
    expect_at(at_ms(200), is_tcp({.flags = kAck, .seq = kSnd - 1, .ack = kRcv, .len = 0}));
    send(seg({.seq = kRcv, .ack = kSnd, .window = 0}), at_ms(201));
    expect_nothing_until(at_ms(599));
    expect_at(at_ms(600), is_tcp({.seq = kSnd - 1, .len = 0}));
    send(seg({.seq = kRcv, .ack = kSnd, .window = 0}), at_ms(601));
    expect_nothing_until(at_ms(1399));
    expect_at(at_ms(1400), is_tcp({.seq = kSnd - 1, .len = 0}));
    // Answered probes never end the connection; a window update resumes the transfer.
    for (int i = 0; i < 20; ++i) {
        send(seg({.seq = kRcv, .ack = kSnd, .window = 0}));
        host_.advance(Duration::from_secs(120));  // the backoff stops at max_rto (120 s)
        expect(is_tcp({.seq = kSnd - 1, .len = 0}));
        while (!host_.sent().empty()) expect(is_tcp({.seq = kSnd - 1, .len = 0}));
    }
    EXPECT_EQ(tcp().state(h), TcpState::kEstablished);
    send(seg({.seq = kRcv, .ack = kSnd, .window = 100}));
    expect(is_tcp({.seq = kSnd, .data = "abc"}));
    EXPECT_EQ(tcp().state(h), TcpState::kEstablished);
    EXPECT_GE(counters().persist_probes, 23u);
    send(seg({.seq = kRcv, .ack = kSnd + 3}));
}

TEST_F(Data, PoolExhaustionLosesNoState) {
    const TcpHandle h = accept_established();
    host_.run_until(at_ms(0));
    host_.fail_next_allocs(1);
    send_str(h, "lost");
    expect_nothing();
    EXPECT_EQ(counters().tx_alloc_failures, 1u);
    // The segment counts as sent and lost: the retransmission timer sends it.
    expect_at(at_ms(200), is_tcp({.seq = kSnd, .data = "lost"}));
    send(seg({.seq = kRcv, .ack = kSnd + 4}));
    expect_nothing();
}

TEST_F(Data, AckOfUnsentDataGetsAChallengeAckAndTheSegmentIsDropped) {
    const TcpHandle h = accept_established();
    send(seg({.seq = kRcv, .ack = kSnd + 10, .data = "zz"}));  // RFC 5961 5.2
    expect(is_tcp({.flags = kAck, .seq = kSnd, .ack = kRcv}));
    EXPECT_EQ(tcp().receive_available(h), 0u);
    EXPECT_EQ(counters().ack_unacceptable, 1u);
    EXPECT_EQ(counters().challenge_acks_sent, 1u);
}

TEST_F(Data, SegmentWithoutAckIsDropped) {
    const TcpHandle h = accept_established();
    send(seg({.flags = 0, .seq = kRcv, .data = "no"}));
    expect_nothing();
    EXPECT_EQ(tcp().receive_available(h), 0u);
    EXPECT_EQ(counters().no_ack_flag, 1u);
}

TEST_F(Data, WindowUpdateIgnoresOlderAcks) {
    const TcpHandle h = accept_established();
    send(seg({.seq = kRcv, .ack = kSnd, .window = 100}));
    EXPECT_EQ(tcp().connection(h)->tcb.snd_wnd, 100u);
    send_str(h, "0123456789");
    expect(is_tcp({.seq = kSnd, .len = 10}));
    send(seg({.seq = kRcv, .ack = kSnd + 10, .window = 200}));
    EXPECT_EQ(tcp().connection(h)->tcb.snd_wnd, 200u);
    // A reordered older ACK (SEG.ACK < SND.UNA) is a duplicate: no window update.
    send(seg({.seq = kRcv, .ack = kSnd + 5, .window = 50}));
    expect_nothing();
    EXPECT_EQ(tcp().connection(h)->tcb.snd_wnd, 200u);
    // Same SND.WL1, newer SND.WL2: updates.
    send(seg({.seq = kRcv, .ack = kSnd + 10, .window = 300}));
    EXPECT_EQ(tcp().connection(h)->tcb.snd_wnd, 300u);
}

// The retransmission and delayed-ACK timers stop and restart lazily (TcpLayer::arm_rtx): the
// wheel's timer stays where it was and, firing early, follows the deadline. What the wire shows
// must not change: these fire at the later deadline, exactly, and a stopped timer sends nothing.
class LazyTimers : public TcpTest {
protected:
    TcpConfig config() const override {
        TcpConfig c = TcpTest::config();
        c.quickacks = 0;  // every lone small segment waits for the delayed-ACK timer
        return c;
    }
};

TEST_F(LazyTimers, ARetransmissionTimerStoppedAndRestartedFiresAtTheNewDeadline) {
    const TcpHandle h = accept_established();
    host_.run_until(at_ms(0));
    send_str(h, "a");
    expect(is_tcp({.seq = kSnd, .data = "a"}));  // RTO 200 ms: the wheel's timer at 200
    send(seg({.seq = kRcv, .ack = kSnd + 1}), at_ms(100));  // all acknowledged: stopped
    send_str(h, "b");
    expect(is_tcp({.seq = kSnd + 1, .data = "b"}));  // restarted: due at 300
    expect_nothing_until(at_ms(299));  // the wheel's timer fired at 200 and moved on
    expect_at(at_ms(300), is_tcp({.seq = kSnd + 1, .data = "b"}));
    EXPECT_EQ(counters().retransmit_timeouts, 1u);
    send(seg({.seq = kRcv, .ack = kSnd + 2}), at_ms(310));
    expect_nothing_until(at_ms(10000));
}

TEST_F(LazyTimers, ADelayedAckStoppedByAReplyAndDueAgainGoesAtTheNewDeadline) {
    const TcpHandle h = accept_established();
    send(seg({.seq = kRcv, .ack = kSnd, .data = "ping"}), at_ms(200));  // delayed: the wheel's timer at 240
    send_str(h, "pong");
    expect(is_tcp({.seq = kSnd, .ack = kRcv + 4, .data = "pong"}));  // carries the ACK: stopped
    send(seg({.seq = kRcv + 4, .ack = kSnd + 4, .data = "ping2"}), at_ms(230));  // due at 270
    expect_nothing_until(at_ms(269));
    expect_at(at_ms(270), is_tcp({.flags = kAck, .seq = kSnd + 4, .ack = kRcv + 9}));
    EXPECT_EQ(counters().delayed_acks, 1u);
    expect_nothing_until(at_ms(10000));
}

}  // namespace
}  // namespace tachyon::test
