// The timers of a connection that is not losing data: the persist timer that probes a zero
// window (RFC 9293 3.8.6.1, RFC 1122 4.2.2.17) with exponential backoff, the delayed-ACK timer
// (RFC 1122 4.2.3.2), keepalive (RFC 1122 4.2.3.6) and the user timeout (RFC 5482 semantics).
#include <algorithm>
#include <cerrno>

#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

void TcpLayer::on_persist_timer(Timer& timer, Instant /*now*/) {
    auto* c = static_cast<TcpConnection*>(timer.context());
    c->layer->persist_timeout(*c);
}

// Lazy as the retransmission timer (arm_rtx): a segment that carried the ACK stopped it, a later
// delayed ACK moved its deadline.
void TcpLayer::arm_delayed_ack(TcpConnection& c) {
    c.delayed_ack_due = true;
    c.delayed_ack_deadline = host_.now() + c.config.delayed_ack_timeout;
    arm_no_later(c.ack_timer, c.delayed_ack_deadline);
}

void TcpLayer::on_ack_timer(Timer& timer, Instant now) {
    auto* c = static_cast<TcpConnection*>(timer.context());
    if (!c->layer->lazy_timer_due(timer, c->delayed_ack_due, c->delayed_ack_deadline, now)) return;
    if (!is_synchronized(c->state) || c->state == TcpState::kTimeWait) return;
    ++c->layer->counters_.delayed_acks;
    c->layer->send_ack(*c);
}

void TcpLayer::on_keepalive_timer(Timer& timer, Instant /*now*/) {
    auto* c = static_cast<TcpConnection*>(timer.context());
    c->layer->keepalive_timeout(*c);
}

// RTO-based backoff as Linux's tcp_probe0_when: RTO << probes, at most max_rto.
void TcpLayer::arm_persist(TcpConnection& c) {
    Duration d = c.rtt.rto();
    for (uint8_t i = 0; i < c.persist_backoff && d < config_.max_rto; ++i) d = d * 2;
    host_.timers().arm(c.persist_timer, host_.now() + std::min(d, config_.max_rto));
}

void TcpLayer::persist_timeout(TcpConnection& c) {
    if (c.tcb.snd_una != c.tcb.snd_nxt || c.state == TcpState::kClosed) return;
    const Duration uto = c.config.user_timeout;
    if (uto > Duration::zero() && host_.now() - c.persist_since >= uto) {
        ++counters_.user_timeouts;
        fail_timeout(c, false);
        return;
    }
    if (c.probes_out >= config_.max_retries) {  // probes nobody answered
        ++counters_.connection_timeouts;
        fail_timeout(c, false);
        return;
    }
    // A window too small for the sender's SWS rule is used now (RFC 1122 4.2.3.4 (4)); a zero
    // window gets a probe that the peer must answer with its window: as Linux, a segment with
    // an old sequence number (SND.UNA - 1) and no data.
    if (!send_new_data(c, true)) {
        ++counters_.persist_probes;
        send_probe(c, c.tcb.snd_una - 1);
    }
    ++c.probes_out;
    if (c.persist_backoff < 30) ++c.persist_backoff;
    if (c.tcb.snd_una != c.tcb.snd_nxt) {
        if (!c.rtx_running) arm_rtx(c);
        return;
    }
    arm_persist(c);
}

void TcpLayer::send_probe(TcpConnection& c, SeqNum seq) {
    TcpRepr r = segment_template(c, seq);
    ++c.stats.segs_out;
    transmit(c.tuple, &c.route, r, nullptr, 0, 0);
}

void TcpLayer::arm_keepalive(TcpConnection& c) {
    if (!c.config.keepalive || !is_synchronized(c.state)) {
        host_.timers().cancel(c.keepalive_timer);
        return;
    }
    const Duration wait = c.probes_out > 0 ? c.config.keepalive_interval : c.config.keepalive_idle;
    const Instant base = c.probes_out > 0 ? host_.now() : c.last_rx;
    host_.timers().arm(c.keepalive_timer, std::max(base + wait, host_.now()));
}

// RFC 1122 4.2.3.6 as Linux: after `idle` without a segment from the peer, a probe
// <SEQ=SND.NXT-1> every `interval`; `count` unanswered probes (or the user timeout) end the
// connection with ETIMEDOUT (or the soft ICMP error it kept) and a RST. Outstanding data is the
// retransmission timer's business.
void TcpLayer::keepalive_timeout(TcpConnection& c) {
    const TcpState s = c.state;
    if (!c.config.keepalive || !is_synchronized(s) || s == TcpState::kTimeWait) return;
    const Instant now = host_.now();
    if (c.tcb.snd_una != c.tcb.snd_nxt || c.tcb.snd_nxt < c.snd_data_end()) {
        // Not idle: the retransmission or persist timer watches the peer. probes_out is left
        // alone, as Linux's tcp_keepalive_timer does: the persist timer counts its zero-window
        // probes in it, and a reset here would keep a dead zero-window peer alive for ever.
        host_.timers().arm(c.keepalive_timer, now + c.config.keepalive_idle);
        return;
    }
    const Duration idle = now - c.last_rx;
    if (idle < c.config.keepalive_idle) {
        host_.timers().arm(c.keepalive_timer, c.last_rx + c.config.keepalive_idle);
        return;
    }
    const Duration uto = c.config.user_timeout;
    const bool give_up = uto > Duration::zero() ? (c.probes_out > 0 && idle >= uto)
                                                : c.probes_out >= c.config.keepalive_count;
    if (give_up) {
        ++counters_.keepalive_timeouts;
        fail_timeout(c, true);
        return;
    }
    ++counters_.keepalive_probes;
    send_probe(c, c.tcb.snd_nxt - 1);
    ++c.probes_out;
    host_.timers().arm(c.keepalive_timer, now + c.config.keepalive_interval);
}

// RFC 5482 semantics: sent data unacknowledged for the user timeout.
bool TcpLayer::user_timeout_expired(const TcpConnection& c) const {
    const Duration uto = c.config.user_timeout;
    return uto > Duration::zero() && c.tcb.snd_una != c.tcb.snd_nxt && host_.now() - c.una_since >= uto;
}

void TcpLayer::fail_timeout(TcpConnection& c, bool send_reset) {
    if (send_reset) send_rst(c.tuple, {c.tcb.snd_nxt, std::nullopt});
    enter_closed(c, timeout_error(c));
    finish(c);
}

}  // namespace tachyon
