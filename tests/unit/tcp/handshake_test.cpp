// The three-way handshake: LISTEN (RFC 9293 3.10.7.2), SYN-SENT (3.10.7.3), SYN-RECEIVED,
// simultaneous open, options, SYN and SYN,ACK retransmission, and the state names.
#include "tests/unit/tcp/tcp_test_util.hpp"

namespace tachyon::test {
namespace {

TEST(TcpStateNames, PrintedExactlyAsTheRfcWritesThem) {
    EXPECT_EQ(to_string(TcpState::kClosed), "CLOSED");
    EXPECT_EQ(to_string(TcpState::kListen), "LISTEN");
    EXPECT_EQ(to_string(TcpState::kSynSent), "SYN-SENT");
    EXPECT_EQ(to_string(TcpState::kSynReceived), "SYN-RECEIVED");
    EXPECT_EQ(to_string(TcpState::kEstablished), "ESTABLISHED");
    EXPECT_EQ(to_string(TcpState::kFinWait1), "FIN-WAIT-1");
    EXPECT_EQ(to_string(TcpState::kFinWait2), "FIN-WAIT-2");
    EXPECT_EQ(to_string(TcpState::kCloseWait), "CLOSE-WAIT");
    EXPECT_EQ(to_string(TcpState::kClosing), "CLOSING");
    EXPECT_EQ(to_string(TcpState::kLastAck), "LAST-ACK");
    EXPECT_EQ(to_string(TcpState::kTimeWait), "TIME-WAIT");
}

using Handshake = TcpTest;

TEST_F(Handshake, PassiveOpenListenSynReceivedEstablished) {
    const TcpListenHandle l = listen();
    EXPECT_FALSE(tcp().accept_ready(l));
    send(seg({.flags = kSyn, .seq = kPeerIss, .mss = 1460}));
    expect(is_tcp({.flags = kSyn | kAck, .seq = kServerIss, .ack = kPeerIss + 1, .mss = 1460}));
    EXPECT_EQ(tcp().accept(l).code(), EAGAIN);  // SYN-RECEIVED children are not accepted
    EXPECT_EQ(tcp().connections_in_use(), 1u);
    send(seg({.flags = kAck, .seq = kPeerIss + 1, .ack = kServerIss + 1}));
    expect_nothing();
    EXPECT_TRUE(tcp().accept_ready(l));
    auto h = tcp().accept(l);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(tcp().state(h.value()), TcpState::kEstablished);
    const TcpTuple t = *tcp().tuple(h.value());
    EXPECT_EQ(t.remote_addr, kPeerIp);
    EXPECT_EQ(t.remote_port, kPeerPort);
    EXPECT_EQ(t.local_port, kLocalPort);
    EXPECT_EQ(counters().passive_opens, 1u);
}

TEST_F(Handshake, ActiveOpenSynSentEstablished) {
    auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(tcp().state(h.value()), TcpState::kSynSent);
    // Linux's SYN options: mss, sackOK, TS, nop, wscale.
    expect(is_tcp({.flags = kSyn, .seq = kClientIss, .mss = 1460, .ws = 0, .sack_ok = true,
                   .has_ts = true, .tsecr = 0}));
    EXPECT_FALSE(tcp().writable(h.value()));
    send(seg({.flags = kSyn | kAck, .seq = kPeerServerIss, .ack = kClientIss + 1, .mss = 1000}));
    expect(is_tcp({.flags = kAck, .seq = kClientIss + 1, .ack = kPeerServerIss + 1, .has_ts = false}));
    EXPECT_EQ(tcp().state(h.value()), TcpState::kEstablished);
    EXPECT_TRUE(tcp().writable(h.value()));
    EXPECT_EQ(tcp().connection(h.value())->tcb.snd_mss, 1000);  // the peer's MSS
    EXPECT_EQ(counters().active_opens, 1u);
}

TEST_F(Handshake, EphemeralPortAndRouteSourceWhenUnspecified) {
    auto h = tcp().open({}, {kPeerIp, kPeerPort});
    ASSERT_TRUE(h.ok());
    const TcpTuple t = *tcp().tuple(h.value());
    EXPECT_EQ(t.local_addr, kLocalIp);
    EXPECT_GE(t.local_port, 32768);
    EXPECT_LE(t.local_port, 60999);
    Captured syn = expect(is_tcp({.flags = kSyn}));
    EXPECT_EQ(syn.tcp.src_port, t.local_port);
    ASSERT_TRUE(tcp().abort(h.value()).ok());
    expect_nothing();  // no RST from SYN-SENT
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

TEST_F(Handshake, OpenErrors) {
    EXPECT_EQ(tcp().open({}, {kPeerIp, 0}).code(), EINVAL);
    EXPECT_EQ(tcp().open({Ipv4Address::from_octets(10, 9, 9, 9), 1}, {kPeerIp, 5}).code(), EADDRNOTAVAIL);
    auto a = tcp().open({kLocalIp, 5555}, {kPeerIp, kPeerPort});
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(tcp().open({kLocalIp, 5555}, {kPeerIp, kPeerPort}).code(), EADDRINUSE);
    expect(is_tcp({.flags = kSyn}));
    ASSERT_TRUE(tcp().close(a.value()).ok());
    EXPECT_EQ(tcp().state(a.value()), TcpState::kClosed);
    EXPECT_EQ(tcp().send(a.value(), as_bytes("x")).code(), EBADF);  // stale handle
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

TEST_F(Handshake, OptionsNegotiatedFromThePeersSyn) {
    listen();
    send(seg({.flags = kSyn, .seq = kPeerIss, .mss = 1200, .ws = 7, .sack_ok = true,
              .ts = TcpTimestamp{777, 0}}));
    Captured synack = expect(is_tcp({.flags = kSyn | kAck, .seq = kServerIss, .ack = kPeerIss + 1,
                                     .mss = 1460, .ws = 0, .sack_ok = true, .has_ts = true,
                                     .tsecr = 777}));
    send(seg({.flags = kAck, .seq = kPeerIss + 1, .ack = kServerIss + 1,
              .ts = TcpTimestamp{778, synack.tcp.timestamp->tsval}}));
    auto h = tcp().accept(listener_);
    ASSERT_TRUE(h.ok());
    const Tcb& tcb = tcp().connection(h.value())->tcb;
    EXPECT_TRUE(tcb.ts_ok);
    EXPECT_TRUE(tcb.sack_ok);
    EXPECT_EQ(tcb.snd_wscale, 7);
    EXPECT_EQ(tcb.snd_mss, 1200 - 12);  // minus the timestamp option carried by every segment
    EXPECT_EQ(tcb.ts_recent, 778u);
}

TEST_F(Handshake, SynWithoutOptionsGetsOnlyMssAndDefault536) {
    listen();
    send(seg({.flags = kSyn, .seq = kPeerIss}));
    expect(is_tcp({.flags = kSyn | kAck, .mss = 1460, .sack_ok = false, .has_ts = false}));
    Captured c = pop();
    EXPECT_FALSE(c.valid);
    send(seg({.flags = kAck, .seq = kPeerIss + 1, .ack = kServerIss + 1}));
    auto h = tcp().accept(listener_);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(tcp().connection(h.value())->tcb.snd_mss, 536);
    EXPECT_EQ(tcp().connection(h.value())->tcb.snd_wscale, 0);
}

TEST_F(Handshake, MssFollowsTheDeviceMtu) {
    host_.set_mtu(1400);
    listen();
    send(seg({.flags = kSyn, .seq = kPeerIss, .mss = 1460}));
    expect(is_tcp({.flags = kSyn | kAck, .mss = 1360}));
}

TEST_F(Handshake, SimultaneousOpenSynThenSynAck) {
    auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok());
    expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
    // Figure 8: the peer's SYN crosses ours.
    send(seg({.flags = kSyn, .seq = kPeerServerIss, .mss = 1460}));
    EXPECT_EQ(tcp().state(h.value()), TcpState::kSynReceived);
    expect(is_tcp({.flags = kSyn | kAck, .seq = kClientIss, .ack = kPeerServerIss + 1}));
    send(seg({.flags = kSyn | kAck, .seq = kPeerServerIss, .ack = kClientIss + 1, .mss = 1460}));
    EXPECT_EQ(tcp().state(h.value()), TcpState::kEstablished);
    expect(is_tcp({.flags = kAck, .seq = kClientIss + 1, .ack = kPeerServerIss + 1}));
}

TEST_F(Handshake, SimultaneousOpenCompletedByAnAck) {
    auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok());
    expect(is_tcp({.flags = kSyn}));
    send(seg({.flags = kSyn, .seq = kPeerServerIss}));
    expect(is_tcp({.flags = kSyn | kAck}));
    send(seg({.flags = kAck, .seq = kPeerServerIss + 1, .ack = kClientIss + 1}));
    EXPECT_EQ(tcp().state(h.value()), TcpState::kEstablished);
    expect_nothing();
}

TEST_F(Handshake, SynRetransmittedWithBackoffThenEtimedout) {
    auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok());
    expect_at(at_ms(0), is_tcp({.flags = kSyn, .seq = kClientIss}));
    // RFC 6298 2.1 initial RTO 1 s, doubled each time (5.5): 1, 3, 7, 15, 31, 63 s.
    int64_t t = 0;
    for (int i = 0; i < 6; ++i) {
        t += 1000LL << i;
        expect_nothing_until(at_ms(t) - Duration::from_ms(1));
        expect_at(at_ms(t), is_tcp({.flags = kSyn, .seq = kClientIss}));
    }
    EXPECT_EQ(tcp().state(h.value()), TcpState::kSynSent);
    expect_nothing_until(at_ms(t + 64000) - Duration::from_ms(1));
    host_.run_until(at_ms(t + 64000));
    expect_nothing();
    EXPECT_EQ(tcp().state(h.value()), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h.value()), ETIMEDOUT);
    EXPECT_EQ(tcp().receive(h.value(), {}).code(), ETIMEDOUT);
    EXPECT_TRUE(tcp().readable(h.value()));
    EXPECT_TRUE(tcp().hang_up(h.value()));
    EXPECT_EQ(counters().syn_timeouts, 1u);
    ASSERT_TRUE(tcp().close(h.value()).ok());
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

TEST_F(Handshake, SynAckRetransmittedThenTheChildIsDropped) {
    listen();
    send(seg({.flags = kSyn, .seq = kPeerIss}), at_ms(0));
    expect(is_tcp({.flags = kSyn | kAck, .seq = kServerIss}));
    int64_t t = 0;
    for (int i = 0; i < 5; ++i) {
        t += 1000LL << i;
        expect_at(at_ms(t), is_tcp({.flags = kSyn | kAck, .seq = kServerIss, .ack = kPeerIss + 1}));
    }
    expect_nothing_until(at_ms(t + 32000));
    EXPECT_EQ(tcp().connections_in_use(), 0u);
    EXPECT_EQ(counters().syn_timeouts, 1u);
    // The listener is still there: a new SYN is answered.
    send(seg({.flags = kSyn, .seq = 9000}));
    expect(is_tcp({.flags = kSyn | kAck, .ack = 9001}));
}

TEST_F(Handshake, DuplicateSynInSynReceivedResendsSynAck) {
    listen();
    send(seg({.flags = kSyn, .seq = kPeerIss}));
    expect(is_tcp({.flags = kSyn | kAck, .seq = kServerIss, .ack = kPeerIss + 1}));
    send(seg({.flags = kSyn, .seq = kPeerIss}));
    expect(is_tcp({.flags = kSyn | kAck, .seq = kServerIss, .ack = kPeerIss + 1}));
    EXPECT_EQ(tcp().connections_in_use(), 1u);
}

TEST_F(Handshake, SynSentRstWithAcceptableAckIsConnectionRefused) {
    auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok());
    expect(is_tcp({.flags = kSyn}));
    send(seg({.flags = kRst | kAck, .seq = 0, .ack = kClientIss + 1}));
    expect_nothing();
    EXPECT_EQ(tcp().state(h.value()), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h.value()), ECONNREFUSED);
    EXPECT_EQ(tcp().send(h.value(), as_bytes("x")).code(), ECONNREFUSED);
    EXPECT_EQ(tcp().receive(h.value(), {}).code(), ECONNREFUSED);
    ASSERT_TRUE(tcp().close(h.value()).ok());
}

TEST_F(Handshake, SynSentRstWithoutAckOrWithBadAckIsIgnored) {
    auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok());
    expect(is_tcp({.flags = kSyn}));
    send(seg({.flags = kRst, .seq = 0}));                  // RFC 5961 3.2: needs the ACK
    send(seg({.flags = kRst | kAck, .seq = 0, .ack = 5}));  // bad ACK: dropped, no RST for an RST
    expect_nothing();
    EXPECT_EQ(tcp().state(h.value()), TcpState::kSynSent);
}

TEST_F(Handshake, SynSentBadAckIsAnsweredWithReset) {
    auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok());
    expect(is_tcp({.flags = kSyn}));
    // SEG.ACK =< ISS or SEG.ACK > SND.NXT: <SEQ=SEG.ACK><CTL=RST>.
    send(seg({.flags = kSyn | kAck, .seq = kPeerServerIss, .ack = kClientIss}));
    expect(is_tcp({.flags = kRst, .seq = kClientIss, .no_options = true}));
    send(seg({.flags = kAck, .seq = kPeerServerIss, .ack = kClientIss + 7}));
    expect(is_tcp({.flags = kRst, .seq = kClientIss + 7}));
    EXPECT_EQ(tcp().state(h.value()), TcpState::kSynSent);
    EXPECT_EQ(counters().syn_sent_bad_ack, 2u);
}

TEST_F(Handshake, SynSentDropsSegmentsWithoutSynOrRst) {
    auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok());
    expect(is_tcp({.flags = kSyn}));
    send(seg({.flags = kAck, .seq = kPeerServerIss, .ack = kClientIss + 1}));  // fifth step
    send(seg({.flags = kFin, .seq = kPeerServerIss}));
    expect_nothing();
    EXPECT_EQ(tcp().state(h.value()), TcpState::kSynSent);
    EXPECT_EQ(counters().syn_sent_dropped, 2u);
}

TEST_F(Handshake, ListenIgnoresRstAnswersAckWithRstDropsOthers) {
    listen();
    send(seg({.flags = kRst, .seq = 1}));
    expect_nothing();
    send(seg({.flags = kAck, .seq = 1, .ack = 4242}));
    expect(is_tcp({.flags = kRst, .seq = 4242}));
    send(seg({.flags = kFin, .seq = 1}));
    send(seg({.flags = 0, .seq = 1, .data = "x"}));
    expect_nothing();
    EXPECT_EQ(counters().listen_rst_ignored, 1u);
    EXPECT_EQ(counters().listen_ack_reset, 1u);
    EXPECT_EQ(counters().listen_other_dropped, 2u);
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

TEST_F(Handshake, SynReceivedBadAckIsAnsweredWithReset) {
    listen();
    send(seg({.flags = kSyn, .seq = kPeerIss}));
    expect(is_tcp({.flags = kSyn | kAck}));
    send(seg({.flags = kAck, .seq = kPeerIss + 1, .ack = kServerIss + 10}));
    expect(is_tcp({.flags = kRst, .seq = kServerIss + 10}));
    EXPECT_EQ(tcp().connections_in_use(), 1u);  // still SYN-RECEIVED
    send(seg({.flags = kAck, .seq = kPeerIss + 1, .ack = kServerIss + 1}));
    EXPECT_TRUE(tcp().accept(listener_).ok());
}

TEST_F(Handshake, SynReceivedPassiveRstReturnsToListen) {
    listen();
    send(seg({.flags = kSyn, .seq = kPeerIss}));
    expect(is_tcp({.flags = kSyn | kAck}));
    send(seg({.flags = kRst, .seq = kPeerIss + 1}));
    expect_nothing();
    EXPECT_EQ(tcp().connections_in_use(), 0u);
    send(seg({.flags = kSyn, .seq = 7000}));
    expect(is_tcp({.flags = kSyn | kAck, .ack = 7001}));
}

TEST_F(Handshake, SynReceivedPassiveInWindowSynReturnsToListen) {
    listen();
    send(seg({.flags = kSyn, .seq = kPeerIss}));
    expect(is_tcp({.flags = kSyn | kAck}));
    send(seg({.flags = kSyn, .seq = kPeerIss + 5}));  // fourth step
    expect_nothing();
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

TEST_F(Handshake, SynReceivedActiveRstIsConnectionRefused) {
    auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok());
    expect(is_tcp({.flags = kSyn}));
    send(seg({.flags = kSyn, .seq = kPeerServerIss}));
    expect(is_tcp({.flags = kSyn | kAck}));
    send(seg({.flags = kRst, .seq = kPeerServerIss + 1}));
    EXPECT_EQ(tcp().state(h.value()), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h.value()), ECONNREFUSED);
}

TEST_F(Handshake, SynQueueAndAcceptQueueAreBounded) {
    const TcpListenHandle l = listen(1);
    send(seg({.flags = kSyn, .seq = kPeerIss, .src_port = 1001}));
    expect(is_tcp({.flags = kSyn | kAck}));
    send(seg({.flags = kAck, .seq = kPeerIss + 1, .ack = kServerIss + 1, .src_port = 1001}));
    // The accept queue (backlog 1) is full: further SYNs are dropped, the peer retries.
    send(seg({.flags = kSyn, .seq = kPeerIss, .src_port = 1002}));
    expect_nothing();
    EXPECT_EQ(counters().accept_queue_full, 1u);
    ASSERT_TRUE(tcp().accept(l).ok());
    send(seg({.flags = kSyn, .seq = kPeerIss, .src_port = 1002}));
    expect(is_tcp({.flags = kSyn | kAck}));
}

TEST_F(Handshake, CloseListenerResetsUnacceptedChildren) {
    const TcpListenHandle l = listen();
    send(seg({.flags = kSyn, .seq = kPeerIss, .src_port = 1001}));
    expect(is_tcp({.flags = kSyn | kAck}));
    send(seg({.flags = kAck, .seq = kPeerIss + 1, .ack = kServerIss + 1, .src_port = 1001}));
    send(seg({.flags = kSyn, .seq = kPeerIss, .src_port = 1002}));  // half-open
    expect(is_tcp({.flags = kSyn | kAck}));
    ASSERT_TRUE(tcp().close_listener(l).ok());
    Captured rst = expect(is_tcp({.flags = kRst, .seq = kServerIss + 1}));
    EXPECT_EQ(rst.tcp.dst_port, 1001);
    expect_nothing();
    EXPECT_EQ(tcp().connections_in_use(), 0u);
    EXPECT_EQ(tcp().accept(l).code(), EBADF);
    send(seg({.flags = kSyn, .seq = 1}));  // port closed now
    expect(is_tcp({.flags = kRst | kAck, .seq = 0, .ack = 2}));
}

TEST_F(Handshake, ListenTwiceOnAPortIsAddressInUse) {
    listen();
    EXPECT_EQ(tcp().listen({kLocalIp, kLocalPort}, 4).code(), EADDRINUSE);
    EXPECT_EQ(tcp().listen({kLocalIp, 0}, 4).code(), EINVAL);
}

}  // namespace
}  // namespace tachyon::test
