// Per-connection knobs behind the socket options, and TCP_INFO-like statistics.
#include <algorithm>
#include <cerrno>

#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

Result<void> TcpLayer::set_nodelay(TcpHandle h, bool on) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    c->config.nodelay = on;
    if (on && is_synchronized(c->state)) output(*c, false);  // what Nagle held goes now
    return {};
}

Result<void> TcpLayer::set_ttl_tos(TcpHandle h, uint8_t ttl, uint8_t tos) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    c->config.ttl = ttl;
    c->config.tos = tos;
    route_ip_fields(*c);
    return {};
}

void TcpLayer::route_ip_fields(TcpConnection& c) {
    c.route.set_ttl_tos(c.config.ttl != 0 ? c.config.ttl : host_.default_ttl(), c.config.tos);
}

Result<void> TcpLayer::set_keepalive(TcpHandle h, bool on) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    c->config.keepalive = on;
    c->probes_out = 0;
    arm_keepalive(*c);
    return {};
}

Result<void> TcpLayer::set_keepalive_idle(TcpHandle h, Duration idle) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    if (idle <= Duration::zero()) return Result<void>::fail(EINVAL);
    c->config.keepalive_idle = idle;
    if (c->config.keepalive) arm_keepalive(*c);
    return {};
}

Result<void> TcpLayer::set_keepalive_interval(TcpHandle h, Duration interval) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    if (interval <= Duration::zero()) return Result<void>::fail(EINVAL);
    c->config.keepalive_interval = interval;
    return {};
}

Result<void> TcpLayer::set_keepalive_count(TcpHandle h, uint8_t count) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    if (count == 0) return Result<void>::fail(EINVAL);
    c->config.keepalive_count = count;
    return {};
}

Result<void> TcpLayer::set_user_timeout(TcpHandle h, Duration timeout) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    if (timeout < Duration::zero()) return Result<void>::fail(EINVAL);
    c->config.user_timeout = timeout;
    if (c->rtx_running) arm_rtx(*c);
    return {};
}

Result<void> TcpLayer::set_congestion(TcpHandle h, std::string_view name) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    const CongestionOps* ops = find_congestion(name);
    if (ops == nullptr) return Result<void>::fail(ENOENT, "unknown congestion control");
    c->config.congestion = ops;
    if (c->cc_ops != nullptr && c->cc_ops != ops) {
        // As Linux: the window stays, the new algorithm starts its own state.
        c->cc_ops = ops;
        ops->init(c->cc, host_.now());
    }
    return {};
}

Result<void> TcpLayer::set_delayed_ack(TcpHandle h, bool on) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    c->config.delayed_ack = on;
    return {};
}

Result<void> TcpLayer::quick_ack(TcpHandle h) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    if (c->delayed_ack_due) send_ack(*c);
    return {};
}

Result<void> TcpLayer::set_send_buffer(TcpHandle h, uint32_t bytes) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    if (bytes == 0) return Result<void>::fail(EINVAL);
    if (bytes >= c->snd_buf.capacity()) {
        c->snd_buf.grow(bytes);
    } else if (c->snd_buf.empty()) {
        c->snd_buf.reset(bytes);
    } else {
        return Result<void>::fail(EINVAL, "send buffer holds data");
    }
    c->config.send_buffer = bytes;
    return {};
}

Result<void> TcpLayer::set_receive_buffer(TcpHandle h, uint32_t bytes) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    if (bytes == 0) return Result<void>::fail(EINVAL);
    const bool before_handshake = c->state == TcpState::kSynSent && c->rcv_buf.readable() == 0;
    if (bytes >= c->rcv_buf.capacity()) {
        c->rcv_buf.grow(bytes);
    } else if (before_handshake) {
        c->rcv_buf.reset(bytes);
    } else {
        return Result<void>::fail(EINVAL, "the window was announced");
    }
    c->config.receive_buffer = bytes;
    if (is_synchronized(c->state)) maybe_window_update(*c);
    return {};
}

Result<void> TcpLayer::set_max_segment(TcpHandle h, uint16_t mss) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    if (mss < 88) return Result<void>::fail(EINVAL);
    c->config.mss = mss;
    if (is_synchronized(c->state)) {
        // Only ever smaller: records already sent keep their size.
        const uint16_t cap = static_cast<uint16_t>(mss - c->tcb.fixed_option_len());
        if (cap < c->tcb.snd_mss) {
            c->tcb.snd_mss = cap;
            c->cc.mss = cap;
        }
    }
    return {};
}

std::optional<TcpConnStats> TcpLayer::conn_stats(TcpHandle h) const {
    const TcpConnection* c = user_conn(h);
    if (c == nullptr) return std::nullopt;
    return stats_of(*c);
}

TcpConnStats TcpLayer::stats_of(const TcpConnection& connection) {
    const TcpConnection* c = &connection;
    TcpConnStats s;
    const Tcb& t = c->tcb;
    s.state = c->state;
    s.ca_state = c->recovery == RecoveryState::kRecovery ? 3 : c->recovery == RecoveryState::kLoss ? 4 : 0;
    s.congestion = (c->cc_ops != nullptr ? c->cc_ops : c->config.congestion != nullptr ? c->config.congestion
                                                                                      : &cubic_ops())->name;
    s.retransmits = c->retries;
    s.backoff = static_cast<uint8_t>(std::min<uint32_t>(c->rtt.backoff_count(), 255));
    s.probes = c->probes_out;
    s.timestamps = t.ts_ok;
    s.sack = t.sack_ok;
    s.window_scale = c->negotiated_wscale;
    s.snd_wscale = t.snd_wscale;
    s.rcv_wscale = t.rcv_wscale;
    s.rto = c->rtt.rto();
    s.rtt = c->rtt.srtt();
    s.rttvar = c->rtt.rttvar();
    s.min_rtt = c->min_rtt;
    s.rtt_valid = c->rtt.has_sample();
    s.snd_mss = t.snd_mss;
    s.rcv_mss = t.rcv_mss;
    s.pmtu = static_cast<uint32_t>(t.snd_mss) + 40 + t.fixed_option_len();
    const uint32_t mss = std::max<uint32_t>(t.snd_mss, 1);
    const bool cc_on = c->cc_ops != nullptr;
    s.snd_cwnd_bytes = cc_on ? c->cc.cwnd : 0;
    s.snd_cwnd = cc_on ? (c->cc.cwnd + mss - 1) / mss : 0;
    s.snd_ssthresh = cc_on ? std::min<uint32_t>(c->cc.ssthresh / mss, 0xffff) : 0;
    s.unacked = static_cast<uint32_t>(c->sb.size());
    s.sacked = c->sb.sacked_segments();
    s.lost = c->sb.lost_segments();
    s.retrans = c->sb.retrans_bytes();
    s.in_flight = pipe(*c);
    s.total_retrans = c->stats.total_retrans;
    s.reordering = c->stats.reordering;
    s.snd_wnd = t.snd_wnd;
    s.rcv_wnd = t.rcv_wnd;
    s.bytes_sent = c->stats.bytes_sent;
    s.bytes_retrans = c->stats.bytes_retrans;
    s.bytes_acked = c->stats.bytes_acked;
    s.bytes_received = c->stats.bytes_received;
    s.segs_out = c->stats.segs_out;
    s.segs_in = c->stats.segs_in;
    s.data_segs_out = c->stats.data_segs_out;
    s.data_segs_in = c->stats.data_segs_in;
    s.delivered = c->delivered;
    s.fast_recoveries = c->stats.fast_recoveries;
    s.rto_count = c->stats.rto_count;
    return s;
}

}  // namespace tachyon
