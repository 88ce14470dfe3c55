// Output: the dispatch step that emits what the receiver decided; retransmission of segments the
// scoreboard holds lost and new data, both within cwnd (RFC 5681, RFC 6675 NextSeg rules 1-2)
// and the peer's window, with Nagle (RFC 896) and sender SWS avoidance (RFC 1122 4.2.3.4);
// pure ACKs and RSTs; and the one place that builds a segment and hands it to IpHost::send_ipv4.
#include <algorithm>

#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

void TcpLayer::dispatch(TcpConnection& c, const RxActions& a) {
    if (a.reset) send_rst(c.tuple, *a.reset);
    if (c.state == TcpState::kClosed) return;
    if (a.syn_ack && c.state == TcpState::kSynReceived) send_syn(c);
    bool ack = a.ack;
    if (a.challenge_ack) {
        if (allow_challenge_ack()) {
            ++counters_.challenge_acks_sent;
            ack = true;
        } else {
            ++counters_.challenge_acks_rate_limited;
        }
    }
    if (c.state == TcpState::kSynSent) return;
    if (!ack) owe_ack(c, a);
    output(c, ack);  // a segment that leaves now carries the ACK: nothing is owed any more
}

// A delayed ACK waits for the timer unless a segment leaves first (it carries the ACK).
void TcpLayer::owe_ack(TcpConnection& c, const RxActions& a) {
    if (a.delayed_ack && !c.delayed_ack_due) arm_delayed_ack(c);
    if (a.ack_by_turn_end) defer_ack(c);
}

void TcpLayer::defer_ack(TcpConnection& c) {
    c.ack_owed = true;
    if (c.on_turn_list) return;
    c.on_turn_list = true;
    turn_acks_.push_back(c.index);  // at most once per slot: within the capacity reserved
}

void TcpLayer::end_turn() {
    for (const uint32_t index : turn_acks_) {
        TcpConnection& c = table_.slot(index);
        c.on_turn_list = false;
        if (c.ack_owed && c.state != TcpState::kClosed && c.state != TcpState::kSynSent) send_ack(c);
        c.ack_owed = false;
        finish(c);  // an orphan that waited for this ACK to enter its TIME-WAIT record
    }
    turn_acks_.clear();
}

// RFC 5961 section 7: at most challenge_ack_limit challenge ACKs per second for the layer.
bool TcpLayer::allow_challenge_ack() {
    const Instant now = host_.now();
    if (now - challenge_window_start_ >= Duration::from_secs(1)) {
        challenge_window_start_ = now;
        challenge_count_ = 0;
    }
    if (challenge_count_ >= config_.challenge_ack_limit) return false;
    ++challenge_count_;
    return true;
}

void TcpLayer::output(TcpConnection& c, bool ack_required) {
    bool sent = false;
    bool sent_new = false;
    if (sends_data(c.state)) {
        // Nothing lost (the usual case): the scan's answer without the call.
        sent = c.sb.lost_segments() != 0 && send_retransmissions(c);
        c.force_rtx = false;  // the one forced retransmission went, or there was none to send
        sent_new = send_new_data(c, false);
        sent = sent_new || sent;
    }
    if (ack_required && !sent && c.state != TcpState::kSynSent && c.state != TcpState::kClosed) {
        send_ack(c);
    }
    // RFC 6298 5.1: the timer runs while data is outstanding; RFC 8985 7.2: new data restarts
    // a loss probe's timeout.
    if (c.tcb.snd_una != c.tcb.snd_nxt) {
        if (!c.rtx_running) {
            arm_rtx(c);
        } else if (sent_new) {
            schedule_probe(c);
        }
    }
    update_persist(c);
}

// The persist timer runs while data waits with nothing in flight to bring an ACK: the window is
// zero or too small to send into (RFC 1122 4.2.2.17 and the override timeout of 4.2.3.4).
void TcpLayer::update_persist(TcpConnection& c) {
    const bool waiting = sends_data(c.state) && c.tcb.snd_una == c.tcb.snd_nxt &&
                         (c.tcb.snd_nxt < c.snd_data_end() || (c.fin_queued && !c.fin_sent()));
    if (waiting) {
        if (!c.persist_timer.armed()) {
            if (c.persist_backoff == 0) c.persist_since = host_.now();
            arm_persist(c);
        }
    } else if (c.persist_timer.armed()) {
        host_.timers().cancel(c.persist_timer);
    }
}

// In flight (RFC 6675 "pipe"): sent and not acknowledged, less what the SACK scoreboard (or,
// without SACK, the duplicate ACKs) says has left the network, plus retransmissions.
uint32_t TcpLayer::pipe(const TcpConnection& c) {
    const int64_t out = static_cast<int64_t>(c.tcb.snd_nxt - c.tcb.snd_una) - c.sb.sacked_bytes() -
                        c.sb.lost_bytes() - c.reno_dup_bytes + c.sb.retrans_bytes();
    return out > 0 ? static_cast<uint32_t>(out) : 0;
}

// RFC 6675 NextSeg rule 1 (and the repair after an RTO): lost segments first, oldest first.
bool TcpLayer::send_retransmissions(TcpConnection& c) {
    bool sent = false;
    while (TxRecord* r = c.sb.next_lost()) {
        if (!c.force_rtx && pipe(c) >= c.cc.cwnd) {
            c.cwnd_limited = true;
            break;
        }
        // Beyond the first segment, stay inside the window the peer offers.
        if (r->seq != c.tcb.snd_una && r->seq - c.tcb.snd_una >= static_cast<int32_t>(c.tcb.snd_wnd)) break;
        bool fin = c.fin_queued && r->end() == c.fin_seq() + 1;
        // Sent when the MSS was larger (path MTU discovery, TCP_MAXSEG): cut to today's size
        // (Linux's tcp_fragment on retransmission); uncut if no record more can be held.
        const uint32_t mss_now = c.tcb.snd_mss - sack_option_len(c);
        if (r->len - (fin ? 1u : 0u) > mss_now && c.sb.split(r->seq + mss_now)) {
            r = c.sb.next_lost();
            fin = false;
        }
        resend(c, *r, fin);
        c.force_rtx = false;
        sent = true;
    }
    return sent;
}

// Sends the record's segment again (with the FIN it ends with, if `fin`) and books it: Karn's rule
// (RFC 6298 section 3: no RTT sample from it), the scoreboard, the counters.
void TcpLayer::resend(TcpConnection& c, TxRecord& r, bool fin) {
    const uint32_t len = r.len - (fin ? 1u : 0u);
    send_data_segment(c, r.seq, len, fin);
    if (c.rtt_timing && r.seq <= c.rtt_seq && c.rtt_seq < r.end()) c.rtt_timing = false;
    c.sb.on_retransmit(r, host_.now(), c.delivered, c.delivered_time);
    ++counters_.retransmitted_segments;
    ++c.stats.total_retrans;
    c.stats.bytes_retrans += len;
}

// RFC 6675 NextSeg rule 2: new data, within cwnd and the peer's window. `force` sends one
// segment of what the window allows, even if small and whatever cwnd says: the persist timer's
// override (RFC 1122 4.2.3.4 (4)) and a tail loss probe's new data (RFC 8985 7.3).
bool TcpLayer::send_new_data(TcpConnection& c, bool force) {
    // Nothing queued (every segment a pure receiver takes in): the loop's first exit, before
    // its set-up.
    if (c.snd_data_end() <= c.tcb.snd_nxt && !(c.fin_queued && !c.fin_sent())) {
        if (!c.sb.full()) c.cwnd_limited = false;  // application limited
        return false;
    }
    bool sent = false;
    const uint32_t mss_now = c.tcb.snd_mss - sack_option_len(c);
    while (!c.sb.full()) {
        const SeqNum seq = c.tcb.snd_nxt;
        const SeqNum end = c.snd_data_end();
        const uint32_t unsent = end > seq ? static_cast<uint32_t>(end - seq) : 0;
        const bool fin_pending = c.fin_queued && !c.fin_sent();
        if (unsent == 0 && !fin_pending) {
            c.cwnd_limited = false;  // application limited
            break;
        }
        if (!force && pipe(c) >= c.cc.cwnd) {
            c.cwnd_limited = true;
            break;
        }
        const int32_t room = (c.tcb.snd_una + c.tcb.snd_wnd) - seq;
        uint32_t len = std::min({unsent, mss_now, room > 0 ? static_cast<uint32_t>(room) : 0u});
        if (len < unsent && len < mss_now && !force) {
            // Sender SWS avoidance: a window-limited runt goes only if it is at least half the
            // largest window the peer offered (RFC 1122 4.2.3.4 (3)).
            if (len == 0 || len < c.tcb.max_snd_wnd / 2) break;
        }
        if (len == unsent && len < mss_now && len > 0 && !fin_pending && !c.config.nodelay &&
            c.snd_sml > c.tcb.snd_una && c.snd_sml <= c.tcb.snd_nxt && !force) {
            break;  // Nagle with Minshall's rule (as Linux): one small segment in flight at a time
        }
        const bool fin = fin_pending && seq + len == end;
        if (len == 0 && !fin) break;
        if (!c.rtt_timing && !c.tcb.ts_ok) {
            c.rtt_timing = true;  // time this segment (one sample per round trip)
            c.rtt_seq = seq;
            c.rtt_start = host_.now();
        }
        const uint32_t n = send_data_segment(c, seq, len, fin);
        const uint32_t advance = n + (fin && n == len ? 1u : 0u);
        if (advance == 0) break;
        if (c.tcb.snd_una == c.tcb.snd_nxt) c.una_since = host_.now();
        c.sb.on_send(seq, advance, host_.now(), c.delivered, c.delivered_time);
        c.tcb.snd_nxt = seq + advance;
        if (n < mss_now) c.snd_sml = c.tcb.snd_nxt;
        sent = true;
        if (force) break;
    }
    return sent;
}

// Sends [seq, seq+len) of the send buffer, with FIN after it if asked; returns the payload
// bytes the segment carries. When the pool is empty the segment counts as sent and lost: the
// retransmission timer sends it again, so no state is lost (the count is the caller's guide).
uint32_t TcpLayer::send_data_segment(TcpConnection& c, SeqNum seq, uint32_t len, bool fin) {
    const bool psh = len > 0 && seq + len == c.snd_data_end();
    const size_t offset = static_cast<size_t>(seq - c.snd_buf_seq);
    std::optional<size_t> n;
    if (carries_sack_blocks(c)) {
        TcpRepr r = segment_template(c, seq);
        if (fin) r.control = TcpControl::kFin;
        r.psh = psh;
        // SACK blocks ride along as far as they fit in the segment's MSS budget.
        if (c.tcb.snd_mss > len) fill_sack_blocks(c, r, c.tcb.snd_mss - len);
        n = transmit(c.tuple, &c.route, r, &c.snd_buf, offset, len);
    } else {
        TcpPlainHeader h = plain_template(c, seq);
        if (fin) h.flags |= tcp_flags::kFin;
        if (psh) h.flags |= tcp_flags::kPsh;
        n = transmit(c.tuple, &c.route, h, &c.snd_buf, offset, len);
    }
    ++c.stats.segs_out;
    if (len > 0) ++c.stats.data_segs_out;
    c.stats.bytes_sent += len;
    if (c.recovery == RecoveryState::kRecovery) c.prr_out += len + (fin ? 1u : 0u);  // RFC 6937
    return n ? static_cast<uint32_t>(*n) : len;
}

void TcpLayer::send_ack(TcpConnection& c) {
    ++c.stats.segs_out;
    if (carries_sack_blocks(c)) {
        TcpRepr r = segment_template(c, c.tcb.snd_nxt);
        fill_sack_blocks(c, r, 40);
        transmit(c.tuple, &c.route, r, nullptr, 0, 0);
    } else {
        TcpPlainHeader h = plain_template(c, c.tcb.snd_nxt);
        transmit(c.tuple, &c.route, h, nullptr, 0, 0);
    }
}

void TcpLayer::send_rst(const TcpTuple& t, const ResetReply& reply) {
    TcpRepr r;
    r.src_port = t.local_port;
    r.dst_port = t.remote_port;
    r.control = TcpControl::kRst;
    r.seq_number = reply.seq;
    r.ack_number = reply.ack;
    if (transmit(t, nullptr, r, nullptr, 0, 0)) ++counters_.rst_sent;
}

// A segment of this connection at seq: ACK of RCV.NXT, our window, timestamps when in use. Every
// such segment acknowledges, so a delayed ACK is no longer due.
TcpRepr TcpLayer::segment_template(TcpConnection& c, SeqNum seq) {
    const TcpPlainHeader h = plain_template(c, seq);
    TcpRepr r;
    r.src_port = h.src_port;
    r.dst_port = h.dst_port;
    r.seq_number = h.seq_number;
    r.ack_number = h.ack_number;
    r.window_len = h.window_len;
    r.timestamp = h.timestamp;
    return r;
}

TcpPlainHeader TcpLayer::plain_template(TcpConnection& c, SeqNum seq) {
    TcpPlainHeader h;
    h.src_port = c.tuple.local_port;
    h.dst_port = c.tuple.remote_port;
    h.seq_number = seq;
    h.ack_number = c.tcb.rcv_nxt;
    h.window_len = window_field(c, false);
    if (c.tcb.ts_ok) h.timestamp = TcpTimestamp{tsval(c), c.tcb.ts_recent};
    c.tcb.last_ack_sent = c.tcb.rcv_nxt;
    c.ack_owed = false;
    c.delayed_ack_due = false;  // lazily: the wheel's timer finds nothing to do
    return h;
}

// RFC 7323 section 4.1 allows any clock from 1 ms to 1 s per tick; 1 ms as Linux, offset per
// connection.
uint32_t TcpLayer::tsval(uint32_t ts_offset) const {
    return static_cast<uint32_t>(host_.now().ns() / 1'000'000) + ts_offset;
}

namespace {

// A FIN that no longer fits with its data is left for the next segment.
void drop_fin(TcpRepr& r) {
    if (r.control == TcpControl::kFin) r.control = TcpControl::kNone;
}
void drop_fin(TcpPlainHeader& h) { h.flags &= static_cast<uint8_t>(~tcp_flags::kFin); }

// Writes the header in front of the len payload bytes already at p + header.
void emit_header(TcpRepr& r, std::span<std::byte> frame, size_t header, size_t len, const TcpTuple& t,
                 ChecksumMode mode) {
    r.payload = frame.subspan(header, len);
    TcpSegment segment(frame);
    r.emit(segment, t.local_addr, t.remote_addr, mode, header);
}
void emit_header(TcpPlainHeader& h, std::span<std::byte> frame, size_t, size_t len, const TcpTuple& t,
                 ChecksumMode mode) {
    h.emit(frame.data(), len, t.local_addr, t.remote_addr, mode);
}

}  // namespace

// Builds the segment in a packet from the host's pool and sends it: the header, then len bytes of
// data from the ring at data_offset (clamped to the buffer's room; a FIN is kept only if all of
// them fit). Returns the payload bytes sent, nullopt when no packet.
template <class Header>
std::optional<size_t> TcpLayer::transmit(const TcpTuple& t, RouteCache* route, Header& h, const ByteRing* data,
                                         size_t data_offset, size_t len, TcpIpFields fields) {
    Packet pkt = host_.alloc_tx();
    if (!pkt) {
        ++counters_.tx_alloc_failures;
        return std::nullopt;
    }
    const size_t header = h.header_len();
    if (header + len > pkt.tailroom()) {
        len = pkt.tailroom() > header ? pkt.tailroom() - header : 0;
        drop_fin(h);
    }
    std::byte* p = pkt.append(header + len);
    if (len > 0) data->copy_out(data_offset, {p + header, len});
    const ChecksumMode mode = host_.l4_checksum_mode();
    emit_header(h, pkt.bytes(), header, len, t, mode);
    if (mode == ChecksumMode::kOffload) pkt.meta().tx_flags |= PacketMeta::kTxTcpCsum;
    Ipv4Repr ip;
    ip.src_addr = t.local_addr;
    ip.dst_addr = t.remote_addr;
    ip.protocol = static_cast<uint8_t>(IpProtocol::kTcp);
    ip.payload_len = static_cast<uint16_t>(pkt.size());
    if (route != nullptr) {
        ip.ttl = route->ttl;
        ip.dscp_ecn = route->tos;
    } else {
        ip.ttl = fields.ttl != 0 ? fields.ttl : host_.default_ttl();
        ip.dscp_ecn = fields.tos;
    }
    host_.send_ipv4(std::move(pkt), ip, route);
    ++counters_.segments_sent;
    return len;
}

template std::optional<size_t> TcpLayer::transmit(const TcpTuple&, RouteCache*, TcpRepr&, const ByteRing*, size_t,
                                                  size_t, TcpIpFields);
template std::optional<size_t> TcpLayer::transmit(const TcpTuple&, RouteCache*, TcpPlainHeader&, const ByteRing*,
                                                  size_t, size_t, TcpIpFields);

}  // namespace tachyon
