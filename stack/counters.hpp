// Per-stack counters: packets and bytes in and out, and every drop by its reason. Plain uint64
// fields (the stack is single-threaded) listed once in an X-macro so that printing them, e.g. by
// `tachyon stat`, cannot forget one.
#pragma once

#include <cstdint>

namespace tachyon {

// X(name, "what it counts")
#define TACHYON_STACK_COUNTERS(X)                                                        \
    X(rx_frames, "frames received from the device")                                    \
    X(rx_bytes, "bytes received from the device")                                      \
    X(tx_frames, "frames the device accepted")                                         \
    X(tx_bytes, "bytes the device accepted")                                           \
    X(eth_truncated, "frames shorter than an Ethernet header")                         \
    X(eth_not_for_us, "frames for another MAC address")                                \
    X(eth_bad_ethertype, "frames of an ethertype we do not speak")                     \
    X(arp_rx, "ARP packets received")                                                  \
    X(arp_bad, "ARP packets truncated or with wrong types/sizes/addresses")            \
    X(arp_unsupported, "ARP packets with an operation other than request/reply")       \
    X(arp_conflict, "ARP packets claiming our own address or MAC")                     \
    X(arp_requests_sent, "ARP requests sent (including retries and announcements)")    \
    X(arp_replies_sent, "ARP replies sent")                                            \
    X(arp_resolved, "neighbours resolved")                                             \
    X(arp_failed, "resolutions given up after the last retry")                         \
    X(arp_expired, "cache entries expired")                                            \
    X(arp_evicted, "cache entries evicted to make room")                               \
    X(arp_unresolved, "packets dropped because their next hop did not resolve")        \
    X(arp_pending_full, "packets dropped because the resolution queue was full")       \
    X(ip_rx, "IPv4 packets received")                                                  \
    X(ip_bad_version, "IPv4 packets with version != 4")                                \
    X(ip_bad_header, "IPv4 packets with a bad header length")                          \
    X(ip_bad_length, "IPv4 packets truncated or with a bad total length")              \
    X(ip_bad_checksum, "IPv4 packets with a bad header checksum")                      \
    X(ip_bad_src, "IPv4 packets from a broadcast, multicast or our own address")       \
    X(ip_not_for_us, "IPv4 packets for another address")                               \
    X(ip_tx, "IPv4 packets sent")                                                      \
    X(route_lookups, "IPv4 packets routed and their neighbour looked up (not from a cache)") \
    X(frag_rx, "IPv4 fragments received")                                              \
    X(frag_tx, "IPv4 fragments sent (datagrams over the MTU, UDP)")                    \
    X(frag_reassembled, "datagrams reassembled from fragments")                        \
    X(frag_bad, "fragments with a bad length or offset, or inconsistent with others")  \
    X(frag_overlap, "datagrams dropped for overlapping fragments")                     \
    X(frag_dropped, "fragments or datagrams dropped at the reassembly bounds")         \
    X(frag_timeout, "datagrams dropped at the reassembly timeout")                     \
    X(icmp_rx, "ICMP messages received")                                               \
    X(icmp_bad, "ICMP messages truncated or with a bad checksum")                      \
    X(icmp_unsupported, "ICMP messages of a type we do not handle")                    \
    X(icmp_echo_rx, "echo requests received")                                          \
    X(icmp_echo_ignored, "echo requests to a broadcast address ignored")               \
    X(icmp_echo_reply_tx, "echo replies sent")                                         \
    X(icmp_echo_tx, "echo requests sent")                                              \
    X(icmp_echo_reply_rx, "echo replies received")                                     \
    X(icmp_echo_reply_queue_full, "echo replies dropped because the queue was full")   \
    X(icmp_unreachable_rx, "destination unreachable messages received")                \
    X(icmp_unreachable_tx, "destination unreachable messages sent")                    \
    X(icmp_time_exceeded_rx, "time exceeded messages received")                        \
    X(icmp_error_bad_quote, "ICMP errors not about a datagram we sent, or quoting too little") \
    X(icmp_error_no_handler, "ICMP errors about a protocol without a handler")         \
    X(icmp_time_exceeded_tx, "time exceeded messages sent (fragment reassembly timeout)") \
    X(icmp_rate_limited, "ICMP errors not sent because of the rate limit")             \
    X(udp_rx, "UDP datagrams received")                                                \
    X(udp_bad_length, "UDP datagrams truncated or with a bad length")                  \
    X(udp_bad_checksum, "UDP datagrams with a bad checksum")                           \
    X(udp_no_port, "UDP datagrams to a port nobody bound")                             \
    X(udp_queue_full, "UDP datagrams dropped because the socket queue was full")       \
    X(udp_tx, "UDP datagrams sent")                                                    \
    X(udp_icmp_errors, "ICMP errors about datagrams a UDP socket sent")                 \
    X(udp_icmp_no_socket, "ICMP errors about UDP datagrams from a port nobody holds")  \
    X(no_handler, "IPv4 packets of a protocol without a handler")                      \
    X(no_route, "packets dropped for want of a route")                                 \
    X(tx_too_big, "packets dropped because they exceed the MTU")                       \
    X(tx_no_headroom, "packets dropped for want of headroom for the headers")          \
    X(tx_queue_full, "frames dropped because the TX queue was full")                   \
    X(pool_exhausted, "buffer allocations that failed")

struct StackCounters {
#define TACHYON_COUNTER_FIELD(name, help) uint64_t name = 0;
    TACHYON_STACK_COUNTERS(TACHYON_COUNTER_FIELD)
#undef TACHYON_COUNTER_FIELD

    // Calls fn(const char* name, uint64_t value) for every counter, in declaration order.
    template <typename Fn>
    void for_each(Fn&& fn) const {
#define TACHYON_COUNTER_VISIT(name, help) fn(#name, name);
        TACHYON_STACK_COUNTERS(TACHYON_COUNTER_VISIT)
#undef TACHYON_COUNTER_VISIT
    }

    // Calls fn(name, help, value) for every counter.
    template <typename Fn>
    void for_each_described(Fn&& fn) const {
#define TACHYON_COUNTER_VISIT(name, help) fn(#name, help, name);
        TACHYON_STACK_COUNTERS(TACHYON_COUNTER_VISIT)
#undef TACHYON_COUNTER_VISIT
    }
};

}  // namespace tachyon
