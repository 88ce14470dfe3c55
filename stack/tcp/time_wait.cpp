// SEGMENT ARRIVES in TIME-WAIT (RFC 9293 3.10.7.4, with RFC 5961 and PAWS, RFC 7323 5.3), and the
// compact record an orphan leaves behind in TIME-WAIT (time_wait_table.hpp). A connection its
// user still holds and an orphan's record both go through time_wait_arrives() on a record, so the
// two answer alike. What TIME-WAIT can receive: the peer's FIN again (its ACK was lost: ACK it
// and restart the 2MSL wait), an RST, a SYN (RFC 6191, decided in tcp_input.cpp before this),
// old duplicates and forgeries (an ACK, a challenge ACK, or nothing).
#include "stack/tcp/receive_checks.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

TimeWaitRecord TcpLayer::time_wait_record(const TcpConnection& c) const {
    TimeWaitRecord r;
    r.tuple = c.tuple;
    r.snd_nxt = c.tcb.snd_nxt;
    r.ack_floor = c.tcb.snd_una - c.tcb.max_snd_wnd;
    r.rcv_nxt = c.tcb.rcv_nxt;
    r.last_ack_sent = c.tcb.last_ack_sent;
    r.rcv_wnd = c.rcv_buf.window();
    r.ts_ok = c.tcb.ts_ok;
    r.ts_recent = c.tcb.ts_recent;
    r.ts_recent_age = c.tcb.ts_recent_age;
    r.ts_offset = c.tcb.ts_offset;
    // A held connection's 2MSL timer runs; an orphan's starts now (enter_time_wait).
    r.expires = c.wait_timer.armed() ? c.wait_timer.deadline() : host_.now() + config_.time_wait;
    r.release_cookie = c.release_cookie;
    return r;
}

TcpLayer::TimeWaitActions TcpLayer::time_wait_arrives(TimeWaitRecord& r, const TcpRepr& seg) {
    TimeWaitActions out;
    const Instant now = host_.now();
    if (rx_checks::paws_rejects(r, now, seg)) {
        ++counters_.paws_rejected;
        out.ack = true;
        return out;
    }
    // First: the sequence number. An unacceptable segment is answered with an ACK (a SYN with
    // a challenge ACK, RFC 5961 4.2; an RST with nothing). The peer's FIN again is one (RCV.NXT
    // is past it): it restarts the 2MSL wait (eighth step).
    if (!rx_checks::sequence_acceptable(r.rcv_nxt, r.rcv_wnd, seg)) {
        if (seg.control == TcpControl::kRst) {
            ++counters_.rst_out_of_window;
            return out;
        }
        ++counters_.out_of_window;
        out.restart = seg.control == TcpControl::kFin;
        (seg.control == TcpControl::kSyn ? out.challenge_ack : out.ack) = true;
        return out;
    }
    bool cut = false;
    const SegmentText text = rx_checks::trim_to_window(r.rcv_nxt, r.rcv_wnd, seg, cut);
    out.ack = cut;
    rx_checks::update_ts_recent(r, now, seg);
    if (seg.control == TcpControl::kRst) {  // second, RFC 5961 3.2: only one at RCV.NXT resets
        if (seg.seq_number != r.rcv_nxt) {
            out.challenge_ack = true;
            return out;
        }
        ++counters_.rst_received;
        out.close = true;
        return out;
    }
    if (seg.control == TcpControl::kSyn) {  // fourth: RFC 5961 4.2
        out.challenge_ack = true;
        return out;
    }
    if (!seg.ack_number) {  // fifth: without ACK the segment is dropped
        ++counters_.no_ack_flag;
        return out;
    }
    // RFC 5961 5.2: SND.UNA - MAX.SND.WND =< SEG.ACK =< SND.NXT (SND.UNA = SND.NXT here).
    if (*seg.ack_number > r.snd_nxt || *seg.ack_number < r.ack_floor) {
        ++counters_.ack_unacceptable;
        out.challenge_ack = true;
        return out;
    }
    // Seventh: text after the peer's FIN "should not occur", it is ignored. Eighth: a FIN.
    if (text.fin) {
        out.ack = true;
        out.restart = true;
    }
    return out;
}

// An ACK of the TIME-WAIT: <SEQ=SND.NXT><ACK=RCV.NXT>, the window it last advertised, timestamps
// when in use. No route cache: these are rare.
void TcpLayer::send_time_wait_ack(TimeWaitRecord& r) {
    TcpPlainHeader h;
    h.src_port = r.tuple.local_port;
    h.dst_port = r.tuple.remote_port;
    h.seq_number = r.snd_nxt;
    h.ack_number = r.rcv_nxt;
    h.window_len = r.window_field;
    if (r.ts_ok) h.timestamp = TcpTimestamp{tsval(r.ts_offset), r.ts_recent};
    r.last_ack_sent = r.rcv_nxt;
    transmit(r.tuple, nullptr, h, nullptr, 0, 0);
}

// Whether an ACK goes: asked for, or a challenge ACK within the rate limit (RFC 5961 section 7).
bool TcpLayer::time_wait_ack_goes(const TimeWaitActions& a) {
    if (!a.challenge_ack) return a.ack;
    if (allow_challenge_ack()) {
        ++counters_.challenge_acks_sent;
        return true;
    }
    ++counters_.challenge_acks_rate_limited;
    return a.ack;
}

void TcpLayer::time_wait_input(TcpConnection& c, const TcpRepr& seg) {
    TimeWaitRecord r = time_wait_record(c);
    const TimeWaitActions a = time_wait_arrives(r, seg);
    c.tcb.ts_recent = r.ts_recent;
    c.tcb.ts_recent_age = r.ts_recent_age;
    if (a.close) {
        enter_closed(c, 0);
        return;
    }
    if (a.restart) enter_time_wait(c);
    if (time_wait_ack_goes(a)) {
        r.window_field = window_field(c, false);
        send_time_wait_ack(r);
        c.tcb.last_ack_sent = r.last_ack_sent;
        ++c.stats.segs_out;
    }
}

void TcpLayer::time_wait_input(TimeWaitRecord& r, const TcpRepr& seg) {
    const TimeWaitActions a = time_wait_arrives(r, seg);
    if (a.close) {
        drop_time_wait(r);
        return;
    }
    // The expiry timer stays armed for the oldest record: if that was r, it fires early, finds
    // nothing due and moves on to the new oldest.
    if (a.restart) time_wait_.renew(r, host_.now() + config_.time_wait);
    if (time_wait_ack_goes(a)) send_time_wait_ack(r);
}

void TcpLayer::compact_time_wait(TcpConnection& c) {
    TimeWaitRecord r = time_wait_record(c);
    r.window_field = window_field(c, false);
    // The list stays in expiry order: a TIME-WAIT its user closed late waits as long as the
    // newest one (at most that much longer than 2MSL, never shorter).
    if (const TimeWaitRecord* newest = time_wait_.newest(); newest != nullptr && newest->expires > r.expires) {
        r.expires = newest->expires;
    }
    if (time_wait_.full()) {
        ++counters_.time_wait_recycled;
        drop_time_wait(*time_wait_.oldest());
    }
    time_wait_.insert(r);
    c.release_cookie = kNoIndex;  // the record tells, when it goes
    enter_closed(c, 0);
    if (!time_wait_expiry_.armed()) host_.timers().arm(time_wait_expiry_, time_wait_.oldest()->expires);
}

// RFC 7323 5.3 / Linux's tcp_tw_reuse (tcp_twsk_unique): an active open may take the 4-tuple of
// an orphan in TIME-WAIT when timestamps were on and the peer's last one is at least the reuse
// delay old: the new connection's timestamps are then higher than any of the old one's, so the
// peer's PAWS rejects the old duplicates that TIME-WAIT is there to absorb. Without it a client
// making short connections to one server runs out of ephemeral ports for 2MSL.
bool TcpLayer::time_wait_reusable(const TimeWaitRecord& r) const {
    return config_.time_wait_reuse && r.ts_ok &&
           host_.now() - r.ts_recent_age >= std::max(config_.time_wait_reuse_delay, Duration::from_ms(1));
}

void TcpLayer::on_time_wait_expiry(Timer& timer, Instant now) {
    auto* self = static_cast<TcpLayer*>(timer.context());
    TimeWaitTable& table = self->time_wait_;
    for (TimeWaitRecord* r = table.oldest(); r != nullptr && r->expires <= now; r = table.oldest()) {
        ++self->counters_.time_wait_expired;
        self->drop_time_wait(*r);
    }
    if (const TimeWaitRecord* r = table.oldest()) self->host_.timers().arm(timer, r->expires);
}

void TcpLayer::drop_time_wait(TimeWaitRecord& r) {
    const uint32_t cookie = r.release_cookie;
    time_wait_.remove(r);
    tell_released(cookie);
}

const TimeWaitRecord* TcpLayer::find_time_wait(const TcpTuple& t) const {
    return const_cast<TimeWaitTable&>(time_wait_).find(t);
}

}  // namespace tachyon
