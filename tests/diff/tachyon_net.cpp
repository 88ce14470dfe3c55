#include "tests/diff/tachyon_net.hpp"

#include <cerrno>

namespace tachyon::diff {

namespace {

constexpr Ipv4Address kForeign = Ipv4Address::from_octets(192, 0, 2, 1);

long neg(const Error& e) { return -static_cast<long>(e.code); }

}  // namespace

TachyonNet::TachyonNet() = default;

TachyonNet::~TachyonNet() {
    eps_.clear();
    socks_.clear();
}

size_t TachyonNet::drain() {
    eps_.clear();
    socks_.clear();
    pair_.advance(Duration::from_secs(200));  // TIME-WAIT, FIN-WAIT-2 and retransmissions end
    return pair_.buffers_in_use();
}

Socket* TachyonNet::get(int s) {
    if (s < 0 || static_cast<size_t>(s) >= socks_.size() || !socks_[s].socket) return nullptr;
    return &socks_[s].socket;
}

SocketAddress TachyonNet::to_address(Where where, uint16_t port) const {
    switch (where) {
        case Where::kAny: return {Ipv4Address::any(), port};
        case Where::kA: return {test::kIpA, port};
        case Where::kB: return {test::kIpB, port};
        case Where::kForeign: return {kForeign, port};
        case Where::kOther: break;
    }
    return {Ipv4Address::from_octets(10, 99, 99, 1), port};
}

Endpoint TachyonNet::from_address(SocketAddress a) const {
    Where w = Where::kOther;
    if (a.addr.is_unspecified()) w = Where::kAny;
    if (a.addr == test::kIpA) w = Where::kA;
    if (a.addr == test::kIpB) w = Where::kB;
    if (a.addr == kForeign) w = Where::kForeign;
    return {w, a.port};
}

int TachyonNet::socket(Host host, int type) {
    Result<Socket> s = layer(host).try_socket(AF_INET, type);
    if (!s) return static_cast<int>(neg(s.error()));
    socks_.push_back(Entry{host, std::move(s).value()});
    return static_cast<int>(socks_.size() - 1);
}

int TachyonNet::close(int s) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    Result<void> r = so->close();
    return r ? 0 : static_cast<int>(neg(r.error()));
}

int TachyonNet::bind(int s, Where where, uint16_t port) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    Result<void> r = so->try_bind(to_address(where, port));
    return r ? 0 : static_cast<int>(neg(r.error()));
}

int TachyonNet::listen(int s, int backlog) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    Result<void> r = so->try_listen(backlog);
    return r ? 0 : static_cast<int>(neg(r.error()));
}

int TachyonNet::accept(int s, Endpoint* peer) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    const Host host = socks_[s].host;
    Result<Accepted> r = so->try_accept();
    if (!r) return static_cast<int>(neg(r.error()));
    if (peer != nullptr) *peer = from_address(r->peer);
    socks_.push_back(Entry{host, std::move(r->socket)});
    return static_cast<int>(socks_.size() - 1);
}

int TachyonNet::connect(int s, Where where, uint16_t port) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    return -so->connect_ex(to_address(where, port));
}

int TachyonNet::disconnect(int s) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    return -socks_[s].socket.layer()->disconnect(so->id());
}

long TachyonNet::send(int s, std::string_view data, int flags) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    Result<size_t> r = so->send(data, flags);
    return r ? static_cast<long>(*r) : neg(r.error());
}

int TachyonNet::sendall(int s, std::string_view data) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    Result<void> r = so->sendall(data);
    return r ? 0 : static_cast<int>(neg(r.error()));
}

long TachyonNet::recv(int s, size_t len, int flags, std::string* out) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    std::string buf(len, '\0');
    Result<size_t> r = so->recv(std::as_writable_bytes(std::span(buf.data(), buf.size())), flags);
    if (!r) return neg(r.error());
    if (out != nullptr) *out = buf.substr(0, *r);
    return static_cast<long>(*r);
}

long TachyonNet::sendto(int s, std::string_view data, Where where, uint16_t port) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    Result<size_t> r = so->sendto(std::as_bytes(std::span(data)), to_address(where, port));
    return r ? static_cast<long>(*r) : neg(r.error());
}

long TachyonNet::recvfrom(int s, size_t len, int flags, std::string* out, Endpoint* from) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    std::string buf(len, '\0');
    Result<Received> r = so->recvfrom(std::as_writable_bytes(std::span(buf.data(), buf.size())), flags);
    if (!r) return neg(r.error());
    if (out != nullptr) *out = buf.substr(0, r->len);
    if (from != nullptr) *from = r->from ? from_address(*r->from) : Endpoint{};
    return static_cast<long>(r->len);
}

int TachyonNet::shutdown(int s, int how) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    Result<void> r = so->try_shutdown(how);
    return r ? 0 : static_cast<int>(neg(r.error()));
}

int TachyonNet::getsockname(int s, Endpoint* out) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    Result<SocketAddress> r = so->try_getsockname();
    if (!r) return static_cast<int>(neg(r.error()));
    *out = from_address(*r);
    return 0;
}

int TachyonNet::getpeername(int s, Endpoint* out) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    Result<SocketAddress> r = so->try_getpeername();
    if (!r) return static_cast<int>(neg(r.error()));
    *out = from_address(*r);
    return 0;
}

int TachyonNet::setsockopt(int s, int level, int name, int value) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    Result<void> r = so->try_setsockopt(level, name, value);
    return r ? 0 : static_cast<int>(neg(r.error()));
}

int TachyonNet::getsockopt(int s, int level, int name, int* value) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    Result<int> r = so->try_getsockopt(level, name);
    if (!r) return static_cast<int>(neg(r.error()));
    *value = *r;
    return 0;
}

int TachyonNet::set_linger(int s, bool on, int seconds) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    const struct linger l { on ? 1 : 0, seconds };
    Result<void> r = so->try_setsockopt(SOL_SOCKET, SO_LINGER, std::as_bytes(std::span(&l, 1)));
    return r ? 0 : static_cast<int>(neg(r.error()));
}

int TachyonNet::get_linger(int s, bool* on, int* seconds) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    struct linger l {};
    Result<size_t> r = so->try_getsockopt(SOL_SOCKET, SO_LINGER, std::as_writable_bytes(std::span(&l, 1)));
    if (!r) return static_cast<int>(neg(r.error()));
    *on = l.l_onoff != 0;
    *seconds = l.l_linger;
    return 0;
}

int TachyonNet::set_congestion(int s, std::string_view name) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    Result<void> r = so->try_setsockopt(IPPROTO_TCP, TCP_CONGESTION, std::as_bytes(std::span(name)));
    return r ? 0 : static_cast<int>(neg(r.error()));
}

int TachyonNet::settimeout(int s, std::optional<int> timeout_ms) {
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    so->settimeout(timeout_ms ? Timeout{Duration::from_ms(*timeout_ms)} : Timeout{});
    return 0;
}

int TachyonNet::epoll_create(Host host) {
    eps_.push_back(Ep{host, std::make_unique<Poller>(layer(host))});
    return static_cast<int>(eps_.size() - 1);
}

int TachyonNet::epoll_ctl(int ep, int op, int s, uint32_t events) {
    if (ep < 0 || static_cast<size_t>(ep) >= eps_.size() || !eps_[ep].poller) return -EBADF;
    Socket* so = get(s);
    if (so == nullptr) return -EBADF;
    if (socks_[s].host != eps_[ep].host) return -EINVAL;  // a poller serves one stack
    Poller& p = *eps_[ep].poller;
    Result<void> r = op == EPOLL_CTL_ADD   ? p.add(*so, events, static_cast<uint64_t>(s))
                     : op == EPOLL_CTL_MOD ? p.modify(*so, events, static_cast<uint64_t>(s))
                     : op == EPOLL_CTL_DEL ? p.remove(*so)
                                           : Result<void>::fail(EINVAL);
    return r ? 0 : static_cast<int>(neg(r.error()));
}

int TachyonNet::epoll_wait(int ep, int timeout_ms, std::vector<NetEvent>* out) {
    if (ep < 0 || static_cast<size_t>(ep) >= eps_.size() || !eps_[ep].poller) return -EBADF;
    std::array<PollEvent, 16> evs;
    const Timeout t = timeout_ms < 0 ? Timeout{} : Timeout{Duration::from_ms(timeout_ms)};
    Result<size_t> r = eps_[ep].poller->wait(evs, t);
    if (!r) return static_cast<int>(neg(r.error()));
    out->clear();
    for (size_t i = 0; i < *r; ++i) out->push_back({static_cast<int>(evs[i].data), evs[i].events});
    return static_cast<int>(*r);
}

int TachyonNet::epoll_close(int ep) {
    if (ep < 0 || static_cast<size_t>(ep) >= eps_.size() || !eps_[ep].poller) return -EBADF;
    eps_[ep].poller.reset();
    return 0;
}

}  // namespace tachyon::diff
