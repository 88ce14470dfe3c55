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
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "lib/result.hpp"
#include "stack/socket/socket_layer.hpp"
#include "stack/socket/socket_types.hpp"
#include "stack/socket/tcp_info.hpp"

namespace tachyon {

class Socket;

// accept(): the connection's socket and its peer's address.
struct Accepted;

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

}  // namespace tachyon
