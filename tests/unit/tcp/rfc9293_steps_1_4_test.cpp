// RFC 9293 3.10.7.4 SEGMENT ARRIVES "otherwise", steps one to four, in every state they apply to,
// with RFC 5961 (3.2 RST, 4.2 SYN) and RFC 7323 5.3 (PAWS). Third step (security and
// compartment): Tachyon uses no IP security compartments, so there is nothing to check or test.
#include "tests/unit/tcp/rfc9293_rules.hpp"

namespace tachyon::test {
namespace {

// First step: "If a segment's contents straddle the boundary between old and new, only the new
// parts are processed" -- and a segment entirely before RCV.NXT is not acceptable: "an
// acknowledgment should be sent in reply ... <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. After sending
// the acknowledgment, drop the unacceptable segment and return."
RFC9293_RULE(Step1_OldSegmentGetsAck) {
    Conn k = enter(GetParam().st);
    const TcpCounters before = counters();
    send(pseg({.seq = k.rcv_nxt - 3, .ack = k.snd_una, .data = "old"}));
    check(k, GetParam().e);
    EXPECT_EQ(counters().out_of_window, before.out_of_window + 1);
}
RFC9293_CASES(Step1_OldSegmentGetsAck, EVERY_STATE(ACK_AND_STAY));

// First step: a segment beyond RCV.NXT + RCV.WND is not acceptable either.
RFC9293_RULE(Step1_SegmentBeyondTheWindowGetsAck) {
    Conn k = enter(GetParam().st);
    const TcpCounters before = counters();
    send(pseg({.seq = k.rcv_nxt + 70000, .ack = k.snd_una, .data = "far"}));
    check(k, GetParam().e);
    EXPECT_EQ(counters().out_of_window, before.out_of_window + 1);
}
RFC9293_CASES(Step1_SegmentBeyondTheWindowGetsAck, EVERY_STATE(ACK_AND_STAY));

// First step: "(unless the RST bit is set, if so drop the segment and return)".
RFC9293_RULE(Step1_UnacceptableRstIsDropped) {
    Conn k = enter(GetParam().st);
    const TcpCounters before = counters();
    send(pseg({.flags = kRst, .seq = k.rcv_nxt + 100000}));
    send(pseg({.flags = kRst, .seq = k.rcv_nxt - 1}));
    send(pseg({.flags = kRst | kAck, .seq = k.rcv_nxt - 1, .ack = k.snd_nxt}));
    check(k, GetParam().e);
    EXPECT_EQ(counters().rst_out_of_window, before.rst_out_of_window + 3);
    EXPECT_EQ(counters().rst_received, before.rst_received);
}
RFC9293_CASES(Step1_UnacceptableRstIsDropped, EVERY_STATE(SILENT_STAY));

// First step, RFC 7323 5.3 R1: a segment whose TSval is older than TS.Recent is not acceptable
// whatever its sequence number (here an ACK of everything, which would otherwise complete the
// handshake, move FIN-WAIT-1 on, close LAST-ACK ...): it is acknowledged and dropped.
RFC9293_RULE(Step1_PawsRejectsAnOldTimestamp) {
    Conn k = enter(GetParam().st, true);
    const TcpCounters before = counters();
    send(pseg({.seq = k.rcv_nxt, .ack = k.snd_nxt, .ts = TcpTimestamp{kOldTsval, 0}}));
    check(k, GetParam().e);
    EXPECT_EQ(counters().paws_rejected, before.paws_rejected + 1);
}
RFC9293_CASES(Step1_PawsRejectsAnOldTimestamp, EVERY_STATE(ACK_AND_STAY));

// RFC 7323 5.3 R1 does not apply to an RST: an old timestamp does not save the connection.
RFC9293_RULE(Step1_PawsExemptsRst) {
    Conn k = enter(GetParam().st, true);
    send(pseg({.flags = kRst, .seq = k.rcv_nxt, .ts = TcpTimestamp{kOldTsval, 0}}));
    check(k, GetParam().e);
    EXPECT_EQ(counters().paws_rejected, 0u);
}
RFC9293_CASES(Step1_PawsExemptsRst, Case{St::kSynReceived, {.state = kClosed}},
              Case{St::kSynReceivedActive, {.state = kClosed, .error = ECONNREFUSED}},
              Case{St::kEstablished, {.state = kClosed, .error = ECONNRESET}},
              Case{St::kFinWait1, {.state = kClosed, .error = ECONNRESET}},
              Case{St::kFinWait2, {.state = kClosed, .error = ECONNRESET}},
              Case{St::kCloseWait, {.state = kClosed, .error = ECONNRESET}},
              Case{St::kClosing, {.state = kClosed}}, Case{St::kLastAck, {.state = kClosed}},
              Case{St::kTimeWait, {.state = kClosed}}, Case{St::kTimeWaitOrphan, {.state = kClosed}});

// First step, the acceptable part of a segment that starts before RCV.NXT is its new part only.
RFC9293_RULE(Step1_OverlappingSegmentIsTrimmedToItsNewPart) {
    Conn k = enter(GetParam().st);
    send(pseg({.seq = k.rcv_nxt - 3, .ack = k.snd_una, .data = "oldnew"}));
    check(k, GetParam().e);
    EXPECT_EQ(read_all(k.h), "new");
}
RFC9293_CASES(Step1_OverlappingSegmentIsTrimmedToItsNewPart,
              Case{St::kEstablished, {.state = kEst, .reply = kAck, .ack_delta = 3}},
              Case{St::kFinWait1, {.state = kFw1, .reply = kAck, .ack_delta = 3}},
              Case{St::kFinWait2, {.state = kFw2, .reply = kAck, .ack_delta = 3}});

// First step with RCV.WND = 0: a zero-length segment is acceptable only at RCV.NXT; a segment
// with text never is, but "special allowance should be made to accept valid ACKs, URGs, and
// RSTs": one at RCV.NXT has its ACK processed (FIN-WAIT-1 learns its FIN arrived) and its text
// dropped, and is acknowledged.
class Step1_ZeroWindow : public RuleTest {
protected:
    TcpConfig config() const override {
        TcpConfig c = RuleTest::config();
        c.defaults.receive_buffer = 1000;
        return c;
    }
};

TEST_P(Step1_ZeroWindow, Rule) {
    Conn k = enter(GetParam().st);
    send(pseg({.seq = k.rcv_nxt, .ack = k.snd_una, .data = std::string(1000, 'a')}));
    expect(is_tcp({.flags = kAck, .seq = k.snd_nxt, .ack = k.rcv_nxt + 1000, .window = 0}));
    k.rcv_nxt += 1000;
    const TcpCounters before = counters();
    send(pseg({.seq = k.rcv_nxt, .ack = k.snd_una}));  // zero length at RCV.NXT: acceptable
    expect_nothing();
    send(pseg({.seq = k.rcv_nxt + 1, .ack = k.snd_una}));  // zero length elsewhere: not
    expect(is_tcp({.flags = kAck, .seq = k.snd_nxt, .ack = k.rcv_nxt, .window = 0}));
    EXPECT_EQ(counters().out_of_window, before.out_of_window + 1);
    send(pseg({.seq = k.rcv_nxt, .ack = k.snd_nxt, .data = "more"}));  // text at RCV.NXT: its ACK only
    check(k, GetParam().e);
    EXPECT_EQ(read_all(k.h).size(), 1000u);
    expect(is_tcp({.flags = kAck, .seq = k.snd_nxt, .ack = k.rcv_nxt, .window = 1000}));  // window update
}
RFC9293_CASES(Step1_ZeroWindow, Case{St::kEstablished, {.state = kEst, .reply = kAck}},
              Case{St::kFinWait1, {.state = kFw2, .reply = kAck}},
              Case{St::kFinWait2, {.state = kFw2, .reply = kAck}});

// Second step, RFC 5961 3.2: an RST exactly at RCV.NXT resets. SYN-RECEIVED from a passive OPEN
// returns to LISTEN (the child goes, the user is not told); from an active OPEN "connection
// refused". ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT: "connection reset". CLOSING,
// LAST-ACK, TIME-WAIT: CLOSED, the TCB deleted, no error. Nothing is sent.
RFC9293_RULE(Step2_RstAtRcvNxtResets) {
    Conn k = enter(GetParam().st);
    const TcpCounters before = counters();
    send(pseg({.flags = kRst, .seq = k.rcv_nxt}));
    check(k, GetParam().e);
    EXPECT_EQ(counters().rst_received, before.rst_received + 1);
    if (k.h.valid()) {
        ASSERT_TRUE(tcp().close(k.h).ok());
    }
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}
RFC9293_CASES(Step2_RstAtRcvNxtResets, Case{St::kSynReceived, {.state = kClosed}},
              Case{St::kSynReceivedActive, {.state = kClosed, .error = ECONNREFUSED}},
              Case{St::kEstablished, {.state = kClosed, .error = ECONNRESET}},
              Case{St::kFinWait1, {.state = kClosed, .error = ECONNRESET}},
              Case{St::kFinWait2, {.state = kClosed, .error = ECONNRESET}},
              Case{St::kCloseWait, {.state = kClosed, .error = ECONNRESET}},
              Case{St::kClosing, {.state = kClosed}}, Case{St::kLastAck, {.state = kClosed}},
              Case{St::kTimeWait, {.state = kClosed}}, Case{St::kTimeWaitOrphan, {.state = kClosed}});

// Second step, RFC 5961 3.2: an RST inside the window but not at RCV.NXT gets a challenge ACK
// <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and changes nothing (also with the ACK bit and a wrong
// acknowledgment: the RST is looked at before the ACK).
RFC9293_RULE(Step2_RstInTheWindowGetsChallengeAck) {
    Conn k = enter(GetParam().st);
    const TcpCounters before = counters();
    send(pseg({.flags = kRst | kAck, .seq = k.rcv_nxt + 1, .ack = k.snd_nxt + 1000}));
    check(k, GetParam().e);
    EXPECT_EQ(counters().challenge_acks_sent, before.challenge_acks_sent + 1);
    EXPECT_EQ(counters().rst_received, before.rst_received);
}
RFC9293_CASES(Step2_RstInTheWindowGetsChallengeAck, EVERY_STATE(ACK_AND_STAY));

// Fourth step, RFC 5961 4.2: a SYN in a synchronized state (here at RCV.NXT, in the window) gets a
// challenge ACK and is dropped. TIME-WAIT too: at RCV.NXT it is not above the old incarnation's
// sequence space (RFC 6191), so it is no new connection. SYN-RECEIVED from a passive OPEN:
// "return this connection to the LISTEN state and return" (the half-open child goes silently);
// from an active OPEN it is handled as in the synchronized states.
RFC9293_RULE(Step4_SynGetsChallengeAck) {
    Conn k = enter(GetParam().st);
    const TcpCounters before = counters();
    send(pseg({.flags = kSyn, .seq = k.rcv_nxt}));
    check(k, GetParam().e);
    const uint64_t challenges = GetParam().e.reply != 0 ? 1 : 0;
    EXPECT_EQ(counters().challenge_acks_sent, before.challenge_acks_sent + challenges);
    EXPECT_EQ(counters().passive_opens, before.passive_opens);
}
RFC9293_CASES(Step4_SynGetsChallengeAck, Case{St::kSynReceived, {.state = kClosed}},
              ACK_AND_STAY(kSynReceivedActive), ACK_AND_STAY(kEstablished), ACK_AND_STAY(kFinWait1),
              ACK_AND_STAY(kFinWait2), ACK_AND_STAY(kCloseWait), ACK_AND_STAY(kClosing),
              ACK_AND_STAY(kLastAck), ACK_AND_STAY(kTimeWait), ACK_AND_STAY(kTimeWaitOrphan));

// Fourth step, RFC 5961 4.2: "irrespective of the sequence number": an old SYN is challenged the
// same way (in SYN-RECEIVED it is simply not acceptable: the first step's ACK).
RFC9293_RULE(Step4_OldSynGetsChallengeAck) {
    Conn k = enter(GetParam().st);
    const TcpCounters before = counters();
    send(pseg({.flags = kSyn, .seq = k.rcv_nxt - 500}));
    check(k, GetParam().e);
    EXPECT_EQ(counters().challenge_acks_sent, before.challenge_acks_sent + 1);
    EXPECT_EQ(counters().passive_opens, before.passive_opens);
}
RFC9293_CASES(Step4_OldSynGetsChallengeAck, EVERY_STATE(ACK_AND_STAY));

// Fourth step in SYN-RECEIVED, as Linux: the peer's SYN again (our SYN,ACK was lost) is answered
// with our SYN,ACK again rather than treated as a new attempt.
RFC9293_RULE(Step4_RetransmittedSynResendsSynAck) {
    Conn k = enter(GetParam().st);
    send(pseg({.flags = kSyn, .seq = k.rcv_nxt - 1}));
    check(k, GetParam().e);
}
RFC9293_CASES(Step4_RetransmittedSynResendsSynAck,
              Case{St::kSynReceived, {.state = kSynRcvd, .reply = kSyn | kAck}},
              Case{St::kSynReceivedActive, {.state = kSynRcvd, .reply = kSyn | kAck}});

// Fourth step in TIME-WAIT (RFC 6191, RFC 9293 "new connections can be accepted"): a SYN above
// RCV.NXT to a port with a listener ends the old incarnation and opens a new one, its ISS above
// the old sequence space.
TEST_F(RuleTest, Rfc9293_Step4_TimeWaitSynAboveRcvNxtOpensANewIncarnation) {
    Conn k = enter(St::kTimeWait);
    send(seg({.flags = kSyn, .seq = k.rcv_nxt + 1000}));
    expect(is_tcp({.flags = kSyn | kAck, .seq = k.snd_nxt + 65535 + 2, .ack = k.rcv_nxt + 1001}));
    EXPECT_EQ(counters().time_wait_syn_accepted, 1u);
    EXPECT_EQ(tcp().state(k.h), kClosed);
    ASSERT_TRUE(tcp().close(k.h).ok());
    EXPECT_EQ(tcp().connections_in_use(), 1u);  // the new SYN-RECEIVED child
}

// Without a listener there is nobody to take a new incarnation: the SYN is the TIME-WAIT
// connection's, answered with a challenge ACK (as Linux: TCP_TW_SYN without a listener is
// TCP_TW_ACK), and TIME-WAIT goes on.
TEST_F(RuleTest, Rfc9293_Step4_TimeWaitSynWithoutListenerGetsChallengeAck) {
    const TcpHandle h = connect_established();
    ASSERT_TRUE(tcp().shutdown_write(h).ok());
    expect(is_tcp({.flags = kFin | kAck, .seq = kClientIss + 1, .ack = kPeerServerIss + 1}));
    send(seg({.flags = kFin | kAck, .seq = kPeerServerIss + 1, .ack = kClientIss + 2}));
    expect(is_tcp({.flags = kAck, .seq = kClientIss + 2, .ack = kPeerServerIss + 2}));
    ASSERT_EQ(tcp().state(h), kTw);
    send(seg({.flags = kSyn, .seq = kPeerServerIss + 5000}));
    expect(is_tcp({.flags = kAck, .seq = kClientIss + 2, .ack = kPeerServerIss + 2}));
    EXPECT_EQ(tcp().state(h), kTw);
    EXPECT_EQ(counters().time_wait_syn_accepted, 0u);
    EXPECT_EQ(counters().challenge_acks_sent, 1u);
    EXPECT_EQ(counters().no_connection, 0u);
}

}  // namespace
}  // namespace tachyon::test
