#include "stack/socket/socket.hpp"

#include <cerrno>
#include <stdexcept>

namespace tachyon {

namespace {

[[noreturn]] void raise(int code, const char* what) { throw std::system_error(code, std::generic_category(), what); }

}  // namespace

Socket& Socket::operator=(Socket&& o) noexcept {
    if (this != &o) {
        (void)close();
        layer_ = o.layer_;
        id_ = o.id_;
        o.id_ = {};
    }
    return *this;
}

int Socket::type() const {
    if (layer_ == nullptr) return -1;
    const Result<int> t = layer_->type(id_);
    return t ? t.value() : -1;
}

SocketId Socket::release() {
    const SocketId id = id_;
    id_ = {};
    return id;
}

Result<void> Socket::close() {
    if (layer_ == nullptr || !id_.valid()) return {};
    Result<void> r = layer_->close(id_);
    id_ = {};
    return r;
}

// ---- Non-throwing forms ----

Result<void> Socket::try_bind(SocketAddress local) {
    return layer_ != nullptr ? layer_->bind(id_, local) : Result<void>::fail(EBADF);
}

Result<void> Socket::try_listen(int backlog) {
    return layer_ != nullptr ? layer_->listen(id_, backlog) : Result<void>::fail(EBADF);
}

Result<Accepted> Socket::try_accept() {
    if (layer_ == nullptr) return Result<Accepted>::fail(EBADF);
    Result<AcceptedId> r = layer_->accept(id_);
    if (!r) return r.error();
    return Accepted{Socket(*layer_, r->id), r->peer};
}

int Socket::connect_ex(SocketAddress remote) { return layer_ != nullptr ? layer_->connect(id_, remote) : EBADF; }

Result<SocketAddress> Socket::try_getsockname() const {
    return layer_ != nullptr ? layer_->getsockname(id_) : Result<SocketAddress>::fail(EBADF);
}

Result<SocketAddress> Socket::try_getpeername() const {
    return layer_ != nullptr ? layer_->getpeername(id_) : Result<SocketAddress>::fail(EBADF);
}

Result<void> Socket::try_shutdown(int how) {
    return layer_ != nullptr ? layer_->shutdown(id_, how) : Result<void>::fail(EBADF);
}

Result<void> Socket::try_setsockopt(int level, int name, int value) {
    return try_setsockopt(level, name, std::as_bytes(std::span(&value, 1)));
}

Result<void> Socket::try_setsockopt(int level, int name, std::span<const std::byte> value) {
    return layer_ != nullptr ? layer_->setsockopt(id_, level, name, value) : Result<void>::fail(EBADF);
}

Result<int> Socket::try_getsockopt(int level, int name) const {
    int v = 0;
    Result<size_t> r = try_getsockopt(level, name, std::as_writable_bytes(std::span(&v, 1)));
    if (!r) return r.error();
    return v;
}

Result<size_t> Socket::try_getsockopt(int level, int name, std::span<std::byte> out) const {
    return layer_ != nullptr ? layer_->getsockopt(id_, level, name, out) : Result<size_t>::fail(EBADF);
}

Result<TcpInfo> Socket::try_tcp_info() const {
    return layer_ != nullptr ? layer_->tcp_info(id_) : Result<TcpInfo>::fail(EBADF);
}

// ---- Throwing forms ----

void Socket::bind(SocketAddress local) {
    if (Result<void> r = try_bind(local); !r) raise(r.code(), "bind");
}

void Socket::listen(int backlog) {
    if (Result<void> r = try_listen(backlog); !r) raise(r.code(), "listen");
}

Accepted Socket::accept() {
    Result<Accepted> r = try_accept();
    if (r) return std::move(r).value();
    // EAGAIN from a socket with a timeout is the timeout expiring (Python's socket.timeout).
    if (r.code() == EAGAIN && !getblocking() && *gettimeout() > Duration::zero()) throw SocketTimeout();
    raise(r.code(), "accept");
}

void Socket::connect(SocketAddress remote) {
    const int e = connect_ex(remote);
    if (e == 0) return;
    if (e == EAGAIN && !getblocking() && *gettimeout() > Duration::zero()) throw SocketTimeout();
    raise(e, "connect");
}

SocketAddress Socket::getsockname() const {
    Result<SocketAddress> r = try_getsockname();
    if (!r) raise(r.code(), "getsockname");
    return *r;
}

SocketAddress Socket::getpeername() const {
    Result<SocketAddress> r = try_getpeername();
    if (!r) raise(r.code(), "getpeername");
    return *r;
}

void Socket::shutdown(int how) {
    if (Result<void> r = try_shutdown(how); !r) raise(r.code(), "shutdown");
}

void Socket::setsockopt(int level, int name, int value) {
    if (Result<void> r = try_setsockopt(level, name, value); !r) raise(r.code(), "setsockopt");
}

int Socket::getsockopt(int level, int name) const {
    Result<int> r = try_getsockopt(level, name);
    if (!r) raise(r.code(), "getsockopt");
    return *r;
}

void Socket::set_linger(Linger linger) {
    const struct linger l { linger.on ? 1 : 0, linger.seconds };
    if (Result<void> r = try_setsockopt(SOL_SOCKET, SO_LINGER, std::as_bytes(std::span(&l, 1))); !r) {
        raise(r.code(), "setsockopt");
    }
}

Linger Socket::linger() const {
    struct linger l {};
    if (Result<size_t> r = try_getsockopt(SOL_SOCKET, SO_LINGER, std::as_writable_bytes(std::span(&l, 1))); !r) {
        raise(r.code(), "getsockopt");
    }
    return Linger{l.l_onoff != 0, l.l_linger};
}

TcpInfo Socket::tcp_info() const {
    Result<TcpInfo> r = try_tcp_info();
    if (!r) raise(r.code(), "getsockopt");
    return *r;
}

void Socket::settimeout(Timeout timeout) {
    if (timeout && *timeout < Duration::zero()) throw std::invalid_argument("Timeout value out of range");
    if (layer_ == nullptr) raise(EBADF, "settimeout");
    if (Result<void> r = layer_->settimeout(id_, timeout); !r) raise(r.code(), "settimeout");
}

Timeout Socket::gettimeout() const {
    if (layer_ == nullptr) raise(EBADF, "gettimeout");
    Result<Timeout> r = layer_->gettimeout(id_);
    if (!r) raise(r.code(), "gettimeout");
    return *r;
}

bool Socket::getblocking() const {
    const Timeout t = gettimeout();
    return !t.has_value();
}

// ---- Hot path ----

Result<size_t> Socket::send(std::span<const std::byte> data, int flags) {
    return layer_ != nullptr ? layer_->send(id_, data, flags) : Result<size_t>::fail(EBADF);
}

Result<void> Socket::sendall(std::span<const std::byte> data, int flags) {
    return layer_ != nullptr ? layer_->sendall(id_, data, flags) : Result<void>::fail(EBADF);
}

Result<size_t> Socket::sendto(std::span<const std::byte> data, SocketAddress to, int flags) {
    return layer_ != nullptr ? layer_->sendto(id_, data, flags, to) : Result<size_t>::fail(EBADF);
}

Result<size_t> Socket::recv(std::span<std::byte> out, int flags) {
    return layer_ != nullptr ? layer_->recv(id_, out, flags) : Result<size_t>::fail(EBADF);
}

Result<Received> Socket::recvfrom(std::span<std::byte> out, int flags) {
    return layer_ != nullptr ? layer_->recvfrom(id_, out, flags) : Result<Received>::fail(EBADF);
}

Result<RecvLease> Socket::recv_lease(size_t max, int flags) {
    if (layer_ == nullptr) return Result<RecvLease>::fail(EBADF);
    Result<RecvView> v = layer_->recv_view(id_, max, flags);
    if (!v) return v.error();
    return RecvLease(*layer_, id_, *v);
}

}  // namespace tachyon
