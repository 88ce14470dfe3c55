// The zero-copy calls (socket_layer.hpp says why they take this form):
// - recv_view / recv_release: received stream bytes shown in place in the connection's receive
//   ring, consumed (and the window opened) only when the caller releases them;
// - send_reserve / send_commit: the caller writes straight into the connection's send ring;
// - alloc_datagram / send_datagram: the application writes its payload into a TX buffer of the
//   stack and the UDP header goes in front of it in place; the same buffer goes to the device;
// - recv_datagram: the buffer a datagram arrived in is handed out as it is.
#include <cerrno>

#include "stack/socket/socket_layer.hpp"
#include "stack/wire/udp.hpp"

namespace tachyon {

namespace {

RecvView to_view(const RingSpans<const std::byte>& r) { return RecvView{r.first, r.second}; }

}  // namespace

// ---- Stream receive ----

// tcp_recv_once's order of answers: data (the MSG_PEEK stash first), the peer's FIN, the pending
// error, a shut receiving side, a closed connection, else EAGAIN.
Result<RecvView> SocketLayer::tcp_view_once(SocketSlot& s, size_t max) {
    if (s.phase == TcpPhase::kListening) return Result<RecvView>::fail(ENOTCONN);
    const TcpConnection* c = conn(s);
    if (c == nullptr) {
        if ((s.user_shutdown & kRcvShutdown) != 0) return RecvView{};
        return Result<RecvView>::fail(ENOTCONN);
    }
    s.zc.view_len = 0;
    if (s.stash && !s.stash->bytes.empty()) {
        const size_t n = std::min(max, s.stash->bytes.size());
        s.zc.view_len = n;
        s.zc.view_from_stash = true;
        return to_view(s.stash->bytes.view(0, n));
    }
    if (Result<RingSpans<const std::byte>> r = tcp_.receive_peek(s.conn, max); r && !r->empty()) {
        s.zc.view_len = r->size();
        s.zc.view_from_stash = false;
        return to_view(*r);
    }
    if (max == 0 && c->rcv_buf.readable() > 0) return RecvView{};  // as a zero-length recv()
    if (c->rcv_fin) return RecvView{};
    if (const int e = take_error(s)) return Result<RecvView>::fail(e);
    if ((shutdown_mask(s) & kRcvShutdown) != 0) return RecvView{};
    if (user_state(c) == TcpState::kClosed) return Result<RecvView>::fail(ENOTCONN);
    return Result<RecvView>::fail(EAGAIN);
}

Result<RecvView> SocketLayer::recv_view(SocketId id, size_t max, int flags) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<RecvView>::fail(EBADF);
    if (!s->stream) return Result<RecvView>::fail(EOPNOTSUPP, "recv_view is for stream sockets; see recv_datagram");
    if ((flags & ~MSG_DONTWAIT) != 0) return Result<RecvView>::fail(EINVAL);
    return retry(*s, flags, Direction::kReceive, [&] { return tcp_view_once(*s, max); });
}

Result<void> SocketLayer::recv_release(SocketId id, size_t n) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<void>::fail(EBADF);
    if (!s->stream) return Result<void>::fail(EOPNOTSUPP);
    if (n > s->zc.view_len) return Result<void>::fail(EINVAL, "more than the view holds");
    const bool from_stash = s->zc.view_from_stash;
    s->zc.view_len = 0;
    if (n == 0) return {};
    if (from_stash) {
        if (!s->stash || s->stash->bytes.size() < n) return Result<void>::fail(EINVAL);
        s->stash->bytes.consume(n);
        return {};
    }
    // The connection may have been reset since the view (the stack ran): its buffer is gone.
    if (conn(*s) == nullptr) return Result<void>::fail(EINVAL);
    return tcp_.receive_consume(s->conn, n);
}

// ---- Stream send ----

// tcp_send_once's order of checks, then the space.
Result<SendSpace> SocketLayer::tcp_reserve_once(SocketSlot& s, size_t max) {
    s.zc.reserved_len = 0;
    const TcpConnection* c = conn(s);
    if (c == nullptr) return Result<SendSpace>::fail(EPIPE);
    const TcpState st = c->state;
    if (st != TcpState::kEstablished && st != TcpState::kCloseWait) {
        if (const int e = take_error(s)) return Result<SendSpace>::fail(e);
        return Result<SendSpace>::fail(st == TcpState::kSynSent || st == TcpState::kSynReceived ? EAGAIN : EPIPE);
    }
    if (pending_error(s) != 0 || (shutdown_mask(s) & kSendShutdown) != 0) {
        const int e = take_error(s);
        return Result<SendSpace>::fail(e != 0 ? e : EPIPE);
    }
    Result<RingSpans<std::byte>> r = tcp_.send_prepare(s.conn, max);
    if (!r) {
        if (r.code() == EAGAIN) s.nospace = true;
        return r.error();
    }
    // All the free space handed out: the buffer is full for anyone else (Linux SOCK_NOSPACE).
    if (r->size() < max && r->size() == c->snd_buf.free()) s.nospace = true;
    s.zc.reserved_len = r->size();
    s.zc.reserved_at = r->first.data();
    return SendSpace{r->first, r->second};
}

Result<SendSpace> SocketLayer::send_reserve(SocketId id, size_t max, int flags) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<SendSpace>::fail(EBADF);
    if (!s->stream) return Result<SendSpace>::fail(EOPNOTSUPP, "send_reserve is for stream sockets; see alloc_datagram");
    if ((flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL)) != 0 || max == 0) return Result<SendSpace>::fail(EINVAL);
    return retry(*s, flags, Direction::kSend, [&] { return tcp_reserve_once(*s, max); });
}

Result<size_t> SocketLayer::send_commit(SocketId id, size_t n) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<size_t>::fail(EBADF);
    if (!s->stream) return Result<size_t>::fail(EOPNOTSUPP);
    if (n > s->zc.reserved_len) return Result<size_t>::fail(EINVAL, "more than was reserved");
    const std::byte* at = s->zc.reserved_at;
    s->zc.reserved_len = 0;
    if (conn(*s) == nullptr) return n == 0 ? Result<size_t>(size_t{0}) : Result<size_t>::fail(EPIPE);
    if ((shutdown_mask(*s) & kSendShutdown) != 0) return Result<size_t>::fail(EPIPE);
    return tcp_.send_commit(s->conn, n, at);
}

// ---- Datagrams ----

Result<ReceivedDatagram> SocketLayer::recv_datagram(SocketId id, int flags) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<ReceivedDatagram>::fail(EBADF);
    if (s->stream) return Result<ReceivedDatagram>::fail(EOPNOTSUPP, "recv_datagram is for datagram sockets; see recv_view");
    if ((flags & ~MSG_DONTWAIT) != 0) return Result<ReceivedDatagram>::fail(EINVAL);
    return retry(*s, flags, Direction::kReceive, [&] { return udp_take_once(*s, flags); });
}

Result<Packet> SocketLayer::alloc_datagram(SocketId id) {
    const SocketSlot* s = slot(id);
    if (s == nullptr) return Result<Packet>::fail(EBADF);
    if (s->stream) return Result<Packet>::fail(EOPNOTSUPP, "zero-copy send is for datagram sockets");
    Packet pkt = stack_.alloc_tx();
    if (!pkt) return Result<Packet>::fail(ENOBUFS);
    if (pkt.headroom() < StackCore::kLinkAndIpHeaders + UdpDatagram::kHeaderLen) {
        return Result<Packet>::fail(ENOBUFS, "TX buffer without room for the UDP header");
    }
    return pkt;
}

Result<void> SocketLayer::send_datagram(SocketId id, Packet payload, std::optional<SocketAddress> to) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<void>::fail(EBADF);
    if (s->stream) return Result<void>::fail(EOPNOTSUPP);
    if (!payload) return Result<void>::fail(EINVAL);
    const Result<SocketAddress> dst = udp_destination(*s, to);
    if (!dst) return dst.error();
    return stack_.udp().send_packet(s->udp, {dst->addr, dst->port}, std::move(payload), udp_tx_options(*s));
}

}  // namespace tachyon
