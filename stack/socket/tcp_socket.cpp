// Stream sockets over the TcpLayer, with Linux's socket-level rules on top of the RFC 9293 user
// calls: the socket state machine of inet_stream_connect, sk_shutdown, the read-once sk_err,
// and the order of checks of tcp_recvmsg and tcp_sendmsg.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "stack/socket/socket_layer.hpp"
#include "stack/tcp/congestion_control.hpp"

namespace tachyon {

namespace {

constexpr int kSomaxconn = 4096;  // Linux net.core.somaxconn

bool handshaking(TcpState s) { return s == TcpState::kSynSent || s == TcpState::kSynReceived; }

}  // namespace

// The state the user sees. Linux hands a connection that enters TIME-WAIT to a timewait socket
// and closes the user's socket (tcp_time_wait, tcp_done): to the user it is closed.
TcpState user_state(const TcpConnection* c) {
    if (c == nullptr || c->state == TcpState::kTimeWait) return TcpState::kClosed;
    return c->state;
}

const TcpConnection* SocketLayer::conn(const SocketSlot& s) const {
    if (!s.conn.valid()) return nullptr;
    return tcp_.connection(s.conn);
}

// sk_shutdown: what the user shut, the peer's FIN (RCV_SHUTDOWN), and both once the connection
// is closed (tcp_done).
uint8_t SocketLayer::shutdown_mask(const SocketSlot& s) const {
    uint8_t m = s.user_shutdown;
    if (const TcpConnection* c = conn(s)) {
        if (c->rcv_fin) m |= kRcvShutdown;
        if (user_state(c) == TcpState::kClosed) m = kShutdownMask;
    }
    return m;
}

// sk_err: the connection's error, handed out once (sock_error() clears it).
int SocketLayer::pending_error(const SocketSlot& s) const {
    if (s.sk_err != 0) return s.sk_err;
    const TcpConnection* c = s.stream ? conn(s) : nullptr;
    if (c == nullptr || c->error == 0 || s.error_reported) return 0;
    // Linux tcp_reset: a reset in CLOSE-WAIT (the peer's FIN came, ours was not asked for) is
    // EPIPE, not ECONNRESET. The TCP layer reports ECONNRESET for every synchronized state.
    if (c->error == ECONNRESET && c->rcv_fin && !c->fin_queued) return EPIPE;
    return c->error;
}

int SocketLayer::take_error(SocketSlot& s) {
    if (s.sk_err != 0) {
        const int e = s.sk_err;
        s.sk_err = 0;
        return e;
    }
    const int e = pending_error(s);
    if (e != 0) s.error_reported = true;
    return e;
}

TcpConnConfig SocketLayer::conn_config(const SocketSlot& s) const {
    TcpConnConfig c = config_.tcp.defaults;
    c.receive_buffer = std::max<uint32_t>(s.opts.rcvbuf / 2, 1);
    c.send_buffer = std::max<uint32_t>(s.opts.sndbuf / 2, 1);
    if (s.opts.user_mss != 0) c.mss = s.opts.user_mss;  // TCP_MAXSEG before connect/listen
    c.nodelay = s.opts.nodelay;
    c.keepalive = s.opts.keepalive;
    c.keepalive_idle = Duration::from_secs(s.opts.keepidle);
    c.keepalive_interval = Duration::from_secs(s.opts.keepintvl);
    c.keepalive_count = static_cast<uint8_t>(s.opts.keepcnt);
    c.congestion = find_congestion(s.opts.congestion);
    c.ttl = s.opts.ip_ttl.value_or(0);
    c.tos = s.opts.ip_tos;
    return c;
}

void SocketLayer::apply_live_tcp_options(const SocketSlot& s) {
    if (!s.stream || !s.conn.valid() || tcp_.connection(s.conn) == nullptr) return;
    // A connection that already ended refuses the setters; setsockopt still succeeds, as on Linux.
    (void)tcp_.set_nodelay(s.conn, s.opts.nodelay);
    (void)tcp_.set_keepalive_idle(s.conn, Duration::from_secs(s.opts.keepidle));
    (void)tcp_.set_keepalive_interval(s.conn, Duration::from_secs(s.opts.keepintvl));
    (void)tcp_.set_keepalive_count(s.conn, static_cast<uint8_t>(s.opts.keepcnt));
    (void)tcp_.set_keepalive(s.conn, s.opts.keepalive);
    (void)tcp_.set_congestion(s.conn, s.opts.congestion);
}

void SocketLayer::release_port(SocketSlot& s) {
    if (s.port_holder != PortTable::kNone) ports_.release(s.port_holder);
    s.port_holder = PortTable::kNone;
    s.bound = false;
    s.explicit_bind = false;
    s.local = {};
}

SocketAddress SocketLayer::tcp_local(const SocketSlot& s) const {
    if (const TcpConnection* c = conn(s)) return {c->tuple.local_addr, c->tuple.local_port};
    return s.local;
}

Result<void> SocketLayer::tcp_bind(SocketSlot& s, SocketAddress local) {
    // Linux inet_bind: a socket binds once, and only while closed.
    if (s.bound || s.phase != TcpPhase::kIdle) return Result<void>::fail(EINVAL);
    if (!local.addr.is_unspecified() && !stack_.is_local(local.addr)) return Result<void>::fail(EADDRNOTAVAIL);
    if (local.port == 0) {
        const auto port = ports_.free_port(config_.tcp.ephemeral_first, config_.tcp.ephemeral_last, stack_.random());
        if (!port) return Result<void>::fail(EADDRINUSE, "no free ephemeral port");
        local.port = *port;
        s.explicit_bind = false;  // Linux locks the port only when the caller named it
    } else {
        s.explicit_bind = true;
    }
    Result<uint32_t> h = ports_.bind({local.addr, local.port, s.opts.reuse_addr, true});
    if (!h) return h.error();
    s.port_holder = *h;
    s.bound = true;
    s.bind_addr = local.addr;
    s.local = local;
    return {};
}

Result<void> SocketLayer::tcp_listen(SocketSlot& s, int backlog) {
    // Linux inet_listen: listening again only changes the backlog, which the TCP layer fixes at
    // listen time; the first backlog stays.
    if (s.phase == TcpPhase::kListening) return {};
    if (s.phase != TcpPhase::kIdle) return Result<void>::fail(EINVAL);
    if (!s.bound) {  // inet_autobind
        const auto port = ports_.free_port(config_.tcp.ephemeral_first, config_.tcp.ephemeral_last, stack_.random());
        if (!port) return Result<void>::fail(EAGAIN, "no free ephemeral port");
        Result<uint32_t> h = ports_.add({Ipv4Address::any(), *port, s.opts.reuse_addr, true});
        if (!h) return h.error();
        s.port_holder = *h;
        s.bound = true;
        s.explicit_bind = false;
        s.local = {Ipv4Address::any(), *port};
    }
    if (ports_.listen_conflict(s.port_holder)) return Result<void>::fail(EADDRINUSE);
    // Linux cuts the backlog to somaxconn and queues backlog + 1 connections
    // (sk_acceptq_is_full is "more than backlog"); the TCP layer queues exactly its backlog.
    const int b = backlog < 0 || backlog > kSomaxconn ? kSomaxconn : backlog;
    Result<TcpListenHandle> l = tcp_.listen({s.local.addr, s.local.port}, static_cast<uint32_t>(b) + 1, conn_config(s));
    if (!l) return l.error();
    s.listener = *l;
    if (l->index < listener_owner_.size()) listener_owner_[l->index] = static_cast<uint32_t>(&s - slots_.data());
    s.phase = TcpPhase::kListening;
    ports_.set_listening(s.port_holder, true);
    return {};
}

Result<AcceptedId> SocketLayer::tcp_accept_once(SocketSlot& s) {
    if (s.phase != TcpPhase::kListening) return Result<AcceptedId>::fail(EINVAL);
    if (!tcp_.accept_ready(s.listener)) return Result<AcceptedId>::fail(EAGAIN);
    if (free_.empty()) return Result<AcceptedId>::fail(EMFILE, "socket table full");
    Result<TcpHandle> h = tcp_.accept(s.listener);
    if (!h) return h.error();
    const TcpConnection* c = tcp_.connection(*h);
    const SocketId id = allocate(true).value();
    SocketSlot& n = slots_[id.index];
    n.opts = s.opts;  // Linux clones the listener's options into the child
    n.phase = TcpPhase::kConnected;
    n.conn = *h;
    if (h->index < conn_owner_.size()) conn_owner_[h->index] = id.index;
    n.bound = true;
    n.explicit_bind = true;
    n.local = {c->tuple.local_addr, c->tuple.local_port};
    // The child shares the listener's port (Linux __inet_inherit_port); a full table only costs
    // the bind check of this one connection.
    if (Result<uint32_t> holder = ports_.add({n.local.addr, n.local.port, n.opts.reuse_addr, true})) {
        n.port_holder = *holder;
    }
    ++s.accepted;
    return AcceptedId{id, {c->tuple.remote_addr, c->tuple.remote_port}};
}

// One non-blocking connect() step with Linux's answers for each socket state
// (__inet_stream_connect).
int SocketLayer::tcp_connect_once(SocketSlot& s, SocketAddress remote) {
    switch (s.phase) {
        case TcpPhase::kConnected:
        case TcpPhase::kListening:
            return EISCONN;
        case TcpPhase::kDisconnecting:
            return EINVAL;
        case TcpPhase::kConnecting: {
            const TcpConnection* c = conn(s);
            const TcpState st = user_state(c);
            if (handshaking(st)) return EALREADY;
            if (st != TcpState::kClosed) {
                s.phase = TcpPhase::kConnected;
                return 0;
            }
            // The attempt failed: report its error (or ECONNABORTED once SO_ERROR took it) and go
            // back to unconnected, so that connect() may be tried again.
            const int e = take_error(s);
            tcp_disconnect(s);
            return e != 0 ? e : ECONNABORTED;
        }
        case TcpPhase::kIdle:
            break;
    }
    return tcp_open(s, remote);
}

bool SocketLayer::connect_port_usable(void* ctx, uint16_t port) {
    return static_cast<SocketLayer*>(ctx)->ports_.shareable_for_connect(port);
}

int SocketLayer::tcp_open(SocketSlot& s, SocketAddress remote) {
    const TcpConnConfig cfg = conn_config(s);
    const TcpEndpoint to{remote.addr, remote.port};
    // Unbound, Linux __inet_hash_connect: the TCP layer picks the port (RFC 6056), skipping the
    // ports sockets bound explicitly or listen on (connect_port_usable).
    const SocketAddress local = s.bound ? s.local : SocketAddress{Ipv4Address::any(), 0};
    const Result<TcpHandle> h = tcp_.open({local.addr, local.port}, to, cfg);
    // Linux: the 4-tuple is taken (by a TIME-WAIT connection, say): EADDRNOTAVAIL.
    if (!h) return h.code() == EADDRINUSE ? EADDRNOTAVAIL : h.code();
    if (!s.bound) {
        const TcpConnection* c = tcp_.connection(*h);
        s.bound = true;
        s.explicit_bind = false;
        s.local = {c->tuple.local_addr, c->tuple.local_port};
        if (Result<uint32_t> holder = ports_.add({s.local.addr, s.local.port, s.opts.reuse_addr, false})) {
            s.port_holder = *holder;
        }
    }
    s.conn = *h;
    if (h->index < conn_owner_.size()) conn_owner_[h->index] = static_cast<uint32_t>(&s - slots_.data());
    s.phase = TcpPhase::kConnecting;
    s.error_reported = false;
    s.sk_err = 0;  // tcp_connect_init
    s.user_shutdown = 0;
    return EINPROGRESS;
}

int SocketLayer::tcp_connect(SocketSlot& s, SocketAddress remote) {
    int r = tcp_connect_once(s, remote);
    // A blocking socket waits for the handshake: a new attempt always, one in progress only
    // without a timeout (Python answers EALREADY at once when a timeout is set).
    const bool wait = (r == EINPROGRESS && !nonblocking(s, 0)) || (r == EALREADY && !s.timeout);
    if (!wait) return r;
    // Linux inet_stream_connect waits at most SO_SNDTIMEO.
    const std::optional<Instant> deadline = deadline_after(call_timeout(s, Direction::kSend));
    const bool done = wait_until(
        [&] {
            const TcpConnection* c = conn(s);
            return c == nullptr || !handshaking(c->state);
        },
        deadline);
    // Python's connect_ex() says EAGAIN when its timeout expired; Linux keeps its first answer
    // (EINPROGRESS, or EALREADY for an attempt in progress) when SO_SNDTIMEO did. Either way
    // the attempt goes on.
    if (!done) return s.timeout ? EAGAIN : r;
    return tcp_connect_once(s, remote);
}

// Linux tcp_disconnect after a failed connect, a shutdown in SYN-SENT or connect(AF_UNSPEC):
// back to an unconnected socket. A synchronized connection is reset; dropping it (or an attempt
// in SYN-SENT) leaves ECONNRESET for the user. A port the socket did not bind explicitly is
// given back, though getsockname() keeps showing it (Linux keeps inet_sport).
void SocketLayer::tcp_disconnect(SocketSlot& s) {
    if (s.conn.valid()) {
        const TcpConnection* c = conn(s);
        const TcpState st = user_state(c);
        if (st != TcpState::kClosed && st != TcpState::kListen) s.sk_err = ECONNRESET;
        if (c != nullptr && c->state != TcpState::kClosed) {
            (void)tcp_.abort(s.conn);
        } else {
            (void)tcp_.close(s.conn);
        }
        s.conn = {};
    }
    const uint16_t port = s.local.port;
    if (!s.explicit_bind) release_port(s);
    s.local = {s.bind_addr, port};
    s.phase = TcpPhase::kIdle;
    s.user_shutdown = 0;
    s.error_reported = false;
    if (s.stash) s.stash->bytes.consume(s.stash->bytes.size());
}

// tcp_sendmsg: wait for the handshake (sk_stream_wait_connect), then the pending error or a
// shut sending side (EPIPE), then copy what fits.
Result<size_t> SocketLayer::tcp_send_once(SocketSlot& s, std::span<const std::byte> data) {
    const TcpConnection* c = conn(s);
    if (c == nullptr) return Result<size_t>::fail(EPIPE);
    const TcpState st = c->state;
    if (st != TcpState::kEstablished && st != TcpState::kCloseWait) {
        if (const int e = take_error(s)) return Result<size_t>::fail(e);
        return Result<size_t>::fail(handshaking(st) ? EAGAIN : EPIPE);
    }
    if (pending_error(s) != 0 || (shutdown_mask(s) & kSendShutdown) != 0) {
        const int e = take_error(s);
        return Result<size_t>::fail(e != 0 ? e : EPIPE);
    }
    if (data.empty()) return size_t{0};
    s.zc.reserved_len = 0;  // a send ends a send_reserve() in progress
    Result<size_t> n = tcp_.send(s.conn, data);
    if (!n || *n < data.size()) s.nospace = true;
    return n;
}

Result<size_t> SocketLayer::tcp_send(SocketSlot& s, std::span<const std::byte> data, int flags) {
    // With a timeout (Python) or non-blocking, one successful copy is the answer.
    if (s.timeout || (flags & MSG_DONTWAIT) != 0) {
        return retry(s, flags, Direction::kSend, [&] { return tcp_send_once(s, data); });
    }
    // A blocking socket queues everything, waiting for space as often as needed; SO_SNDTIMEO
    // bounds the whole call, which then returns what it queued, or EAGAIN (Linux tcp_sendmsg).
    const std::optional<Instant> deadline = deadline_after(s.opts.sndtimeo);
    size_t total = 0;
    bool polled = false;
    for (;;) {
        Result<size_t> r = tcp_send_once(s, data.subspan(total));
        if (r) {
            total += *r;
            if (total == data.size()) return total;
            continue;
        }
        if (r.code() != EAGAIN) return total > 0 ? Result<size_t>(total) : r;
        if (!polled) {  // one step of the stack first, as retry() does
            polled = true;
            if (stack_.poll()) continue;
        }
        if (!drive(deadline)) {
            r = tcp_send_once(s, data.subspan(total));
            if (r) total += *r;
            return total > 0 ? Result<size_t>(total) : r;
        }
    }
}

// In-order bytes for the user: the MSG_PEEK stash first, then the connection.
size_t SocketLayer::tcp_read(SocketSlot& s, std::span<std::byte> out, bool peek) {
    PeekStash* stash = s.stash.get();
    s.zc.view_len = 0;  // a read ends a recv_view() in progress
    if (!peek) {
        size_t n = 0;
        if (stash != nullptr && !stash->bytes.empty()) {
            n = std::min(out.size(), stash->bytes.size());
            stash->bytes.copy_out(0, out.first(n));
            stash->bytes.consume(n);
        }
        if (n < out.size()) {
            if (Result<size_t> r = tcp_.receive(s.conn, out.subspan(n))) n += *r;
        }
        return n;
    }
    if (stash == nullptr) {
        s.stash = std::make_unique<PeekStash>();
        stash = s.stash.get();
    }
    if (stash->bytes.capacity() == 0) {
        const TcpConnection* c = conn(s);
        stash->bytes.reset(c != nullptr ? std::max<size_t>(c->rcv_buf.capacity(), 1) : 1);
    }
    std::array<std::byte, 2048> chunk;
    while (stash->bytes.size() < out.size() && stash->bytes.free() > 0) {
        const size_t want = std::min({chunk.size(), out.size() - stash->bytes.size(), stash->bytes.free()});
        Result<size_t> r = tcp_.receive(s.conn, std::span(chunk).first(want));
        if (!r || *r == 0) break;
        stash->bytes.push(std::span(chunk).first(*r));
    }
    const size_t n = std::min(out.size(), stash->bytes.size());
    stash->bytes.copy_out(0, out.first(n));
    return n;
}

// tcp_recvmsg with nothing copied yet: data first, then the peer's FIN (SOCK_DONE), the pending
// error, a shut receiving side, a socket that never connected.
Result<size_t> SocketLayer::tcp_recv_once(SocketSlot& s, std::span<std::byte> out, int flags) {
    if (s.phase == TcpPhase::kListening) return Result<size_t>::fail(ENOTCONN);
    const TcpConnection* c = conn(s);
    if (c == nullptr) {
        if ((s.user_shutdown & kRcvShutdown) != 0) return size_t{0};
        return Result<size_t>::fail(ENOTCONN);
    }
    // A zero-length read waits like any other (Linux's target is at least one byte) and
    // answers 0 once something could be read.
    if (out.empty() && (c->rcv_buf.readable() > 0 || (s.stash && !s.stash->bytes.empty()))) return size_t{0};
    const size_t n = tcp_read(s, out, (flags & MSG_PEEK) != 0);
    if (n > 0) return n;
    if (c->rcv_fin) return size_t{0};
    if (const int e = take_error(s)) return Result<size_t>::fail(e);
    if ((shutdown_mask(s) & kRcvShutdown) != 0) return size_t{0};
    if (user_state(c) == TcpState::kClosed) return Result<size_t>::fail(ENOTCONN);
    return Result<size_t>::fail(EAGAIN);
}

Result<void> SocketLayer::tcp_shutdown(SocketSlot& s, uint8_t how) {
    if (s.phase == TcpPhase::kConnecting) {  // inet_shutdown
        const TcpConnection* c = conn(s);
        const TcpState st = user_state(c);
        s.phase = handshaking(st) || st == TcpState::kClosed ? TcpPhase::kDisconnecting : TcpPhase::kConnected;
    }
    if (s.phase == TcpPhase::kListening) {
        // Shutting the receiving side of a listener stops it; its queued children are reset.
        if ((how & kRcvShutdown) == 0) return {};
        (void)tcp_.close_listener(s.listener);
        s.listener = {};
        ports_.set_listening(s.port_holder, false);
        s.phase = TcpPhase::kIdle;
        if (!s.explicit_bind) {
            const uint16_t port = s.local.port;
            release_port(s);
            s.local = {s.bind_addr, port};
        }
        return {};
    }
    const TcpState st = user_state(conn(s));
    if (st == TcpState::kClosed) {
        s.user_shutdown |= how;
        return Result<void>::fail(ENOTCONN);
    }
    if (st == TcpState::kSynSent) {  // the attempt is dropped
        tcp_disconnect(s);
        return {};
    }
    s.user_shutdown |= how;
    if ((how & kSendShutdown) != 0) (void)tcp_.shutdown_write(s.conn);
    return {};
}

void SocketLayer::tcp_close(SocketSlot& s) {
    if (s.phase == TcpPhase::kListening) {
        (void)tcp_.close_listener(s.listener);
        release_port(s);
        return;
    }
    const TcpConnection* c = conn(s);
    if (c == nullptr) {
        release_port(s);
        return;
    }
    // Linux tcp_close: unread data (here: also data a MSG_PEEK took) resets the connection; so
    // does SO_LINGER on with zero seconds; otherwise the close is graceful and, with a linger
    // time, waits for our FIN to be acknowledged.
    const bool unread = s.stash != nullptr && !s.stash->bytes.empty();
    const bool abortive = s.opts.linger.on && s.opts.linger.seconds == 0;
    // The connection may live on (FIN-WAIT, TIME-WAIT): its port stays held until the TCP layer
    // says the tuple is free (on_tcp_released), which may be within the close itself.
    if (s.port_holder != PortTable::kNone) {
        ports_.orphan(s.port_holder, c->tuple.local_addr);
        (void)tcp_.set_release_cookie(s.conn, s.port_holder);
        s.port_holder = PortTable::kNone;
    }
    if ((unread || abortive) && c->state != TcpState::kClosed) {
        (void)tcp_.abort(s.conn);
    } else {
        (void)tcp_.close(s.conn);
    }
    if (!unread && !abortive && s.opts.linger.on) {
        const uint32_t generation = c->generation;
        const std::optional<Instant> deadline = stack_.now() + Duration::from_secs(s.opts.linger.seconds);
        (void)wait_until(
            [&] {
                if (!c->in_use || c->generation != generation) return true;
                return c->state != TcpState::kFinWait1 && c->state != TcpState::kClosing &&
                       c->state != TcpState::kLastAck;
            },
            deadline);
    }
    s.conn = {};
}

}  // namespace tachyon
