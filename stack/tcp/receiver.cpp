// SEGMENT ARRIVES in SYN-RECEIVED and the synchronized states but TIME-WAIT (time_wait.cpp): RFC
// 9293 3.10.7.4, its steps numbered as the RFC numbers them, with RFC 5961 (sections 3-5) and
// PAWS (RFC 7323 5.3). The receiver updates the TCB and returns what to send; sender.cpp emits it.
#include <algorithm>
#include <cerrno>

#include "stack/tcp/receive_checks.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

namespace {
std::optional<uint32_t> echoed(const TcpRepr& seg) {
    if (!seg.timestamp) return std::nullopt;
    return seg.timestamp->tsecr;
}
}  // namespace

RxActions TcpLayer::segment_arrives(TcpConnection& c, const TcpRepr& seg) {
    RxActions out;
    if (c.state == TcpState::kSynReceived && syn_received_special(c, seg, out)) return out;
    if (rx_checks::paws_rejects(c.tcb, host_.now(), seg)) {  // RFC 7323 5.3 R1
        ++counters_.paws_rejected;
        out.ack = true;
        return out;
    }
    SegmentText text;
    if (!check_sequence(c, seg, out, text)) return out;  // first
    rx_checks::update_ts_recent(c.tcb, host_.now(), seg);
    if (seg.control == TcpControl::kRst) {  // second
        process_rst(c, seg, out);
        return out;
    }
    // third (security): no IP security compartments are used.
    if (seg.control == TcpControl::kSyn) {  // fourth
        if (c.state == TcpState::kSynReceived && c.passive) {
            // "return this connection to the LISTEN state": the half-open child goes.
            enter_closed(c, 0);
            return out;
        }
        // RFC 5961 4.2: a SYN in a synchronized state draws a (rate-limited) challenge ACK.
        out.challenge_ack = true;
        return out;
    }
    if (!seg.ack_number) {  // fifth: without ACK the segment is dropped
        ++counters_.no_ack_flag;
        return out;
    }
    if (!process_ack(c, seg, out)) return out;
    // sixth (URG): urgent data is not supported (RFC 6093); it is delivered inline.
    process_text(c, text, seg, out);  // seventh
    process_fin(c, text, out);        // eighth
    return out;
}

// Two segments that SYN-RECEIVED answers the way Linux does rather than by the generic steps:
// the peer's SYN again (our SYN,ACK was lost: resend it now) and, in a simultaneous open, the
// peer's SYN,ACK (RFC 5961 4.2 leaves this case to the handshake: it completes it).
bool TcpLayer::syn_received_special(TcpConnection& c, const TcpRepr& seg, RxActions& out) {
    if (seg.control != TcpControl::kSyn || seg.seq_number != c.tcb.irs) return false;
    if (!seg.ack_number) {
        out.syn_ack = true;
        return true;
    }
    if (c.passive || *seg.ack_number != c.tcb.snd_nxt) return false;
    if (process_ack_syn_received(c, seg, out)) out.ack = true;
    return true;
}

// First step: the acceptability test (3.10.7.4 table), then trimming to the window.
bool TcpLayer::check_sequence(TcpConnection& c, const TcpRepr& seg, RxActions& out, SegmentText& text) {
    const SeqNum nxt = c.tcb.rcv_nxt;
    const uint32_t wnd = c.rcv_buf.window();
    if (!rx_checks::sequence_acceptable(nxt, wnd, seg)) {
        if (seg.control == TcpControl::kRst) {
            ++counters_.rst_out_of_window;
            return false;
        }
        ++counters_.out_of_window;
        // RFC 5961 4.2: a SYN is answered with a challenge ACK irrespective of its sequence.
        if (seg.control == TcpControl::kSyn) {
            out.challenge_ack = true;
        } else {
            out.ack = true;
            note_duplicate(c, seg.seq_number, seg.seq_number + static_cast<uint32_t>(seg.payload.size()));
        }
        return false;
    }
    bool cut = false;
    text = rx_checks::trim_to_window(nxt, wnd, seg, cut);
    if (cut) out.ack = true;
    if (seg.seq_number < nxt && seg.control != TcpControl::kSyn) note_duplicate(c, seg.seq_number, text.seq);
    return true;
}

// Data below RCV.NXT arrived again: the ACK it draws reports it as a D-SACK (RFC 2883 4.1.1),
// which tells the sender its retransmission was spurious. A later duplicate replaces an earlier
// one not yet reported (the most recent first, 4.1.1's rule for the first block).
void TcpLayer::note_duplicate(TcpConnection& c, SeqNum left, SeqNum right) {
    if (!c.tcb.sack_ok || !(left < right) || right > c.tcb.rcv_nxt) return;
    set_dsack(c, left, right);
}

// Out-of-order data that repeats what a range already holds (RFC 2883 4.1.3): the repeated part
// is the D-SACK, and the range holding it, now the most recent, the block after it.
void TcpLayer::note_ooo_duplicate(TcpConnection& c, SeqNum left, SeqNum right) {
    if (!c.tcb.sack_ok) return;
    for (const ReceiveBuffer::Range& r : c.rcv_buf.ranges()) {
        const SeqNum lo = std::max(left, r.left);
        const SeqNum hi = std::min(right, r.right);
        if (lo < hi) {
            set_dsack(c, lo, hi);
            return;
        }
    }
}

void TcpLayer::set_dsack(TcpConnection& c, SeqNum left, SeqNum right) {
    c.dsack_left = left;
    c.dsack_len = static_cast<uint16_t>(std::min<uint32_t>(static_cast<uint32_t>(right - left), 0xffff));
}

// Second step, with RFC 5961 3.2: only an RST exactly at RCV.NXT resets; one elsewhere in the
// window is answered with a challenge ACK (an out-of-window one was dropped by the first step).
void TcpLayer::process_rst(TcpConnection& c, const TcpRepr& seg, RxActions& out) {
    if (seg.seq_number != c.tcb.rcv_nxt) {
        out.challenge_ack = true;
        return;
    }
    ++counters_.rst_received;
    switch (c.state) {
        case TcpState::kSynReceived:
            // Passive: "return to LISTEN" (the child goes). Active: "connection refused".
            enter_closed(c, c.passive ? 0 : ECONNREFUSED);
            return;
        case TcpState::kEstablished:
        case TcpState::kFinWait1:
        case TcpState::kFinWait2:
        case TcpState::kCloseWait:
            enter_closed(c, ECONNRESET);
            return;
        default:  // CLOSING, LAST-ACK: enter CLOSED and delete the TCB
            enter_closed(c, 0);
            return;
    }
}

// Fifth step. Returns false when the segment is dropped here.
bool TcpLayer::process_ack(TcpConnection& c, const TcpRepr& seg, RxActions& out) {
    if (c.state == TcpState::kSynReceived) return process_ack_syn_received(c, seg, out);
    Tcb& tcb = c.tcb;
    const SeqNum ack = *seg.ack_number;
    // RFC 5961 5.2: acceptable only within SND.UNA - MAX.SND.WND =< SEG.ACK =< SND.NXT; anything
    // else (including the RFC 9293 "acks something not yet sent" case) gets a challenge ACK.
    if (ack > tcb.snd_nxt || ack < tcb.snd_una - tcb.max_snd_wnd) {
        ++counters_.ack_unacceptable;
        out.challenge_ack = true;
        return false;
    }
    const SeqNum prior_una = tcb.snd_una;
    const uint32_t prior_in_flight = pipe(c);
    const uint32_t prior_wnd = tcb.snd_wnd;
    RateSource rs{.now = host_.now(), .rack_min_rtt = c.rack.min_rtt, .prior_fack = c.sb.fack()};
    if (ack > tcb.snd_una) ack_new_data(c, ack, echoed(seg), rs);
    update_send_window(c, seg, prior_una);  // a duplicate (SEG.ACK < SND.UNA) is otherwise ignored
    if (ack >= prior_una) sender_ack(c, seg, prior_una, prior_in_flight, prior_wnd, rs);
    switch (c.state) {
        case TcpState::kFinWait1:
            if (c.fin_acked()) {
                c.state = TcpState::kFinWait2;
                if (!c.user_owned) arm_fin_wait2(c);
            }
            break;
        case TcpState::kClosing:
            if (c.fin_acked()) enter_time_wait(c);
            break;
        case TcpState::kLastAck:
            if (c.fin_acked()) {
                enter_closed(c, 0);
                return false;
            }
            break;
        default:
            break;
    }
    return true;
}

bool TcpLayer::process_ack_syn_received(TcpConnection& c, const TcpRepr& seg, RxActions& out) {
    Tcb& tcb = c.tcb;
    const SeqNum ack = *seg.ack_number;
    if (!(tcb.snd_una < ack && ack <= tcb.snd_nxt)) {
        ++counters_.syn_received_bad_ack;
        out.reset = ResetReply{ack, std::nullopt};  // <SEQ=SEG.ACK><CTL=RST>
        return false;
    }
    TcpListener* l = c.passive ? &listeners_.slot(c.listener) : nullptr;
    if (l != nullptr && l->accept_queue.count >= l->backlog) {
        // As Linux (tcp_abort_on_overflow off): ignore the ACK, the SYN,ACK timer retries.
        ++counters_.accept_queue_full;
        return false;
    }
    RateSource rs;
    ack_new_data(c, ack, echoed(seg), rs);
    tcb.snd_wnd = static_cast<uint32_t>(seg.window_len) << tcb.snd_wscale;
    tcb.max_snd_wnd = std::max(tcb.max_snd_wnd, tcb.snd_wnd);
    tcb.snd_wl1 = seg.seq_number;
    tcb.snd_wl2 = ack;
    enter_established(c);
    if (l != nullptr) {
        queue_remove(table_, l->syn_queue, c);
        queue_push(table_, l->accept_queue, c, ListenQueue::kAccept);
    }
    return true;
}

uint32_t TcpLayer::ack_new_data(TcpConnection& c, SeqNum ack, std::optional<uint32_t> tsecr, RateSource& rs) {
    if (ack > c.snd_buf_seq) {
        const uint32_t n = std::min<uint32_t>(static_cast<uint32_t>(ack - c.snd_buf_seq),
                                              static_cast<uint32_t>(c.snd_buf.size()));
        c.snd_buf.consume(n);
        c.snd_buf_seq += n;
        if (c.snd_buf.idle_storage()) note_emptied(c);
    }
    c.stats.bytes_acked += static_cast<uint32_t>(ack - c.tcb.snd_una);
    c.tcb.snd_una = ack;
    const uint32_t acked = c.sb.acknowledge(ack, rs);
    // The round-trip sample, as Linux's tcp_clean_rtx_queue takes it: the oldest segment this
    // ACK covers, timed by its record, if nothing it covers was retransmitted (RFC 6298 section
    // 3, Karn): to the nanosecond, where our timestamps tick in milliseconds. Else RFC 7323 4.1
    // (RTTM): the echoed TSval times the transmission that was acknowledged, retransmitted or
    // not, so it also ends a backoff that Karn's rule would keep. Else the timed segment (the
    // SYN or SYN,ACK, which have no record), whose precise time also starts RACK's minimum RTT
    // (as Linux's min filter takes the handshake's).
    std::optional<Duration> sample;
    const bool echo = tsecr && c.tcb.ts_ok && *tsecr != 0;
    const bool timed = c.rtt_timing && ack > c.rtt_seq;
    if (timed) c.rack.min_rtt = std::min(c.rack.min_rtt, host_.now() - c.rtt_start);
    if (rs.valid && !rs.retransmitted) {
        sample = host_.now() - rs.first_sent;
    } else if (echo) {
        const int32_t ms = static_cast<int32_t>(tsval(c) - *tsecr);
        if (ms >= 0) sample = Duration::from_ms(ms);
    } else if (timed) {
        sample = host_.now() - c.rtt_start;
    }
    if (timed || echo) c.rtt_timing = false;
    if (sample) {
        c.rtt.sample(*sample);
        rs.rtt = *sample;
        if (c.min_rtt == Duration::zero() || *sample < c.min_rtt) c.min_rtt = *sample;
    }
    c.retries = 0;
    c.probes_out = 0;
    c.soft_error = 0;  // something got through (Linux's tcp_ack)
    c.una_since = host_.now();
    restart_rtx_after_ack(c);
    return acked;
}

// "If SND.UNA =< SEG.ACK =< SND.NXT, the send window should be updated" unless the segment is
// older than the one that last updated it (SND.WL1, SND.WL2).
// RFC 9293 3.10.7.4 fifth step, the window update, with two guards: (1) a segment beyond RCV.NXT
// (out of order) does not set the window: an in-window segment forged ahead of RCV.NXT would
// otherwise move SND.WL1 past every genuine segment to come and freeze the window at its value
// (found by the adversarial tests); the peer's in-order segments carry the same information.
// (2) As Linux's tcp_may_update_window, an ACK that advances SND.UNA always updates the window.
void TcpLayer::update_send_window(TcpConnection& c, const TcpRepr& seg, SeqNum prior_una) {
    Tcb& tcb = c.tcb;
    const SeqNum ack = *seg.ack_number;
    if (ack < tcb.snd_una || seg.seq_number > tcb.rcv_nxt) return;
    if (tcb.snd_wl1 < seg.seq_number || (tcb.snd_wl1 == seg.seq_number && tcb.snd_wl2 <= ack) ||
        ack > prior_una) {
        tcb.snd_wnd = static_cast<uint32_t>(seg.window_len) << tcb.snd_wscale;
        tcb.max_snd_wnd = std::max(tcb.max_snd_wnd, tcb.snd_wnd);
        tcb.snd_wl1 = seg.seq_number;
        tcb.snd_wl2 = ack;
        // The peer is alive and answering: a zero window is not a dead connection.
        if (tcb.snd_wnd == 0) c.retries = 0;
        if (tcb.snd_wnd > 0) c.persist_backoff = 0;
        c.probes_out = 0;
    }
}

// Seventh step: segment text, in the states that still receive.
void TcpLayer::process_text(TcpConnection& c, SegmentText& text, const TcpRepr& seg, RxActions& out) {
    if (text.data.empty()) return;
    if (c.state != TcpState::kEstablished && c.state != TcpState::kFinWait1 &&
        c.state != TcpState::kFinWait2) {
        return;  // a FIN was received: "this should not occur", ignore the text
    }
    if (c.rcv_closed) {
        // RFC 1122 4.2.2.13: new data after CLOSE is lost, and the peer is told with RST.
        ++counters_.abort_on_data;
        out.reset = ResetReply{seg.ack_number.value_or(c.tcb.snd_nxt), std::nullopt};
        out.ack = false;
        enter_closed(c, 0);
        return;
    }
    const SeqNum nxt = c.tcb.rcv_nxt;
    const bool had_gap = c.rcv_buf.range_count() > 0;
    if (text.seq != nxt && had_gap) note_ooo_duplicate(c, text.seq, text.seq + static_cast<uint32_t>(text.data.size()));
    ReceiveBuffer::InsertResult r;
    if (text.seq == nxt && rx_packet_ != nullptr && c.rcv_buf.adopt(text.data, *rx_packet_)) {
        r.advanced = static_cast<uint32_t>(text.data.size());  // read in place: no copy
    } else {
        r = c.rcv_buf.insert(nxt, text.seq, text.data);
    }
    ++c.stats.data_segs_in;
    c.stats.bytes_received += r.advanced;
    c.tcb.rcv_nxt += r.advanced;
    if (text.seq != nxt) {
        ++counters_.ooo_segments;
        if (!r.stored) ++counters_.ooo_dropped;
        if (r.stored) note_ooo_segment(c, text.seq);
        out.ack = true;  // RFC 5681 4.2: out-of-order data is acknowledged at once
        return;
    }
    if (out.ack) return;
    switch (ack_timing(c, static_cast<uint32_t>(text.data.size()), had_gap)) {
        case AckTiming::kNow: out.ack = true; break;
        case AckTiming::kTurnEnd: out.ack_by_turn_end = true; break;
        case AckTiming::kDelayed: out.delayed_ack = true; break;
    }
}

// RFC 5681 4.2 / RFC 1122 4.2.3.2: acknowledge every second full-sized segment, and at once when
// the segment fills (part of) a hole. Quick ACKs at the start of a connection (Linux's quickack
// mode): for a full-sized segment at once (a sender in slow start grows on them), for a smaller
// one by the end of the application's turn, so that the answer to a request carries the ACK: one
// segment instead of two, as mTCP sends its ACKs after the application ran.
// After quick-ACK mode the ACK a second full-sized segment calls for goes by the end of the
// application's turn too: a receive burst of in-order segments is acknowledged once (a stretch
// ACK, as Linux's after GRO merged the burst), up to 8 segments (the sender's slow-start L under
// HyStart++, RFC 9406 4.3, so a sender counting bytes loses no growth) or a quarter of the
// receive buffer, whichever is less, at which the ACK goes at once: a burst of 32 full segments
// takes 4 ACKs instead of 16, a quarter of the ACKs for the sender to process (README, step 33).
TcpLayer::AckTiming TcpLayer::ack_timing(TcpConnection& c, uint32_t len, bool filled_gap) {
    c.rcv_est_mss = std::min<uint32_t>(std::max(c.rcv_est_mss, len), c.tcb.rcv_mss);
    if (filled_gap || !c.config.delayed_ack) return AckTiming::kNow;
    if (c.quickacks > 0) {
        --c.quickacks;
        return len < c.rcv_est_mss ? AckTiming::kTurnEnd : AckTiming::kNow;
    }
    const uint32_t unacked = static_cast<uint32_t>(c.tcb.rcv_nxt - c.tcb.last_ack_sent);
    if (unacked <= c.rcv_est_mss) return AckTiming::kDelayed;
    const size_t stretch = std::min<size_t>(kHyStartAbcLimitSegments * c.rcv_est_mss, c.rcv_buf.capacity() / 4);
    return unacked >= stretch ? AckTiming::kNow : AckTiming::kTurnEnd;
}

// The ACK of a FIN or of a SYN,ACK: by the end of the application's turn when delayed ACKs are
// on, so that the FIN its close() sends or the request its connect() was for carries it (Linux
// delays both the same way: tcp_fin's pingpong mode, and the SYN-SENT ACK while a write is
// pending).
void TcpLayer::ack_by_turn_end(const TcpConnection& c, RxActions& out) {
    if (c.config.delayed_ack) {
        out.ack_by_turn_end = true;
    } else {
        out.ack = true;
    }
}

// Eighth step: FIN, once every byte before it has arrived.
void TcpLayer::process_fin(TcpConnection& c, const SegmentText& text, RxActions& out) {
    if (c.state == TcpState::kClosed) return;
    if (c.rcv_fin) {
        // CLOSE-WAIT, CLOSING, LAST-ACK: the peer's FIN was taken already, RCV.NXT is past it
        // and stays there; another FIN is acknowledged.
        if (text.fin) out.ack = true;
        return;
    }
    bool fin = false;
    if (text.fin) {
        const SeqNum at = text.seq + static_cast<uint32_t>(text.data.size());
        if (at != c.tcb.rcv_nxt) {
            // Beyond a hole: remembered, and taken once the hole is filled up to it.
            ++counters_.fin_out_of_order;
            c.ooo_fin = true;
            c.ooo_fin_seq = at;
            out.ack = true;
            return;
        }
        fin = true;
    } else if (c.ooo_fin && c.ooo_fin_seq == c.tcb.rcv_nxt) {
        fin = true;
    }
    if (!fin) return;
    c.ooo_fin = false;
    c.tcb.rcv_nxt += 1;
    c.rcv_fin = true;
    if (!out.ack) ack_by_turn_end(c, out);
    switch (c.state) {
        case TcpState::kEstablished:
            c.state = TcpState::kCloseWait;
            break;
        case TcpState::kFinWait1:
            if (c.fin_acked()) {
                enter_time_wait(c);
            } else {
                c.state = TcpState::kClosing;
            }
            break;
        case TcpState::kFinWait2:
            enter_time_wait(c);
            break;
        default:  // SYN-RECEIVED moved to ESTABLISHED in the fifth step
            break;
    }
}

}  // namespace tachyon
