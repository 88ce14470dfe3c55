// SYN cookies on the listener (RFC 4987 section 3.6): the SYN,ACK sent when the SYN queue is
// full, and the connection rebuilt from the ACK that returns the cookie.
#include <algorithm>

#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

void TcpLayer::send_cookie_syn_ack(TcpListener& l, const TcpTuple& t, const TcpRepr& syn) {
    const TcpConnConfig& cfg = l.config;
    const Instant now = host_.now();
    const uint16_t peer_mss = syn.max_seg_size.value_or(536);
    TcpRepr r;
    r.src_port = t.local_port;
    r.dst_port = t.remote_port;
    r.control = TcpControl::kSyn;
    r.seq_number = SeqNum(cookies_.make(t, syn.seq_number, std::min(peer_mss, announce_mss(cfg)), now));
    r.ack_number = syn.seq_number + 1;
    r.window_len = static_cast<uint16_t>(std::min<uint32_t>(std::max<uint32_t>(cfg.receive_buffer, 1), 0xffff));
    r.max_seg_size = announce_mss(cfg);
    // Window scale and SACK-permitted survive only in the timestamp (as Linux): without
    // timestamps they are not offered.
    if (cfg.timestamps && syn.timestamp) {
        CookieOptions o;
        if (cfg.window_scaling && syn.window_scale) o.wscale = std::min<uint8_t>(*syn.window_scale, 14);
        o.sack_ok = cfg.sack_permitted && syn.sack_permitted;
        const uint32_t ts_now = static_cast<uint32_t>(now.ns() / 1'000'000) + isn_.offsets(t).ts;
        r.timestamp = TcpTimestamp{SynCookies::ts_with_options(ts_now, o), syn.timestamp->tsval};
        if (o.wscale) r.window_scale = window_scale_for(std::max<uint32_t>(cfg.receive_buffer, 1));
        r.sack_permitted = o.sack_ok;
    }
    l.cookies_sent = true;
    l.last_cookie = now;
    // The listener's IP_TTL and IP_TOS, which the connection would have had (Linux keeps its TOS).
    if (transmit(t, nullptr, r, nullptr, 0, 0, {cfg.ttl, cfg.tos})) ++counters_.syn_cookies_sent;
}

// An ACK to the listener that may carry a cookie: true when it did (the connection now exists,
// or the ACK was dropped for a full accept queue or table, as Linux drops it).
bool TcpLayer::cookie_ack(TcpListener& l, const TcpTuple& t, const TcpRepr& seg) {
    const Instant now = host_.now();
    if (seg.control == TcpControl::kRst || now - l.last_cookie > Duration::from_secs(128)) return false;
    const SeqNum iss = *seg.ack_number - 1;
    const SeqNum irs = seg.seq_number - 1;
    const std::optional<uint16_t> mss = cookies_.check(t, irs, iss, now);
    if (!mss) return false;
    if (l.accept_queue.count >= l.backlog) {
        ++counters_.accept_queue_full;
        return true;
    }
    TcpConnection* c = table_.allocate();
    if (c == nullptr) {
        ++counters_.table_full;
        return true;
    }
    ++counters_.syn_cookies_accepted;
    init_connection(*c, t, l.config);
    c->passive = true;
    // The SYN the cookie stands for: its MSS, and with timestamps the options from TSecr.
    TcpRepr syn;
    syn.max_seg_size = *mss;
    if (seg.timestamp && c->config.timestamps) {
        syn.timestamp = TcpTimestamp{seg.timestamp->tsval, 0};
        const CookieOptions o = SynCookies::options_from_ts(seg.timestamp->tsecr);
        syn.window_scale = o.wscale;
        syn.sack_permitted = o.sack_ok;
    }
    Tcb& tcb = c->tcb;
    tcb.irs = irs;
    tcb.rcv_nxt = seg.seq_number;
    negotiate_options(*c, syn);
    c->negotiated_wscale = c->config.window_scaling && syn.window_scale.has_value();
    tcb.iss = iss;
    tcb.snd_una = iss + 1;
    tcb.snd_nxt = iss + 1;
    c->snd_buf_seq = iss + 1;
    window_field(*c, true);  // what the SYN,ACK advertised
    tcb.snd_wnd = static_cast<uint32_t>(seg.window_len) << tcb.snd_wscale;
    tcb.max_snd_wnd = tcb.snd_wnd;
    tcb.snd_wl1 = irs;
    tcb.snd_wl2 = iss + 1;
    c->state = TcpState::kSynReceived;
    enter_established(*c);
    table_.insert(*c);
    c->listener = l.index;
    queue_push(table_, l.accept_queue, *c, ListenQueue::kAccept);
    ++counters_.passive_opens;
    connection_input(*c, seg);  // the ACK's own data, window and FIN
    return true;
}

}  // namespace tachyon
