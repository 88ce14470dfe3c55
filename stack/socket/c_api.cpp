// The tcy_* C API over SocketLayer: a per-thread descriptor table, sockaddr conversion, and
// errno in place of Result.
#include <arpa/inet.h>
#include <fcntl.h>

#include <array>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <memory>
#include <vector>

#include "stack/socket/poller.hpp"
#include "stack/socket/socket_layer.hpp"
#include "stack/socket/tachyon.h"

namespace {

using tachyon::Duration;
using tachyon::Ipv4Address;
using tachyon::Poller;
using tachyon::PollEvent;
using tachyon::Result;
using tachyon::SocketAddress;
using tachyon::SocketId;
using tachyon::SocketLayer;
using tachyon::Timeout;

constexpr int kFdBase = 3;  // 0..2 look like stdio to a C program

struct Fd {
    enum class Kind : uint8_t { kFree, kSocket, kEpoll };
    Kind kind = Kind::kFree;
    SocketLayer* layer = nullptr;
    SocketId id;
    std::unique_ptr<Poller> poller;
    tachyon::Packet held;  // the datagram tcy_recvfrom_zc handed out
};

struct Table {
    std::vector<Fd> fds;
    SocketLayer* current = nullptr;
};

// Per thread: a stack is driven by one thread. Destroying it at thread exit never touches a
// layer (descriptors hold ids, not Socket handles).
Table& table() {
    thread_local Table t;
    return t;
}

int fail(int e) {
    errno = e;
    return -1;
}

template <typename T>
int fail_with(const Result<T>& r) {
    return fail(r.code());
}

Fd* lookup(int fd) {
    Table& t = table();
    if (fd < kFdBase || static_cast<size_t>(fd - kFdBase) >= t.fds.size()) return nullptr;
    Fd& f = t.fds[static_cast<size_t>(fd - kFdBase)];
    return f.kind == Fd::Kind::kFree ? nullptr : &f;
}

Fd* socket_fd(int fd) {
    Fd* f = lookup(fd);
    if (f == nullptr) {
        errno = EBADF;
        return nullptr;
    }
    if (f->kind != Fd::Kind::kSocket) {
        errno = ENOTSOCK;
        return nullptr;
    }
    return f;
}

// The lowest free descriptor; -1 (EMFILE) when the table is full.
int allocate(Fd&& f) {
    Table& t = table();
    for (size_t i = 0; i < t.fds.size(); ++i) {
        if (t.fds[i].kind == Fd::Kind::kFree) {
            t.fds[i] = std::move(f);
            return kFdBase + static_cast<int>(i);
        }
    }
    if (t.fds.size() >= TCY_MAX_FDS) return fail(EMFILE);
    t.fds.push_back(std::move(f));
    return kFdBase + static_cast<int>(t.fds.size() - 1);
}

// inet_bind / inet_stream_connect argument checks.
int to_address(const sockaddr* addr, socklen_t len, SocketAddress* out) {
    if (addr == nullptr) return EFAULT;
    if (len < sizeof(sockaddr_in)) return EINVAL;
    sockaddr_in in{};
    std::memcpy(&in, addr, sizeof(in));
    if (in.sin_family != AF_INET) {
        // Linux accepts AF_UNSPEC for bind() when the address is INADDR_ANY.
        if (in.sin_family != AF_UNSPEC || in.sin_addr.s_addr != htonl(INADDR_ANY)) return EAFNOSUPPORT;
    }
    *out = SocketAddress{Ipv4Address{ntohl(in.sin_addr.s_addr)}, ntohs(in.sin_port)};
    return 0;
}

// Copies an address out as the kernel does: truncated to *len, *len set to the full size.
void from_address(const SocketAddress& a, sockaddr* addr, socklen_t* len) {
    if (addr == nullptr || len == nullptr) return;
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(a.port);
    in.sin_addr.s_addr = htonl(a.addr.value);
    std::memcpy(addr, &in, std::min<size_t>(*len, sizeof(in)));
    *len = sizeof(in);
}

std::optional<tachyon::Instant> deadline_ms(SocketLayer& layer, int timeout) {
    return layer.deadline_after(timeout < 0 ? Timeout{} : Timeout{Duration::from_ms(timeout)});
}

}  // namespace

struct tcy_stack {};  // never defined further: a tcy_stack* is a SocketLayer*

static SocketLayer* layer_of(tcy_stack* s) { return reinterpret_cast<SocketLayer*>(s); }

tcy_stack* tcy_stack_of(SocketLayer& layer) { return reinterpret_cast<tcy_stack*>(&layer); }

extern "C" {

void tcy_use(tcy_stack* stack) { table().current = layer_of(stack); }

tcy_stack* tcy_current(void) { return reinterpret_cast<tcy_stack*>(table().current); }

void tcy_detach(tcy_stack* stack) {
    Table& t = table();
    for (Fd& f : t.fds) {
        if (f.kind != Fd::Kind::kFree && f.layer == layer_of(stack)) f = Fd{};
    }
    if (t.current == layer_of(stack)) t.current = nullptr;
}

int tcy_stack_poll(tcy_stack* stack) { return stack != nullptr && layer_of(stack)->poll() ? 1 : 0; }

int tcy_socket(int domain, int type, int protocol) {
    SocketLayer* layer = table().current;
    if (layer == nullptr) return fail(ENETDOWN);
    Result<SocketId> id = layer->open(domain, type, protocol);
    if (!id) return fail_with(id);
    Fd f;
    f.kind = Fd::Kind::kSocket;
    f.layer = layer;
    f.id = *id;
    const int fd = allocate(std::move(f));
    if (fd < 0) (void)layer->close(*id);
    return fd;
}

int tcy_bind(int fd, const struct sockaddr* addr, socklen_t addrlen) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    SocketAddress a;
    if (const int e = to_address(addr, addrlen, &a)) return fail(e);
    Result<void> r = f->layer->bind(f->id, a);
    return r ? 0 : fail_with(r);
}

int tcy_listen(int fd, int backlog) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    Result<void> r = f->layer->listen(f->id, backlog);
    return r ? 0 : fail_with(r);
}

int tcy_accept4(int fd, struct sockaddr* addr, socklen_t* addrlen, int flags) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != 0) return fail(EINVAL);
    SocketLayer* layer = f->layer;
    Result<tachyon::AcceptedId> r = layer->accept(f->id, flags);
    if (!r) return fail_with(r);
    Fd n;
    n.kind = Fd::Kind::kSocket;
    n.layer = layer;
    n.id = r->id;
    const int nfd = allocate(std::move(n));
    if (nfd < 0) {
        (void)layer->close(r->id);
        return -1;
    }
    from_address(r->peer, addr, addrlen);
    return nfd;
}

int tcy_accept(int fd, struct sockaddr* addr, socklen_t* addrlen) { return tcy_accept4(fd, addr, addrlen, 0); }

int tcy_connect(int fd, const struct sockaddr* addr, socklen_t addrlen) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    if (addr == nullptr) return fail(EFAULT);
    if (addrlen >= sizeof(sa_family_t) && addr->sa_family == AF_UNSPEC) {
        const int e = f->layer->disconnect(f->id);
        return e == 0 ? 0 : fail(e);
    }
    SocketAddress a;
    if (addrlen < sizeof(sockaddr_in)) return fail(EINVAL);
    if (addr->sa_family != AF_INET) return fail(EAFNOSUPPORT);
    if (const int e = to_address(addr, addrlen, &a)) return fail(e);
    const int e = f->layer->connect(f->id, a);
    return e == 0 ? 0 : fail(e);
}

ssize_t tcy_send(int fd, const void* buf, size_t len, int flags) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    Result<size_t> r = f->layer->send(f->id, {static_cast<const std::byte*>(buf), len}, flags);
    return r ? static_cast<ssize_t>(*r) : fail_with(r);
}

ssize_t tcy_recv(int fd, void* buf, size_t len, int flags) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    Result<size_t> r = f->layer->recv(f->id, {static_cast<std::byte*>(buf), len}, flags);
    return r ? static_cast<ssize_t>(*r) : fail_with(r);
}

ssize_t tcy_sendto(int fd, const void* buf, size_t len, int flags, const struct sockaddr* addr, socklen_t addrlen) {
    if (addr == nullptr) return tcy_send(fd, buf, len, flags);
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    SocketAddress a;
    if (const int e = to_address(addr, addrlen, &a)) return fail(e);
    Result<size_t> r = f->layer->sendto(f->id, {static_cast<const std::byte*>(buf), len}, flags, a);
    return r ? static_cast<ssize_t>(*r) : fail_with(r);
}

ssize_t tcy_recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* addr, socklen_t* addrlen) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    Result<tachyon::Received> r = f->layer->recvfrom(f->id, {static_cast<std::byte*>(buf), len}, flags);
    if (!r) return fail_with(r);
    if (r->from) {
        from_address(*r->from, addr, addrlen);
    } else if (addrlen != nullptr) {
        *addrlen = 0;  // a stream socket has no source address per datagram
    }
    return static_cast<ssize_t>(r->len);
}

int tcy_shutdown(int fd, int how) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    Result<void> r = f->layer->shutdown(f->id, how);
    return r ? 0 : fail_with(r);
}

int tcy_close(int fd) {
    Fd* f = lookup(fd);
    if (f == nullptr) return fail(EBADF);
    if (f->kind == Fd::Kind::kSocket) (void)f->layer->close(f->id);
    *f = Fd{};
    return 0;
}

int tcy_getsockname(int fd, struct sockaddr* addr, socklen_t* addrlen) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    if (addr == nullptr || addrlen == nullptr) return fail(EFAULT);
    Result<SocketAddress> r = f->layer->getsockname(f->id);
    if (!r) return fail_with(r);
    from_address(*r, addr, addrlen);
    return 0;
}

int tcy_getpeername(int fd, struct sockaddr* addr, socklen_t* addrlen) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    if (addr == nullptr || addrlen == nullptr) return fail(EFAULT);
    Result<SocketAddress> r = f->layer->getpeername(f->id);
    if (!r) return fail_with(r);
    from_address(*r, addr, addrlen);
    return 0;
}

int tcy_setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    if (value == nullptr && len != 0) return fail(EFAULT);
    Result<void> r = f->layer->setsockopt(f->id, level, name, {static_cast<const std::byte*>(value), len});
    return r ? 0 : fail_with(r);
}

int tcy_getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    if (len == nullptr || (value == nullptr && *len != 0)) return fail(EFAULT);
    Result<size_t> r = f->layer->getsockopt(f->id, level, name, {static_cast<std::byte*>(value), *len});
    if (!r) return fail_with(r);
    *len = static_cast<socklen_t>(*r);
    return 0;
}

int tcy_fcntl(int fd, int cmd, ...) {
    Fd* f = lookup(fd);
    if (f == nullptr) return fail(EBADF);
    va_list ap;
    va_start(ap, cmd);
    const int arg = cmd == F_SETFL || cmd == F_SETFD ? va_arg(ap, int) : 0;
    va_end(ap);
    switch (cmd) {
        case F_GETFD: return FD_CLOEXEC;
        case F_SETFD: return 0;  // there is no exec for these descriptors
        case F_GETFL: {
            if (f->kind != Fd::Kind::kSocket) return O_RDWR;
            Result<Timeout> t = f->layer->gettimeout(f->id);
            if (!t) return fail_with(t);
            const bool nonblocking = t.value().has_value() && *t.value() == Duration::zero();
            return O_RDWR | (nonblocking ? O_NONBLOCK : 0);
        }
        case F_SETFL: {
            if (f->kind != Fd::Kind::kSocket) return 0;
            const Timeout t = (arg & O_NONBLOCK) != 0 ? Timeout{Duration::zero()} : Timeout{};
            Result<void> r = f->layer->settimeout(f->id, t);
            return r ? 0 : fail_with(r);
        }
        default: return fail(EINVAL);
    }
}

int tcy_poll(struct pollfd* fds, nfds_t nfds, int timeout) {
    if (nfds > TCY_MAX_FDS) return fail(EINVAL);
    if (fds == nullptr && nfds != 0) return fail(EFAULT);
    SocketLayer* layer = nullptr;
    for (nfds_t i = 0; i < nfds && layer == nullptr; ++i) {
        if (Fd* f = lookup(fds[i].fd); f != nullptr && f->kind == Fd::Kind::kSocket) layer = f->layer;
    }
    const auto scan = [&] {
        int ready = 0;
        for (nfds_t i = 0; i < nfds; ++i) {
            pollfd& p = fds[i];
            p.revents = 0;
            if (p.fd < 0) continue;
            Fd* f = lookup(p.fd);
            if (f == nullptr || f->kind != Fd::Kind::kSocket) {
                p.revents = POLLNVAL;
            } else {
                const uint32_t mask = f->layer->readiness(f->id);
                p.revents = static_cast<short>(mask & (static_cast<uint16_t>(p.events) | POLLERR | POLLHUP | POLLNVAL));
            }
            if (p.revents != 0) ++ready;
        }
        return ready;
    };
    int ready = scan();
    if (ready != 0 || layer == nullptr) return ready;
    if (layer->poll()) ready = scan();
    if (ready != 0 || timeout == 0) return ready;
    const auto deadline = deadline_ms(*layer, timeout);
    while (layer->drive(deadline)) {
        if ((ready = scan()) != 0) return ready;
    }
    return scan();
}

int tcy_epoll_create1(int flags) {
    if ((flags & ~EPOLL_CLOEXEC) != 0) return fail(EINVAL);
    SocketLayer* layer = table().current;
    if (layer == nullptr) return fail(ENETDOWN);
    Fd f;
    f.kind = Fd::Kind::kEpoll;
    f.layer = layer;
    f.poller = std::make_unique<Poller>(*layer);
    return allocate(std::move(f));
}

int tcy_epoll_create(int size) { return size <= 0 ? fail(EINVAL) : tcy_epoll_create1(0); }

int tcy_epoll_ctl(int epfd, int op, int fd, struct epoll_event* event) {
    Fd* ep = lookup(epfd);
    Fd* f = lookup(fd);
    if (ep == nullptr || f == nullptr) return fail(EBADF);
    if (ep->kind != Fd::Kind::kEpoll || epfd == fd) return fail(EINVAL);
    if (f->kind != Fd::Kind::kSocket) return fail(EPERM);  // nested epoll is not supported
    if (f->layer != ep->layer) return fail(EINVAL);     // a poller serves one stack
    if (op != EPOLL_CTL_DEL && event == nullptr) return fail(EFAULT);
    Result<void> r = Result<void>::fail(EINVAL);
    switch (op) {
        case EPOLL_CTL_ADD: r = ep->poller->add(f->id, event->events, event->data.u64); break;
        case EPOLL_CTL_MOD: r = ep->poller->modify(f->id, event->events, event->data.u64); break;
        case EPOLL_CTL_DEL: r = ep->poller->remove(f->id); break;
        default: break;
    }
    return r ? 0 : fail_with(r);
}

int tcy_epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout) {
    Fd* ep = lookup(epfd);
    if (ep == nullptr) return fail(EBADF);
    if (ep->kind != Fd::Kind::kEpoll || maxevents <= 0) return fail(EINVAL);
    if (events == nullptr) return fail(EFAULT);
    // A bounded batch per call, without allocation; epoll may return fewer than maxevents.
    std::array<PollEvent, 64> batch;
    const size_t n = std::min<size_t>(static_cast<size_t>(maxevents), batch.size());
    Result<size_t> r = ep->poller->wait(std::span(batch).first(n),
                                        timeout < 0 ? Timeout{} : Timeout{Duration::from_ms(timeout)});
    if (!r) return fail_with(r);
    for (size_t i = 0; i < *r; ++i) {
        events[i].events = batch[i].events;
        events[i].data.u64 = batch[i].data;
    }
    return static_cast<int>(*r);
}

ssize_t tcy_recv_zc(int fd, struct iovec iov[2], size_t len, int flags) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    if (iov == nullptr) return fail(EFAULT);
    Result<tachyon::RecvView> r = f->layer->recv_view(f->id, len, flags);
    if (!r) return fail_with(r);
    iov[0] = iovec{const_cast<std::byte*>(r->first.data()), r->first.size()};
    iov[1] = iovec{const_cast<std::byte*>(r->second.data()), r->second.size()};
    return static_cast<ssize_t>(r->size());
}

int tcy_recv_zc_done(int fd, size_t n) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    Result<int> type = f->layer->type(f->id);
    if (!type) return fail_with(type);
    if (*type == SOCK_DGRAM) {
        f->held = tachyon::Packet();
        return 0;
    }
    Result<void> r = f->layer->recv_release(f->id, n);
    return r ? 0 : fail_with(r);
}

ssize_t tcy_send_zc(int fd, struct iovec iov[2], size_t len, int flags) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    if (iov == nullptr) return fail(EFAULT);
    Result<tachyon::SendSpace> r = f->layer->send_reserve(f->id, len, flags);
    if (!r) return fail_with(r);
    iov[0] = iovec{r->first.data(), r->first.size()};
    iov[1] = iovec{r->second.data(), r->second.size()};
    return static_cast<ssize_t>(r->size());
}

ssize_t tcy_send_zc_commit(int fd, size_t n) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    Result<size_t> r = f->layer->send_commit(f->id, n);
    return r ? static_cast<ssize_t>(*r) : fail_with(r);
}

ssize_t tcy_recvfrom_zc(int fd, const void** data, int flags, struct sockaddr* addr, socklen_t* addrlen) {
    Fd* f = socket_fd(fd);
    if (f == nullptr) return -1;
    if (data == nullptr) return fail(EFAULT);
    f->held = tachyon::Packet();  // the previous one goes back first
    Result<tachyon::ReceivedDatagram> r = f->layer->recv_datagram(f->id, flags);
    if (!r) return fail_with(r);
    f->held = std::move(r->payload);
    *data = f->held ? static_cast<const void*>(f->held.data()) : nullptr;
    if (f->held) from_address(r->from, addr, addrlen);
    return f->held ? static_cast<ssize_t>(f->held.size()) : 0;
}

}  // extern "C"
