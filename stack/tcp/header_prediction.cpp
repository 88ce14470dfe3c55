// Header prediction (Van Jacobson's, as in 4.4BSD's tcp_input and Linux's tcp_rcv_established):
// in ESTABLISHED nearly every segment is the next one expected, carries no control flag and
// acknowledges either nothing new (data) or new data (an ACK).
// For such a segment every test of SEGMENT ARRIVES (RFC 9293 3.10.7.4) has a foregone answer:
// acceptable, nothing to trim, no RST, no SYN, an acceptable ACK, no FIN. predicted() recognises
// it; predicted_input() runs only the steps that then do work, through the same functions the
// full path calls: the TS.Recent update, the fifth step (the ACK and the window), the seventh
// (the text), and the output only when the ACK or the window changed or an ACK is due now.
// (Linux's prediction also requires an unchanged window; ours does not: a receiver that keeps its
// right edge, RFC 1122 4.2.3.3, shrinks the window field with every small message.)
//
// The full path and this one put the same segments on the wire: SimTcp.HeaderPredictionSendsWhat
// TheFullPathSends runs the simulation's seeds with prediction on and off and compares every
// frame (TcpConfig::header_prediction turns it off).
#include "stack/tcp/receive_checks.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

bool TcpLayer::predicted(const TcpConnection& c, const TcpRepr& seg) const {
    const Tcb& tcb = c.tcb;
    if (seg.control != TcpControl::kNone || seg.urg || !seg.ack_number || seg.sack_block_count != 0) return false;
    if (seg.seq_number != tcb.rcv_nxt || c.ooo_fin) return false;
    // PAWS (RFC 7323 5.3) passes: a timestamp not older than TS.Recent.
    if (tcb.ts_ok && (!seg.timestamp || rx_checks::ts_before(seg.timestamp->tsval, tcb.ts_recent))) return false;
    const SeqNum ack = *seg.ack_number;
    if (ack < tcb.snd_una || ack > tcb.snd_nxt) return false;
    // A pure ACK must acknowledge new data: duplicate ACKs (fast retransmit) and window probes
    // take the full path.
    if (seg.payload.empty()) return ack > tcb.snd_una;
    // Data: all of it inside the window, nothing out of order to reassemble, a receiver still
    // open. Acknowledging nothing new, it must leave the sender's state alone: no recovery under
    // way, nothing SACKed or lost, no duplicate ACKs counted (sender_ack would change nothing).
    if (seg.payload.size() > c.rcv_buf.window() || c.rcv_buf.range_count() != 0 || c.rcv_closed) return false;
    return ack > tcb.snd_una || (c.recovery == RecoveryState::kOpen && c.dupacks == 0 &&
                                 c.sb.sacked_segments() == 0 && c.sb.lost_segments() == 0);
}

void TcpLayer::predicted_input(TcpConnection& c, const TcpRepr& seg) {
    ++counters_.predicted_segments;
    rx_checks::update_ts_recent(c.tcb, host_.now(), seg);
    RxActions out;
    const bool acked = *seg.ack_number > c.tcb.snd_una;
    const uint32_t prior_wnd = c.tcb.snd_wnd;
    if (acked) {
        process_ack(c, seg, out);  // in ESTABLISHED it keeps the segment
    } else {
        update_send_window(c, seg, c.tcb.snd_una);
    }
    if (!seg.payload.empty()) {
        SegmentText text{seg.seq_number, seg.payload, false};
        process_text(c, text, seg, out);
    }
    // Without a new ACK or window the sender has nothing new to send: output() would find what
    // it found after the last change to the send side.
    if (acked || out.ack || c.tcb.snd_wnd != prior_wnd) {
        dispatch(c, out);
    } else {
        owe_ack(c, out);
    }
}

}  // namespace tachyon
