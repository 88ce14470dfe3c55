// ICMPv4 (RFC 792) in the stack: echo replies to echo requests, destination unreachable and
// reassembly time exceeded errors (rate limited like Linux's icmp_msgs_per_sec), echo requests for
// the application with a bounded queue of the replies that come back (what `tachyon ping` is built
// on), and the errors that arrive, checked and handed back for the transport that sent the
// datagram they quote.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "lib/packet.hpp"
#include "lib/result.hpp"
#include "lib/fixed_ring.hpp"
#include "stack/icmp_error.hpp"
#include "stack/ipv4_output.hpp"
#include "stack/stack_core.hpp"
#include "stack/token_bucket.hpp"
#include "stack/wire/icmpv4.hpp"
#include "stack/wire/ipv4.hpp"

namespace tachyon {

struct EchoReply {
    Ipv4Address src;
    uint16_t ident = 0;
    uint16_t seq_no = 0;
    uint16_t payload_len = 0;
    uint8_t ttl = 0;
    bool payload_ok = false;  // the payload is the pattern send_ping() writes
    Instant received_at;      // the time of the poll step that received it
};

class IcmpLayer {
public:
    // RFC 1812 section 4.3.2.3: an error quotes as much of the datagram as fits in 576 bytes.
    static constexpr size_t kMaxQuote = 576 - 20 - Icmpv4Packet::kHeaderLen;

    IcmpLayer(StackCore& core, Ipv4Output& out, const IcmpConfig& config);

    // An ICMP message for us: pkt's data is the ICMP header onwards. A destination unreachable or
    // time exceeded message about a datagram we sent comes back as the IcmpError the IP layer
    // hands to the datagram's protocol (its transport bytes point into pkt).
    std::optional<IcmpError> input(const Ipv4Repr& ip, const Packet& pkt);
    // Sends an echo request whose payload is payload_len bytes of a fixed pattern (byte i = i mod
    // 256), in IPv4 fragments over the MTU as Linux's ping (DF otherwise). EMSGSIZE above
    // kMaxPayload, EHOSTUNREACH without a route, ENOBUFS without buffers.
    static constexpr size_t kMaxPayload = 65535 - 20 - Icmpv4Packet::kHeaderLen;
    Result<void> send_ping(Ipv4Address dst, uint16_t ident, uint16_t seq_no, size_t payload_len);
    std::optional<EchoReply> pop_echo_reply();
    size_t echo_replies_queued() const { return replies_.size(); }

    // Destination unreachable about `original` (the offending datagram from its IPv4 header on),
    // unless RFC 1122 section 3.2.2 forbids it or the rate limit says no.
    void send_unreachable(Icmpv4Unreachable code, const Ipv4Repr& ip, std::span<const std::byte> original);
    // Time Exceeded (RFC 792) code 1, "fragment reassembly time exceeded": a datagram's reassembly
    // timed out after its first fragment came (RFC 1122 3.3.2). `first` is that fragment's header,
    // `original` the fragment from its IPv4 header on. Same conditions and rate limit as above.
    void send_reassembly_timeout(const Ipv4Repr& first, std::span<const std::byte> original);

    static bool has_pattern(std::span<const std::byte> payload);

private:
    void echo_request(const Ipv4Repr& ip, const Icmpv4Repr& icmp);
    void echo_reply(const Ipv4Repr& ip, const Icmpv4Repr& icmp);
    std::optional<IcmpError> error_about_ours(const Icmpv4Repr& icmp);
    // In IPv4 fragments when it is larger than the MTU (an echo reply to a fragmented request).
    int send(const Icmpv4Repr& icmp, Ipv4Address dst, uint8_t dscp, bool dont_fragment);
    // RFC 1122 3.2.2 and the rate limit: whether an error about a datagram with header ip may go.
    bool error_allowed(const Ipv4Repr& ip);

    StackCore& core_;
    Ipv4Output& out_;
    TokenBucket error_bucket_;
    FixedRing<EchoReply> replies_;
};

}  // namespace tachyon
