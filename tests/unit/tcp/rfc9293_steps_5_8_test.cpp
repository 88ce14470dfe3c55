// RFC 9293 3.10.7.4 SEGMENT ARRIVES "otherwise", steps five to eight, in every state they apply
// to, with RFC 5961 5.2 (ACK acceptability). Sixth step: Tachyon does not implement urgent data
// (RFC 6093 discourages it); URG is ignored and the bytes are delivered inline, which is what the
// test of the sixth step asserts.
#include "tests/unit/tcp/rfc9293_rules.hpp"

namespace tachyon::test {
namespace {

bool syn_received(St s) { return s == St::kSynReceived || s == St::kSynReceivedActive; }

// Fifth step: "if the ACK bit is off, drop the segment and return" -- also with text or a FIN.
RFC9293_RULE(Step5_SegmentWithoutAckIsDropped) {
    Conn k = enter(GetParam().st);
    const TcpCounters before = counters();
    send(pseg({.flags = 0, .seq = k.rcv_nxt, .data = "x"}));
    send(pseg({.flags = kFin, .seq = k.rcv_nxt}));
    check(k, GetParam().e);
    EXPECT_EQ(counters().no_ack_flag, before.no_ack_flag + 2);
    if (k.h.valid()) {
        EXPECT_EQ(tcp().receive_available(k.h), 0u);
    }
}
RFC9293_CASES(Step5_SegmentWithoutAckIsDropped, EVERY_STATE(SILENT_STAY));

// Fifth step, per state, for an ACK of everything we sent (SEG.ACK = SND.NXT) carrying a window:
// SYN-RECEIVED: SND.UNA < SEG.ACK =< SND.NXT: ESTABLISHED, SND.WND <- SEG.WND. ESTABLISHED,
// FIN-WAIT-2, CLOSE-WAIT, TIME-WAIT: the window is updated, the state kept. FIN-WAIT-1: "if the
// FIN segment is now acknowledged, then enter FIN-WAIT-2". CLOSING: "if the ACK acknowledges our
// FIN, then enter the TIME-WAIT state". LAST-ACK: "If our FIN is now acknowledged, delete the
// TCB, enter the CLOSED state". No reply anywhere. TIME-WAIT keeps no send window (it sends
// nothing but ACKs; its compact record, like Linux's timewait socket, has none to update).
RFC9293_RULE(Step5_AckOfEverythingSent) {
    Conn k = enter(GetParam().st);
    const bool time_wait = GetParam().st == St::kTimeWait || GetParam().st == St::kTimeWaitOrphan;
    send(pseg({.seq = k.rcv_nxt, .ack = k.snd_nxt, .window = 1234}));
    check(k, GetParam().e);
    if (const TcpConnection* c = tcp().connection(k.h); c != nullptr && c->state != kClosed && !time_wait) {
        EXPECT_EQ(c->tcb.snd_wnd, 1234u);
        EXPECT_EQ(c->tcb.snd_una.raw(), k.snd_nxt);
        EXPECT_EQ(c->tcb.snd_wl1.raw(), k.rcv_nxt);
        EXPECT_EQ(c->tcb.snd_wl2.raw(), k.snd_nxt);
    }
}
RFC9293_CASES(Step5_AckOfEverythingSent, Case{St::kSynReceived, {.state = kEst}},
              Case{St::kSynReceivedActive, {.state = kEst}}, Case{St::kEstablished, {.state = kEst}},
              Case{St::kFinWait1, {.state = kFw2}}, Case{St::kFinWait2, {.state = kFw2}},
              Case{St::kCloseWait, {.state = kCw}}, Case{St::kClosing, {.state = kTw}},
              Case{St::kLastAck, {.state = kClosed}}, Case{St::kTimeWait, {.state = kTw}},
              Case{St::kTimeWaitOrphan, {.state = kTw}});

// Fifth step: an ACK that does not cover our FIN leaves FIN-WAIT-1, CLOSING and LAST-ACK where
// they are.
RFC9293_RULE(Step5_AckBelowOurFinKeepsTheState) {
    Conn k = enter(GetParam().st);
    send(pseg({.seq = k.rcv_nxt, .ack = k.snd_una}));
    check(k, GetParam().e);
}
RFC9293_CASES(Step5_AckBelowOurFinKeepsTheState, SILENT_STAY(kFinWait1), SILENT_STAY(kClosing),
              SILENT_STAY(kLastAck));

// Fifth step in SYN-RECEIVED: an ACK outside SND.UNA < SEG.ACK =< SND.NXT ("If the segment
// acknowledgment is not acceptable, form a reset segment <SEQ=SEG.ACK><CTL=RST>"), here one
// that acknowledges only up to our ISS, and one beyond our SYN.
RFC9293_RULE(Step5_SynReceivedUnacceptableAckGetsRst) {
    Conn k = enter(GetParam().st);
    const TcpCounters before = counters();
    send(pseg({.seq = k.rcv_nxt, .ack = k.snd_una}));
    check(k, GetParam().e, k.snd_una);
    send(pseg({.seq = k.rcv_nxt, .ack = k.snd_nxt + 1}));
    check(k, GetParam().e, k.snd_nxt + 1);
    EXPECT_EQ(counters().syn_received_bad_ack, before.syn_received_bad_ack + 2);
}
RFC9293_CASES(Step5_SynReceivedUnacceptableAckGetsRst, Case{St::kSynReceived, {.state = kSynRcvd, .reply = kRst}},
              Case{St::kSynReceivedActive, {.state = kSynRcvd, .reply = kRst}});

// Fifth step, RFC 5961 5.2 (which replaces RFC 9293's "If the ACK acks something not yet sent
// (SEG.ACK > SND.NXT), then send an ACK, drop the segment, and return"): an ACK above SND.NXT
// gets a challenge ACK and the segment, text included, is dropped.
RFC9293_RULE(Step5_AckAboveSndNxtGetsChallengeAck) {
    Conn k = enter(GetParam().st);
    const TcpCounters before = counters();
    send(pseg({.seq = k.rcv_nxt, .ack = k.snd_nxt + 1, .data = "x"}));
    check(k, GetParam().e);
    EXPECT_EQ(counters().ack_unacceptable, before.ack_unacceptable + 1);
    EXPECT_EQ(counters().challenge_acks_sent, before.challenge_acks_sent + 1);
    EXPECT_EQ(tcp().receive_available(k.h), 0u);
}
RFC9293_CASES(Step5_AckAboveSndNxtGetsChallengeAck, ACK_AND_STAY(kEstablished), ACK_AND_STAY(kFinWait1),
              ACK_AND_STAY(kFinWait2), ACK_AND_STAY(kCloseWait), ACK_AND_STAY(kClosing),
              ACK_AND_STAY(kLastAck), ACK_AND_STAY(kTimeWait), ACK_AND_STAY(kTimeWaitOrphan));

// Fifth step, RFC 5961 5.2: an ACK below SND.UNA - MAX.SND.WND (the peer offered 65535 at most)
// is not acceptable either: challenge ACK, segment dropped.
RFC9293_RULE(Step5_AckBelowMaxSndWndGetsChallengeAck) {
    Conn k = enter(GetParam().st);
    const TcpCounters before = counters();
    send(pseg({.seq = k.rcv_nxt, .ack = k.snd_una - 70000, .data = "x"}));
    check(k, GetParam().e);
    EXPECT_EQ(counters().ack_unacceptable, before.ack_unacceptable + 1);
    EXPECT_EQ(tcp().receive_available(k.h), 0u);
}
RFC9293_CASES(Step5_AckBelowMaxSndWndGetsChallengeAck, ACK_AND_STAY(kEstablished), ACK_AND_STAY(kFinWait1),
              ACK_AND_STAY(kFinWait2), ACK_AND_STAY(kCloseWait), ACK_AND_STAY(kClosing),
              ACK_AND_STAY(kLastAck), ACK_AND_STAY(kTimeWait), ACK_AND_STAY(kTimeWaitOrphan));

// Fifth step: "If the ACK is a duplicate (SEG.ACK < SND.UNA), it can be ignored" -- the ACK
// field only: the text is still taken (RFC 5961 5.2 accepts it within MAX.SND.WND).
RFC9293_RULE(Step5_DuplicateAckIsIgnoredTextTaken) {
    Conn k = enter(GetParam().st);
    send(pseg({.seq = k.rcv_nxt, .ack = k.snd_una - 10, .data = "ok"}));
    check(k, GetParam().e);
    EXPECT_EQ(read_all(k.h), "ok");
}
RFC9293_CASES(Step5_DuplicateAckIsIgnoredTextTaken, Case{St::kEstablished, {.state = kEst, .reply = kAck, .ack_delta = 2}},
              Case{St::kFinWait1, {.state = kFw1, .reply = kAck, .ack_delta = 2}},
              Case{St::kFinWait2, {.state = kFw2, .reply = kAck, .ack_delta = 2}});

// Sixth step (URG): not implemented; the bytes of a segment with URG are ordinary data.
RFC9293_RULE(Step6_UrgIsIgnoredTextDeliveredInline) {
    Conn k = enter(GetParam().st);
    Packet p = build_segment(peer_pool_, {.seq = k.rcv_nxt, .ack = k.snd_una, .data = "u!"}, kPeerIp, kLocalIp,
                             kPeerPort, kLocalPort);
    ASSERT_TRUE(p);
    TcpSegment view(p.bytes());
    view.set_flags(static_cast<uint8_t>(view.flags() | tcp_flags::kUrg));
    view.set_urgent_pointer(1);
    view.set_checksum(0);
    view.fill_checksum(kPeerIp, kLocalIp);
    Ipv4Repr ip;
    ip.src_addr = kPeerIp;
    ip.dst_addr = kLocalIp;
    ip.protocol = static_cast<uint8_t>(IpProtocol::kTcp);
    ip.payload_len = static_cast<uint16_t>(p.size());
    tcp().input(ip, std::move(p));
    check(k, GetParam().e);
    EXPECT_EQ(read_all(k.h), "u!");
}
RFC9293_CASES(Step6_UrgIsIgnoredTextDeliveredInline, Case{St::kEstablished, {.state = kEst, .reply = kAck, .ack_delta = 2}},
              Case{St::kFinWait1, {.state = kFw1, .reply = kAck, .ack_delta = 2}},
              Case{St::kFinWait2, {.state = kFw2, .reply = kAck, .ack_delta = 2}});

// Seventh step in ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2 (and SYN-RECEIVED, which the ACK moved to
// ESTABLISHED): the text is delivered and acknowledged, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
// (at once: the first segments of a connection are not delayed).
RFC9293_RULE(Step7_TextIsDelivered) {
    Conn k = enter(GetParam().st);
    const uint32_t ack = syn_received(k.st) ? k.snd_nxt : k.snd_una;
    send(pseg({.seq = k.rcv_nxt, .ack = ack, .data = "hello"}));
    if (syn_received(k.st)) k.snd_una = k.snd_nxt;
    check(k, GetParam().e);
    EXPECT_EQ(read_all(k.h), "hello");
}
RFC9293_CASES(Step7_TextIsDelivered, Case{St::kSynReceived, {.state = kEst, .reply = kAck, .ack_delta = 5}},
              Case{St::kSynReceivedActive, {.state = kEst, .reply = kAck, .ack_delta = 5}},
              Case{St::kEstablished, {.state = kEst, .reply = kAck, .ack_delta = 5}},
              Case{St::kFinWait1, {.state = kFw1, .reply = kAck, .ack_delta = 5}},
              Case{St::kFinWait2, {.state = kFw2, .reply = kAck, .ack_delta = 5}});

// Seventh step in CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: "This should not occur since a FIN
// has been received from the remote side. Ignore the segment text." RCV.NXT does not move.
RFC9293_RULE(Step7_TextAfterTheFinIsIgnored) {
    Conn k = enter(GetParam().st);
    send(pseg({.seq = k.rcv_nxt, .ack = k.snd_una, .data = "late"}));
    check(k, GetParam().e);
    EXPECT_EQ(tcp().receive_available(k.h), 0u);
    EXPECT_EQ(rcv_nxt_of(k), k.rcv_nxt);
}
RFC9293_CASES(Step7_TextAfterTheFinIsIgnored, SILENT_STAY(kCloseWait), SILENT_STAY(kClosing), SILENT_STAY(kLastAck),
              SILENT_STAY(kTimeWait), SILENT_STAY(kTimeWaitOrphan));

// Seventh step: text beyond a hole is kept (bounded) and acknowledged at once with the ACK that
// says where the hole is (RFC 9293 3.10.7.4 "send an acknowledgment"; RFC 5681 4.2).
RFC9293_RULE(Step7_OutOfOrderTextIsAcknowledgedAtOnce) {
    Conn k = enter(GetParam().st);
    const TcpCounters before = counters();
    send(pseg({.seq = k.rcv_nxt + 10, .ack = k.snd_una, .data = "later"}));
    check(k, GetParam().e);
    EXPECT_EQ(counters().ooo_segments, before.ooo_segments + 1);
    send(pseg({.seq = k.rcv_nxt, .ack = k.snd_una, .data = "0123456789"}));
    expect(is_tcp({.flags = kAck, .seq = k.snd_nxt, .ack = k.rcv_nxt + 15}));
    EXPECT_EQ(read_all(k.h), "0123456789later");
}
RFC9293_CASES(Step7_OutOfOrderTextIsAcknowledgedAtOnce, ACK_AND_STAY(kEstablished), ACK_AND_STAY(kFinWait1),
              ACK_AND_STAY(kFinWait2));

// Seventh step after the user's CLOSE (FIN-WAIT-1 and FIN-WAIT-2 with nobody left to read): new
// text cannot be delivered; RFC 1122 4.2.2.13 and Linux answer <SEQ=SEG.ACK><CTL=RST> and close.
RFC9293_RULE(Step7_TextAfterCloseGetsRst) {
    Conn k = enter(St::kEstablished);
    ASSERT_TRUE(tcp().close(k.h).ok());
    k.h = {};
    expect(is_tcp({.flags = kFin | kAck, .seq = k.snd_nxt, .ack = k.rcv_nxt}));
    k.snd_nxt += 1;
    if (GetParam().st == St::kFinWait2) {
        send(seg({.seq = k.rcv_nxt, .ack = k.snd_nxt}));
        k.snd_una = k.snd_nxt;
        expect_nothing();
    }
    const TcpCounters before = counters();
    send(seg({.seq = k.rcv_nxt, .ack = k.snd_una, .data = "unwanted"}));
    check(k, GetParam().e, k.snd_una);
    EXPECT_EQ(counters().abort_on_data, before.abort_on_data + 1);
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}
RFC9293_CASES(Step7_TextAfterCloseGetsRst, Case{St::kFinWait1, {.state = kClosed, .reply = kRst}},
              Case{St::kFinWait2, {.state = kClosed, .reply = kRst}});

// Eighth step: a FIN at RCV.NXT advances RCV.NXT over it and is acknowledged,
// <SEQ=SND.NXT><ACK=RCV.NXT+1><CTL=ACK>. SYN-RECEIVED (through ESTABLISHED) and ESTABLISHED enter
// CLOSE-WAIT; FIN-WAIT-1 with our FIN not yet acknowledged enters CLOSING; FIN-WAIT-2 enters
// TIME-WAIT.
RFC9293_RULE(Step8_FinAtRcvNxt) {
    Conn k = enter(GetParam().st);
    const uint32_t ack = syn_received(k.st) ? k.snd_nxt : k.snd_una;
    send(pseg({.flags = kFin | kAck, .seq = k.rcv_nxt, .ack = ack}));
    check(k, GetParam().e);
    EXPECT_EQ(tcp().receive(k.h, {}).value(), 0u);  // end of stream
}
RFC9293_CASES(Step8_FinAtRcvNxt, Case{St::kSynReceived, {.state = kCw, .reply = kAck, .ack_delta = 1}},
              Case{St::kSynReceivedActive, {.state = kCw, .reply = kAck, .ack_delta = 1}},
              Case{St::kEstablished, {.state = kCw, .reply = kAck, .ack_delta = 1}},
              Case{St::kFinWait1, {.state = kCl, .reply = kAck, .ack_delta = 1}},
              Case{St::kFinWait2, {.state = kTw, .reply = kAck, .ack_delta = 1}});

// Eighth step in FIN-WAIT-1: "If our FIN has been ACKed (perhaps in this segment), then enter
// TIME-WAIT".
RFC9293_RULE(Step8_FinAckingOurFin) {
    Conn k = enter(GetParam().st);
    send(pseg({.flags = kFin | kAck, .seq = k.rcv_nxt, .ack = k.snd_nxt}));
    check(k, GetParam().e);
}
RFC9293_CASES(Step8_FinAckingOurFin, Case{St::kFinWait1, {.state = kTw, .reply = kAck, .ack_delta = 1}});

// Eighth step, FIN beyond a hole: kept, and taken (with its state change) once the hole fills.
RFC9293_RULE(Step8_FinBeyondAHoleWaitsForIt) {
    Conn k = enter(GetParam().st);
    send(pseg({.flags = kFin | kAck, .seq = k.rcv_nxt + 1, .ack = k.snd_una, .data = "b"}));
    expect(is_tcp({.flags = kAck, .seq = k.snd_nxt, .ack = k.rcv_nxt}));
    EXPECT_EQ(tcp().state(k.h), tcp_state_of(k.st));
    send(pseg({.seq = k.rcv_nxt, .ack = k.snd_una, .data = "a"}));
    check(k, GetParam().e);
    EXPECT_EQ(read_all(k.h), "ab");
}
RFC9293_CASES(Step8_FinBeyondAHoleWaitsForIt, Case{St::kEstablished, {.state = kCw, .reply = kAck, .ack_delta = 3}},
              Case{St::kFinWait1, {.state = kCl, .reply = kAck, .ack_delta = 3}},
              Case{St::kFinWait2, {.state = kTw, .reply = kAck, .ack_delta = 3}});

// Eighth step in CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: the peer's FIN again (its
// retransmission, before RCV.NXT: the first step's ACK) is acknowledged and the state kept.
RFC9293_RULE(Step8_RetransmittedFinIsAcknowledged) {
    Conn k = enter(GetParam().st);
    send(pseg({.flags = kFin | kAck, .seq = k.rcv_nxt - 1, .ack = k.snd_una}));
    check(k, GetParam().e);
}
RFC9293_CASES(Step8_RetransmittedFinIsAcknowledged, ACK_AND_STAY(kCloseWait), ACK_AND_STAY(kClosing),
              ACK_AND_STAY(kLastAck), ACK_AND_STAY(kTimeWait), ACK_AND_STAY(kTimeWaitOrphan));

// Eighth step in CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: a FIN at RCV.NXT, that is after the
// peer's FIN, is outside any sequence space the peer can use: it is acknowledged, RCV.NXT stays
// where the first FIN left it, the state is kept.
RFC9293_RULE(Step8_SecondFinDoesNotMoveRcvNxt) {
    Conn k = enter(GetParam().st);
    send(pseg({.flags = kFin | kAck, .seq = k.rcv_nxt, .ack = k.snd_una}));
    check(k, GetParam().e);
    EXPECT_EQ(rcv_nxt_of(k), k.rcv_nxt);
}
RFC9293_CASES(Step8_SecondFinDoesNotMoveRcvNxt, ACK_AND_STAY(kCloseWait), ACK_AND_STAY(kClosing),
              ACK_AND_STAY(kLastAck), ACK_AND_STAY(kTimeWait), ACK_AND_STAY(kTimeWaitOrphan));

// Eighth step in TIME-WAIT: "Remain in the TIME-WAIT state. Restart the 2 MSL time-wait timeout."
TEST_F(RuleTest, Rfc9293_Step8_TimeWaitRetransmittedFinRestartsTheTwoMslTimeout) {
    Conn k = enter(St::kTimeWait);  // at 0 ms; 2 MSL = 60 s
    send(seg({.flags = kFin | kAck, .seq = k.rcv_nxt - 1, .ack = k.snd_una}), at_ms(30000));
    expect(is_tcp({.flags = kAck, .seq = k.snd_nxt, .ack = k.rcv_nxt}));
    host_.run_until(at_ms(89999));
    EXPECT_EQ(tcp().state(k.h), kTw);
    host_.run_until(at_ms(90000));
    EXPECT_EQ(tcp().state(k.h), kClosed);
    EXPECT_EQ(tcp().error(k.h), 0);
    expect_nothing();
}

}  // namespace
}  // namespace tachyon::test
