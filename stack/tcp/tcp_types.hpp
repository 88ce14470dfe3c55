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

// The tables' index hash of a tuple: a keyed multiply-fold (as wyhash's mum), cheap, and
// unpredictable without the key, so that a peer cannot aim its tuples at one bucket.
inline uint64_t tuple_hash(const TcpTuple& t, uint64_t key0, uint64_t key1) {
    __extension__ typedef unsigned __int128 u128;
    const uint64_t a = ((uint64_t{t.local_addr.value} << 32) | t.remote_addr.value) ^ key0;
    const uint64_t b = ((uint64_t{t.local_port} << 16) | t.remote_port) ^ key1;
    const u128 m = static_cast<u128>(a) * b;
    return static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
}

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
