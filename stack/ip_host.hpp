// The contract between the IP layer of a Stack and the transport protocols above it (TCP; UDP and
// ICMP live in the stack itself). TCP is written against these two interfaces only, so its
// segment-level tests drive it through a small fake host without a Stack or a Device.
#pragma once

#include <optional>

#include "lib/packet.hpp"
#include "lib/random.hpp"
#include "lib/time.hpp"
#include "lib/timer_wheel.hpp"
#include "stack/icmp_error.hpp"
#include "stack/route_cache.hpp"
#include "stack/wire/checksum_mode.hpp"
#include "stack/wire/ipv4.hpp"

namespace tachyon {

// What a transport protocol may ask of its stack.
class IpHost {
public:
    // The time of the current poll step (read once per step from the stack's Clock). A plain read
    // of the host's variable, not a virtual call: TCP asks for it several times per segment.
    Instant now() const { return *now_; }
    virtual Random& random() = 0;
    virtual TimerWheel& timers() = 0;
    // A packet from the stack's pool, empty, with headroom for the IPv4 and Ethernet headers;
    // an empty handle when the pool is exhausted (the stack counts it).
    virtual Packet alloc_tx() = 0;
    // pkt holds the transport header and payload, its checksum written per l4_checksum_mode().
    // The stack prepends IPv4 (from ip; payload_len is taken from pkt) and Ethernet, resolves the
    // next hop by ARP (queueing while it resolves) and batches the frame for transmission. A
    // connection passes its RouteCache (always with the same ip but for payload_len), and its
    // packets then skip the route and ARP look-ups while the cache is valid; nullptr for others.
    virtual void send_ipv4(Packet pkt, const Ipv4Repr& ip, RouteCache* route) = 0;
    // kOffload when the device computes TCP/UDP checksums (emit the pseudo-header sum only).
    virtual ChecksumMode l4_checksum_mode() const = 0;
    // The local address to use towards dst (the interface address), nullopt when unroutable.
    virtual std::optional<Ipv4Address> source_for(Ipv4Address dst) const = 0;
    virtual bool is_local(Ipv4Address a) const = 0;
    // Largest IP packet the device carries (MTU), for the MSS.
    virtual uint16_t mtu() const = 0;
    // The largest IP packet that reaches dst: what "fragmentation needed" taught (PathMtuCache),
    // else mtu(). A connection's send MSS takes it.
    virtual uint16_t path_mtu(Ipv4Address dst) const = 0;
    // "Fragmentation needed" said dst's path takes at most mtu (RFC 1191; below 552 taken as 552):
    // kept for later connections.
    virtual void lower_path_mtu(Ipv4Address dst, uint16_t mtu) = 0;
    // The TTL of packets that ask for none of their own (StackConfig::ttl).
    virtual uint8_t default_ttl() const = 0;

protected:
    // now: the host's current time, which it keeps up to date for as long as it lives.
    explicit IpHost(const Instant& now) : now_(&now) {}
    ~IpHost() = default;

private:
    const Instant* now_;
};

// A transport protocol as the IP layer sees it.
class IpProtocolHandler {
public:
    // ip is the validated, reassembled header; pkt's data starts at the transport header and ends
    // at the end of the IP payload (padding removed). Checksums not yet verified, except that
    // pkt.meta().rx_flags may say the device already did.
    virtual void input(const Ipv4Repr& ip, Packet pkt) = 0;
    // The application's turn since the last poll step is over: called at the start of every poll
    // step, before the receive burst. What the protocol held back for the application to carry
    // (an ACK its answer would have taken along) goes out now.
    virtual void end_turn() {}
    // An ICMP error about a datagram of this protocol (stack/icmp_error.hpp).
    virtual void icmp_error(const IcmpError& error) = 0;

protected:
    ~IpProtocolHandler() = default;
};

}  // namespace tachyon
