#include "apps/perf_net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tachyon::apps::perf {

// ---- TachyonNet ----

Result<Socket> TachyonNet::accept(Socket& listener) {
    auto a = listener.try_accept();
    if (!a) return a.error();
    Socket s = std::move(a->socket);
    s.settimeout(Duration::zero());
    (void)s.try_setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    host_.track(s);
    return s;
}

Result<Socket> TachyonNet::connect(SocketAddress to, Duration timeout) {
    auto s = host_.tcp_connect(to, timeout);
    if (!s) return s;
    s->settimeout(Duration::zero());
    (void)s->try_setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    return s;
}

Result<Socket> TachyonNet::connect_start(SocketAddress to) {
    auto s = host_.tcp_connect(to, Duration::zero());
    if (!s) return s;
    (void)s->try_setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    return s;
}

void TachyonNet::close(Socket& s, bool abort) {
    if (abort) s.set_linger(Linger{true, 0});
    (void)s.close();
}

Result<void> TachyonNet::watch(Socket& s, uint32_t events, uint64_t tag) {
    auto r = poller_.modify(s, events, tag);
    if (!r && r.code() == ENOENT) return poller_.add(s, events, tag);
    return r;
}

size_t TachyonNet::wait(std::span<PollEvent> out) {
    auto n = poller_.wait(out, Duration::zero());
    return n ? *n : 0;
}

// ---- KernelNet ----

KernelSocket& KernelSocket::operator=(KernelSocket&& o) noexcept {
    if (this != &o) {
        reset();
        fd_ = o.fd_;
        o.fd_ = -1;
    }
    return *this;
}

void KernelSocket::reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

namespace {

Error sys_error(const std::string& what, SocketAddress at, int code) {
    std::string d = what + " " + at.to_string() + " (kernel socket)";
    if (code == EADDRINUSE) d += ": the port is in use (hint: `ss -ltnp 'sport = :" + std::to_string(at.port) + "'`, or another --port)";
    if (code == ECONNREFUSED) d += ": refused (hint: is a server listening there?)";
    if (code == ETIMEDOUT) d += ": no answer";
    return Error{code, std::move(d)};
}

sockaddr_in to_sockaddr(SocketAddress a) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(a.port);
    sa.sin_addr.s_addr = htonl(a.addr.value);
    return sa;
}

void set_nonblocking(int fd, bool on) {
    const int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
}

}  // namespace

KernelNet::KernelNet(IdleMode mode) : mode_(mode), epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {}

KernelNet::~KernelNet() {
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

Result<KernelSocket> KernelNet::listen(uint16_t port) {
    const SocketAddress at{Ipv4Address::any(), port};
    KernelSocket s(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (s.fd() < 0) return sys_error("cannot open a socket for", at, errno);
    const int one = 1;
    setsockopt(s.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const sockaddr_in sa = to_sockaddr(at);
    if (::bind(s.fd(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) return sys_error("cannot bind", at, errno);
    if (::listen(s.fd(), 1024) != 0) return sys_error("cannot listen on", at, errno);
    return s;
}

Result<KernelSocket> KernelNet::accept(KernelSocket& listener) {
    KernelSocket s(::accept4(listener.fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (s.fd() < 0) return Result<KernelSocket>::fail(errno == EWOULDBLOCK ? EAGAIN : errno);
    const int one = 1;
    setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return s;
}

Result<KernelSocket> KernelNet::connect_start(SocketAddress to) {
    KernelSocket s(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (s.fd() < 0) return sys_error("cannot open a socket for", to, errno);
    const int one = 1;
    setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (mss_ > 0 && setsockopt(s.fd(), IPPROTO_TCP, TCP_MAXSEG, &mss_, sizeof mss_) != 0) {
        return sys_error("cannot set TCP_MAXSEG for", to, errno);
    }
    const sockaddr_in sa = to_sockaddr(to);
    if (::connect(s.fd(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS) {
        return sys_error("cannot connect to", to, errno);
    }
    return s;
}

int KernelNet::connect_error(KernelSocket& s) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
    return err;
}

Result<KernelSocket> KernelNet::connect(SocketAddress to, Duration timeout) {
    auto c = connect_start(to);
    if (!c) return c;
    KernelSocket s = std::move(c.value());
    pollfd p{s.fd(), POLLOUT, 0};
    int ready;
    do {
        ready = ::poll(&p, 1, static_cast<int>(timeout.ms()));
    } while (ready < 0 && errno == EINTR);
    if (ready != 1) return sys_error("cannot connect to", to, ETIMEDOUT);
    if (const int err = connect_error(s); err != 0) return sys_error("cannot connect to", to, err);
    if (mode_ == IdleMode::kBackoff) {
        // Blocking from here on, each wait bounded by the timeout (then EAGAIN).
        set_nonblocking(s.fd(), false);
        timeval tv{static_cast<time_t>(timeout.ns() / 1'000'000'000), static_cast<suseconds_t>(timeout.us() % 1'000'000)};
        setsockopt(s.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(s.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    return s;
}

// A signal (DPDK's threads, the progress timer) may interrupt a blocking call: retry it, as the
// kernel-socket figure must not fail where the Tachyon one would not.
Result<size_t> KernelNet::send(KernelSocket& s, std::span<const std::byte> d) {
    ssize_t n;
    do {
        n = ::send(s.fd(), d.data(), d.size(), MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Result<size_t>::fail(errno == EWOULDBLOCK ? EAGAIN : errno);
    return static_cast<size_t>(n);
}

Result<size_t> KernelNet::recv(KernelSocket& s, std::span<std::byte> d) {
    ssize_t n;
    do {
        n = ::recv(s.fd(), d.data(), d.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Result<size_t>::fail(errno == EWOULDBLOCK ? EAGAIN : errno);
    return static_cast<size_t>(n);
}

void KernelNet::close(KernelSocket& s, bool abort) {
    if (abort && s.fd() >= 0) {
        const linger l{1, 0};
        setsockopt(s.fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    s.reset();
}

Result<void> KernelNet::watch(KernelSocket& s, uint32_t events, uint64_t tag) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = tag;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, s.fd(), &ev) == 0) return {};
    if (errno == ENOENT && epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, s.fd(), &ev) == 0) return {};
    return Result<void>::fail(errno);
}

size_t KernelNet::wait(std::span<PollEvent> out) {
    epoll_event evs[64];
    const int max = static_cast<int>(std::min<size_t>(out.size(), 64));
    // Blocking mode waits (a tenth of a second at most, to notice Ctrl-C); busy mode only looks.
    const int n = epoll_wait(epoll_fd_, evs, max, mode_ == IdleMode::kBusy ? 0 : 100);
    for (int i = 0; i < n; ++i) out[static_cast<size_t>(i)] = PollEvent{evs[i].events, evs[i].data.u64};
    return n > 0 ? static_cast<size_t>(n) : 0;
}

}  // namespace tachyon::apps::perf
