// The TCP bind table of a socket layer: which sockets hold which local port, and which
// connections still hold one after their socket closed (FIN-WAIT, LAST-ACK, TIME-WAIT ...), with
// Linux's conflict rule for bind() and listen() (inet_csk_bind_conflict, without SO_REUSEPORT):
// two holders of one port conflict when their addresses overlap (equal, or either is 0.0.0.0)
// unless both set SO_REUSEADDR and the one already there is not listening.
//
// The TCP layer only knows listeners and connections; a socket that is bound but neither
// listening nor connected exists here alone, which is why the socket layer keeps this table.
// Bounded: capacity holders, allocated at construction; lists per port, never a table scan. A
// closed socket's holder stays until the TCP layer says its connection's tuple is free
// (TcpLayer::set_released_hook): no holder is ever dead while in the table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "lib/random.hpp"
#include "lib/result.hpp"
#include "stack/wire/ipv4_address.hpp"

namespace tachyon {

class PortTable {
public:
    static constexpr uint32_t kNone = UINT32_MAX;

    struct Claim {
        Ipv4Address addr;  // 0.0.0.0: every local address
        uint16_t port = 0;
        bool reuse = false;         // SO_REUSEADDR
        bool explicit_bind = true;  // false: a port connect() chose (shareable by 4-tuple)
    };

    explicit PortTable(size_t capacity);

    // bind(): a new holder after the conflict check. EADDRINUSE on conflict, ENOBUFS when full.
    Result<uint32_t> bind(const Claim& c);
    // A new holder without a conflict check: a port connect() chose (the TCP layer checked the
    // 4-tuple) or an accepted connection on its listener's port.
    Result<uint32_t> add(const Claim& c);
    // A port of [low, high] that nobody holds, searched from a random start; nullopt if none.
    std::optional<uint16_t> free_port(uint16_t low, uint16_t high, Random& random);
    // Whether connect() may put a connection on this port: nobody holds it, or only holders that
    // connect() chose themselves (then the TCP layer decides by the 4-tuple, as Linux's
    // __inet_hash_connect does).
    bool shareable_for_connect(uint16_t port);
    // listen(): whether holder h, once listening, would conflict with another holder.
    bool listen_conflict(uint32_t h);
    void set_listening(uint32_t h, bool on);
    void set_reuse(uint32_t h, bool on);
    // The holder's socket closes but its connection lives on (FIN-WAIT, TIME-WAIT ...): the port
    // stays held, on the connection's local address, until release() when the tuple is free.
    void orphan(uint32_t h, Ipv4Address local);
    void release(uint32_t h);

    uint16_t port(uint32_t h) const { return holders_[h].port; }
    size_t in_use() const { return in_use_; }
    size_t capacity() const { return holders_.size(); }

private:
    struct Holder {
        Ipv4Address addr;
        uint16_t port = 0;
        bool used = false;
        bool reuse = false;
        bool explicit_bind = true;
        bool listening = false;
        uint32_t prev = kNone;
        uint32_t next = kNone;
    };

    static bool overlap(Ipv4Address a, Ipv4Address b) {
        return a.is_unspecified() || b.is_unspecified() || a == b;
    }
    static bool conflict(const Holder& existing, Ipv4Address addr, bool reuse);
    Result<uint32_t> insert(const Claim& c);
    void unlink(uint32_t h);

    std::vector<Holder> holders_;
    std::vector<uint32_t> heads_;  // per port: first holder or kNone
    std::vector<uint32_t> free_;
    size_t in_use_ = 0;
};

}  // namespace tachyon
