// poll/epoll readiness of a socket, as Linux computes it: tcp_poll for stream sockets (and
// inet_csk_listen_poll for listeners), datagram_poll for UDP.
#include <poll.h>
#include <sys/epoll.h>

#include "stack/socket/socket_layer.hpp"

namespace tachyon {

namespace {

// sk_stream_is_writeable: free space at least half of what is queued.
bool stream_writable(const TcpConnection& c) { return c.snd_buf.free() * 2 >= c.snd_buf.size() && c.snd_buf.free() > 0; }

size_t stash_bytes(const SocketSlot& s) { return s.stash ? s.stash->bytes.size() : 0; }

}  // namespace

uint32_t SocketLayer::tcp_readiness(const SocketSlot& s) const {
    if (s.phase == TcpPhase::kListening) return tcp_.accept_ready(s.listener) ? EPOLLIN | EPOLLRDNORM : 0;
    const TcpConnection* c = conn(s);
    const TcpState st = user_state(c);
    const uint8_t shut = shutdown_mask(s);
    uint32_t mask = 0;
    if (shut == kShutdownMask || st == TcpState::kClosed) mask |= EPOLLHUP;
    if ((shut & kRcvShutdown) != 0) mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
    // During the handshake a socket is neither readable nor writable; a connect() finishing is
    // what makes it writable.
    if (st != TcpState::kSynSent && st != TcpState::kSynReceived) {
        if (stash_bytes(s) > 0 || (c != nullptr && c->rcv_buf.readable() > 0)) mask |= EPOLLIN | EPOLLRDNORM;
        if ((shut & kSendShutdown) != 0 || c == nullptr || stream_writable(*c)) mask |= EPOLLOUT | EPOLLWRNORM;
    }
    if (pending_error(s) != 0) mask |= EPOLLERR;
    return mask;
}

uint32_t SocketLayer::udp_readiness(const SocketSlot& s) const {
    uint32_t mask = 0;
    if ((s.user_shutdown & kRcvShutdown) != 0) mask |= EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
    if (s.user_shutdown == kShutdownMask) mask |= EPOLLHUP;
    if (s.udp_open && stack_.udp().queued(s.udp) > 0) mask |= EPOLLIN | EPOLLRDNORM;
    // sock_writeable: datagrams are sent at once or dropped, never queued here.
    mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
    if (s.sk_err != 0) mask |= EPOLLERR;
    return mask;
}

ReadyState SocketLayer::ready_state(SocketId id) const {
    ReadyState r;
    const SocketSlot* s = slot(id);
    if (s == nullptr) {
        r.mask = POLLNVAL;
        return r;
    }
    r.nospace = s->nospace;
    if (!s->stream) {
        r.mask = udp_readiness(*s);
        r.rx_mark = s->udp_reads + (s->udp_open ? stack_.udp().queued(s->udp) : 0);
        return r;
    }
    r.mask = tcp_readiness(*s);
    r.state = static_cast<uint32_t>(s->phase) << 8;
    if (s->phase == TcpPhase::kListening) {
        // The TCP layer does not say how many connections wait; accepted plus "some are waiting"
        // moves whenever a new one is ready after the queue was drained.
        r.rx_mark = s->accepted + (tcp_.accept_ready(s->listener) ? 1 : 0);
        return r;
    }
    if (const TcpConnection* c = conn(*s)) {
        r.rx_mark = c->tcb.rcv_nxt.raw();  // moves with every byte and the FIN received
        r.tx_mark = c->tcb.snd_una.raw();  // moves with every acknowledgment of new data
        r.state |= static_cast<uint32_t>(c->state) | (c->error != 0 ? 1u << 16 : 0);
    }
    return r;
}

}  // namespace tachyon
