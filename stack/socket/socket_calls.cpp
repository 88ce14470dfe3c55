// The calls by socket id: argument checks shared by both kinds, then the stream or datagram
// implementation, wrapped in the blocking loop where the call can wait.
#include <cerrno>

#include "stack/socket/socket_layer.hpp"

namespace tachyon {

Result<void> SocketLayer::bind(SocketId id, SocketAddress local) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<void>::fail(EBADF);
    return s->stream ? tcp_bind(*s, local) : udp_bind(*s, local);
}

Result<void> SocketLayer::listen(SocketId id, int backlog) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<void>::fail(EBADF);
    if (!s->stream) return Result<void>::fail(EOPNOTSUPP);
    return tcp_listen(*s, backlog);
}

Result<AcceptedId> SocketLayer::accept(SocketId id, int flags) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<AcceptedId>::fail(EBADF);
    if (!s->stream) return Result<AcceptedId>::fail(EOPNOTSUPP);
    Result<AcceptedId> r = retry(*s, 0, Direction::kReceive, [&] { return tcp_accept_once(*s); });
    // The new socket blocks (Python; accept4 without SOCK_NONBLOCK) whatever the listener does.
    if (r && (flags & SOCK_NONBLOCK) != 0) slot(r->id)->timeout = Duration::zero();
    return r;
}

int SocketLayer::connect(SocketId id, SocketAddress remote) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return EBADF;
    return s->stream ? tcp_connect(*s, remote) : udp_connect(*s, remote);
}

Result<size_t> SocketLayer::send(SocketId id, std::span<const std::byte> data, int flags) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<size_t>::fail(EBADF);
    if (s->stream) return tcp_send(*s, data, flags);
    return retry(*s, flags, Direction::kSend, [&] { return udp_send_once(*s, data, std::nullopt); });
}

Result<size_t> SocketLayer::sendto(SocketId id, std::span<const std::byte> data, int flags, SocketAddress to) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<size_t>::fail(EBADF);
    // A stream socket ignores the address (Linux tcp_sendmsg without Fast Open).
    if (s->stream) return tcp_send(*s, data, flags);
    return retry(*s, flags, Direction::kSend, [&] { return udp_send_once(*s, data, to); });
}

// Python's sendall(): everything or an error; the timeout bounds the whole call.
Result<void> SocketLayer::sendall(SocketId id, std::span<const std::byte> data, int flags) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<void>::fail(EBADF);
    if (!s->stream) {
        Result<size_t> r = retry(*s, flags, Direction::kSend, [&] { return udp_send_once(*s, data, std::nullopt); });
        return r ? Result<void>() : Result<void>(r.error());
    }
    const std::optional<Instant> deadline = deadline_after(call_timeout(*s, Direction::kSend));
    const bool nb = nonblocking(*s, flags);
    size_t total = 0;
    bool polled = false;
    for (;;) {
        Result<size_t> r = tcp_send_once(*s, data.subspan(total));
        if (r) {
            total += *r;
            if (total == data.size()) return {};
            continue;
        }
        if (r.code() != EAGAIN) return r.error();
        if (nb) {
            if (polled) return r.error();
            polled = true;  // one step of the stack even so, as retry() does
            (void)stack_.poll();
            continue;
        }
        if (!drive(deadline)) {
            r = tcp_send_once(*s, data.subspan(total));
            if (!r) return r.error();
            if (total + *r == data.size()) return {};
            return Result<void>::fail(EAGAIN);
        }
    }
}

Result<size_t> SocketLayer::recv(SocketId id, std::span<std::byte> out, int flags) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<size_t>::fail(EBADF);
    if (!s->stream) {
        Result<Received> r = retry(*s, flags, Direction::kReceive, [&] { return udp_recv_once(*s, out, flags); });
        return r ? Result<size_t>(r->len) : Result<size_t>(r.error());
    }
    // MSG_WAITALL waits only on a blocking socket: with a timeout Python's descriptor is
    // non-blocking and the kernel returns what is there.
    const bool waitall = (flags & MSG_WAITALL) != 0 && (flags & MSG_PEEK) == 0 && !s->timeout &&
                         (flags & MSG_DONTWAIT) == 0;
    if (!waitall) return retry(*s, flags, Direction::kReceive, [&] { return tcp_recv_once(*s, out, flags); });
    // MSG_WAITALL: fill the buffer unless the stream ends, fails or SO_RCVTIMEO expires; what
    // was read is returned then (Linux).
    const std::optional<Instant> deadline = deadline_after(s->opts.rcvtimeo);
    size_t total = 0;
    while (total < out.size()) {
        Result<size_t> r = tcp_recv_once(*s, out.subspan(total), flags);
        if (r) {
            if (*r == 0) break;
            total += *r;
            continue;
        }
        if (r.code() != EAGAIN) return total > 0 ? Result<size_t>(total) : r;
        if (!drive(deadline)) {
            r = tcp_recv_once(*s, out.subspan(total), flags);
            if (r) total += *r;
            return total > 0 ? Result<size_t>(total) : r;
        }
    }
    return total;
}

Result<Received> SocketLayer::recvfrom(SocketId id, std::span<std::byte> out, int flags) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<Received>::fail(EBADF);
    if (!s->stream) return retry(*s, flags, Direction::kReceive, [&] { return udp_recv_once(*s, out, flags); });
    Result<size_t> r = recv(id, out, flags);
    if (!r) return r.error();
    return Received{*r, std::nullopt};
}

Result<void> SocketLayer::shutdown(SocketId id, int how) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<void>::fail(EBADF);
    // SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2 become the sk_shutdown bits 1, 2, 3.
    if (how < SHUT_RD || how > SHUT_RDWR) return Result<void>::fail(EINVAL);
    const auto mask = static_cast<uint8_t>(how + 1);
    return s->stream ? tcp_shutdown(*s, mask) : udp_shutdown(*s, mask);
}

Result<SocketAddress> SocketLayer::getsockname(SocketId id) const {
    const SocketSlot* s = slot(id);
    if (s == nullptr) return Result<SocketAddress>::fail(EBADF);
    return s->stream ? tcp_local(*s) : udp_local(*s);
}

Result<SocketAddress> SocketLayer::getpeername(SocketId id) const {
    const SocketSlot* s = slot(id);
    if (s == nullptr) return Result<SocketAddress>::fail(EBADF);
    if (!s->stream) {
        if (!s->peer) return Result<SocketAddress>::fail(ENOTCONN);
        return *s->peer;
    }
    // Linux inet_getname: no peer while closed or still in SYN-SENT.
    const TcpConnection* c = conn(*s);
    const TcpState st = user_state(c);
    if (st == TcpState::kClosed || st == TcpState::kSynSent) return Result<SocketAddress>::fail(ENOTCONN);
    return SocketAddress{c->tuple.remote_addr, c->tuple.remote_port};
}

}  // namespace tachyon
