// The socket machinery of one Stack: the TcpLayer (created here and registered as the stack's
// protocol 6 handler), the bounded socket table, the TCP bind table, and the blocking-call loop
// that drives the stack while a call waits (DESIGN.md "Execution model").
//
// Every call follows Linux's and Python's socket semantics; the Socket handle (socket.hpp) is
// the user-facing object and forwards here by SocketId. The calls are split by concern:
//   socket_layer.cpp    table, creation, close, the wait loop and the idle strategy
//   tcp_socket.cpp      stream sockets: bind, listen, accept, connect, send, recv, shutdown
//   udp_socket.cpp      datagram sockets
//   readiness.cpp       poll/epoll readiness (Linux tcp_poll / datagram_poll)
//   socket_options.cpp  setsockopt / getsockopt, TCP_INFO
//   zero_copy.cpp       the zero-copy calls: recv_view, send_reserve, datagrams in place
//   poller.cpp          the Poller; this layer tells it which sockets to look at again
//
// Single-threaded like the stack. Socket handles and Pollers must be gone before the layer, and
// the layer before its Stack.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "lib/result.hpp"
#include "stack/socket/port_table.hpp"
#include "stack/socket/socket_slot.hpp"
#include "stack/socket/socket_types.hpp"
#include "stack/socket/tcp_info.hpp"
#include "stack/stack.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

class Socket;
class Poller;

// The TCP state as the user sees it: TIME-WAIT reads as CLOSED (as Linux's user socket).
TcpState user_state(const TcpConnection* c);

// accept(): the new connection's socket id and its peer.
struct AcceptedId {
    SocketId id;
    SocketAddress peer;
};

// recvfrom(): bytes copied and the sender (nullopt on a stream socket, as Python's None).
struct Received {
    size_t len = 0;
    std::optional<SocketAddress> from;
};

// recv_view(): received bytes in place in the connection's receive buffer, in at most two pieces
// (the buffer is a ring). Empty at the peer's orderly shutdown, as recv() returning 0.
struct RecvView {
    std::span<const std::byte> first;
    std::span<const std::byte> second;
    size_t size() const { return first.size() + second.size(); }
    bool empty() const { return size() == 0; }
};

// send_reserve(): free space of the connection's send buffer, writable in place, in at most two
// pieces.
struct SendSpace {
    std::span<std::byte> first;
    std::span<std::byte> second;
    size_t size() const { return first.size() + second.size(); }
};

// recv_datagram(): the buffer the datagram arrived in, holding just its payload, and the sender.
// An empty handle (no buffer, from unset) when a shut receiving side ended the wait, as recvfrom()
// returning 0; a datagram without payload is a valid buffer of size 0.
struct ReceivedDatagram {
    Packet payload;
    SocketAddress from;
};

// For edge-triggered polling: the readiness mask and counters that move when something new
// arrives or leaves, so that a new event is seen even if the mask did not change.
struct ReadyState {
    uint32_t mask = 0;
    uint64_t rx_mark = 0;  // moves when data, a FIN or a connection arrives
    uint64_t tx_mark = 0;  // moves when the peer acknowledges data (frees send space)
    uint32_t state = 0;    // the TCP state or phase: a change is a wake-up
    bool nospace = false;  // a send found the buffer full since the last write event
};

class SocketLayer {
public:
    explicit SocketLayer(Stack& stack, const SocketLayerConfig& config = {});
    SocketLayer(const SocketLayer&) = delete;
    SocketLayer& operator=(const SocketLayer&) = delete;
    // Closes every socket still open (aborting connections) and unregisters TCP from the stack.
    ~SocketLayer();

    // socket.socket(family, type, proto): AF_INET with SOCK_STREAM (proto 0 or IPPROTO_TCP) or
    // SOCK_DGRAM (0 or IPPROTO_UDP); SOCK_NONBLOCK in type makes it non-blocking. Errors as
    // Linux's: EAFNOSUPPORT (family), EINVAL (type out of range), ESOCKTNOSUPPORT (type),
    // EPROTONOSUPPORT (protocol, raw sockets); EMFILE when the table is full.
    Result<Socket> try_socket(int family, int type, int protocol = 0);
    // The same, throwing std::system_error.
    Socket socket(int family = AF_INET, int type = SOCK_STREAM, int protocol = 0);
    Result<SocketId> open(int family, int type, int protocol = 0);

    // Replaces the idle strategy for blocking calls (nullptr restores it).
    void set_idle_hook(IdleHook hook) { idle_hook_ = std::move(hook); }
    // One step of the stack, for programs that run their own loop.
    bool poll() { return stack_.poll(); }

    Stack& stack() { return stack_; }
    TcpLayer& tcp() { return tcp_; }
    const TcpLayer& tcp() const { return tcp_; }
    const SocketLayerConfig& config() const { return config_; }
    size_t open_sockets() const { return in_use_; }
    // TCP ports held by sockets and by connections that outlived theirs (diagnostics).
    size_t ports_held() const { return ports_.in_use(); }

    // ---- Calls by socket id (the Socket handle, the Poller and the C API use these) ----
    // Each returns EBADF for a stale id. Errors are Linux's errno values.
    Result<void> close(SocketId id);
    Result<void> bind(SocketId id, SocketAddress local);
    Result<void> listen(SocketId id, int backlog);
    Result<AcceptedId> accept(SocketId id, int flags = 0);
    // connect_ex(): 0 or the errno (EINPROGRESS, EALREADY, EISCONN, ECONNREFUSED, ETIMEDOUT,
    // EAGAIN when a timeout expired, ...).
    int connect(SocketId id, SocketAddress remote);
    // connect() with AF_UNSPEC: dissolves a UDP association; aborts a TCP connection.
    int disconnect(SocketId id);
    Result<size_t> send(SocketId id, std::span<const std::byte> data, int flags = 0);
    Result<void> sendall(SocketId id, std::span<const std::byte> data, int flags = 0);
    Result<size_t> sendto(SocketId id, std::span<const std::byte> data, int flags, SocketAddress to);
    Result<size_t> recv(SocketId id, std::span<std::byte> out, int flags = 0);
    Result<Received> recvfrom(SocketId id, std::span<std::byte> out, int flags = 0);
    Result<void> shutdown(SocketId id, int how);
    Result<SocketAddress> getsockname(SocketId id) const;
    Result<SocketAddress> getpeername(SocketId id) const;
    Result<void> setsockopt(SocketId id, int level, int name, std::span<const std::byte> value);
    // Copies up to out.size() bytes of the option; returns the length written.
    Result<size_t> getsockopt(SocketId id, int level, int name, std::span<std::byte> out);
    Result<TcpInfo> tcp_info(SocketId id) const;

    // Zero-copy datagram send (zero_copy.cpp): a TX buffer with headroom for the UDP, IPv4 and
    // Ethernet headers; the caller appends its payload (Packet::append) and hands the buffer
    // back to send_datagram, which sends that very buffer. Errors as sendto().
    Result<Packet> alloc_datagram(SocketId id);
    Result<void> send_datagram(SocketId id, Packet payload, std::optional<SocketAddress> to = std::nullopt);
    // ---- Zero-copy stream calls (zero_copy.cpp) ----
    // Why this form: the receive buffer and send buffer of a connection are byte rings the TCP
    // layer reads segments out of and places segments into; a view of the ring (receive) and
    // writing straight into it (send) take out the copy between user memory and the stack. The
    // TCP layer still builds every segment from the send ring, so one copy ring -> frame remains
    // (until a device takes external buffers); likewise received payload is copied frame -> ring
    // once, as reassembly needs a contiguous window.
    //
    // recv_view(): the received bytes, at most max, in place; waits like recv() (MSG_DONTWAIT,
    // timeouts) and fails as recv() does. Nothing is consumed: recv_release(n) drops the first n
    // bytes of the view and opens the window (a window update goes out as after recv()); bytes
    // not released are shown again by the next recv_view(). The spans are valid until
    // recv_release(), another read on the socket, close(), or until the stack runs again (a
    // blocking call, poll(), a Poller wait: arriving data may move the ring's storage). Flags:
    // MSG_DONTWAIT only (EINVAL otherwise). Stream sockets only (EOPNOTSUPP).
    Result<RecvView> recv_view(SocketId id, size_t max = SIZE_MAX, int flags = 0);
    // EINVAL when n is more than the view holds.
    Result<void> recv_release(SocketId id, size_t n);
    // send_reserve(): at least one and at most max bytes of free send buffer, writable in place;
    // waits for space like send() and fails as send() does. send_commit(n) queues the first n
    // bytes written and sends as send() does; the space not committed goes back. The spans are
    // valid until send_commit(), another send on the socket, close(), or until the stack runs
    // again; send_commit() says EINVAL when they went stale (nothing is sent then).
    Result<SendSpace> send_reserve(SocketId id, size_t max = SIZE_MAX, int flags = 0);
    Result<size_t> send_commit(SocketId id, size_t n);
    // Zero-copy datagram receive: the oldest datagram's buffer itself (no copy), released by
    // dropping the Packet; waits like recvfrom(). Flags: MSG_DONTWAIT only. Datagram sockets only.
    Result<ReceivedDatagram> recv_datagram(SocketId id, int flags = 0);

    Result<void> settimeout(SocketId id, Timeout timeout);
    Result<Timeout> gettimeout(SocketId id) const;
    Result<int> type(SocketId id) const;  // SOCK_STREAM or SOCK_DGRAM

    // EPOLL* readiness bits as Linux's poll would report them; POLLNVAL for a stale id.
    uint32_t readiness(SocketId id) const;
    ReadyState ready_state(SocketId id) const;
    void clear_nospace(SocketId id);
    bool is_open(SocketId id) const { return slot(id) != nullptr; }

    // Pollers register here to hear of every socket whose readiness may have changed: a segment
    // or datagram for it arrived, its connection closed (time-outs included), or a call was made
    // on it. So a wait looks at those sockets only (O(ready), as epoll's ready list).
    void attach(Poller* poller);
    void detach(Poller* poller);

    // ---- The blocking-call loop ----
    // now + timeout at the stack's clock (nullopt: no deadline).
    std::optional<Instant> deadline_after(Timeout timeout) const;
    // One step of a wait: poll the stack and, if it did nothing, idle. false once the deadline
    // has passed (the caller checks its condition one last time).
    bool drive(std::optional<Instant> deadline);
    // Drives until ready() or the deadline; returns ready().
    template <typename Ready>
    bool wait_until(Ready ready, std::optional<Instant> deadline) {
        while (!ready()) {
            if (!drive(deadline)) return ready();
        }
        return true;
    }

private:
    friend class Socket;

    // Which wait limit a blocking call uses: SO_RCVTIMEO or SO_SNDTIMEO.
    enum class Direction : uint8_t { kReceive, kSend };

    // Forwards TCP segments to the TcpLayer and marks the sockets they concern for the pollers.
    class TcpTap final : public IpProtocolHandler {
    public:
        explicit TcpTap(SocketLayer& layer) : layer_(layer) {}
        void input(const Ipv4Repr& ip, Packet pkt) override;
        void end_turn() override;  // nothing becomes readable or writable: forwarded only
        // Forwarded; a connection it closes reaches the sockets through the closed hook.
        void icmp_error(const IcmpError& error) override;

    private:
        SocketLayer& layer_;
    };

    SocketSlot* slot(SocketId id);
    const SocketSlot* slot(SocketId id) const;
    SocketId id_of(const SocketSlot& s) const;
    Result<SocketId> allocate(bool stream);
    void free_slot(SocketSlot& s);
    void idle(std::optional<Instant> deadline);
    bool nonblocking(const SocketSlot& s, int flags) const;
    // How long a blocking call of direction d waits: Python's settimeout() when set, else
    // SO_RCVTIMEO / SO_SNDTIMEO (Linux), else without limit.
    Timeout call_timeout(const SocketSlot& s, Direction d) const;
    // Runs op() until it stops saying EAGAIN: once at once, once more after a poll, and then,
    // for a blocking socket, after every step of the stack until call_timeout(s, d).
    template <typename Op>
    auto retry(const SocketSlot& s, int flags, Direction d, Op op) -> decltype(op());

    // Poller notification: socket slot `index` may have changed readiness.
    void mark(uint32_t index);
    void mark_conn(TcpHandle h, uint32_t listener);
    static void on_tcp_closed(void* ctx, const TcpConnection& c);
    static void on_tcp_released(void* ctx, uint32_t port_holder);
    static bool connect_port_usable(void* ctx, uint16_t port);
    uint32_t udp_owner(UdpSocketId id) const;
    static void on_udp_rx(void* ctx, UdpSocketId id);
    static void on_udp_error(void* ctx, UdpSocketId id, UdpEndpoint to, const IcmpErrorMeaning& meaning);

    // tcp_socket.cpp.
    const TcpConnection* conn(const SocketSlot& s) const;
    uint8_t shutdown_mask(const SocketSlot& s) const;
    int pending_error(const SocketSlot& s) const;
    int take_error(SocketSlot& s);
    TcpConnConfig conn_config(const SocketSlot& s) const;
    // Hands the options a live connection can change (Nagle, keepalive, congestion control) to it.
    void apply_live_tcp_options(const SocketSlot& s);
    Result<void> tcp_bind(SocketSlot& s, SocketAddress local);
    Result<void> tcp_listen(SocketSlot& s, int backlog);
    Result<AcceptedId> tcp_accept_once(SocketSlot& s);
    int tcp_connect_once(SocketSlot& s, SocketAddress remote);
    int tcp_connect(SocketSlot& s, SocketAddress remote);
    int tcp_open(SocketSlot& s, SocketAddress remote);
    void tcp_disconnect(SocketSlot& s);
    Result<size_t> tcp_send_once(SocketSlot& s, std::span<const std::byte> data);
    Result<size_t> tcp_send(SocketSlot& s, std::span<const std::byte> data, int flags);
    Result<size_t> tcp_recv_once(SocketSlot& s, std::span<std::byte> out, int flags);
    size_t tcp_read(SocketSlot& s, std::span<std::byte> out, bool peek);
    Result<void> tcp_shutdown(SocketSlot& s, uint8_t how);
    void tcp_close(SocketSlot& s);
    void release_port(SocketSlot& s);
    SocketAddress tcp_local(const SocketSlot& s) const;

    // udp_socket.cpp.
    Result<void> udp_bind(SocketSlot& s, SocketAddress local);
    Result<void> udp_autobind(SocketSlot& s);
    int udp_connect(SocketSlot& s, SocketAddress remote);
    Result<SocketAddress> udp_destination(SocketSlot& s, std::optional<SocketAddress> to);
    Result<size_t> udp_send_once(SocketSlot& s, std::span<const std::byte> data,
                                 std::optional<SocketAddress> to);
    Result<Received> udp_recv_once(SocketSlot& s, std::span<std::byte> out, int flags);
    Result<void> udp_shutdown(SocketSlot& s, uint8_t how);
    void udp_close(SocketSlot& s);
    SocketAddress udp_local(const SocketSlot& s) const;
    static UdpTxOptions udp_tx_options(const SocketSlot& s);
    Result<ReceivedDatagram> udp_take_once(SocketSlot& s, int flags);

    // zero_copy.cpp.
    Result<RecvView> tcp_view_once(SocketSlot& s, size_t max);
    Result<SendSpace> tcp_reserve_once(SocketSlot& s, size_t max);

    // readiness.cpp.
    uint32_t tcp_readiness(const SocketSlot& s) const;
    uint32_t udp_readiness(const SocketSlot& s) const;

    // socket_options.cpp.
    void init_options(SocketOptions& o, bool stream) const;
    Result<void> set_socket_option(SocketSlot& s, int name, std::span<const std::byte> value);
    Result<size_t> get_socket_option(SocketSlot& s, int name, std::span<std::byte> out);
    Result<void> set_tcp_option(SocketSlot& s, int name, std::span<const std::byte> value);
    Result<size_t> get_tcp_option(SocketSlot& s, int name, std::span<std::byte> out);
    Result<void> set_ip_option(SocketSlot& s, int name, std::span<const std::byte> value);
    Result<size_t> get_ip_option(SocketSlot& s, int name, std::span<std::byte> out);

    Stack& stack_;
    SocketLayerConfig config_;
    TcpLayer tcp_;
    PortTable ports_;
    std::vector<SocketSlot> slots_;
    std::vector<uint32_t> free_;
    size_t in_use_ = 0;
    IdleHook idle_hook_;
    TcpTap tap_;
    std::vector<Poller*> pollers_;
    // The socket slot that last took each TCP connection, listener and UDP socket (by their
    // index), for the pollers; checked against the slot's handle before use.
    std::vector<uint32_t> conn_owner_;
    std::vector<uint32_t> listener_owner_;
    std::vector<uint32_t> udp_owner_;
};

template <typename Op>
auto SocketLayer::retry(const SocketSlot& s, int flags, Direction d, Op op) -> decltype(op()) {
    auto r = op();
    if (r.ok() || r.code() != EAGAIN) return r;
    // Even a non-blocking call moves the stack once: a program that only calls recv() in a loop
    // must still receive.
    if (stack_.poll()) {
        r = op();
        if (r.ok() || r.code() != EAGAIN) return r;
    }
    if (nonblocking(s, flags)) return r;
    const std::optional<Instant> deadline = deadline_after(call_timeout(s, d));
    while (drive(deadline)) {
        r = op();
        if (r.ok() || r.code() != EAGAIN) return r;
    }
    return op();  // the last poll may have made it ready; else EAGAIN: the timeout expired
}

}  // namespace tachyon
