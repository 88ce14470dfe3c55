// The socket object: a move-only handle to one socket of a SocketLayer, with the calls of
// Python's socket object and BSD sockets.
//
// Error reporting (DESIGN.md "The socket API"):
// - The calls Python raises from have a throwing form under Python's name (bind, listen,
//   accept, connect, getsockname, ...) that throws std::system_error with the errno, or
//   SocketTimeout (Python's socket.timeout) when the socket's timeout expired; and a
//   non-throwing form (try_bind, try_accept, connect_ex, ...) that returns the errno instead,
//   EAGAIN for an expired timeout.
// - The hot-path calls (send, sendall, sendto, recv, recvfrom, close) never throw: they return
//   Result with the errno.
//
// Blocking: a fresh socket blocks (timeout None). A blocking call drives the owning stack while
// it waits, so other connections of that stack keep making progress. settimeout(0) or
// setblocking(false) makes calls return EAGAIN instead of waiting; settimeout(d) waits at most d.
// Without a Python timeout, SO_RCVTIMEO / SO_SNDTIMEO bound the waits as on Linux (EAGAIN, a
// partial send count, EINPROGRESS for connect).
//
// Zero-copy: recv_view / recv_lease and send_reserve / send_commit work in place in the
// connection's buffers; recv_datagram and alloc_datagram / send_datagram hand datagram buffers
// over whole (SocketLayer's comments say why, and how long the views stay valid).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <algorithm>
#include <utility>

#include "lib/result.hpp"
#include "stack/socket/socket_layer.hpp"
#include "stack/socket/socket_types.hpp"
#include "stack/socket/tcp_info.hpp"

namespace tachyon {

class Socket;

// accept(): the connection's socket and its peer's address.
struct Accepted;
class RecvLease;

class Socket {
public:
    Socket() = default;
    // Takes ownership of an open socket of layer.
    Socket(SocketLayer& layer, SocketId id) : layer_(&layer), id_(id) {}
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    Socket(Socket&& o) noexcept : layer_(o.layer_), id_(o.id_) { o.id_ = {}; }
    Socket& operator=(Socket&& o) noexcept;
    ~Socket() { (void)close(); }

    bool is_open() const { return layer_ != nullptr && layer_->is_open(id_); }
    explicit operator bool() const { return is_open(); }
    SocketId id() const { return id_; }
    SocketLayer* layer() const { return layer_; }
    int family() const { return AF_INET; }
    int type() const;  // SOCK_STREAM or SOCK_DGRAM; -1 when closed
    // Gives up ownership without closing; the id stays open in the layer.
    SocketId release();

    // ---- Throwing forms (std::system_error; SocketTimeout when the timeout expired) ----
    void bind(SocketAddress local);
    void listen(int backlog = 128);
    Accepted accept();
    void connect(SocketAddress remote);
    SocketAddress getsockname() const;
    SocketAddress getpeername() const;
    void shutdown(int how);
    void setsockopt(int level, int name, int value);
    int getsockopt(int level, int name) const;
    void set_linger(Linger linger);
    Linger linger() const;
    TcpInfo tcp_info() const;
    // Python: None blocks, 0 is non-blocking; a negative duration is invalid (std::invalid_argument).
    void settimeout(Timeout timeout);
    Timeout gettimeout() const;
    void setblocking(bool blocking) { settimeout(blocking ? Timeout{} : Timeout{Duration::zero()}); }
    bool getblocking() const;

    // ---- Non-throwing forms ----
    Result<void> try_bind(SocketAddress local);
    Result<void> try_listen(int backlog = 128);
    Result<Accepted> try_accept();
    // 0, or the errno: EINPROGRESS (non-blocking), EALREADY, EISCONN, ECONNREFUSED, ETIMEDOUT,
    // EAGAIN (the timeout expired; the attempt continues), ENETUNREACH ...
    int connect_ex(SocketAddress remote);
    Result<SocketAddress> try_getsockname() const;
    Result<SocketAddress> try_getpeername() const;
    Result<void> try_shutdown(int how);
    Result<void> try_setsockopt(int level, int name, int value);
    Result<void> try_setsockopt(int level, int name, std::span<const std::byte> value);
    Result<int> try_getsockopt(int level, int name) const;
    // Raw form: copies up to out.size() bytes (struct linger, struct tcp_info, a name).
    Result<size_t> try_getsockopt(int level, int name, std::span<std::byte> out) const;
    Result<TcpInfo> try_tcp_info() const;

    // ---- Hot path: never throws ----
    // send() may be partial on a non-blocking socket or when the timeout expires; a blocking
    // socket without timeout queues everything (Linux). Flags: MSG_DONTWAIT, MSG_NOSIGNAL.
    Result<size_t> send(std::span<const std::byte> data, int flags = 0);
    Result<size_t> send(std::string_view data, int flags = 0) { return send(std::as_bytes(std::span(data)), flags); }
    // Everything or an error (Python: the timeout bounds the whole call).
    Result<void> sendall(std::span<const std::byte> data, int flags = 0);
    Result<void> sendall(std::string_view data, int flags = 0) { return sendall(std::as_bytes(std::span(data)), flags); }
    Result<size_t> sendto(std::span<const std::byte> data, SocketAddress to, int flags = 0);
    // Python's recv_into: 0 at the peer's orderly shutdown. Flags: MSG_PEEK, MSG_DONTWAIT,
    // MSG_WAITALL (stream).
    Result<size_t> recv(std::span<std::byte> out, int flags = 0);
    Result<Received> recvfrom(std::span<std::byte> out, int flags = 0);
    // Zero-copy datagram send: write the payload into alloc_datagram()'s buffer (append), then
    // send_datagram() sends that buffer itself, to `to` or to the connected peer.
    Result<Packet> alloc_datagram() {
        return layer_ != nullptr ? layer_->alloc_datagram(id_) : Result<Packet>::fail(EBADF);
    }
    Result<void> send_datagram(Packet payload, std::optional<SocketAddress> to = std::nullopt) {
        return layer_ != nullptr ? layer_->send_datagram(id_, std::move(payload), to) : Result<void>::fail(EBADF);
    }
    // Zero-copy datagram receive: the buffer the datagram arrived in (payload()) and its sender;
    // dropping the Packet returns the buffer to its pool. Waits like recvfrom().
    Result<ReceivedDatagram> recv_datagram(int flags = 0) {
        return layer_ != nullptr ? layer_->recv_datagram(id_, flags) : Result<ReceivedDatagram>::fail(EBADF);
    }

    // ---- Zero-copy stream calls (SocketLayer::recv_view / send_reserve say why and how long
    // the spans stay valid: until the release or commit, or until the stack runs again) ----
    // The received bytes in place in the receive buffer, at most max; empty at the end of the
    // stream. Waits and fails like recv(). Nothing is consumed until recv_release(n).
    Result<RecvView> recv_view(size_t max = SIZE_MAX, int flags = 0) {
        return layer_ != nullptr ? layer_->recv_view(id_, max, flags) : Result<RecvView>::fail(EBADF);
    }
    Result<void> recv_release(size_t n) {
        return layer_ != nullptr ? layer_->recv_release(id_, n) : Result<void>::fail(EBADF);
    }
    // recv_view() with RAII: the lease releases what it shows (or what use() says) when it ends.
    Result<RecvLease> recv_lease(size_t max = SIZE_MAX, int flags = 0);
    // Free send buffer space to write into in place, at most max bytes; waits and fails like
    // send(). send_commit(n) sends the first n bytes written.
    Result<SendSpace> send_reserve(size_t max = SIZE_MAX, int flags = 0) {
        return layer_ != nullptr ? layer_->send_reserve(id_, max, flags) : Result<SendSpace>::fail(EBADF);
    }
    Result<size_t> send_commit(size_t n) {
        return layer_ != nullptr ? layer_->send_commit(id_, n) : Result<size_t>::fail(EBADF);
    }

    // Graceful (or RST with SO_LINGER {on, 0}, or with unread data); idempotent.
    Result<void> close();

private:
    SocketLayer* layer_ = nullptr;
    SocketId id_;
};

struct Accepted {
    Socket socket;
    SocketAddress peer;
};

// A recv_view() that releases itself: when the lease ends, the bytes it showed are consumed
// (the window opens), or only the first n after use(n) (the rest is shown again by the next
// read). Move-only; must end before its socket is closed.
class RecvLease {
public:
    RecvLease() = default;
    RecvLease(SocketLayer& layer, SocketId id, RecvView view)
        : layer_(&layer), id_(id), view_(view), used_(view.size()) {}
    RecvLease(const RecvLease&) = delete;
    RecvLease& operator=(const RecvLease&) = delete;
    RecvLease(RecvLease&& o) noexcept : layer_(o.layer_), id_(o.id_), view_(o.view_), used_(o.used_) { o.layer_ = nullptr; }
    RecvLease& operator=(RecvLease&& o) noexcept {
        if (this != &o) {
            (void)release();
            layer_ = o.layer_;
            id_ = o.id_;
            view_ = o.view_;
            used_ = o.used_;
            o.layer_ = nullptr;
        }
        return *this;
    }
    ~RecvLease() { (void)release(); }

    const RecvView& view() const { return view_; }
    std::span<const std::byte> first() const { return view_.first; }
    std::span<const std::byte> second() const { return view_.second; }
    size_t size() const { return view_.size(); }
    bool empty() const { return view_.empty(); }  // the end of the stream
    // Only the first n bytes (n <= size()) are consumed when the lease ends.
    void use(size_t n) { used_ = std::min(n, view_.size()); }
    // Ends the lease now.
    Result<void> release() {
        if (layer_ == nullptr) return {};
        SocketLayer* l = std::exchange(layer_, nullptr);
        return l->recv_release(id_, used_);
    }

private:
    SocketLayer* layer_ = nullptr;
    SocketId id_;
    RecvView view_;
    size_t used_ = 0;
};

}  // namespace tachyon
