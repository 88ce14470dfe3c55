// Output: the dispatch step that emits what the receiver decided, data and FIN segments within
// the peer's window, retransmission after a timeout, pure ACKs and RSTs, and the one place that
// builds a segment and hands it to IpHost::send_ipv4.
#include <algorithm>

#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

namespace {

bool sends_data(TcpState s) {
    return s == TcpState::kEstablished || s == TcpState::kCloseWait || s == TcpState::kFinWait1 ||
           s == TcpState::kClosing || s == TcpState::kLastAck;
}

}  // namespace

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
    output(c, ack);
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
    if (sends_data(c.state)) {
        sent = send_retransmissions(c);
        sent = send_new_data(c) || sent;
    }
    if (ack_required && !sent && c.state != TcpState::kSynSent && c.state != TcpState::kClosed) {
        send_ack(c);
    }
    // RFC 6298 5.1: the timer runs while data is outstanding; with nothing outstanding but data
    // held back by a zero window it times the next window probe (RFC 9293 3.8.6.1).
    const bool outstanding = c.tcb.snd_una != c.tcb.snd_nxt;
    const bool zero_window_wait = sends_data(c.state) && c.tcb.snd_nxt < c.snd_data_end();
    if ((outstanding || zero_window_wait) && !c.rtx_timer.armed()) arm_rtx(c);
}

// After a timeout, [rtx_nxt, snd_nxt) goes out again from SND.UNA, rtx_budget segments at a
// time (RFC 6298 5.4 for the first, then go-back-N clocked by ACKs; selective repair arrives with
// SACK in issue 4).
bool TcpLayer::send_retransmissions(TcpConnection& c) {
    bool sent = false;
    while (c.rtx_nxt < c.tcb.snd_nxt && c.rtx_budget > 0) {
        const SeqNum seq = c.rtx_nxt;
        const SeqNum data_end = seq_min(c.snd_data_end(), c.tcb.snd_nxt);
        uint32_t len = data_end > seq ? static_cast<uint32_t>(data_end - seq) : 0;
        len = std::min<uint32_t>(len, c.tcb.snd_mss);
        if (seq != c.tcb.snd_una) {
            // Beyond the first segment, stay inside the window the peer offers.
            const int32_t room = (c.tcb.snd_una + c.tcb.snd_wnd) - seq;
            if (room <= 0) break;
            len = std::min<uint32_t>(len, static_cast<uint32_t>(room));
        }
        const bool fin = c.fin_sent() && seq + len == c.fin_seq();
        if (len == 0 && !fin) break;
        const uint32_t n = send_data_segment(c, seq, len, fin);
        const uint32_t advance = n + (fin && n == len ? 1u : 0u);
        if (advance == 0) break;  // no room in the buffer for any payload
        ++counters_.retransmitted_segments;
        --c.rtx_budget;
        c.rtx_nxt = seq + advance;
        sent = true;
    }
    return sent;
}

bool TcpLayer::send_new_data(TcpConnection& c) {
    if (c.rtx_nxt != c.tcb.snd_nxt) return false;  // still repairing
    bool sent = false;
    for (;;) {
        const SeqNum seq = c.tcb.snd_nxt;
        const SeqNum end = c.snd_data_end();
        const uint32_t unsent = end > seq ? static_cast<uint32_t>(end - seq) : 0;
        const int32_t room = (c.tcb.snd_una + c.tcb.snd_wnd) - seq;
        uint32_t len = std::min<uint32_t>(unsent, room > 0 ? static_cast<uint32_t>(room) : 0);
        if (len == 0 && unsent > 0 && c.probe_pending) len = 1;  // zero-window probe
        c.probe_pending = false;
        len = std::min<uint32_t>(len, c.tcb.snd_mss);
        // The FIN takes no window: it goes with (or right after) the last byte.
        const bool fin = c.fin_queued && !c.fin_sent() && seq + len == end;
        if (len == 0 && !fin) break;
        if (!c.rtt_timing) {
            c.rtt_timing = true;  // time this segment (one sample per round trip)
            c.rtt_seq = seq;
            c.rtt_start = host_.now();
        }
        const uint32_t n = send_data_segment(c, seq, len, fin);
        const uint32_t advance = n + (fin && n == len ? 1u : 0u);
        if (advance == 0) break;
        c.tcb.snd_nxt = seq + advance;
        c.rtx_nxt = c.tcb.snd_nxt;
        sent = true;
    }
    return sent;
}

// Sends [seq, seq+len) of the send buffer, with FIN after it if asked; returns the payload
// bytes the segment carries. When the pool is empty the segment counts as sent and lost: the
// retransmission timer sends it again, so no state is lost (the count is the caller's guide).
uint32_t TcpLayer::send_data_segment(TcpConnection& c, SeqNum seq, uint32_t len, bool fin) {
    TcpRepr r = segment_template(c, seq);
    if (fin) r.control = TcpControl::kFin;
    r.psh = len > 0 && seq + len == c.snd_data_end();
    const size_t offset = static_cast<size_t>(seq - c.snd_buf_seq);
    const std::optional<size_t> n = transmit(c.tuple, r, &c.snd_buf, offset, len);
    return n ? static_cast<uint32_t>(*n) : len;
}

void TcpLayer::send_ack(TcpConnection& c) {
    TcpRepr r = segment_template(c, c.tcb.snd_nxt);
    transmit(c.tuple, r, nullptr, 0, 0);
}

void TcpLayer::send_rst(const TcpTuple& t, const ResetReply& reply) {
    TcpRepr r;
    r.src_port = t.local_port;
    r.dst_port = t.remote_port;
    r.control = TcpControl::kRst;
    r.seq_number = reply.seq;
    r.ack_number = reply.ack;
    if (transmit(t, r, nullptr, 0, 0)) ++counters_.rst_sent;
}

// A segment of this connection at seq: ACK of RCV.NXT, our window, timestamps when in use.
TcpRepr TcpLayer::segment_template(TcpConnection& c, SeqNum seq) {
    TcpRepr r;
    r.src_port = c.tuple.local_port;
    r.dst_port = c.tuple.remote_port;
    r.seq_number = seq;
    r.ack_number = c.tcb.rcv_nxt;
    r.window_len = window_field(c, false);
    if (c.tcb.ts_ok) r.timestamp = TcpTimestamp{tsval(c), c.tcb.ts_recent};
    c.tcb.last_ack_sent = c.tcb.rcv_nxt;
    return r;
}

// The window field, and the bookkeeping of what it advertises. RFC 9293 3.8.6.2.1 (and Linux):
// the right edge never moves left, even when scaling rounds the free space down.
uint16_t TcpLayer::window_field(TcpConnection& c, bool syn) {
    Tcb& tcb = c.tcb;
    const uint32_t free = c.rcv_buf.window();
    if (syn) {
        const auto field = static_cast<uint16_t>(std::min<uint32_t>(free, 0xffff));
        tcb.rcv_wnd = field;
        tcb.rcv_adv = tcb.rcv_nxt + tcb.rcv_wnd;
        return field;
    }
    const uint8_t ws = tcb.rcv_wscale;
    uint32_t field = std::min<uint32_t>(free >> ws, 0xffff);
    const int32_t previous = tcb.rcv_adv - tcb.rcv_nxt;
    if (previous > 0 && (field << ws) < static_cast<uint32_t>(previous)) {
        field = std::min<uint32_t>((static_cast<uint32_t>(previous) + (1u << ws) - 1) >> ws, 0xffff);
    }
    tcb.rcv_wnd = field << ws;
    tcb.rcv_adv = tcb.rcv_nxt + tcb.rcv_wnd;
    return static_cast<uint16_t>(field);
}

// RFC 7323 section 4.1 allows any clock from 1 ms to 1 s per tick; 1 ms as Linux, offset per
// connection.
uint32_t TcpLayer::tsval(const TcpConnection& c) const {
    return static_cast<uint32_t>(host_.now().ns() / 1'000'000) + c.tcb.ts_offset;
}

// Builds the segment in a packet from the host's pool and sends it: header and options per
// repr, then len bytes of data from the ring at data_offset (clamped to the buffer's room; a FIN
// is kept only if all of them fit). Returns the payload bytes sent, nullopt when no packet.
std::optional<size_t> TcpLayer::transmit(const TcpTuple& t, TcpRepr& repr, const ByteRing* data,
                                         size_t data_offset, size_t len) {
    Packet pkt = host_.alloc_tx();
    if (!pkt) {
        ++counters_.tx_alloc_failures;
        return std::nullopt;
    }
    const size_t header = repr.header_len();
    if (header + len > pkt.tailroom()) {
        len = pkt.tailroom() > header ? pkt.tailroom() - header : 0;
        if (repr.control == TcpControl::kFin) repr.control = TcpControl::kNone;
    }
    std::byte* p = pkt.append(header + len);
    if (len > 0) data->copy_out(data_offset, {p + header, len});
    repr.payload = std::span<const std::byte>(p + header, len);
    TcpSegment segment(pkt.bytes());
    const ChecksumMode mode = host_.l4_checksum_mode();
    repr.emit(segment, t.local_addr, t.remote_addr, mode);
    if (mode == ChecksumMode::kOffload) pkt.meta().tx_flags |= PacketMeta::kTxTcpCsum;
    Ipv4Repr ip;
    ip.src_addr = t.local_addr;
    ip.dst_addr = t.remote_addr;
    ip.protocol = static_cast<uint8_t>(IpProtocol::kTcp);
    ip.payload_len = static_cast<uint16_t>(pkt.size());
    host_.send_ipv4(std::move(pkt), ip);
    ++counters_.segments_sent;
    return len;
}

}  // namespace tachyon
