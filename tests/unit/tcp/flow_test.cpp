// Flow and timer behaviour at segment level: Nagle (RFC 896) and TCP_NODELAY, delayed ACKs
// (RFC 1122 4.2.3.2) with quick ACKs, keepalive (RFC 1122 4.2.3.6), the user timeout (RFC 5482
// semantics), SYN cookies (RFC 4987) and the per-connection statistics.
#include "tests/unit/tcp/tcp_test_util.hpp"

namespace tachyon::test {
namespace {

constexpr uint32_t kRcv = kPeerIss + 1;
constexpr uint32_t kSnd = kServerIss + 1;

class Flow : public TcpTest {
protected:
    // Quick-ACK mode: the first 16 full segments from seq on are acknowledged one by one. Returns
    // the sequence number after them.
    uint32_t through_quick_acks(uint32_t seq) {
        const std::string full(1460, 'q');
        for (int i = 0; i < 16; ++i) {
            send(seg({.seq = seq, .ack = kSnd, .data = full}));
            seq += 1460;
            expect(is_tcp({.flags = kAck, .ack = seq}));
        }
        return seq;
    }
};

TEST_F(Flow, NagleHoldsASmallSegmentUntilTheAck) {
    const TcpHandle h = accept_established();
    send_str(h, "a");
    expect(is_tcp({.seq = kSnd, .data = "a"}));  // nothing small in flight: it goes
    send_str(h, "b");
    send_str(h, "c");
    expect_nothing();  // a small segment is unacknowledged: "bc" waits (Minshall's rule)
    send(seg({.seq = kRcv, .ack = kSnd + 1}));
    expect(is_tcp({.seq = kSnd + 1, .data = "bc"}));
    send(seg({.seq = kRcv, .ack = kSnd + 3}));
    expect_nothing();
}

TEST_F(Flow, NoDelaySendsSmallSegmentsAtOnce) {
    const TcpHandle h = accept_established();
    ASSERT_TRUE(tcp().set_nodelay(h, true).ok());
    send_str(h, "a");
    expect(is_tcp({.seq = kSnd, .data = "a"}));
    send_str(h, "b");
    expect(is_tcp({.seq = kSnd + 1, .data = "b"}));
    send(seg({.seq = kRcv, .ack = kSnd + 2}));
    expect_nothing();
}

TEST_F(Flow, SettingNoDelayReleasesWhatNagleHeld) {
    const TcpHandle h = accept_established();
    send_str(h, "a");
    expect(is_tcp({.data = "a"}));
    send_str(h, "b");
    expect_nothing();
    ASSERT_TRUE(tcp().set_nodelay(h, true).ok());
    expect(is_tcp({.seq = kSnd + 1, .data = "b"}));
    send(seg({.seq = kRcv, .ack = kSnd + 2}));
}

TEST_F(Flow, QuickAcksAtTheStartThenEverySecondSegmentOrTheTimer) {
    const TcpHandle h = accept_established();
    host_.run_until(at_ms(0));
    const std::string full(1460, 'q');
    // Quick ACK mode: the first 16 segments are acknowledged one by one.
    uint32_t seq = through_quick_acks(kRcv);
    // Then one ACK for every second full segment (by the end of the turn: here each segment is
    // one) ...
    send(seg({.seq = seq, .ack = kSnd, .data = full}));
    seq += 1460;
    expect_nothing();
    send(seg({.seq = seq, .ack = kSnd, .data = full}));
    seq += 1460;
    expect(is_tcp({.flags = kAck, .ack = seq}));
    // ... and a lone segment's ACK after the 40 ms delayed-ACK timer.
    send(seg({.seq = seq, .ack = kSnd, .data = "tail"}), at_ms(100));
    seq += 4;
    expect_nothing_until(at_ms(139));
    expect_at(at_ms(140), is_tcp({.flags = kAck, .ack = seq}));
    EXPECT_EQ(counters().delayed_acks, 1u);
    // A reply sent before the timer carries the ACK: no separate one.
    send(seg({.seq = seq, .ack = kSnd, .data = "ping"}), at_ms(200));
    seq += 4;
    send_str(h, "pong");
    expect(is_tcp({.seq = kSnd, .ack = seq, .data = "pong"}));
    send(seg({.seq = seq, .ack = kSnd + 4}), at_ms(210));
    expect_nothing_until(at_ms(400));
}

// After quick-ACK mode, in-order segments that arrive in one receive burst (one turn) take one
// ACK at the end of the turn, up to 8 full segments (the sender's slow-start L under HyStart++)
// at which the ACK goes at once; the window it carries is after the application's turn.
TEST_F(Flow, AReceiveBurstIsAcknowledgedOnceUpToEightSegments) {
    const TcpHandle h = accept_established();
    const std::string full(1460, 'q');
    uint32_t seq = through_quick_acks(kRcv);
    EXPECT_EQ(read_all(h).size(), 16u * 1460);
    // Five segments in one burst: nothing until the turn ends, then one ACK for all five.
    send(seg({.seq = seq, .ack = kSnd, .data = full}));
    for (int i = 1; i < 5; ++i) send_in_turn(seg({.seq = seq + i * 1460u, .ack = kSnd, .data = full}));
    EXPECT_TRUE(host_.sent().empty()) << host_.sent().size() << " segment(s) sent during the burst";
    seq += 5 * 1460;
    expect(is_tcp({.flags = kAck, .ack = seq}));
    expect_nothing();
    // Ten in one burst: the eighth is acknowledged at once, the last two by the end of the turn.
    send(seg({.seq = seq, .ack = kSnd, .data = full}));
    for (int i = 1; i < 10; ++i) {
        send_in_turn(seg({.seq = seq + i * 1460u, .ack = kSnd, .data = full}));
        EXPECT_EQ(host_.sent().size(), i < 7 ? 0u : 1u) << "after segment " << i + 1;
    }
    expect(is_tcp({.flags = kAck, .ack = seq + 8 * 1460}));
    seq += 10 * 1460;
    expect(is_tcp({.flags = kAck, .ack = seq}));
    expect_nothing();
    EXPECT_EQ(read_all(h).size(), 15u * 1460);
}

TEST_F(Flow, OutOfOrderDataAndFillingTheHoleAreAcknowledgedAtOnce) {
    const TcpHandle h = accept_established();
    ASSERT_TRUE(tcp().set_delayed_ack(h, true).ok());
    const std::string full(1460, 'q');
    // Leave quick-ACK mode first.
    const uint32_t seq = through_quick_acks(kRcv);
    send(seg({.seq = seq + 1460, .ack = kSnd, .data = full}));
    expect(is_tcp({.flags = kAck, .ack = seq}));  // out of order: a duplicate ACK at once
    send(seg({.seq = seq, .ack = kSnd, .data = full}));
    expect(is_tcp({.flags = kAck, .ack = seq + 2920}));  // fills the hole: at once
}

TEST_F(Flow, FinBeyondAHoleIsTakenWhenTheHoleFills) {
    const TcpHandle h = accept_established();
    send(seg({.flags = kAck | kFin, .seq = kRcv + 5, .ack = kSnd, .data = "world"}));
    expect(is_tcp({.flags = kAck, .ack = kRcv}));
    EXPECT_EQ(tcp().state(h), TcpState::kEstablished);
    EXPECT_EQ(counters().fin_out_of_order, 1u);
    send(seg({.seq = kRcv, .ack = kSnd, .data = "hello"}));
    expect(is_tcp({.flags = kAck, .ack = kRcv + 11}));  // data and FIN, without a resend
    EXPECT_EQ(tcp().state(h), TcpState::kCloseWait);
    EXPECT_EQ(read_all(h), "helloworld");
}

class KeepaliveTest : public TcpTest {};

TEST_F(KeepaliveTest, ProbesAtTheIntervalThenEtimedout) {
    const TcpHandle h = accept_established();
    host_.run_until(at_ms(0));
    ASSERT_TRUE(tcp().set_keepalive_idle(h, Duration::from_secs(10)).ok());
    ASSERT_TRUE(tcp().set_keepalive_interval(h, Duration::from_secs(2)).ok());
    ASSERT_TRUE(tcp().set_keepalive_count(h, 3).ok());
    ASSERT_TRUE(tcp().set_keepalive(h, true).ok());
    // <SEQ=SND.NXT-1><ACK=RCV.NXT> without data, after 10 s of silence.
    expect_nothing_until(at_ms(9999));
    expect_at(at_ms(10000), is_tcp({.flags = kAck, .seq = kSnd - 1, .ack = kRcv, .len = 0}));
    // An answer resets the count and the idle time.
    send(seg({.seq = kRcv, .ack = kSnd}), at_ms(10500));
    expect_nothing_until(at_ms(20499));
    expect_at(at_ms(20500), is_tcp({.seq = kSnd - 1, .len = 0}));
    expect_at(at_ms(22500), is_tcp({.seq = kSnd - 1, .len = 0}));
    expect_at(at_ms(24500), is_tcp({.seq = kSnd - 1, .len = 0}));
    EXPECT_EQ(tcp().state(h), TcpState::kEstablished);
    // Three unanswered: the connection ends with ETIMEDOUT, the peer is told by RST.
    expect_at(at_ms(26500), is_tcp({.flags = kRst, .seq = kSnd}));
    EXPECT_EQ(tcp().state(h), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h), ETIMEDOUT);
    EXPECT_EQ(counters().keepalive_probes, 4u);
    EXPECT_EQ(counters().keepalive_timeouts, 1u);
}

TEST_F(KeepaliveTest, UserTimeoutEndsAConnectionWhoseDataStaysUnacknowledged) {
    const TcpHandle h = accept_established();
    host_.run_until(at_ms(0));
    ASSERT_TRUE(tcp().set_user_timeout(h, Duration::from_ms(1000)).ok());
    send_str(h, "data");
    expect_at(at_ms(0), is_tcp({.data = "data"}));
    expect_at(at_ms(200), is_tcp({.data = "data"}));
    expect_at(at_ms(600), is_tcp({.data = "data"}));
    // The next RTO (1400 ms) is cut to the user timeout.
    expect_nothing_until(at_ms(999));
    host_.run_until(at_ms(1000));
    EXPECT_EQ(tcp().state(h), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h), ETIMEDOUT);
    EXPECT_EQ(counters().user_timeouts, 1u);
    expect_nothing();
}

class Cookies : public TcpTest {
protected:
    TcpConfig config() const override {
        TcpConfig c = TcpTest::config();
        c.max_syn_backlog = 1;
        c.defaults.receive_buffer = 1 << 20;  // window scale 5
        return c;
    }
};

TEST_F(Cookies, HandshakeCompletesWithAFullSynQueueAndOptionsSurvive) {
    listen();
    // The first SYN takes the only SYN queue slot.
    send(seg({.flags = kSyn, .seq = 7000, .mss = 1460, .src_port = 1111}));
    expect(is_tcp({.flags = kSyn | kAck, .seq = kServerIss, .ack = 7001}));
    // The second is answered with a cookie: no state, options as offered.
    send(seg({.flags = kSyn, .seq = kPeerIss, .mss = 1400, .ws = 7, .sack_ok = true,
              .ts = TcpTimestamp{5555, 0}}),
         at_ms(500));
    const Captured synack = expect(is_tcp({.flags = kSyn | kAck, .ack = kPeerIss + 1, .mss = 1460, .ws = 5,
                                           .sack_ok = true, .has_ts = true, .tsecr = 5555}));
    EXPECT_EQ(counters().syn_queue_full, 1u);
    EXPECT_EQ(counters().syn_cookies_sent, 1u);
    EXPECT_EQ(tcp().connections_in_use(), 1u);  // only the first SYN's child
    const uint32_t cookie = synack.tcp.seq_number.raw();
    const uint32_t tsval = synack.tcp.timestamp->tsval;
    // A forged ACK (wrong cookie) is answered with RST and creates nothing.
    send(seg({.seq = kPeerIss + 1, .ack = cookie + 2, .ts = TcpTimestamp{5556, tsval}}), at_ms(510));
    expect(is_tcp({.flags = kRst, .seq = cookie + 2}));
    EXPECT_EQ(counters().syn_cookies_failed, 1u);
    // The right ACK builds the connection, with data.
    send(seg({.seq = kPeerIss + 1, .ack = cookie + 1, .window = 1000, .ts = TcpTimestamp{5557, tsval},
              .data = "hi"}),
         at_ms(520));
    expect(is_tcp({.flags = kAck, .seq = cookie + 1, .ack = kPeerIss + 3}));
    auto h = tcp().accept(listener_);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(tcp().state(h.value()), TcpState::kEstablished);
    EXPECT_EQ(read_all(h.value()), "hi");
    const TcpConnection& c = *tcp().connection(h.value());
    EXPECT_EQ(c.tcb.snd_mss, 1400 - 12);  // MSS 1400 from the cookie's table, less timestamps
    EXPECT_EQ(c.tcb.snd_wscale, 7);        // from the TSecr bits
    EXPECT_EQ(c.tcb.rcv_wscale, 5);
    EXPECT_TRUE(c.tcb.sack_ok);
    EXPECT_TRUE(c.tcb.ts_ok);
    EXPECT_EQ(c.tcb.snd_wnd, 1000u << 7);
    EXPECT_EQ(counters().syn_cookies_accepted, 1u);
    // It sends and is acknowledged like any other connection.
    send_str(h.value(), "yo");
    expect(is_tcp({.seq = cookie + 1, .data = "yo"}));
    send(seg({.seq = kPeerIss + 3, .ack = cookie + 3, .ts = TcpTimestamp{5558, tsval + 30}}));
}

// A SYN,ACK answered with a cookie carries the listener's IP_TTL and IP_TOS, as the SYN,ACK of a
// connection slot does.
TEST_F(Cookies, ACookiesSynAckCarriesTheListenersTtlAndTos) {
    TcpConnConfig cfg = conn_config(kServerIss);
    cfg.ttl = 9;
    cfg.tos = 0x28;
    auto l = tcp().listen({kLocalIp, kLocalPort}, 8, cfg);
    ASSERT_TRUE(l.ok());
    send(seg({.flags = kSyn, .seq = 7000, .mss = 1460, .src_port = 1111}));
    const Captured slot = expect(is_tcp({.flags = kSyn | kAck, .seq = kServerIss, .ack = 7001}));
    send(seg({.flags = kSyn, .seq = kPeerIss, .mss = 1400}));
    const Captured cookie = expect(is_tcp({.flags = kSyn | kAck, .ack = kPeerIss + 1}));
    EXPECT_EQ(counters().syn_cookies_sent, 1u);
    for (const Captured* c : {&slot, &cookie}) {
        EXPECT_EQ(c->ip.ttl, 9);
        EXPECT_EQ(c->ip.dscp_ecn, 0x28);
    }
    ASSERT_TRUE(tcp().close_listener(l.value()).ok());
}

TEST_F(Cookies, CookieExpiresAfterTwoPeriods) {
    listen();
    send(seg({.flags = kSyn, .seq = 7000, .mss = 1460, .src_port = 1111}));
    expect(is_tcp({.flags = kSyn | kAck}));
    send(seg({.flags = kSyn, .seq = kPeerIss, .mss = 1460}), at_ms(0));
    const uint32_t cookie = expect(is_tcp({.flags = kSyn | kAck, .ack = kPeerIss + 1, .sack_ok = false})).tcp.seq_number.raw();
    send(seg({.flags = kRst, .seq = 7001, .src_port = 1111}));  // the first child goes
    // Without timestamps no window scale nor SACK can be kept, so none was offered.
    send(seg({.seq = kPeerIss + 1, .ack = cookie + 1}), at_ms(200'000));
    expect(is_tcp({.flags = kRst}));
    EXPECT_FALSE(tcp().accept(listener_).ok());
}

TEST_F(Flow, StatisticsLikeTcpInfo) {
    const TcpHandle h = accept_established();
    host_.run_until(at_ms(0));
    send_str(h, std::string(3000, 's'));
    expect(is_tcp({.len = 1460}));
    expect(is_tcp({.len = 1460}));
    expect(is_tcp({.len = 80}));
    send(seg({.seq = kRcv, .ack = kSnd + 2920, .data = "abc"}), at_ms(30));
    auto s = tcp().conn_stats(h);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->state, TcpState::kEstablished);
    EXPECT_STREQ(s->congestion, "cubic");
    EXPECT_EQ(s->snd_mss, 1460u);
    EXPECT_EQ(s->unacked, 1u);
    EXPECT_EQ(s->bytes_acked, 2921u);  // the SYN counts, as in Linux
    EXPECT_EQ(s->bytes_received, 3u);
    EXPECT_EQ(s->snd_cwnd, 10u);  // 3000 bytes never filled the window: no growth (RFC 7661)
    EXPECT_EQ(s->rtt, Duration::from_us(3750));  // handshake sample 0, then 30 ms (RFC 6298 2.3)
    EXPECT_EQ(s->total_retrans, 0u);
    EXPECT_EQ(s->data_segs_out, 3u);
    expect(is_tcp({.ack = kRcv + 3}));
    ASSERT_TRUE(tcp().set_congestion(h, "reno").ok());
    EXPECT_STREQ(tcp().conn_stats(h)->congestion, "reno");
    EXPECT_EQ(tcp().set_congestion(h, "bogus").code(), ENOENT);
    send(seg({.seq = kRcv + 3, .ack = kSnd + 3000}));
}

}  // namespace
}  // namespace tachyon::test
