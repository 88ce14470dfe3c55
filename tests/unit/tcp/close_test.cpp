// Every close path of the state diagram: active, passive, simultaneous (CLOSING), half-close in
// both directions, FIN retransmission, TIME-WAIT (2 MSL, RFC 6191 reuse), FIN-WAIT-2 timeout,
// close with unread data and data after close (RFC 1122 4.2.2.13), abort.
#include "tests/unit/tcp/tcp_test_util.hpp"

namespace tachyon::test {
namespace {

using Close = TcpTest;

constexpr uint32_t kRcv = kPeerIss + 1;
constexpr uint32_t kSnd = kServerIss + 1;

TEST_F(Close, ActiveCloseFinWait1FinWait2TimeWaitClosed) {
    const TcpHandle h = accept_established();
    host_.run_until(at_ms(0));
    ASSERT_TRUE(tcp().shutdown_write(h).ok());
    EXPECT_EQ(tcp().state(h), TcpState::kFinWait1);
    expect(is_tcp({.flags = kFin | kAck, .seq = kSnd, .ack = kRcv}));
    EXPECT_FALSE(tcp().writable(h));
    EXPECT_EQ(tcp().send(h, as_bytes("x")).code(), EPIPE);
    send(seg({.seq = kRcv, .ack = kSnd + 1}));
    EXPECT_EQ(tcp().state(h), TcpState::kFinWait2);
    expect_nothing();
    send(seg({.flags = kFin | kAck, .seq = kRcv, .ack = kSnd + 1}), at_ms(10));
    expect(is_tcp({.flags = kAck, .seq = kSnd + 1, .ack = kRcv + 1}));
    EXPECT_EQ(tcp().state(h), TcpState::kTimeWait);
    EXPECT_EQ(tcp().receive(h, {}).value(), 0u);
    EXPECT_TRUE(tcp().hang_up(h));
    // 2 MSL = 60 s (configurable), counted from entering TIME-WAIT.
    host_.run_until(at_ms(60009));
    EXPECT_EQ(tcp().state(h), TcpState::kTimeWait);
    host_.run_until(at_ms(60010));
    EXPECT_EQ(tcp().state(h), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h), 0);
    ASSERT_TRUE(tcp().close(h).ok());
    EXPECT_EQ(tcp().connections_in_use(), 0u);
    EXPECT_EQ(counters().time_wait_expired, 1u);
}

TEST_F(Close, PassiveCloseCloseWaitLastAckClosed) {
    const TcpHandle h = accept_established();
    send(seg({.flags = kFin | kAck, .seq = kRcv, .ack = kSnd, .data = "bye"}));
    expect(is_tcp({.flags = kAck, .seq = kSnd, .ack = kRcv + 4}));
    EXPECT_EQ(tcp().state(h), TcpState::kCloseWait);
    EXPECT_EQ(read_all(h), "bye");
    EXPECT_EQ(tcp().receive(h, {}).value(), 0u);  // end of stream
    EXPECT_TRUE(tcp().readable(h));
    // Half-closed by the peer: we still send.
    send_str(h, "more");
    expect(is_tcp({.seq = kSnd, .data = "more"}));
    ASSERT_TRUE(tcp().close(h).ok());
    expect(is_tcp({.flags = kFin | kAck, .seq = kSnd + 4, .ack = kRcv + 4}));
    EXPECT_EQ(tcp().connections_in_use(), 1u);  // LAST-ACK, owned by the layer now
    send(seg({.seq = kRcv + 4, .ack = kSnd + 5}));
    expect_nothing();
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

TEST_F(Close, SimultaneousCloseGoesThroughClosing) {
    const TcpHandle h = accept_established();
    ASSERT_TRUE(tcp().shutdown_write(h).ok());
    expect(is_tcp({.flags = kFin | kAck, .seq = kSnd}));
    // The peer's FIN crosses ours: it does not acknowledge our FIN.
    send(seg({.flags = kFin | kAck, .seq = kRcv, .ack = kSnd}));
    expect(is_tcp({.flags = kAck, .seq = kSnd + 1, .ack = kRcv + 1}));
    EXPECT_EQ(tcp().state(h), TcpState::kClosing);
    send(seg({.seq = kRcv + 1, .ack = kSnd + 1}));
    EXPECT_EQ(tcp().state(h), TcpState::kTimeWait);
    expect_nothing();
}

TEST_F(Close, FinAndAckTogetherGoFromFinWait1ToTimeWait) {
    const TcpHandle h = accept_established();
    ASSERT_TRUE(tcp().shutdown_write(h).ok());
    expect(is_tcp({.flags = kFin | kAck}));
    send(seg({.flags = kFin | kAck, .seq = kRcv, .ack = kSnd + 1}));
    expect(is_tcp({.flags = kAck, .ack = kRcv + 1}));
    EXPECT_EQ(tcp().state(h), TcpState::kTimeWait);
}

TEST_F(Close, HalfCloseOurSideStillReceives) {
    const TcpHandle h = accept_established();
    ASSERT_TRUE(tcp().shutdown_write(h).ok());
    expect(is_tcp({.flags = kFin | kAck}));
    send(seg({.seq = kRcv, .ack = kSnd + 1, .data = "still"}));
    expect(is_tcp({.flags = kAck, .ack = kRcv + 5}));
    EXPECT_EQ(tcp().state(h), TcpState::kFinWait2);
    send(seg({.seq = kRcv + 5, .ack = kSnd + 1, .data = " here"}));
    expect(is_tcp({.flags = kAck, .ack = kRcv + 10}));
    EXPECT_EQ(read_all(h), "still here");
    // FIN-WAIT-2 of a connection the user still holds has no timeout (as Linux).
    expect_nothing_until(at_ms(200000));
    EXPECT_EQ(tcp().state(h), TcpState::kFinWait2);
}

TEST_F(Close, FinIsRetransmitted) {
    const TcpHandle h = accept_established();
    host_.run_until(at_ms(0));
    send_str(h, "ab");
    ASSERT_TRUE(tcp().shutdown_write(h).ok());
    expect(is_tcp({.flags = kAck, .seq = kSnd, .data = "ab"}));
    expect(is_tcp({.flags = kFin | kAck, .seq = kSnd + 2, .len = 0}));
    send(seg({.seq = kRcv, .ack = kSnd + 2}), at_ms(5));  // data acknowledged, FIN lost
    // The handshake measured a round trip of 0: RTO is the 200 ms minimum, restarted by the
    // ACK at 5 ms (RFC 6298 5.3), then doubled.
    expect_at(at_ms(205), is_tcp({.flags = kFin | kAck, .seq = kSnd + 2}));
    expect_at(at_ms(605), is_tcp({.flags = kFin | kAck, .seq = kSnd + 2}));
    send(seg({.seq = kRcv, .ack = kSnd + 3}), at_ms(610));
    EXPECT_EQ(tcp().state(h), TcpState::kFinWait2);
}

TEST_F(Close, LastAckRetransmitsFin) {
    const TcpHandle h = accept_established();
    host_.run_until(at_ms(0));
    send(seg({.flags = kFin | kAck, .seq = kRcv, .ack = kSnd}));
    expect(is_tcp({.flags = kAck, .ack = kRcv + 1}));
    ASSERT_TRUE(tcp().shutdown_write(h).ok());
    EXPECT_EQ(tcp().state(h), TcpState::kLastAck);
    expect(is_tcp({.flags = kFin | kAck, .seq = kSnd}));
    expect_at(at_ms(200), is_tcp({.flags = kFin | kAck, .seq = kSnd}));
    send(seg({.seq = kRcv + 1, .ack = kSnd + 1}));
    EXPECT_EQ(tcp().state(h), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h), 0);
}

TEST_F(Close, TimeWaitAcksARetransmittedFinAndRestarts2Msl) {
    const TcpHandle h = accept_established();
    host_.run_until(at_ms(0));
    ASSERT_TRUE(tcp().close(h).ok());
    expect(is_tcp({.flags = kFin | kAck}));
    send(seg({.flags = kFin | kAck, .seq = kRcv, .ack = kSnd + 1}));
    expect(is_tcp({.flags = kAck, .ack = kRcv + 1}));
    send(seg({.flags = kFin | kAck, .seq = kRcv, .ack = kSnd + 1}), at_ms(30000));
    expect(is_tcp({.flags = kAck, .seq = kSnd + 1, .ack = kRcv + 1}));
    // The orphan's TIME-WAIT is a compact record: its slot is free already.
    EXPECT_EQ(tcp().connections_in_use(), 0u);
    host_.run_until(at_ms(89999));
    EXPECT_EQ(tcp().time_wait_records(), 1u);
    host_.run_until(at_ms(90000));
    EXPECT_EQ(tcp().time_wait_records(), 0u);
    EXPECT_EQ(counters().time_wait_expired, 1u);
}

TEST_F(Close, TimeWaitAcceptsANewSynAboveRcvNxt) {
    const TcpHandle h = accept_established();
    ASSERT_TRUE(tcp().close(h).ok());
    expect(is_tcp({.flags = kFin | kAck}));
    send(seg({.flags = kFin | kAck, .seq = kRcv, .ack = kSnd + 1}));
    expect(is_tcp({.flags = kAck}));
    // RFC 6191 without timestamps = RFC 1122 4.2.2.13: SEG.SEQ > RCV.NXT reopens, with an ISS
    // above the old sequence space.
    send(seg({.flags = kSyn, .seq = kRcv + 100000}));
    Captured synack = expect(is_tcp({.flags = kSyn | kAck, .ack = kRcv + 100001}));
    EXPECT_GT(synack.tcp.seq_number, SeqNum(kSnd + 1));
    EXPECT_EQ(counters().time_wait_syn_accepted, 1u);
    EXPECT_EQ(tcp().connections_in_use(), 1u);
}

TEST_F(Close, TimeWaitAnswersAnOldSynWithAnAck) {
    const TcpHandle h = accept_established();
    ASSERT_TRUE(tcp().close(h).ok());
    expect(is_tcp({.flags = kFin | kAck}));
    send(seg({.flags = kFin | kAck, .seq = kRcv, .ack = kSnd + 1}));
    expect(is_tcp({.flags = kAck}));
    send(seg({.flags = kSyn, .seq = kPeerIss}));
    expect(is_tcp({.flags = kAck, .seq = kSnd + 1, .ack = kRcv + 1}));
    EXPECT_EQ(tcp().time_wait_records(), 1u);  // still TIME-WAIT
}

TEST_F(Close, TimeWaitWithTimestampsAcceptsOnlyANewerTsval) {
    const TcpHandle h = accept_established(TcpTimestamp{1000, 0});
    ASSERT_TRUE(tcp().close(h).ok());
    Captured fin = expect(is_tcp({.flags = kFin | kAck, .has_ts = true}));
    const uint32_t ours = fin.tcp.timestamp->tsval;
    send(seg({.flags = kFin | kAck, .seq = kRcv, .ack = kSnd + 1, .ts = TcpTimestamp{2000, ours}}));
    expect(is_tcp({.flags = kAck, .tsecr = 2000}));
    // An older timestamp is not a new incarnation, even with a higher sequence number.
    send(seg({.flags = kSyn, .seq = kRcv + 50000, .ts = TcpTimestamp{1500, 0}}));
    expect(is_tcp({.flags = kAck, .ack = kRcv + 1}));
    send(seg({.flags = kSyn, .seq = 1, .ts = TcpTimestamp{2500, 0}}));
    expect(is_tcp({.flags = kSyn | kAck, .ack = 2}));
}

TEST_F(Close, OrphanInFinWait2IsResetAfterTheTimeout) {
    const TcpHandle h = accept_established();
    host_.run_until(at_ms(0));
    ASSERT_TRUE(tcp().close(h).ok());
    expect(is_tcp({.flags = kFin | kAck}));
    send(seg({.seq = kRcv, .ack = kSnd + 1}), at_ms(10));
    expect_nothing_until(at_ms(60009));
    EXPECT_EQ(tcp().connections_in_use(), 1u);
    host_.run_until(at_ms(60010));
    expect(is_tcp({.flags = kRst, .seq = kSnd + 1}));
    EXPECT_EQ(tcp().connections_in_use(), 0u);
    EXPECT_EQ(counters().fin_wait2_timeouts, 1u);
}

TEST_F(Close, CloseWithUnreadDataSendsReset) {
    const TcpHandle h = accept_established();
    send(seg({.seq = kRcv, .ack = kSnd, .data = "unread"}));
    expect(is_tcp({.flags = kAck}));
    ASSERT_TRUE(tcp().close(h).ok());
    expect(is_tcp({.flags = kRst, .seq = kSnd}));
    EXPECT_EQ(tcp().connections_in_use(), 0u);
    EXPECT_EQ(counters().abort_on_close, 1u);
    // The tuple is free again: the peer's next segment meets a closed port.
    send(seg({.seq = kRcv + 6, .ack = kSnd}));
    expect(is_tcp({.flags = kRst, .seq = kSnd}));
}

TEST_F(Close, DataAfterCloseIsAnsweredWithReset) {
    const TcpHandle h = accept_established();
    ASSERT_TRUE(tcp().close(h).ok());
    expect(is_tcp({.flags = kFin | kAck, .seq = kSnd}));
    send(seg({.seq = kRcv, .ack = kSnd + 1, .data = "late"}));
    expect(is_tcp({.flags = kRst, .seq = kSnd + 1}));
    EXPECT_EQ(tcp().connections_in_use(), 0u);
    EXPECT_EQ(counters().abort_on_data, 1u);
}

TEST_F(Close, AbortSendsResetAtSndNxt) {
    const TcpHandle h = accept_established();
    send_str(h, "pending");
    expect(is_tcp({.len = 7}));
    ASSERT_TRUE(tcp().abort(h).ok());
    expect(is_tcp({.flags = kRst, .seq = kSnd + 7, .no_options = true}));
    EXPECT_EQ(tcp().connections_in_use(), 0u);
    EXPECT_EQ(tcp().state(h), TcpState::kClosed);
    EXPECT_EQ(tcp().abort(h).code(), EBADF);
}

TEST_F(Close, CloseInSynSentJustDeletesTheTcb) {
    auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok());
    expect(is_tcp({.flags = kSyn}));
    ASSERT_TRUE(tcp().close(h.value()).ok());
    expect_nothing_until(at_ms(10000));
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

TEST_F(Close, ShutdownInSynSentSendsFinOnceEstablished) {
    auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok());
    expect(is_tcp({.flags = kSyn}));
    send_str(h.value(), "early");
    ASSERT_TRUE(tcp().shutdown_write(h.value()).ok());
    expect_nothing();
    send(seg({.flags = kSyn | kAck, .seq = kPeerServerIss, .ack = kClientIss + 1}));
    EXPECT_EQ(tcp().state(h.value()), TcpState::kFinWait1);
    // The FIN rides on the last data segment.
    expect(is_tcp({.flags = kFin | kAck, .seq = kClientIss + 1, .data = "early"}));
}

}  // namespace
}  // namespace tachyon::test
