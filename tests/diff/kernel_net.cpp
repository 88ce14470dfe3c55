#include "tests/diff/kernel_net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>

namespace tachyon::diff {

namespace {

constexpr uint32_t kA = 0x7f000001;  // 127.0.0.1
constexpr uint32_t kB = 0x7f000002;  // 127.0.0.2
constexpr uint32_t kForeign = 0xc0000201;  // 192.0.2.1 (TEST-NET-1): not ours

sockaddr_in to_sockaddr(Where where, uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    uint32_t ip = 0;
    switch (where) {
        case Where::kAny: ip = 0; break;
        case Where::kA: ip = kA; break;
        case Where::kB: ip = kB; break;
        case Where::kForeign: ip = kForeign; break;
        case Where::kOther: ip = 0x0a636301; break;
    }
    a.sin_addr.s_addr = htonl(ip);
    return a;
}

Endpoint from_sockaddr(const sockaddr_in& a) {
    const uint32_t ip = ntohl(a.sin_addr.s_addr);
    Where w = Where::kOther;
    if (ip == 0) w = Where::kAny;
    if (ip == kA) w = Where::kA;
    if (ip == kB) w = Where::kB;
    if (ip == kForeign) w = Where::kForeign;
    return {w, ntohs(a.sin_port)};
}

long sys(long r) { return r < 0 ? -errno : r; }

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void set_nonblock(int fd, bool on) {
    const int flags = fcntl(fd, F_GETFL);
    (void)fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
}

void set_bound(int fd, int ms) {
    const timeval tv{ms / 1000, (ms % 1000) * 1000};
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

}  // namespace

KernelNet::KernelNet() { std::signal(SIGPIPE, SIG_IGN); }

KernelNet::~KernelNet() {
    for (auto& [fd, s] : socks_) ::close(fd);
    for (auto& [fd, x] : epolls_) ::close(fd);
}

template <typename Op>
long KernelNet::timed(int s, bool writing, Op op) {
    const auto it = socks_.find(s);
    if (it == socks_.end()) return -EBADF;
    const std::optional<int> timeout = it->second.timeout_ms;
    long r = sys(op());
    if (!timeout || *timeout == 0 || r != -EAGAIN) return r;
    const int64_t deadline = now_ms() + *timeout;
    for (;;) {
        const int64_t left = deadline - now_ms();
        if (left <= 0) return -EAGAIN;
        pollfd p{s, static_cast<short>(writing ? POLLOUT : POLLIN), 0};
        (void)::poll(&p, 1, static_cast<int>(left));
        r = sys(op());
        if (r != -EAGAIN) return r;
    }
}

int KernelNet::socket(Host host, int type) {
    const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    set_bound(fd, kBoundMs);
    socks_[fd] = Sock{host, std::nullopt};
    return fd;
}

int KernelNet::close(int s) {
    socks_.erase(s);
    return static_cast<int>(sys(::close(s)));
}

int KernelNet::bind(int s, Where where, uint16_t port) {
    const sockaddr_in a = to_sockaddr(where, port);
    return static_cast<int>(sys(::bind(s, reinterpret_cast<const sockaddr*>(&a), sizeof(a))));
}

int KernelNet::listen(int s, int backlog) { return static_cast<int>(sys(::listen(s, backlog))); }

int KernelNet::accept(int s, Endpoint* peer) {
    sockaddr_in a{};
    socklen_t len = sizeof(a);
    const long r = timed(s, false, [&] { return ::accept4(s, reinterpret_cast<sockaddr*>(&a), &len, SOCK_CLOEXEC); });
    if (r < 0) return static_cast<int>(r);
    const int fd = static_cast<int>(r);
    set_bound(fd, kBoundMs);
    socks_[fd] = Sock{socks_[s].host, std::nullopt};
    if (peer != nullptr) *peer = from_sockaddr(a);
    return fd;
}

// A blocking connect() (bounded by SO_SNDTIMEO); with a timeout, Python's way: a non-blocking
// connect, poll for writability, then connect() again for the outcome (which, as a blocking
// connect does, returns a failed socket to unconnected).
int KernelNet::connect(int s, Where where, uint16_t port) {
    const sockaddr_in a = to_sockaddr(where, port);
    const auto* sa = reinterpret_cast<const sockaddr*>(&a);
    const auto it = socks_.find(s);
    if (it == socks_.end()) return -EBADF;
    const std::optional<int> timeout = it->second.timeout_ms;
    long r = sys(::connect(s, sa, sizeof(a)));
    if (!timeout || *timeout == 0 || r != -EINPROGRESS) return static_cast<int>(r);
    pollfd p{s, POLLOUT, 0};
    if (::poll(&p, 1, *timeout) == 0) return -EAGAIN;
    r = sys(::connect(s, sa, sizeof(a)));
    return static_cast<int>(r);
}

int KernelNet::disconnect(int s) {
    sockaddr_in a{};
    a.sin_family = AF_UNSPEC;
    return static_cast<int>(sys(::connect(s, reinterpret_cast<const sockaddr*>(&a), sizeof(a))));
}

long KernelNet::send(int s, std::string_view data, int flags) {
    return timed(s, true, [&] { return ::send(s, data.data(), data.size(), flags | MSG_NOSIGNAL); });
}

int KernelNet::sendall(int s, std::string_view data) {
    size_t done = 0;
    while (done < data.size()) {
        const long r = send(s, data.substr(done), 0);
        if (r < 0) return static_cast<int>(r);
        done += static_cast<size_t>(r);
    }
    return 0;
}

long KernelNet::recv(int s, size_t len, int flags, std::string* out) {
    std::string buf(len, '\0');
    const long r = timed(s, false, [&] { return ::recv(s, buf.data(), len, flags); });
    if (r >= 0 && out != nullptr) *out = buf.substr(0, static_cast<size_t>(r));
    return r;
}

long KernelNet::sendto(int s, std::string_view data, Where where, uint16_t port) {
    const sockaddr_in a = to_sockaddr(where, port);
    return timed(s, true, [&] {
        return ::sendto(s, data.data(), data.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&a), sizeof(a));
    });
}

long KernelNet::recvfrom(int s, size_t len, int flags, std::string* out, Endpoint* from) {
    std::string buf(len, '\0');
    sockaddr_in a{};
    socklen_t alen = sizeof(a);
    const long r = timed(s, false, [&] {
        alen = sizeof(a);
        return ::recvfrom(s, buf.data(), len, flags, reinterpret_cast<sockaddr*>(&a), &alen);
    });
    if (r >= 0) {
        if (out != nullptr) *out = buf.substr(0, static_cast<size_t>(r));
        if (from != nullptr) *from = alen >= sizeof(sockaddr_in) ? from_sockaddr(a) : Endpoint{};
    }
    return r;
}

int KernelNet::shutdown(int s, int how) { return static_cast<int>(sys(::shutdown(s, how))); }

int KernelNet::getsockname(int s, Endpoint* out) {
    sockaddr_in a{};
    socklen_t len = sizeof(a);
    const long r = sys(::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len));
    if (r == 0) *out = from_sockaddr(a);
    return static_cast<int>(r);
}

int KernelNet::getpeername(int s, Endpoint* out) {
    sockaddr_in a{};
    socklen_t len = sizeof(a);
    const long r = sys(::getpeername(s, reinterpret_cast<sockaddr*>(&a), &len));
    if (r == 0) *out = from_sockaddr(a);
    return static_cast<int>(r);
}

int KernelNet::setsockopt(int s, int level, int name, int value) {
    return static_cast<int>(sys(::setsockopt(s, level, name, &value, sizeof(value))));
}

int KernelNet::getsockopt(int s, int level, int name, int* value) {
    socklen_t len = sizeof(*value);
    return static_cast<int>(sys(::getsockopt(s, level, name, value, &len)));
}

int KernelNet::set_linger(int s, bool on, int seconds) {
    const linger l{on ? 1 : 0, seconds};
    return static_cast<int>(sys(::setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l))));
}

int KernelNet::get_linger(int s, bool* on, int* seconds) {
    linger l{};
    socklen_t len = sizeof(l);
    const long r = sys(::getsockopt(s, SOL_SOCKET, SO_LINGER, &l, &len));
    if (r == 0) {
        *on = l.l_onoff != 0;
        *seconds = l.l_linger;
    }
    return static_cast<int>(r);
}

int KernelNet::set_congestion(int s, std::string_view name) {
    const std::string n(name);
    return static_cast<int>(sys(::setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, n.data(), static_cast<socklen_t>(n.size()))));
}

int KernelNet::settimeout(int s, std::optional<int> timeout_ms) {
    const auto it = socks_.find(s);
    if (it == socks_.end()) return -EBADF;
    it->second.timeout_ms = timeout_ms;
    set_nonblock(s, timeout_ms.has_value());  // Python: a timeout makes the descriptor non-blocking
    return 0;
}

int KernelNet::epoll_create(Host) {
    const int fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) return -errno;
    epolls_[fd] = 0;
    return fd;
}

int KernelNet::epoll_ctl(int ep, int op, int s, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = s;
    return static_cast<int>(sys(::epoll_ctl(ep, op, s, &ev)));
}

int KernelNet::epoll_wait(int ep, int timeout_ms, std::vector<NetEvent>* out) {
    epoll_event evs[16];
    const int n = ::epoll_wait(ep, evs, 16, timeout_ms < 0 ? kBoundMs : timeout_ms);
    if (n < 0) return -errno;
    out->clear();
    for (int i = 0; i < n; ++i) out->push_back({evs[i].data.fd, evs[i].events});
    return n;
}

int KernelNet::epoll_close(int ep) {
    epolls_.erase(ep);
    return static_cast<int>(sys(::close(ep)));
}

}  // namespace tachyon::diff
