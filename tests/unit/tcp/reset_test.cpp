// Resets: generation for a closed port (RFC 9293 3.10.7.1), RST processing per state (second
// step), RFC 5961 sections 3-5 with the rate limit (section 7), PAWS (RFC 7323 5.3), and the
// drops that happen before any connection is found.
#include "tests/unit/tcp/tcp_test_util.hpp"

namespace tachyon::test {
namespace {

using Reset = TcpTest;

constexpr uint32_t kRcv = kPeerIss + 1;
constexpr uint32_t kSnd = kServerIss + 1;

TEST_F(Reset, ClosedPortAnswersSynWithRstAck) {
    send(seg({.flags = kSyn, .seq = 77}));
    // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
    Captured c = expect(is_tcp({.flags = kRst | kAck, .seq = 0, .ack = 78, .no_options = true}));
    EXPECT_EQ(c.tcp.src_port, kLocalPort);
    EXPECT_EQ(c.tcp.dst_port, kPeerPort);
    EXPECT_EQ(c.ip.dst_addr, kPeerIp);
    send(seg({.flags = kFin, .seq = 10, .data = "abc"}));
    expect(is_tcp({.flags = kRst | kAck, .seq = 0, .ack = 14}));
    EXPECT_EQ(counters().no_connection, 2u);
}

TEST_F(Reset, ClosedPortAnswersAckWithRstAtSegAck) {
    send(seg({.flags = kAck, .seq = 10, .ack = 12345}));
    expect(is_tcp({.flags = kRst, .seq = 12345}));
}

TEST_F(Reset, ClosedPortIgnoresRst) {
    send(seg({.flags = kRst | kAck, .seq = 10, .ack = 5}));
    expect_nothing();
}

TEST_F(Reset, RstAtRcvNxtResetsAnEstablishedConnection) {
    const TcpHandle h = accept_established();
    send(seg({.seq = kRcv, .ack = kSnd, .data = "lost"}));
    expect(is_tcp({.ack = kRcv + 4}));
    send(seg({.flags = kRst, .seq = kRcv + 4}));
    expect_nothing();
    EXPECT_EQ(tcp().state(h), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h), ECONNRESET);
    // As Linux (tcp_reset leaves the receive queue): the bytes that arrived are read first,
    // then the error is reported; the send queue is flushed.
    EXPECT_TRUE(tcp().readable(h));
    EXPECT_EQ(tcp().receive_available(h), 4u);
    EXPECT_EQ(read_all(h), "lost");
    EXPECT_EQ(tcp().receive(h, {}).code(), ECONNRESET);
    char buf[8];
    EXPECT_EQ(tcp().receive(h, std::as_writable_bytes(std::span(buf))).code(), ECONNRESET);
    EXPECT_EQ(tcp().send(h, as_bytes("x")).code(), ECONNRESET);
    EXPECT_TRUE(tcp().hang_up(h));
    ASSERT_TRUE(tcp().close(h).ok());
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

// A child reset while it waits in the accept queue stays there, CLOSED, as on Linux: accept()
// hands it out, its data is readable, then the error; segments for its 4-tuple meet CLOSED.
TEST_F(Reset, ChildResetInTheAcceptQueueIsStillAccepted) {
    listen();
    send(seg({.flags = kSyn, .seq = kPeerIss, .mss = 1460}));
    expect(is_tcp({.flags = kSyn | kAck, .seq = kServerIss, .ack = kRcv}));
    send(seg({.seq = kRcv, .ack = kSnd, .data = "hi"}));
    expect(is_tcp({.flags = kAck, .seq = kSnd, .ack = kRcv + 2}));
    send(seg({.flags = kRst, .seq = kRcv + 2}));
    expect_nothing();
    EXPECT_EQ(counters().rst_received, 1u);
    EXPECT_EQ(tcp().connections_in_use(), 1u);
    send(seg({.seq = kRcv + 2, .ack = kSnd, .data = "late"}));  // no TCB for it any more
    expect(is_tcp({.flags = kRst, .seq = kSnd}));
    ASSERT_TRUE(tcp().accept_ready(listener_));
    auto h = tcp().accept(listener_);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(tcp().state(h.value()), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h.value()), ECONNRESET);
    EXPECT_EQ(tcp().tuple(h.value())->remote_port, kPeerPort);
    EXPECT_EQ(read_all(h.value()), "hi");
    EXPECT_EQ(tcp().receive(h.value(), {}).code(), ECONNRESET);
    ASSERT_TRUE(tcp().close(h.value()).ok());
    expect_nothing();
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

// Closing the listener frees a dead child still queued, without a segment for it.
TEST_F(Reset, CloseListenerFreesAResetChild) {
    listen();
    send(seg({.flags = kSyn, .seq = kPeerIss}));
    expect(is_tcp({.flags = kSyn | kAck}));
    send(seg({.seq = kRcv, .ack = kSnd}));
    send(seg({.flags = kRst, .seq = kRcv}));
    expect_nothing();
    EXPECT_EQ(tcp().connections_in_use(), 1u);
    ASSERT_TRUE(tcp().close_listener(listener_).ok());
    expect_nothing();
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

// A half-open child (SYN-RECEIVED) that is reset simply goes: "return to LISTEN".
TEST_F(Reset, HalfOpenChildResetLeavesNothingToAccept) {
    listen();
    send(seg({.flags = kSyn, .seq = kPeerIss}));
    expect(is_tcp({.flags = kSyn | kAck}));
    send(seg({.flags = kRst, .seq = kRcv}));
    expect_nothing();
    EXPECT_FALSE(tcp().accept_ready(listener_));
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

TEST_F(Reset, RstInTheWindowButNotAtRcvNxtGetsAChallengeAck) {
    const TcpHandle h = accept_established();
    send(seg({.flags = kRst, .seq = kRcv + 100}));  // RFC 5961 3.2
    expect(is_tcp({.flags = kAck, .seq = kSnd, .ack = kRcv}));
    EXPECT_EQ(tcp().state(h), TcpState::kEstablished);
    EXPECT_EQ(counters().challenge_acks_sent, 1u);
}

TEST_F(Reset, RstOutsideTheWindowIsDroppedSilently) {
    const TcpHandle h = accept_established();
    send(seg({.flags = kRst, .seq = kRcv + 100000}));
    send(seg({.flags = kRst, .seq = kRcv - 1}));
    expect_nothing();
    EXPECT_EQ(tcp().state(h), TcpState::kEstablished);
    EXPECT_EQ(counters().rst_out_of_window, 2u);
}

TEST_F(Reset, RstResetsEveryReceivingState) {
    // FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT: "connection reset"; CLOSING, LAST-ACK: just closed.
    const TcpHandle h1 = accept_established();
    ASSERT_TRUE(tcp().shutdown_write(h1).ok());
    expect(is_tcp({.flags = kFin | kAck}));
    EXPECT_EQ(tcp().state(h1), TcpState::kFinWait1);
    send(seg({.flags = kRst, .seq = kRcv}));
    EXPECT_EQ(tcp().state(h1), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h1), ECONNRESET);
    ASSERT_TRUE(tcp().close(h1).ok());
    ASSERT_TRUE(tcp().close_listener(listener_).ok());

    const TcpHandle h2 = accept_established();
    send(seg({.flags = kFin | kAck, .seq = kRcv, .ack = kSnd}));
    expect(is_tcp({.flags = kAck}));
    EXPECT_EQ(tcp().state(h2), TcpState::kCloseWait);
    send(seg({.flags = kRst, .seq = kRcv + 1}));
    EXPECT_EQ(tcp().state(h2), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h2), ECONNRESET);
    ASSERT_TRUE(tcp().close(h2).ok());
    ASSERT_TRUE(tcp().close_listener(listener_).ok());

    const TcpHandle h3 = accept_established();
    send(seg({.flags = kFin | kAck, .seq = kRcv, .ack = kSnd}));
    expect(is_tcp({.flags = kAck}));
    ASSERT_TRUE(tcp().shutdown_write(h3).ok());
    expect(is_tcp({.flags = kFin | kAck}));
    EXPECT_EQ(tcp().state(h3), TcpState::kLastAck);
    send(seg({.flags = kRst, .seq = kRcv + 1}));
    EXPECT_EQ(tcp().state(h3), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h3), 0);
    ASSERT_TRUE(tcp().close(h3).ok());
    ASSERT_TRUE(tcp().close_listener(listener_).ok());

    const TcpHandle h4 = accept_established();
    ASSERT_TRUE(tcp().shutdown_write(h4).ok());
    expect(is_tcp({.flags = kFin | kAck}));
    send(seg({.flags = kFin | kAck, .seq = kRcv, .ack = kSnd}));
    expect(is_tcp({.flags = kAck}));
    EXPECT_EQ(tcp().state(h4), TcpState::kClosing);
    send(seg({.flags = kRst, .seq = kRcv + 1}));
    EXPECT_EQ(tcp().state(h4), TcpState::kClosed);
    ASSERT_TRUE(tcp().close(h4).ok());
    ASSERT_TRUE(tcp().close_listener(listener_).ok());

    const TcpHandle h5 = accept_established();
    ASSERT_TRUE(tcp().shutdown_write(h5).ok());
    expect(is_tcp({.flags = kFin | kAck}));
    send(seg({.seq = kRcv, .ack = kSnd + 1}));
    EXPECT_EQ(tcp().state(h5), TcpState::kFinWait2);
    send(seg({.flags = kRst, .seq = kRcv}));
    EXPECT_EQ(tcp().state(h5), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h5), ECONNRESET);
    ASSERT_TRUE(tcp().close(h5).ok());
    ASSERT_TRUE(tcp().close_listener(listener_).ok());

    const TcpHandle h6 = accept_established();
    ASSERT_TRUE(tcp().close(h6).ok());
    expect(is_tcp({.flags = kFin | kAck}));
    send(seg({.flags = kFin | kAck, .seq = kRcv, .ack = kSnd + 1}));
    expect(is_tcp({.flags = kAck}));
    EXPECT_EQ(tcp().time_wait_records(), 1u);  // the orphan's TIME-WAIT
    send(seg({.flags = kRst, .seq = kRcv + 1}));
    EXPECT_EQ(tcp().time_wait_records(), 0u);
    EXPECT_EQ(tcp().connections_in_use(), 0u);
    expect_nothing();
}

TEST_F(Reset, SynInASynchronizedStateGetsAChallengeAck) {
    const TcpHandle h = accept_established();
    send(seg({.flags = kSyn, .seq = kRcv + 10}));   // in the window
    expect(is_tcp({.flags = kAck, .seq = kSnd, .ack = kRcv}));
    send(seg({.flags = kSyn, .seq = kRcv - 500}));  // RFC 5961 4.2: irrespective of SEG.SEQ
    expect(is_tcp({.flags = kAck, .seq = kSnd, .ack = kRcv}));
    EXPECT_EQ(tcp().state(h), TcpState::kEstablished);
    EXPECT_EQ(counters().challenge_acks_sent, 2u);
}

TEST_F(Reset, AckTooOldIsChallengedAndDropped) {
    const TcpHandle h = accept_established();
    // RFC 5961 5.2: SEG.ACK < SND.UNA - MAX.SND.WND (the peer offered at most 65535).
    send(seg({.seq = kRcv, .ack = kSnd - 70000, .data = "old"}));
    expect(is_tcp({.flags = kAck, .seq = kSnd, .ack = kRcv}));
    EXPECT_EQ(tcp().receive_available(h), 0u);
    // Within MAX.SND.WND below SND.UNA it is only a duplicate: the data is taken.
    send(seg({.seq = kRcv, .ack = kSnd - 10, .data = "ok"}));
    expect(is_tcp({.flags = kAck, .ack = kRcv + 2}));
    EXPECT_EQ(read_all(h), "ok");
}

class RateLimited : public TcpTest {
    TcpConfig config() const override {
        TcpConfig c = TcpTest::config();
        c.challenge_ack_limit = 2;
        return c;
    }
};

TEST_F(RateLimited, ChallengeAcksAreLimitedPerSecond) {
    const TcpHandle h = accept_established();
    host_.run_until(at_ms(5000));
    for (int i = 0; i < 4; ++i) send(seg({.flags = kRst, .seq = kRcv + 10}));
    expect(is_tcp({.flags = kAck, .ack = kRcv}));
    expect(is_tcp({.flags = kAck, .ack = kRcv}));
    expect_nothing();
    EXPECT_EQ(counters().challenge_acks_sent, 2u);
    EXPECT_EQ(counters().challenge_acks_rate_limited, 2u);
    send(seg({.flags = kRst, .seq = kRcv + 10}), at_ms(6000));
    expect(is_tcp({.flags = kAck, .ack = kRcv}));
    EXPECT_EQ(tcp().state(h), TcpState::kEstablished);
}

TEST_F(Reset, PawsRejectsAnOldTimestamp) {
    const TcpHandle h = accept_established(TcpTimestamp{1000, 0});
    ASSERT_TRUE(tcp().connection(h)->tcb.ts_ok);
    EXPECT_EQ(tcp().connection(h)->tcb.ts_recent, 1001u);
    send(seg({.seq = kRcv, .ack = kSnd, .ts = TcpTimestamp{1005, 0}, .data = "new"}));
    expect(is_tcp({.flags = kAck, .ack = kRcv + 3, .tsecr = 1005}));
    // A segment with a timestamp older than TS.Recent is a wrapped old duplicate (5.3 R1).
    send(seg({.seq = kRcv + 3, .ack = kSnd, .ts = TcpTimestamp{900, 0}, .data = "old"}));
    expect(is_tcp({.flags = kAck, .ack = kRcv + 3, .tsecr = 1005}));
    EXPECT_EQ(counters().paws_rejected, 1u);
    EXPECT_EQ(read_all(h), "new");
    // RST is exempt from PAWS.
    send(seg({.flags = kRst, .seq = kRcv + 3, .ts = TcpTimestamp{900, 0}}));
    EXPECT_EQ(tcp().state(h), TcpState::kClosed);
}

TEST_F(Reset, PawsTimestampOlderThan24DaysIsNoReference) {
    const TcpHandle h = accept_established(TcpTimestamp{1000, 0});
    host_.advance(Duration::from_secs(25 * 24 * 3600));
    send(seg({.seq = kRcv, .ack = kSnd, .ts = TcpTimestamp{5, 0}, .data = "x"}));
    expect(is_tcp({.flags = kAck, .ack = kRcv + 1, .tsecr = 5}));
    EXPECT_EQ(counters().paws_rejected, 0u);
    (void)h;
}

TEST_F(Reset, BadChecksumAndMalformedSegmentsAreDroppedAndCounted) {
    listen();
    send(seg({.flags = kSyn, .seq = 1, .corrupt_checksum = true}));
    expect_nothing();
    EXPECT_EQ(counters().bad_checksum, 1u);
    // A truncated header.
    Packet p = peer_pool_.alloc();
    p.append(10);
    Ipv4Repr ip;
    ip.src_addr = kPeerIp;
    ip.dst_addr = kLocalIp;
    ip.protocol = 6;
    tcp().input(ip, std::move(p));
    EXPECT_EQ(counters().bad_header, 1u);
    // Broadcast source: never answered.
    Packet q = build_segment(peer_pool_, {.flags = kSyn, .seq = 1}, Ipv4Address::broadcast(), kLocalIp,
                             kPeerPort, kLocalPort);
    ip.src_addr = Ipv4Address::broadcast();
    tcp().input(ip, std::move(q));
    expect_nothing();
    EXPECT_EQ(counters().bad_address, 1u);
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

TEST_F(Reset, DeviceVerifiedChecksumIsTrusted) {
    Packet p = build_segment(peer_pool_, {.flags = kSyn, .seq = 1, .corrupt_checksum = true}, kPeerIp,
                             kLocalIp, kPeerPort, kLocalPort);
    p.meta().rx_flags = PacketMeta::kRxL4CsumGood;
    Ipv4Repr ip;
    ip.src_addr = kPeerIp;
    ip.dst_addr = kLocalIp;
    ip.protocol = 6;
    tcp().input(ip, std::move(p));
    expect(is_tcp({.flags = kRst | kAck, .ack = 2}));  // processed: closed port
    Packet q = build_segment(peer_pool_, {.flags = kSyn, .seq = 1}, kPeerIp, kLocalIp, kPeerPort, kLocalPort);
    q.meta().rx_flags = PacketMeta::kRxL4CsumBad;
    tcp().input(ip, std::move(q));
    expect_nothing();
    EXPECT_EQ(counters().bad_checksum, 1u);
}

}  // namespace
}  // namespace tachyon::test
