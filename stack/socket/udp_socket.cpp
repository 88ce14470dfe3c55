// Datagram sockets over the stack's UdpLayer, with Linux's socket-level rules: autobind on the
// first send, connect() as the default destination and source filter, sk_shutdown.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "stack/socket/socket_layer.hpp"

namespace tachyon {

Result<void> SocketLayer::udp_bind(SocketSlot& s, SocketAddress local) {
    if (s.udp_open) return Result<void>::fail(EINVAL);
    Result<UdpSocketId> id = stack_.udp().bind({local.addr, local.port});
    if (!id) return id.error();
    s.udp = *id;
    if (id->index < udp_owner_.size()) udp_owner_[id->index] = static_cast<uint32_t>(&s - slots_.data());
    s.udp_open = true;
    s.bound = true;
    s.explicit_bind = local.port != 0;
    const Result<UdpEndpoint> ep = stack_.udp().local_endpoint(*id);
    s.local = ep ? SocketAddress{ep->addr, ep->port} : local;
    return {};
}

Result<void> SocketLayer::udp_autobind(SocketSlot& s) {
    if (s.udp_open) return {};
    Result<void> r = udp_bind(s, {Ipv4Address::any(), 0});
    s.explicit_bind = false;
    return r;
}

// Linux ip4_datagram_connect: the route, the autobind, then the association.
int SocketLayer::udp_connect(SocketSlot& s, SocketAddress remote) {
    if (!stack_.source_for(remote.addr)) return ENETUNREACH;
    if (Result<void> r = udp_autobind(s); !r) return r.code();
    s.peer = remote;
    return 0;
}

int SocketLayer::disconnect(SocketId id) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return EBADF;
    if (s->stream) {
        // Linux: connect(AF_UNSPEC) on a stream socket is tcp_disconnect (RST if synchronized).
        if (s->phase == TcpPhase::kListening) {
            (void)tcp_.close_listener(s->listener);
            s->listener = {};
            ports_.set_listening(s->port_holder, false);
            s->phase = TcpPhase::kIdle;
            if (!s->explicit_bind) release_port(*s);
            return 0;
        }
        tcp_disconnect(*s);
        return 0;
    }
    // udp_disconnect: the association goes, and so does a port the socket did not bind itself.
    s->peer.reset();
    if (s->udp_open && !s->explicit_bind) {
        (void)stack_.udp().close(s->udp);
        s->udp_open = false;
        s->bound = false;
        s->local = {};
    }
    return 0;
}

// What a send checks before the datagram goes (Linux udp_sendmsg): the shut direction, an ICMP
// error about an earlier datagram (on_udp_error; reported once, as sock_alloc_send_pskb does), the
// destination, the autobind and the route. The destination it resolved, or the error.
Result<SocketAddress> SocketLayer::udp_destination(SocketSlot& s, std::optional<SocketAddress> to) {
    if ((s.user_shutdown & kSendShutdown) != 0) return Result<SocketAddress>::fail(EPIPE);
    if (const int e = take_error(s)) return Result<SocketAddress>::fail(e);
    if (!to) {
        if (!s.peer) return Result<SocketAddress>::fail(EDESTADDRREQ);
        to = s.peer;
    }
    if (to->port == 0) return Result<SocketAddress>::fail(EINVAL);
    if (Result<void> r = udp_autobind(s); !r) return r.error();
    // Linux: no route is ENETUNREACH (the UDP layer says EHOSTUNREACH).
    if (!stack_.source_for(to->addr)) return Result<SocketAddress>::fail(ENETUNREACH);
    return *to;
}

Result<size_t> SocketLayer::udp_send_once(SocketSlot& s, std::span<const std::byte> data,
                                          std::optional<SocketAddress> to) {
    const Result<SocketAddress> dst = udp_destination(s, to);
    if (!dst) return dst.error();
    Result<void> r = stack_.udp().send_to(s.udp, {dst->addr, dst->port}, data, udp_tx_options(s));
    if (!r) return r.error();
    return data.size();
}

Result<Received> SocketLayer::udp_recv_once(SocketSlot& s, std::span<std::byte> out, int flags) {
    const bool peek = (flags & MSG_PEEK) != 0;
    // A shut receiving side ends a blocking wait with 0; a non-blocking call still says EAGAIN
    // (Linux __skb_recv_datagram checks the shutdown only while it waits).
    const bool shut = (s.user_shutdown & kRcvShutdown) != 0 && !s.timeout && (flags & MSG_DONTWAIT) == 0;
    // An unbound socket has nothing to receive (Linux does not autobind on recv).
    if (!s.udp_open) return shut ? Result<Received>(Received{}) : Result<Received>::fail(EAGAIN);
    // Before any queued datagram, once (__skb_try_recv_datagram); MSG_PEEK too.
    if (const int e = take_error(s)) return Result<Received>::fail(e);
    UdpLayer& udp = stack_.udp();
    // Bounded by the socket's queue: each pass takes one datagram.
    for (;;) {
        Result<UdpReceived> r = udp.peek_from(s.udp, out);
        if (!r) return r.code() == EAGAIN && shut ? Result<Received>(Received{}) : Result<Received>(r.error());
        const SocketAddress from{r->from.addr, r->from.port};
        // A connected socket only hears its peer (Linux never delivers the others to it): the
        // others are dropped, peeked at or not.
        const bool wanted = !s.peer || from == *s.peer;
        if (!wanted || !peek) (void)udp.take(s.udp);
        if (!wanted) continue;
        if (!peek) ++s.udp_reads;
        return Received{r->len, from};
    }
}

// Zero-copy datagram receive: the same rules as udp_recv_once, handing out the buffer itself.
Result<ReceivedDatagram> SocketLayer::udp_take_once(SocketSlot& s, int flags) {
    const bool shut = (s.user_shutdown & kRcvShutdown) != 0 && !s.timeout && (flags & MSG_DONTWAIT) == 0;
    if (!s.udp_open) return shut ? Result<ReceivedDatagram>(ReceivedDatagram{}) : Result<ReceivedDatagram>::fail(EAGAIN);
    if (const int e = take_error(s)) return Result<ReceivedDatagram>::fail(e);
    for (;;) {
        Result<UdpPacket> r = stack_.udp().take(s.udp);
        if (!r) {
            if (r.code() == EAGAIN && shut) return ReceivedDatagram{};
            return r.error();
        }
        const SocketAddress from{r->from.addr, r->from.port};
        if (s.peer && from != *s.peer) continue;  // dropped here, its buffer back to the pool
        ++s.udp_reads;
        return ReceivedDatagram{std::move(r->payload), from};
    }
}

// inet_shutdown: the bits are set either way; an unconnected socket also gets ENOTCONN.
Result<void> SocketLayer::udp_shutdown(SocketSlot& s, uint8_t how) {
    s.user_shutdown |= how;
    if (!s.peer) return Result<void>::fail(ENOTCONN);
    return {};
}

void SocketLayer::udp_close(SocketSlot& s) {
    if (s.udp_open) (void)stack_.udp().close(s.udp);
    s.udp_open = false;
}

UdpTxOptions SocketLayer::udp_tx_options(const SocketSlot& s) { return UdpTxOptions{s.opts.ip_ttl, s.opts.ip_tos}; }

SocketAddress SocketLayer::udp_local(const SocketSlot& s) const {
    if (!s.udp_open) return {};
    SocketAddress local = s.local;
    // Linux fills in the source address of the route once the socket is connected.
    if (local.addr.is_unspecified() && s.peer) {
        if (const auto src = stack_.source_for(s.peer->addr)) local.addr = *src;
    }
    return local;
}

}  // namespace tachyon
