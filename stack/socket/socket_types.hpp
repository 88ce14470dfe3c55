// Small value types of the socket API: addresses, socket ids, timeouts, the idle hook and the
// configuration of a SocketLayer. Constants (AF_INET, SOCK_STREAM, SO_*, TCP_*, MSG_*, SHUT_*,
// EPOLL*) are the Linux ones from the system headers, as Python's socket module exposes them.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <system_error>

#include "lib/time.hpp"
#include "stack/tcp/tcp_config.hpp"
#include "stack/wire/ipv4_address.hpp"

namespace tachyon {

// Python's (host, port) pair for AF_INET.
struct SocketAddress {
    Ipv4Address addr;
    uint16_t port = 0;

    std::string to_string() const;  // "10.0.0.1:80"
    bool operator==(const SocketAddress&) const = default;
};

// Names a slot of a SocketLayer's table; a stale id (closed, slot reused) is refused with EBADF.
struct SocketId {
    uint32_t index = 0;
    uint32_t generation = 0;  // 0 never names an open socket
    bool valid() const { return generation != 0; }
    bool operator==(const SocketId&) const = default;
};

// Python's settimeout() value: nullopt blocks without limit, zero is non-blocking, anything else
// is the longest a call waits before it gives up.
using Timeout = std::optional<Duration>;

// struct linger: on with zero seconds makes close() abort the connection with RST.
struct Linger {
    bool on = false;
    int seconds = 0;
    bool operator==(const Linger&) const = default;
};

// What a blocking call does when a poll of its stack found no work (DESIGN.md "Execution model").
enum class IdleStrategy : uint8_t {
    kBusyPoll,  // poll again at once: lowest latency, one core spinning
    kBackoff,   // sleep backoff_sleep (or until the next deadline, if sooner): for small machines
};

// Handed to the idle hook: what the waiting call is waiting for, so that a test driving a
// ManualClock knows how far it may move time.
struct IdleWait {
    Instant now;                        // the stack's time at its last poll
    std::optional<Instant> deadline;    // when the waiting call gives up; nullopt: never
    std::optional<Instant> next_timer;  // the stack's earliest armed timer
};

// Replaces the idle strategy when set. Tests use it to poll the peer stack of a memory link and to
// advance their ManualClock, so that blocking calls make progress in one thread.
using IdleHook = std::function<void(const IdleWait&)>;

struct SocketLayerConfig {
    size_t max_sockets = 1024;  // bounded socket table (EMFILE beyond)
    TcpConfig tcp;              // for the TcpLayer the socket layer creates
    IdleStrategy idle = IdleStrategy::kBusyPoll;
    Duration backoff_sleep = Duration::from_us(50);
    // SO_RCVBUF/SO_SNDBUF ceiling before doubling (Linux net.core.rmem_max/wmem_max).
    uint32_t max_buffer = 4u << 20;
    // Congestion control reported for new sockets (TCP_CONGESTION); must be a known name.
    std::string congestion = "cubic";
};

// Thrown by the throwing forms when a call with a timeout gives up: Python's socket.timeout
// (TimeoutError "timed out"). The non-throwing forms return EAGAIN instead, as Linux does for
// SO_RCVTIMEO and Python's connect_ex() does for an expired timeout.
class SocketTimeout : public std::system_error {
public:
    SocketTimeout() : std::system_error(std::make_error_code(std::errc::timed_out)) {}
    const char* what() const noexcept override { return "timed out"; }
};

}  // namespace tachyon
