// The state of one socket in a SocketLayer's table (internal to the socket layer). Mirrors what
// Linux keeps in struct socket and struct sock above the protocol: the socket-level state
// (unconnected, connecting, connected), sk_shutdown, the read-once pending error, the options and
// the timeout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "stack/socket/port_table.hpp"
#include "stack/socket/socket_types.hpp"
#include "stack/tcp/byte_ring.hpp"
#include "stack/tcp/tcp_types.hpp"
#include "stack/udp.hpp"

namespace tachyon {

// sk_shutdown bits.
inline constexpr uint8_t kRcvShutdown = 1;
inline constexpr uint8_t kSendShutdown = 2;
inline constexpr uint8_t kShutdownMask = kRcvShutdown | kSendShutdown;

// Linux's struct socket state for a stream socket, plus listening.
enum class TcpPhase : uint8_t {
    kIdle,           // SS_UNCONNECTED: fresh, bound, or back from a failed connect
    kListening,
    kConnecting,     // SS_CONNECTING: connect() started; the TCP connection may have finished
    kConnected,      // SS_CONNECTED: connect() reported success, or accepted
    kDisconnecting,  // SS_DISCONNECTING: shut down while connecting; connect() says EINVAL
};

// Linux's minimum buffer sizes (SOCK_MIN_RCVBUF, SOCK_MIN_SNDBUF on x86-64), as reported.
inline constexpr uint32_t kMinRcvBuf = 2304;
inline constexpr uint32_t kMinSndBuf = 4608;
inline constexpr size_t kCongestionNameMax = 16;  // TCP_CA_NAME_MAX

struct SocketOptions {
    bool reuse_addr = false;  // SO_REUSEADDR
    bool keepalive = false;   // SO_KEEPALIVE (stored; keepalive probes come with issue 4)
    Linger linger;            // SO_LINGER
    // SO_RCVBUF / SO_SNDBUF as getsockopt reports them: Linux doubles what setsockopt gets (the
    // other half is its bookkeeping overhead); the TCP byte rings get the undoubled size.
    uint32_t rcvbuf = 0;
    uint32_t sndbuf = 0;
    bool nodelay = false;   // TCP_NODELAY (stored; Nagle comes with issue 4)
    uint16_t user_mss = 0;  // TCP_MAXSEG; 0: not set
    int keepidle = 7200;    // TCP_KEEPIDLE seconds (Linux tcp_keepalive_time)
    int keepintvl = 75;     // TCP_KEEPINTVL (tcp_keepalive_intvl)
    int keepcnt = 9;        // TCP_KEEPCNT (tcp_keepalive_probes)
    char congestion[kCongestionNameMax] = {};  // TCP_CONGESTION
    // SO_RCVTIMEO / SO_SNDTIMEO: how long a blocking receive or send waits (nullopt: without
    // limit, Linux's MAX_SCHEDULE_TIMEOUT). Python's settimeout(), when set, takes precedence.
    Timeout rcvtimeo;
    Timeout sndtimeo;
    // IP_TTL (nullopt: the stack's default, Linux's -1) and IP_TOS, for datagram sockets.
    std::optional<uint8_t> ip_ttl;
    uint8_t ip_tos = 0;
};

// MSG_PEEK support for stream sockets. The TCP layer cannot peek, so peeked data is taken out of
// it into this stash and later reads are served from it first. Allocated on the first MSG_PEEK
// of a socket only. (The UDP layer peeks at its queue itself.)
struct PeekStash {
    ByteRing bytes;  // in-order bytes taken from the connection, not yet read
};

// The zero-copy calls in progress on a stream socket: the view recv_view() handed out (until
// recv_release() or another read), and the send buffer space send_reserve() handed out (until
// send_commit() or another send).
struct ZeroCopyState {
    size_t view_len = 0;          // bytes in the view handed out
    bool view_from_stash = false;  // the view shows the MSG_PEEK stash, not the connection
    size_t reserved_len = 0;       // bytes of send space handed out
    const std::byte* reserved_at = nullptr;  // where they start (stale-reservation check)
};

struct SocketSlot {
    uint32_t generation = 0;
    bool open = false;
    bool stream = true;  // SOCK_STREAM (TCP) or SOCK_DGRAM (UDP)
    Timeout timeout;     // Python's settimeout(): nullopt blocks
    SocketOptions opts;
    uint8_t user_shutdown = 0;  // the sk_shutdown bits set by shutdown()

    // Local address. TCP: bind() or the port connect()/listen() chose, held in the PortTable.
    bool bound = false;          // holds a port
    bool explicit_bind = false;  // bind() named the port (Linux SOCK_BINDPORT_LOCK): kept on failure
    Ipv4Address bind_addr;       // the address bind() was given (0.0.0.0 otherwise)
    SocketAddress local;         // what getsockname() shows while there is no connection
    uint32_t port_holder = PortTable::kNone;
    int sk_err = 0;  // an error the socket layer itself raised (tcp_disconnect), read once

    // TCP.
    TcpPhase phase = TcpPhase::kIdle;
    TcpHandle conn;
    TcpListenHandle listener;
    bool error_reported = false;  // the connection's error was handed out (sk_err reads once)
    bool nospace = false;         // a send found the buffer full (Linux SOCK_NOSPACE)
    uint64_t accepted = 0;        // connections accept() returned (edge-triggered polling)

    // UDP.
    bool udp_open = false;
    UdpSocketId udp;
    std::optional<SocketAddress> peer;  // connect(): default destination and source filter
    uint64_t udp_reads = 0;             // datagrams taken (edge-triggered polling)

    std::unique_ptr<PeekStash> stash;
    ZeroCopyState zc;
};

}  // namespace tachyon
