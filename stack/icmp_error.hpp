// An ICMP error (destination unreachable, time exceeded) about a datagram this host sent, as the
// transport protocol that sent it needs it (RFC 1122 4.1.3.3 for UDP, 4.2.3.9 for TCP), and what
// it means for a socket: the errno it reports and whether RFC 1122 makes it a hard error.
#pragma once

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/wire/icmpv4.hpp"
#include "stack/wire/ipv4.hpp"

namespace tachyon {

// The IP layer has checked that the quoted datagram came from our address, is not a later
// fragment and carries at least the first 8 bytes of its transport header (RFC 792); whether it
// belongs to a live flow (and, for TCP, to a sequence number in flight, RFC 5927) is the
// protocol's check.
struct IcmpError {
    Icmpv4Type type = Icmpv4Type::kDstUnreachable;
    uint8_t code = 0;
    uint16_t next_hop_mtu = 0;  // fragmentation needed (RFC 1191 section 4); 0: the router gave none
    uint8_t protocol = 0;       // the quoted datagram's
    Ipv4Address local;          // its source: this host
    Ipv4Address remote;         // its destination
    std::span<const std::byte> transport;  // its transport header, at least 8 bytes

    bool fragmentation_needed() const {
        return type == Icmpv4Type::kDstUnreachable && code == static_cast<uint8_t>(Icmpv4Unreachable::kFragRequired);
    }
};

struct IcmpErrorMeaning {
    int error = EHOSTUNREACH;
    bool hard = false;  // RFC 1122 3.2.2.1 / 4.2.3.9: the destination will not be reached
};

// Linux's icmp_err_convert: destination unreachable code by code (RFC 792, RFC 1122 3.2.2.1, RFC
// 1812 5.2.7.1); time exceeded is a soft EHOSTUNREACH.
inline IcmpErrorMeaning icmp_error_meaning(const IcmpError& e) {
    static constexpr std::array<IcmpErrorMeaning, 16> kUnreachable{{
        {ENETUNREACH, false},   // 0 net unreachable
        {EHOSTUNREACH, false},  // 1 host unreachable
        {ENOPROTOOPT, true},    // 2 protocol unreachable
        {ECONNREFUSED, true},   // 3 port unreachable
        {EMSGSIZE, true},       // 4 fragmentation needed and DF set
        {EOPNOTSUPP, false},    // 5 source route failed
        {ENETUNREACH, true},    // 6 destination network unknown
        {EHOSTDOWN, true},      // 7 destination host unknown
        {ENONET, true},         // 8 source host isolated
        {ENETUNREACH, true},    // 9 network administratively prohibited
        {EHOSTUNREACH, true},   // 10 host administratively prohibited
        {ENETUNREACH, false},   // 11 network unreachable for the type of service
        {EHOSTUNREACH, false},  // 12 host unreachable for the type of service
        {EHOSTUNREACH, true},   // 13 communication administratively prohibited
        {EHOSTUNREACH, true},   // 14 host precedence violation
        {EHOSTUNREACH, true},   // 15 precedence cutoff in effect
    }};
    if (e.type == Icmpv4Type::kDstUnreachable && e.code < kUnreachable.size()) return kUnreachable[e.code];
    return {};
}

}  // namespace tachyon
