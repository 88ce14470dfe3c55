// The user interface of the TCP layer (RFC 9293 3.10.1-3.10.6) and the connection life cycle.
#include "stack/tcp/tcp_layer.hpp"

#include <algorithm>
#include <cerrno>
#include <utility>

namespace tachyon {

TcpLayer::TcpLayer(IpHost& host, const TcpConfig& config)
    : host_(host),
      config_(config),
      isn_(host.random()),
      buffers_(config.buffer_cache_bytes, config.max_buffer_memory, config.packets_read_in_place),
      table_(config.max_connections, host.random().next_u64(), host.random().next_u64()),
      listeners_(config.max_listeners),
      time_wait_(config.time_wait_capacity(), host.random().next_u64(), host.random().next_u64()),
      time_wait_expiry_(&TcpLayer::on_time_wait_expiry, this),
      linger_sweep_(&TcpLayer::on_linger_sweep, this),
      challenge_window_start_(host.now()),
      cookies_(host.random()) {
    for (size_t i = 0; i < table_.capacity(); ++i) {
        TcpConnection& c = table_.slot(static_cast<uint32_t>(i));
        c.layer = this;
        c.rtx_timer.set_handler(&TcpLayer::on_rtx_timer, &c);
        c.wait_timer.set_handler(&TcpLayer::on_wait_timer, &c);
        c.persist_timer.set_handler(&TcpLayer::on_persist_timer, &c);
        c.ack_timer.set_handler(&TcpLayer::on_ack_timer, &c);
        c.keepalive_timer.set_handler(&TcpLayer::on_keepalive_timer, &c);
        c.snd_buf.set_pool(&buffers_);
        c.rcv_buf.set_pool(&buffers_);
        c.sb.set_pool(&buffers_);
        const bool linger = config.buffer_linger > Duration::zero();
        c.snd_buf.set_linger(linger);
        c.rcv_buf.set_linger(linger);
    }
    turn_acks_.reserve(table_.capacity());
    lingering_.reserve(table_.capacity());
}

TcpLayer::~TcpLayer() = default;

TcpConnection* TcpLayer::user_conn(TcpHandle h) {
    TcpConnection* c = table_.get(h);
    return c != nullptr && c->user_owned ? c : nullptr;
}

const TcpConnection* TcpLayer::user_conn(TcpHandle h) const {
    return const_cast<TcpLayer*>(this)->user_conn(h);
}

void TcpLayer::init_connection(TcpConnection& c, const TcpTuple& t, const TcpConnConfig& config) {
    c.state = TcpState::kClosed;
    c.tuple = t;
    c.route.clear();
    c.config = config;
    route_ip_fields(c);
    c.tcb = Tcb{};
    const IsnGenerator::Offsets offsets = isn_.offsets(t);
    c.tcb.ts_offset = offsets.ts;
    c.tcb.isn_offset = offsets.isn;
    c.error = 0;
    c.release_cookie = kNoIndex;
    c.user_owned = false;
    c.passive = false;
    c.negotiated_wscale = false;
    // Sizes only: storage is taken from buffers_ when there is something to hold.
    c.snd_buf.reset(std::max<uint32_t>(config.send_buffer, 1));
    c.rcv_buf.reset(std::max<uint32_t>(config.receive_buffer, 1));
    c.fin_queued = false;
    // One record per segment in flight: enough for the buffer in segments of 256 bytes or more.
    c.sb.reset(std::clamp<size_t>(config.send_buffer / 256, 64, 16384));
    c.cc = CcState{};
    c.cc.cwnd = 0xffffffff;  // no congestion control before the handshake completes
    c.cc_ops = nullptr;
    c.recovery = RecoveryState::kOpen;
    c.dupacks = 0;
    c.reno_dup_bytes = 0;
    c.force_rtx = false;
    c.cwnd_limited = false;
    c.delivered = 0;
    c.min_rtt = Duration::zero();
    c.quickacks = 0;
    c.rtx_running = false;
    c.rtx_kind = RtxTimerKind::kRto;
    c.rack = RackTlpState{};
    c.rack.min_rtt = Duration::max();  // no sample (Linux's min filter starts at ~0U)
    c.rack_valid = false;
    c.rack_reordering_seen = false;
    c.tlp_active = false;
    c.tlp_retrans = false;
    c.rack_reo_wnd_mult = 1;
    c.rack_reo_wnd_persist = 0;
    c.rack_dsack_round_open = false;
    c.dsack_len = 0;
    c.delayed_ack_due = false;
    c.ack_owed = false;
    c.rcv_est_mss = 536;
    c.sack_recent_count = 0;
    c.probes_out = 0;
    c.persist_backoff = 0;
    c.last_rx = host_.now();
    c.una_since = host_.now();
    c.stats = TcpConnCounters{};
    c.rcv_closed = false;
    c.rcv_fin = false;
    c.ooo_fin = false;
    c.rtt.configure(config_.initial_rto, config_.min_rto, config_.max_rto);
    c.rtt_timing = false;
    c.retries = 0;
    c.syn_rtx = false;
    c.listener = kNoIndex;
    c.queue = ListenQueue::kNone;
}

Result<TcpHandle> TcpLayer::open(TcpEndpoint local, TcpEndpoint remote) {
    return open(local, remote, config_.defaults);
}

Result<TcpHandle> TcpLayer::open(TcpEndpoint local, TcpEndpoint remote, const TcpConnConfig& config) {
    if (remote.port == 0 || remote.addr.is_unspecified() || remote.addr.is_broadcast() ||
        remote.addr.is_multicast()) {
        return Result<TcpHandle>::fail(EINVAL, "remote address or port not connectable");
    }
    if (local.addr.is_unspecified()) {
        const auto src = host_.source_for(remote.addr);
        if (!src) return Result<TcpHandle>::fail(ENETUNREACH, "no route to the remote address");
        local.addr = *src;
    } else if (!host_.is_local(local.addr)) {
        return Result<TcpHandle>::fail(EADDRNOTAVAIL, "local address is not ours");
    }
    // An orphan's TIME-WAIT on the tuple that this open may take over (time_wait_reusable).
    TimeWaitRecord* old = nullptr;
    if (local.port == 0) {
        const auto pick = ephemeral_port(local.addr, remote);
        if (!pick) return Result<TcpHandle>::fail(EADDRNOTAVAIL, "no ephemeral port left");
        local.port = pick->port;
        old = pick->time_wait;
    } else {
        const TcpTuple wanted{local.addr, local.port, remote.addr, remote.port};
        old = time_wait_.find(wanted);
        if (table_.find(wanted) != nullptr || (old != nullptr && !time_wait_reusable(*old))) {
            return Result<TcpHandle>::fail(EADDRINUSE, "connection exists");
        }
    }
    const TcpTuple t{local.addr, local.port, remote.addr, remote.port};
    std::optional<SeqNum> iss_floor;
    if (old != nullptr) {
        // The new incarnation starts above the old one's sequence space, as a SYN accepted in
        // TIME-WAIT does.
        ++counters_.time_wait_reused;
        iss_floor = iss_floor_after(old->snd_nxt);
        drop_time_wait(*old);
    }
    TcpConnection* c = table_.allocate();
    if (c == nullptr) {
        ++counters_.table_full;
        return Result<TcpHandle>::fail(ENOBUFS, "connection table full");
    }
    init_connection(*c, t, config);
    c->user_owned = true;
    c->state = TcpState::kSynSent;
    c->tcb.iss = choose_isn(*c);
    if (iss_floor && c->tcb.iss < *iss_floor) c->tcb.iss = *iss_floor;
    c->tcb.snd_una = c->tcb.iss;
    c->tcb.snd_nxt = c->tcb.iss + 1;
    c->snd_buf_seq = c->tcb.iss + 1;
    table_.insert(*c);
    ++counters_.active_opens;
    send_syn(*c);
    arm_rtx(*c);
    return c->handle();
}

// RFC 6056 3.3.3 (Simple Hash-Based Port Selection), as Linux's inet_hash_connect: each
// destination starts at its own keyed offset and successive opens move on through the range, so
// the port tried next is usually free or the one used longest ago, whose TIME-WAIT can be reused.
// A random start instead would probe ever longer runs of taken ports as TIME-WAIT fills the range.
std::optional<TcpLayer::EphemeralPort> TcpLayer::ephemeral_port(Ipv4Address local, TcpEndpoint remote) {
    const uint32_t first = config_.ephemeral_first;
    const uint32_t count = config_.ephemeral_last >= first ? config_.ephemeral_last - first + 1 : 0;
    if (count == 0) return std::nullopt;
    const uint32_t start = isn_.port_offset({local, 0, remote.addr, remote.port}) + ephemeral_next_;
    // Bounded by the size of the range; each probe is one hash lookup.
    for (uint32_t i = 0; i < count; ++i) {
        const auto port = static_cast<uint16_t>(first + (start + i) % count);
        if (listeners_.port_taken(port)) continue;
        if (port_filter_ != nullptr && !port_filter_(port_filter_ctx_, port)) continue;
        const TcpTuple t{local, port, remote.addr, remote.port};
        if (table_.find(t) != nullptr) continue;
        TimeWaitRecord* r = time_wait_.find(t);
        if (r == nullptr || time_wait_reusable(*r)) {
            ephemeral_next_ += i + 1;
            return EphemeralPort{port, r};
        }
    }
    return std::nullopt;
}

Result<TcpListenHandle> TcpLayer::listen(TcpEndpoint local, uint32_t backlog) {
    return listen(local, backlog, config_.defaults);
}

Result<TcpListenHandle> TcpLayer::listen(TcpEndpoint local, uint32_t backlog,
                                         const TcpConnConfig& config) {
    if (local.port == 0) return Result<TcpListenHandle>::fail(EINVAL, "listen needs a port");
    if (!local.addr.is_unspecified() && !host_.is_local(local.addr)) {
        return Result<TcpListenHandle>::fail(EADDRNOTAVAIL, "local address is not ours");
    }
    if (listeners_.port_taken(local.port)) {
        return Result<TcpListenHandle>::fail(EADDRINUSE, "port already listening");
    }
    TcpListener* l = listeners_.allocate(local);
    if (l == nullptr) return Result<TcpListenHandle>::fail(ENOBUFS, "listener table full");
    l->backlog = std::clamp<uint32_t>(backlog, 1, config_.max_backlog);
    l->syn_backlog = config_.max_syn_backlog;
    l->config = config;
    return l->handle();
}

Result<TcpHandle> TcpLayer::accept(TcpListenHandle lh) {
    TcpListener* l = listeners_.get(lh);
    if (l == nullptr) return Result<TcpHandle>::fail(EBADF);
    TcpConnection* c = queue_front(table_, l->accept_queue);
    if (c == nullptr) return Result<TcpHandle>::fail(EAGAIN);
    queue_remove(table_, l->accept_queue, *c);
    c->listener = kNoIndex;
    c->user_owned = true;
    return c->handle();
}

Result<void> TcpLayer::close_listener(TcpListenHandle lh) {
    TcpListener* l = listeners_.get(lh);
    if (l == nullptr) return Result<void>::fail(EBADF);
    // Half-open children simply go (Linux frees its request socks); established ones are reset.
    while (TcpConnection* c = queue_front(table_, l->syn_queue)) {
        enter_closed(*c, 0);
        finish(*c);
    }
    while (TcpConnection* c = queue_front(table_, l->accept_queue)) {
        if (c->state != TcpState::kClosed) send_rst(c->tuple, {c->tcb.snd_nxt, std::nullopt});
        enter_closed(*c, ECONNRESET);
        detach_from_listener(*c);
        finish(*c);
    }
    listeners_.release(*l);
    return {};
}

// The checks every send form makes: 0 with c set, or the errno (EBADF, the connection's error,
// EPIPE once the sending direction is closed).
int TcpLayer::sendable(TcpHandle h, TcpConnection*& c) {
    c = user_conn(h);
    if (c == nullptr) return EBADF;
    if (c->error != 0) return c->error;
    const TcpState s = c->state;
    const bool sending = s == TcpState::kSynSent || s == TcpState::kSynReceived ||
                         s == TcpState::kEstablished || s == TcpState::kCloseWait;
    return sending && !c->fin_queued ? 0 : EPIPE;
}

Result<size_t> TcpLayer::send(TcpHandle h, std::span<const std::byte> data) {
    TcpConnection* c = nullptr;
    if (const int e = sendable(h, c); e != 0) return Result<size_t>::fail(e);
    const TcpState s = c->state;
    const size_t n = c->snd_buf.push(data);
    if (n == 0 && !data.empty()) return Result<size_t>::fail(EAGAIN);
    if (is_synchronized(s)) output(*c, false);
    return n;
}

Result<size_t> TcpLayer::receive(TcpHandle h, std::span<std::byte> out) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<size_t>::fail(EBADF);
    // Bytes that arrived before a reset or a timeout are still read first, then the error
    // (as Linux: tcp_reset does not purge the receive queue).
    const size_t n = c->rcv_buf.read(out);
    if (n > 0) {
        if (c->rcv_buf.idle_storage()) note_emptied(*c);
        maybe_window_update(*c);
        return n;
    }
    if (c->error != 0) return Result<size_t>::fail(c->error);
    if (out.empty() || c->rcv_fin) return size_t{0};
    if (c->state == TcpState::kClosed) return Result<size_t>::fail(ENOTCONN);
    return Result<size_t>::fail(EAGAIN);
}

void TcpLayer::maybe_window_update(TcpConnection& c) {
    if (c.state != TcpState::kEstablished && c.state != TcpState::kFinWait1 &&
        c.state != TcpState::kFinWait2) {
        return;
    }
    // A window update of its own only when the sender needs it, as Linux's tcp_cleanup_rbuf: the
    // window still offered is at most half the buffer and reading at least doubled it. Otherwise
    // the sender still has room, and the next ACK the receiver sends anyway (every second
    // segment, or delayed) carries the larger window: a reader that drains every segment does
    // not double the ACKs. The right edge moves only by min(buffer/2, MSS) (RFC 1122 4.2.3.3,
    // receiver SWS avoidance, as window_field() announces it). The update goes by the end of
    // the application's turn: what it sends after reading carries it.
    const uint32_t window = c.rcv_buf.window() >> c.tcb.rcv_wscale << c.tcb.rcv_wscale;
    const uint32_t offered = c.tcb.rcv_adv > c.tcb.rcv_nxt ? static_cast<uint32_t>(c.tcb.rcv_adv - c.tcb.rcv_nxt) : 0;
    const auto capacity = static_cast<uint32_t>(c.rcv_buf.capacity());
    const uint32_t threshold = std::min<uint32_t>(capacity / 2, c.tcb.rcv_mss);
    if (2 * offered <= capacity && window >= 2 * offered && window >= offered + threshold) defer_ack(c);
}

Result<void> TcpLayer::shutdown_write(TcpHandle h) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    if (c->state == TcpState::kClosed) return Result<void>::fail(c->error != 0 ? c->error : ENOTCONN);
    shutdown_send(*c);
    return {};
}

// CLOSE for the sending direction (3.10.4): the FIN goes after the queued data.
void TcpLayer::shutdown_send(TcpConnection& c) {
    if (c.fin_queued) return;
    switch (c.state) {
        case TcpState::kSynSent:
        case TcpState::kSynReceived:
            c.fin_queued = true;  // "queue for processing after entering ESTABLISHED"
            return;
        case TcpState::kEstablished:
            c.fin_queued = true;
            c.state = TcpState::kFinWait1;
            break;
        case TcpState::kCloseWait:
            c.fin_queued = true;
            c.state = TcpState::kLastAck;
            break;
        default:
            return;
    }
    output(c, false);
}

Result<void> TcpLayer::close(TcpHandle h) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    if (c->state == TcpState::kSynSent) {
        enter_closed(*c, 0);  // 3.10.4: delete the TCB
    } else if (c->state != TcpState::kClosed && c->rcv_buf.readable() > 0) {
        // RFC 1122 4.2.2.13: closing with unread data loses it, which the peer learns by RST.
        ++counters_.abort_on_close;
        send_rst(c->tuple, {c->tcb.snd_nxt, std::nullopt});
        enter_closed(*c, 0);
    } else if (c->state != TcpState::kClosed) {
        shutdown_send(*c);
        c->rcv_closed = true;
        if (c->state == TcpState::kFinWait2) arm_fin_wait2(*c);
    }
    c->user_owned = false;
    finish(*c);
    return {};
}

Result<void> TcpLayer::abort(TcpHandle h) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    switch (c->state) {
        case TcpState::kSynReceived:
        case TcpState::kEstablished:
        case TcpState::kFinWait1:
        case TcpState::kFinWait2:
        case TcpState::kCloseWait:
            // 3.10.5: <SEQ=SND.NXT><CTL=RST>.
            ++counters_.aborts;
            send_rst(c->tuple, {c->tcb.snd_nxt, std::nullopt});
            break;
        default:
            break;
    }
    enter_closed(*c, 0);
    c->user_owned = false;
    finish(*c);
    return {};
}

void TcpLayer::enter_established(TcpConnection& c) {
    c.state = c.fin_queued ? TcpState::kFinWait1 : TcpState::kEstablished;
    // RFC 6298 5.7: a SYN (or SYN,ACK) timed out and no RTT sample came: RTO 3 s for data.
    if (c.syn_rtx && !c.rtt.has_sample()) {
        c.rtt.configure(std::max(config_.initial_rto, Duration::from_secs(3)), config_.min_rto, config_.max_rto);
    }
    init_congestion(c);
    c.retries = 0;
    // Linux's quickack mode: the first segments are acknowledged at once (slow start needs
    // the ACKs), at most 16 and at most half a window's worth.
    const uint32_t half_window_segments = static_cast<uint32_t>(c.rcv_buf.capacity() / (2u * c.tcb.rcv_mss));
    c.quickacks = static_cast<uint8_t>(std::min<uint32_t>(config_.quickacks, std::max(half_window_segments, 2u)));
    c.last_rx = host_.now();
    c.una_since = host_.now();
    arm_keepalive(c);
}

void TcpLayer::enter_closed(TcpConnection& c, int error) {
    if (closed_hook_ != nullptr) closed_hook_(closed_ctx_, c);
    if (error != 0 && c.error == 0) c.error = error;
    if (error != 0) {
        // A reset or a timeout flushes the send queue (3.10.7.4 second step). The receive queue
        // stays readable until the user reads the error, as on Linux (tcp_reset/tcp_done do not
        // purge sk_receive_queue); finish() frees it with the connection.
        c.snd_buf.reset(c.snd_buf.capacity());
    }
    c.state = TcpState::kClosed;
    cancel_rtx(c);
    host_.timers().cancel(c.wait_timer);
    host_.timers().cancel(c.persist_timer);
    host_.timers().cancel(c.ack_timer);
    c.delayed_ack_due = false;
    host_.timers().cancel(c.keepalive_timer);
    table_.erase(c);
    // A child already in the accept queue stays there, dead, until accept() hands it out with its
    // error or the listener closes (Linux keeps a reset child in the accept queue).
    if (c.queue != ListenQueue::kAccept) detach_from_listener(c);
}

void TcpLayer::detach_from_listener(TcpConnection& c) {
    if (c.queue == ListenQueue::kNone) return;
    TcpListener& l = listeners_.slot(c.listener);
    queue_remove(table_, c.queue == ListenQueue::kSyn ? l.syn_queue : l.accept_queue, c);
    c.listener = kNoIndex;
}

void TcpLayer::tell_released(uint32_t cookie) {
    if (cookie != kNoIndex && released_hook_ != nullptr) released_hook_(released_ctx_, cookie);
}

Result<void> TcpLayer::set_release_cookie(TcpHandle h, uint32_t cookie) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    c->release_cookie = cookie;
    return {};
}

void TcpLayer::finish(TcpConnection& c) {
    if (!c.in_use || !c.orphan()) return;
    // An ACK owed by the end of the turn (the one of the FIN that ended in TIME-WAIT) leaves
    // first: end_turn() finishes the connection again after sending it.
    if (c.state == TcpState::kTimeWait && !c.on_turn_list) compact_time_wait(c);
    if (c.state == TcpState::kClosed) {
        // Whatever the buffers still hold (unread data after an abort) goes back to the pool now,
        // not when the slot is reused.
        c.snd_buf.reset(c.snd_buf.capacity());
        c.rcv_buf.clear();
        c.sb.reset(c.sb.capacity());
        if (c.linger_pos != kNoIndex) unlist_lingering(c);  // nothing left for the sweep
        table_.release(c);
        tell_released(std::exchange(c.release_cookie, kNoIndex));
    }
}

TcpState TcpLayer::state(TcpHandle h) const {
    const TcpConnection* c = user_conn(h);
    return c != nullptr ? c->state : TcpState::kClosed;
}

int TcpLayer::error(TcpHandle h) const {
    const TcpConnection* c = user_conn(h);
    return c != nullptr ? c->error : EBADF;
}

std::optional<TcpTuple> TcpLayer::tuple(TcpHandle h) const {
    const TcpConnection* c = user_conn(h);
    if (c == nullptr) return std::nullopt;
    return c->tuple;
}

size_t TcpLayer::receive_available(TcpHandle h) const {
    const TcpConnection* c = user_conn(h);
    return c != nullptr ? c->rcv_buf.readable() : 0;
}

size_t TcpLayer::send_space(TcpHandle h) const {
    const TcpConnection* c = user_conn(h);
    return c != nullptr && !c->fin_queued ? c->snd_buf.free() : 0;
}

const TcpConnection* TcpLayer::connection(TcpHandle h) const { return user_conn(h); }

bool TcpLayer::readable(TcpHandle h) const {
    const TcpConnection* c = user_conn(h);
    if (c == nullptr) return false;
    return c->rcv_buf.readable() > 0 || c->rcv_fin || c->error != 0 || c->state == TcpState::kClosed;
}

bool TcpLayer::writable(TcpHandle h) const {
    const TcpConnection* c = user_conn(h);
    if (c == nullptr) return false;
    if (c->error != 0) return true;
    const bool sending = c->state == TcpState::kEstablished || c->state == TcpState::kCloseWait;
    return sending && !c->fin_queued && c->snd_buf.free() > 0;
}

bool TcpLayer::hang_up(TcpHandle h) const {
    const TcpConnection* c = user_conn(h);
    if (c == nullptr) return false;
    return c->state == TcpState::kClosed || (c->rcv_fin && c->fin_queued);
}

bool TcpLayer::accept_ready(TcpListenHandle lh) const {
    const TcpListener* l = const_cast<ListenerTable&>(listeners_).get(lh);
    return l != nullptr && l->accept_queue.count > 0;
}

// ---- Zero-copy user calls (the socket layer's recv_view and send_reserve) ----

Result<RingSpans<const std::byte>> TcpLayer::receive_peek(TcpHandle h, size_t max) const {
    const TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<RingSpans<const std::byte>>::fail(EBADF);
    // As receive(): bytes that arrived before a reset or a time-out first, then the error.
    if (c->rcv_buf.readable() == 0 && c->error != 0) return Result<RingSpans<const std::byte>>::fail(c->error);
    return c->rcv_buf.peek(std::min(max, c->rcv_buf.readable()));
}

Result<void> TcpLayer::receive_consume(TcpHandle h, size_t n) {
    TcpConnection* c = user_conn(h);
    if (c == nullptr) return Result<void>::fail(EBADF);
    if (n > c->rcv_buf.readable()) return Result<void>::fail(EINVAL);
    if (n == 0) return {};
    c->rcv_buf.consume(n);
    if (c->rcv_buf.idle_storage()) note_emptied(*c);
    maybe_window_update(*c);
    return {};
}

// Lingering (TcpConfig::buffer_linger): the slot goes on the sweep's list once, and off it when
// released (a short connection is gone long before the sweep, which then need not touch its
// slot); the sweep gives back the blocks of the rings still empty then, so a block lingers at
// most one sweep period.
// With more than half of max_buffer_memory in use a block goes back at once: memory that is
// short is not kept idle.
void TcpLayer::note_emptied(TcpConnection& c) {
    if (buffers_.stats().in_use_bytes > config_.max_buffer_memory / 2) {
        c.snd_buf.trim();  // only an empty ring gives its block back
        c.rcv_buf.trim();
        return;
    }
    if (c.linger_pos != kNoIndex) return;
    c.linger_pos = static_cast<uint32_t>(lingering_.size());
    lingering_.push_back(c.index);  // at most once per slot: within the capacity reserved
    if (!linger_sweep_.armed()) host_.timers().arm(linger_sweep_, host_.now() + config_.buffer_linger);
}

void TcpLayer::on_linger_sweep(Timer& timer, Instant /*now*/) {
    auto* self = static_cast<TcpLayer*>(timer.context());
    for (const uint32_t index : self->lingering_) {
        TcpConnection& c = self->table_.slot(index);
        c.linger_pos = kNoIndex;
        c.snd_buf.trim();  // gives the block back only if the ring is (still or again) empty
        c.rcv_buf.trim();
    }
    self->lingering_.clear();
}

// Takes c off the sweep's list: the last entry moves into its place.
void TcpLayer::unlist_lingering(TcpConnection& c) {
    const uint32_t moved = lingering_.back();
    lingering_[c.linger_pos] = moved;
    table_.slot(moved).linger_pos = c.linger_pos;
    lingering_.pop_back();
    c.linger_pos = kNoIndex;
}

Result<RingSpans<std::byte>> TcpLayer::send_prepare(TcpHandle h, size_t max) {
    TcpConnection* c = nullptr;
    if (const int e = sendable(h, c); e != 0) return Result<RingSpans<std::byte>>::fail(e);
    const size_t len = std::min(max, c->snd_buf.free());
    if (len == 0) return Result<RingSpans<std::byte>>::fail(max == 0 ? EINVAL : EAGAIN);
    RingSpans<std::byte> spans = c->snd_buf.prepare(len);
    if (spans.empty()) return Result<RingSpans<std::byte>>::fail(EAGAIN);  // no memory (BufferPool limit)
    return spans;
}

Result<size_t> TcpLayer::send_commit(TcpHandle h, size_t n, const std::byte* at) {
    TcpConnection* c = nullptr;
    if (const int e = sendable(h, c); e != 0) return Result<size_t>::fail(e);
    const TcpState s = c->state;
    if (!c->snd_buf.commit_written(n, at)) return Result<size_t>::fail(EINVAL, "stale send reservation");
    if (n > 0 && is_synchronized(s)) output(*c, false);
    return n;
}

const TcpConnection* TcpLayer::find_connection(const TcpTuple& t) const {
    return const_cast<ConnectionTable&>(table_).find(t);
}

}  // namespace tachyon
