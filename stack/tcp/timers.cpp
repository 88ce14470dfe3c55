// Timers: retransmission (RFC 6298 section 5, with the SYN and SYN,ACK limits), which also runs
// the tail loss probe and RACK's reordering window (RFC 8985, rack_tlp.cpp), TIME-WAIT for
// 2 MSL (RFC 9293 3.4.2) and the FIN-WAIT-2 timeout of an orphaned connection (as Linux).
#include <algorithm>
#include <cerrno>

#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

void TcpLayer::on_rtx_timer(Timer& timer, Instant now) {
    auto* c = static_cast<TcpConnection*>(timer.context());
    if (!c->layer->lazy_timer_due(timer, c->rtx_running, c->rtx_deadline, now)) return;
    switch (c->rtx_kind) {
        case RtxTimerKind::kRto:
            c->layer->rtx_timeout(*c);
            break;
        case RtxTimerKind::kProbe:
            c->layer->loss_probe(*c);
            break;
        case RtxTimerKind::kReorder:
            c->layer->reorder_timeout(*c);
            break;
    }
}

// A lazy timer's wheel entry fired (arm_rtx): the timer may have stopped since (nothing to do) or
// its deadline moved later (the entry follows it there); otherwise it is due, and stops.
bool TcpLayer::lazy_timer_due(Timer& timer, bool& running, Instant deadline, Instant now) {
    if (!running) return false;
    if (now < deadline) {
        host_.timers().arm(timer, deadline);
        return false;
    }
    running = false;
    return true;
}

void TcpLayer::on_wait_timer(Timer& timer, Instant /*now*/) {
    auto* c = static_cast<TcpConnection*>(timer.context());
    c->layer->wait_timeout(*c);
}

// RFC 6298 5.1, the timer capped by what is left of the user timeout (as Linux). Lazily, as
// Linux's delayed-ACK and keepalive timers: an exchange of messages stops and restarts the timer
// on every round trip, each time to a later deadline, so the wheel's timer is moved only when the
// deadline comes earlier; when it fires early, it follows the deadline (on_rtx_timer). Stopping
// leaves it in the wheel, to fire once and find nothing to do. A tail loss probe due before the
// timeout takes the timer's place (RFC 8985 7.2); the probe then arms the timeout.
void TcpLayer::arm_rtx(TcpConnection& c) {
    const Instant now = host_.now();
    Instant deadline = now + c.rtt.rto();
    const Duration uto = c.config.user_timeout;
    if (uto > Duration::zero() && is_synchronized(c.state) && c.una_since + uto < deadline) {
        deadline = std::max(c.una_since + uto, now);
    }
    c.rtx_kind = RtxTimerKind::kRto;
    if (may_probe(c)) {
        deadline = std::min(now + probe_timeout(c), deadline);
        c.rtx_kind = RtxTimerKind::kProbe;
    }
    c.rtx_running = true;
    c.rtx_deadline = deadline;
    arm_no_later(c.rtx_timer, deadline);
}

void TcpLayer::arm_no_later(Timer& t, Instant deadline) {
    if (!t.armed() || t.deadline() > deadline) host_.timers().arm(t, deadline);
}

void TcpLayer::cancel_rtx(TcpConnection& c) {
    c.rtx_running = false;
    host_.timers().cancel(c.rtx_timer);
}

// 5.2: all data acknowledged: stop the timer; 5.3: new data acknowledged: restart it.
void TcpLayer::restart_rtx_after_ack(TcpConnection& c) {
    if (c.tcb.snd_una == c.tcb.snd_nxt) {
        stop_rtx(c);
    } else {
        arm_rtx(c);
    }
}

void TcpLayer::rtx_timeout(TcpConnection& c) {
    if (c.state == TcpState::kSynSent || c.state == TcpState::kSynReceived) {
        ++counters_.retransmit_timeouts;
        handshake_timeout(c);
        finish(c);
        return;
    }
    if (!sends_data(c.state) || c.tcb.snd_una == c.tcb.snd_nxt) return;
    if (user_timeout_expired(c)) {
        ++counters_.user_timeouts;
        fail_timeout(c, false);
        return;
    }
    ++counters_.retransmit_timeouts;
    if (c.retries >= config_.max_retries) {
        ++counters_.connection_timeouts;
        fail_timeout(c, false);
        return;
    }
    ++c.retries;
    ++c.stats.rto_count;
    c.rtt.backoff();       // 5.5
    c.rtt_timing = false;  // Karn: no sample across a retransmission
    // RFC 5681 3.1 equation (4), only for the first timeout of a series; the loss window is one
    // segment. RFC 6582 section 4 / RFC 6675 5.1: no fast recovery until all sent so far is acked.
    const uint32_t flight = static_cast<uint32_t>(c.tcb.snd_nxt - c.tcb.snd_una);
    if (c.retries == 1 && c.cc_ops != nullptr) c.cc.ssthresh = c.cc_ops->ssthresh(c.cc, flight, host_.now());
    c.cc.cwnd = c.cc.mss;
    if (c.cc_ops != nullptr) c.cc_ops->on_rto(c.cc, host_.now());
    c.recovery = RecoveryState::kLoss;
    c.recover = c.tcb.snd_nxt;
    c.tlp_active = false;  // the timeout ends a probe's episode (as Linux)
    c.dupacks = 0;
    c.reno_dup_bytes = 0;
    c.sb.mark_all_lost();  // 5.4: the earliest segment goes first, the rest as cwnd opens
    c.force_rtx = true;
    output(c, false);
    if (!c.rtx_running) arm_rtx(c);  // 5.6
}

// SYN (SYN-SENT) or SYN,ACK (SYN-RECEIVED) lost: resend with backoff up to the limit, then
// ETIMEDOUT or the soft ICMP error kept meanwhile (a passively opened child just goes, as Linux
// drops the request).
bool TcpLayer::handshake_timeout(TcpConnection& c) {
    const uint8_t limit = c.state == TcpState::kSynSent ? config_.syn_retries : config_.synack_retries;
    if (c.retries >= limit) {
        ++counters_.syn_timeouts;
        enter_closed(c, c.passive ? 0 : timeout_error(c));
        return false;
    }
    ++c.retries;
    c.syn_rtx = true;
    c.rtt.backoff();
    c.rtt_timing = false;
    ++counters_.retransmitted_segments;
    send_syn(c);
    arm_rtx(c);
    return true;
}

void TcpLayer::wait_timeout(TcpConnection& c) {
    if (c.state == TcpState::kTimeWait) {
        ++counters_.time_wait_expired;
        enter_closed(c, 0);
    } else if (c.state == TcpState::kFinWait2) {
        // Linux resets an orphan that waited too long for the peer's FIN.
        ++counters_.fin_wait2_timeouts;
        send_rst(c.tuple, {c.tcb.snd_nxt, std::nullopt});
        enter_closed(c, 0);
    }
    finish(c);
}

void TcpLayer::enter_time_wait(TcpConnection& c) {
    c.state = TcpState::kTimeWait;
    cancel_rtx(c);
    host_.timers().cancel(c.persist_timer);
    host_.timers().cancel(c.keepalive_timer);
    if (c.orphan()) {
        // An orphan becomes a record (2MSL from now) before this poll step ends: finish(), or
        // end_turn() once the ACK it owes is out. No wheel timer to arm and cancel meanwhile.
        host_.timers().cancel(c.wait_timer);  // FIN-WAIT-2's
    } else {
        host_.timers().arm(c.wait_timer, host_.now() + config_.time_wait);
    }
}

void TcpLayer::arm_fin_wait2(TcpConnection& c) {
    host_.timers().arm(c.wait_timer, host_.now() + config_.fin_wait2_timeout);
}

}  // namespace tachyon
