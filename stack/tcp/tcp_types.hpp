// Small value types of the TCP layer's interface: endpoints, the 4-tuple, and the handles by which
// the socket API names connections and listeners (index + generation, never raw pointers, so a
// stale handle is detected instead of reaching a reused slot).
#pragma once

#include <cstdint>

#include "stack/wire/ipv4_address.hpp"

namespace tachyon {

struct TcpEndpoint {
    Ipv4Address addr;
    uint16_t port = 0;
    bool operator==(const TcpEndpoint&) const = default;
};

// A connection's identity (RFC 9293 3.3.1: the pair of sockets), from our side.
struct TcpTuple {
    Ipv4Address local_addr;
    uint16_t local_port = 0;
    Ipv4Address remote_addr;
    uint16_t remote_port = 0;
    bool operator==(const TcpTuple&) const = default;
};

struct TcpHandle {
    uint32_t index = 0;
    uint32_t generation = 0;  // 0 never names a live connection
    bool valid() const { return generation != 0; }
    bool operator==(const TcpHandle&) const = default;
};

struct TcpListenHandle {
    uint32_t index = 0;
    uint32_t generation = 0;
    bool valid() const { return generation != 0; }
    bool operator==(const TcpListenHandle&) const = default;
};

}  // namespace tachyon
