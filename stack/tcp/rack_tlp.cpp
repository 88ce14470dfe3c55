// RACK-TLP (RFC 8985), with SACK: loss detection by time instead of by counting duplicates. A
// segment is lost when one sent after it was delivered and it is still missing a reordering
// window later (RACK), and a tail whose ACKs never come is probed with one segment two round
// trips after the last send instead of waiting for the RTO (TLP), as Linux does (tcp_recovery.c,
// tcp_send_loss_probe, tcp_process_tlp_ack). Without SACK, NewReno's duplicate ACKs stay
// (loss_recovery.cpp). The reordering window is zero as soon as dupthresh segments are SACKed or
// recovery runs, unless reordering was seen; then a quarter of the minimum RTT, one more quarter
// per round trip that brought a D-SACK (up to SRTT), back to one after 16 recoveries.
#include <algorithm>

#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

// 6.2 steps 1-3, on an ACK: RACK.xmit_ts, end_seq and rtt follow the most recently sent segment
// the ACK delivered (the scoreboard chose it, leaving out retransmissions acknowledged too soon
// to be theirs). Returns whether RACK advanced (Linux's rack.advanced): only then can loss
// detection find something new.
bool TcpLayer::rack_update(TcpConnection& c, const RateSource& rs) {
    if (rs.reordered) c.rack_reordering_seen = true;
    if (!rs.rack_valid) return false;
    if (c.rack_valid && !sent_after(rs.rack_sent, rs.rack_end, c.rack.xmit, c.rack.end)) return false;
    const Duration rtt = rs.now - rs.rack_sent;
    c.rack_valid = true;
    c.rack.xmit = rs.rack_sent;
    c.rack.end = rs.rack_end;
    c.rack.rtt = rtt;
    c.rack.min_rtt = std::min(c.rack.min_rtt, rtt);
    return true;
}

// 6.2 step 4: a D-SACK grows the window by a quarter min RTT, once per round trip (until SND.UNA
// passes what was SND.NXT then), and keeps it for 16 recoveries.
void TcpLayer::rack_dsack_round(TcpConnection& c, bool dsack) {
    if (c.rack_dsack_round_open && c.tcb.snd_una >= c.rack_dsack_round) c.rack_dsack_round_open = false;
    if (!dsack || c.rack_dsack_round_open) return;
    c.rack_dsack_round_open = true;
    c.rack_dsack_round = c.tcb.snd_nxt;
    if (c.rack_reo_wnd_mult < UINT8_MAX) ++c.rack_reo_wnd_mult;
    c.rack_reo_wnd_persist = 16;
}

void TcpLayer::rack_recovery_done(TcpConnection& c) {
    if (c.rack_reo_wnd_persist > 0 && --c.rack_reo_wnd_persist == 0) c.rack_reo_wnd_mult = 1;
}

// 6.2 step 4 (RACK.reo_wnd). The cap is SRTT, or the minimum RTT while SRTT reads less (its
// first samples, or ones from millisecond timestamps after retransmissions).
Duration TcpLayer::rack_reordering_window(const TcpConnection& c) const {
    if (!c.rack_reordering_seen &&
        (c.recovery != RecoveryState::kOpen || c.sb.sacked_segments() >= config_.dupthresh)) {
        return Duration::zero();
    }
    return std::min(c.rack.min_rtt / 4 * c.rack_reo_wnd_mult, std::max(c.rtt.srtt(), c.rack.min_rtt));
}

// 6.2 step 5: marks what is lost; what may still arrive within the window arms the reordering
// timer (6.3), which takes the retransmission timer's place until it fires.
void TcpLayer::rack_detect_loss(TcpConnection& c) {
    if (!c.rack_valid) return;
    const Instant now = host_.now();
    const SackScoreboard::RackVerdict v =
        c.sb.mark_lost_rack(now, c.rack.xmit, c.rack.end, c.rack.rtt + rack_reordering_window(c));
    counters_.rack_lost += v.marked;
    if (v.wait > Duration::zero()) {
        c.rtx_kind = RtxTimerKind::kReorder;
        c.rtx_running = true;
        c.rtx_deadline = now + v.wait;
        arm_no_later(c.rtx_timer, c.rtx_deadline);
    }
}

// 6.3: the window passed; what is still missing is lost, and recovery starts if it has not.
void TcpLayer::reorder_timeout(TcpConnection& c) {
    if (!sends_data(c.state) || c.tcb.snd_una == c.tcb.snd_nxt) return;
    ++counters_.rack_reorder_timeouts;
    rack_detect_loss(c);
    if (c.recovery == RecoveryState::kOpen && c.sb.lost_bytes() > 0) {
        enter_fast_recovery(c, static_cast<uint32_t>(c.tcb.snd_nxt - c.tcb.snd_una));
        prr_ack(c, c.cc.mss, false, true);  // as Linux's tcp_rack_reo_timeout: one segment's worth
    }
    output(c, false);
    if (!c.rtx_running) arm_rtx(c);
}

// New data went out: the probe's timeout starts again from now (7.2), as Linux's
// tcp_schedule_loss_probe after every transmission; an RTO running stays the bound.
void TcpLayer::schedule_probe(TcpConnection& c) {
    switch (c.rtx_kind) {
        case RtxTimerKind::kProbe:
            arm_rtx(c);
            return;
        case RtxTimerKind::kRto:
            if (may_probe(c)) {
                c.rtx_kind = RtxTimerKind::kProbe;
                c.rtx_deadline = std::min(host_.now() + probe_timeout(c), c.rtx_deadline);
                arm_no_later(c.rtx_timer, c.rtx_deadline);
            }
            return;
        case RtxTimerKind::kReorder:
            return;  // RACK's timer decides first
    }
}

// 7.3: the probe is one segment of new data if the peer's window takes it, else the last
// segment sent again; either way cwnd is not consulted and then the RTO runs. Its ACK
// (tlp_ack) or the SACK it draws lets RACK find what the tail lost.
void TcpLayer::loss_probe(TcpConnection& c) {
    if (!sends_data(c.state) || c.tcb.snd_una == c.tcb.snd_nxt) return;
    if (c.tlp_active || c.recovery != RecoveryState::kOpen) {
        arm_rtx(c);  // an episode already open, or recovery began since the timer was set
        return;
    }
    bool probed = send_new_data(c, true);
    c.tlp_retrans = false;
    if (!probed) probed = c.tlp_retrans = probe_with_retransmission(c);
    if (probed) {
        c.tlp_active = true;
        c.rack.tlp_end = c.tcb.snd_nxt;
        ++counters_.tlp_probes;
    }
    arm_rtx(c);  // no probe while its episode is open: the RTO
}

// 7.3's retransmission: the highest segment sent, unless the peer SACKed it (then the SACK
// information is already there for RACK, and the RTO stays the answer).
bool TcpLayer::probe_with_retransmission(TcpConnection& c) {
    if (c.sb.empty()) return false;
    TxRecord& r = c.sb.at(c.sb.size() - 1);
    if (r.has(TxRecord::kSacked)) return false;
    resend(c, r, c.fin_queued && r.end() == c.fin_seq() + 1);
    return true;
}

// 7.4: the ACKs that end a probe's episode. A probe of new data needs nothing more (RACK sees
// the losses); a retransmitted one that the ACK went beyond repaired a loss, and the window is
// reduced once, as after a fast recovery; a D-SACK of it or a plain duplicate ACK says the
// original arrived too (no loss).
void TcpLayer::tlp_ack(TcpConnection& c, const TcpRepr& seg, uint32_t acked, uint32_t sacked, uint32_t flight,
                       bool not_dup, const RateSource& rs) {
    const SeqNum ack = *seg.ack_number;
    if (ack < c.rack.tlp_end) return;
    // process_sack_blocks found the first block a D-SACK (RFC 2883); it is the probe's if it ends
    // where the probe did.
    const bool dsack_of_probe = rs.dsack && seg.sack_blocks[0].right == c.rack.tlp_end;
    if (!c.tlp_retrans || dsack_of_probe) {
        c.tlp_active = false;
    } else if (ack > c.rack.tlp_end) {
        c.tlp_active = false;
        ++counters_.tlp_recoveries;
        reduce_cwnd(c, flight);
    } else if (acked == 0 && sacked == 0 && !not_dup) {
        c.tlp_active = false;
    }
}

}  // namespace tachyon
