// The three-way handshake: LISTEN (RFC 9293 3.10.7.2), SYN-SENT (3.10.7.3), option negotiation
// (RFC 9293 3.7.1 MSS, RFC 7323 window scale and timestamps, RFC 2018 SACK-permitted) and the
// emission of SYN and SYN,ACK segments.
#include <algorithm>
#include <cerrno>

#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

namespace {

// RFC 9293 3.7.1: without an MSS option the peer accepts 536 bytes.
constexpr uint16_t kDefaultMss = 536;
// Smallest MSS we announce (Linux's TCP_MIN_MSS), whatever the MTU.
constexpr uint16_t kMinMss = 88;
// Smallest segment payload we send (Linux's tcp_min_snd_mss, CVE-2019-11479): a peer may ask for
// less than 88 and gets it, but a hostile tiny MSS cannot turn every few bytes into a segment.
constexpr uint16_t kMinSndMss = 48;
// RFC 7323 2.3: shift counts above 14 are treated as 14.
constexpr uint8_t kMaxWindowScale = 14;

}  // namespace

// The smallest shift that lets the 16-bit field describe the whole receive buffer.
uint8_t window_scale_for(uint32_t buffer) {
    uint8_t shift = 0;
    while (shift < kMaxWindowScale && (buffer >> shift) > 0xffff) ++shift;
    return shift;
}

uint16_t TcpLayer::mss_to_announce(const TcpConnection& c) const { return announce_mss(c.config); }

uint16_t TcpLayer::announce_mss(const TcpConnConfig& config) const {
    const int mtu_mss = static_cast<int>(host_.mtu()) - 40;  // IPv4 and TCP headers
    return static_cast<uint16_t>(std::clamp<int>(std::min<int>(config.mss, mtu_mss), kMinMss, 0xffff));
}

SeqNum TcpLayer::choose_isn(const TcpConnection& c) const {
    if (c.config.isn) return SeqNum(*c.config.isn);
    return IsnGenerator::isn(c.tcb.isn_offset, host_.now());
}

void TcpLayer::negotiate_options(TcpConnection& c, const TcpRepr& syn) {
    Tcb& tcb = c.tcb;
    tcb.rcv_mss = mss_to_announce(c);
    tcb.ts_ok = c.config.timestamps && syn.timestamp.has_value();
    if (tcb.ts_ok) {
        tcb.ts_recent = syn.timestamp->tsval;
        tcb.ts_recent_age = host_.now();
    }
    tcb.sack_ok = c.config.sack_permitted && syn.sack_permitted;
    // The window our SYN announced, now relative to the peer's ISN (an active open learns it here).
    tcb.rcv_adv = tcb.rcv_nxt + tcb.rcv_wnd;
    // RFC 7323 2.2: scaling is on only when both SYNs carried the option.
    if (c.config.window_scaling && syn.window_scale) {
        tcb.snd_wscale = std::min(*syn.window_scale, kMaxWindowScale);
        tcb.rcv_wscale = window_scale_for(static_cast<uint32_t>(c.rcv_buf.capacity()));
    } else {
        tcb.snd_wscale = 0;
        tcb.rcv_wscale = 0;
    }
    // RFC 9293 3.7.1: Eff.snd.MSS = min(SendMSS, our MTU - 40) - TCP options in every segment;
    // the MTU is the path's when "fragmentation needed" taught one (RFC 1191, PathMtuCache).
    const int path = static_cast<int>(host_.path_mtu(c.tuple.remote_addr)) - 40;
    const int peer = std::min({static_cast<int>(syn.max_seg_size.value_or(kDefaultMss)),
                               static_cast<int>(mss_to_announce(c)), path});
    tcb.snd_mss = static_cast<uint16_t>(std::max<int>(peer - tcb.fixed_option_len(), kMinSndMss));
}

void TcpLayer::send_syn(TcpConnection& c) {
    const bool active = c.state == TcpState::kSynSent;
    TcpRepr r = segment_template(c, c.tcb.iss);
    r.control = TcpControl::kSyn;
    if (active) r.ack_number.reset();
    r.window_len = window_field(c, true);
    r.max_seg_size = mss_to_announce(c);
    if (active) {
        // Offer what the configuration allows; the reply decides (RFC 7323 2.2, 3.2; RFC 2018).
        if (c.config.window_scaling) {
            r.window_scale = window_scale_for(static_cast<uint32_t>(c.rcv_buf.capacity()));
        }
        if (c.config.timestamps) r.timestamp = TcpTimestamp{tsval(c), 0};
        r.sack_permitted = c.config.sack_permitted;
    } else {
        // A SYN,ACK carries an option only if the SYN did (timestamps: segment_template).
        if (c.negotiated_wscale) r.window_scale = c.tcb.rcv_wscale;
        r.sack_permitted = c.tcb.sack_ok;
    }
    if (c.retries == 0 && !c.rtt_timing) {
        c.rtt_timing = true;  // Karn: only a SYN sent once gives a sample
        c.rtt_seq = c.tcb.iss;
        c.rtt_start = host_.now();
    }
    transmit(c.tuple, &c.route, r, nullptr, 0, 0);
}

// RFC 9293 3.10.7.2: LISTEN.
void TcpLayer::listen_input(TcpListener& l, const TcpTuple& t, const TcpRepr& seg,
                            std::optional<SeqNum> iss_floor) {
    if (seg.control == TcpControl::kRst) {  // first: an incoming RST is ignored
        ++counters_.listen_rst_ignored;
        return;
    }
    if (seg.ack_number) {  // second: any ACK is bad: <SEQ=SEG.ACK><CTL=RST>
        // ... unless it returns one of our SYN cookies (RFC 4987 3.6).
        if (l.cookies_sent && seg.control != TcpControl::kSyn) {
            if (cookie_ack(l, t, seg)) return;
            ++counters_.syn_cookies_failed;
        }
        ++counters_.listen_ack_reset;
        send_rst(t, {*seg.ack_number, std::nullopt});
        return;
    }
    if (seg.control != TcpControl::kSyn) {  // fourth: anything else is dropped
        ++counters_.listen_other_dropped;
        return;
    }
    // third: SYN. A full queue answers with a SYN cookie (RFC 4987), or drops the SYN when
    // cookies are off (the peer retries).
    if (l.syn_queue.count >= l.syn_backlog) {
        ++counters_.syn_queue_full;
        if (config_.syn_cookies && l.accept_queue.count < l.backlog) send_cookie_syn_ack(l, t, seg);
        return;
    }
    if (l.accept_queue.count >= l.backlog) {
        ++counters_.accept_queue_full;
        return;
    }
    TcpConnection* c = table_.allocate();
    if (c == nullptr) {
        ++counters_.table_full;
        return;
    }
    init_connection(*c, t, l.config);
    c->passive = true;
    c->tcb.irs = seg.seq_number;
    c->tcb.rcv_nxt = seg.seq_number + 1;
    negotiate_options(*c, seg);
    c->negotiated_wscale = c->config.window_scaling && seg.window_scale.has_value();
    c->tcb.iss = choose_isn(*c);
    if (iss_floor && c->tcb.iss < *iss_floor) c->tcb.iss = *iss_floor;
    c->tcb.snd_una = c->tcb.iss;
    c->tcb.snd_nxt = c->tcb.iss + 1;
    c->snd_buf_seq = c->tcb.iss + 1;
    c->tcb.snd_wnd = seg.window_len;  // never scaled in a SYN (RFC 7323 2.2)
    c->tcb.max_snd_wnd = c->tcb.snd_wnd;
    c->tcb.snd_wl1 = seg.seq_number;
    c->tcb.snd_wl2 = c->tcb.iss;
    c->state = TcpState::kSynReceived;
    table_.insert(*c);
    c->listener = l.index;
    queue_push(table_, l.syn_queue, *c, ListenQueue::kSyn);
    ++counters_.passive_opens;
    send_syn(*c);  // <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>
    arm_rtx(*c);
}

// RFC 9293 3.10.7.3: SYN-SENT.
RxActions TcpLayer::syn_sent_arrives(TcpConnection& c, const TcpRepr& seg) {
    RxActions out;
    Tcb& tcb = c.tcb;
    bool ack_ok = false;
    if (seg.ack_number) {  // first: the ACK must acknowledge our SYN and nothing beyond
        const SeqNum ack = *seg.ack_number;
        if (ack <= tcb.iss || ack > tcb.snd_nxt) {
            ++counters_.syn_sent_bad_ack;
            if (seg.control != TcpControl::kRst) out.reset = ResetReply{ack, std::nullopt};
            return out;
        }
        ack_ok = true;
    }
    if (seg.control == TcpControl::kRst) {  // second: only an RST acknowledging the SYN counts
        if (ack_ok) {
            ++counters_.rst_received;
            enter_closed(c, ECONNREFUSED);
        } else {
            ++counters_.syn_sent_dropped;
        }
        return out;
    }
    if (seg.control != TcpControl::kSyn) {  // fifth: neither SYN nor RST
        ++counters_.syn_sent_dropped;
        return out;
    }
    // fourth: SYN.
    tcb.irs = seg.seq_number;
    tcb.rcv_nxt = seg.seq_number + 1;
    negotiate_options(c, seg);
    c.negotiated_wscale = c.config.window_scaling && seg.window_scale.has_value();
    tcb.snd_wnd = seg.window_len;
    tcb.max_snd_wnd = tcb.snd_wnd;
    tcb.snd_wl1 = seg.seq_number;
    if (!ack_ok) {
        // Simultaneous open (figure 8): answer with SYN,ACK from SYN-RECEIVED.
        tcb.snd_wl2 = tcb.iss;
        c.state = TcpState::kSynReceived;
        out.syn_ack = true;
        return out;
    }
    tcb.snd_wl2 = *seg.ack_number;
    RateSource rs;
    ack_new_data(c, *seg.ack_number,
                 seg.timestamp ? std::optional<uint32_t>(seg.timestamp->tsecr) : std::nullopt, rs);
    enter_established(c);
    ack_by_turn_end(c, out);  // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, or on the first data
    // "continue processing at the sixth step": data carried by the SYN,ACK.
    if (!seg.payload.empty()) {
        SegmentText text{tcb.rcv_nxt, seg.payload, false};
        text.data = text.data.first(std::min<size_t>(text.data.size(), c.rcv_buf.window()));
        process_text(c, text, seg, out);
    }
    return out;
}

}  // namespace tachyon
