#include "stack/icmp.hpp"

#include <algorithm>
#include <array>

#include "lib/checksum.hpp"

namespace tachyon {

IcmpLayer::IcmpLayer(StackCore& core, Ipv4Output& out, const IcmpConfig& config)
    : core_(core),
      out_(out),
      error_bucket_(config.errors_per_sec, config.errors_burst, core.now),
      replies_(config.echo_reply_queue) {}

std::optional<IcmpError> IcmpLayer::input(const Ipv4Repr& ip, const Packet& pkt) {
    ++core_.counters.icmp_rx;
    const Icmpv4Packet view(pkt.bytes());
    if (view.check() != WireError::kNone) {
        ++core_.counters.icmp_bad;
        return std::nullopt;
    }
    const Parsed<Icmpv4Repr> icmp = Icmpv4Repr::parse(view);
    if (!icmp) {
        ++(icmp.error() == WireError::kUnsupported ? core_.counters.icmp_unsupported : core_.counters.icmp_bad);
        return std::nullopt;
    }
    switch (icmp->type) {
        case Icmpv4Type::kEchoRequest: echo_request(ip, *icmp); break;
        case Icmpv4Type::kEchoReply: echo_reply(ip, *icmp); break;
        case Icmpv4Type::kDstUnreachable:
            ++core_.counters.icmp_unreachable_rx;
            return error_about_ours(*icmp);
        case Icmpv4Type::kTimeExceeded:
            ++core_.counters.icmp_time_exceeded_rx;
            return error_about_ours(*icmp);
    }
    return std::nullopt;
}

// RFC 792: an error quotes the offending datagram's IP header and at least 8 bytes after it. Only
// a datagram that left this host can be answered to a transport, and only a first fragment
// (offset 0) carries the transport header that names the flow.
std::optional<IcmpError> IcmpLayer::error_about_ours(const Icmpv4Repr& icmp) {
    const std::span<const std::byte> quote = icmp.data;
    // Read only: the view's setters are never called on it.
    const Ipv4Packet original(std::span<std::byte>(const_cast<std::byte*>(quote.data()), quote.size()));
    if (quote.size() < Ipv4Packet::kMinHeaderLen || original.version() != 4 ||
        original.header_len() < Ipv4Packet::kMinHeaderLen || quote.size() < original.header_len() + 8 ||
        original.fragment_offset() != 0 || original.src_addr() != core_.cidr.address) {
        ++core_.counters.icmp_error_bad_quote;
        return std::nullopt;
    }
    return IcmpError{.type = icmp.type,
                     .code = icmp.code,
                     .next_hop_mtu = icmp.next_hop_mtu,
                     .protocol = original.protocol(),
                     .local = original.src_addr(),
                     .remote = original.dst_addr(),
                     .transport = quote.subspan(original.header_len())};
}

void IcmpLayer::echo_request(const Ipv4Repr& ip, const Icmpv4Repr& icmp) {
    ++core_.counters.icmp_echo_rx;
    // Linux's icmp_echo_ignore_broadcasts (default on): no smurf amplification.
    if (ip.dst_addr != core_.cidr.address) {
        ++core_.counters.icmp_echo_ignored;
        return;
    }
    Icmpv4Repr reply = icmp;
    reply.type = Icmpv4Type::kEchoReply;
    reply.code = 0;
    if (send(reply, ip.src_addr, ip.dscp_ecn & 0xfc, false) == 0) ++core_.counters.icmp_echo_reply_tx;
}

void IcmpLayer::echo_reply(const Ipv4Repr& ip, const Icmpv4Repr& icmp) {
    ++core_.counters.icmp_echo_reply_rx;
    EchoReply r{ip.src_addr, icmp.ident, icmp.seq_no, static_cast<uint16_t>(icmp.data.size()), ip.ttl,
                has_pattern(icmp.data), core_.now};
    if (!replies_.push_back(std::move(r))) ++core_.counters.icmp_echo_reply_queue_full;
}

namespace {

// The echo payload's pattern, byte i = i mod 256, as long as the longest payload.
constexpr auto kPattern = [] {
    std::array<std::byte, IcmpLayer::kMaxPayload> p{};
    for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::byte>(i & 0xff);
    return p;
}();

}  // namespace

Result<void> IcmpLayer::send_ping(Ipv4Address dst, uint16_t ident, uint16_t seq_no, size_t payload_len) {
    if (payload_len > kMaxPayload) return Result<void>::fail(EMSGSIZE);
    core_.refresh_now();
    // Like Linux's ping: DF set (path MTU discovery) on what fits the MTU.
    const Icmpv4Repr echo{Icmpv4Type::kEchoRequest, 0, ident, seq_no, std::span(kPattern).first(payload_len)};
    const int err = send(echo, dst, 0, true);
    if (err != 0) return Result<void>::fail(err);
    ++core_.counters.icmp_echo_tx;
    return {};
}

std::optional<EchoReply> IcmpLayer::pop_echo_reply() {
    if (replies_.empty()) return std::nullopt;
    return replies_.pop_front();
}

bool IcmpLayer::error_allowed(const Ipv4Repr& ip) {
    // RFC 1122 section 3.2.2: never about a datagram to a broadcast or multicast address, from an
    // address that is not one host, or a non-initial fragment (reassembled datagrams are whole).
    if (ip.dst_addr != core_.cidr.address || ip.src_addr.is_unspecified() || ip.src_addr.is_broadcast() ||
        ip.src_addr.is_multicast() || ip.fragment_offset != 0) {
        return false;
    }
    if (!error_bucket_.allow(core_.now)) {
        ++core_.counters.icmp_rate_limited;
        return false;
    }
    return true;
}

void IcmpLayer::send_unreachable(Icmpv4Unreachable code, const Ipv4Repr& ip, std::span<const std::byte> original) {
    if (!error_allowed(ip)) return;
    const std::span<const std::byte> quote = original.first(std::min(original.size(), kMaxQuote));
    Icmpv4Repr icmp{Icmpv4Type::kDstUnreachable, static_cast<uint8_t>(code), 0, 0, quote};
    if (send(icmp, ip.src_addr, 0, false) == 0) ++core_.counters.icmp_unreachable_tx;
}

void IcmpLayer::send_reassembly_timeout(const Ipv4Repr& first, std::span<const std::byte> original) {
    if (!error_allowed(first)) return;
    const std::span<const std::byte> quote = original.first(std::min(original.size(), kMaxQuote));
    // RFC 792: code 1 is "fragment reassembly time exceeded".
    Icmpv4Repr icmp{Icmpv4Type::kTimeExceeded, 1, 0, 0, quote};
    if (send(icmp, first.src_addr, 0, false) == 0) ++core_.counters.icmp_time_exceeded_tx;
}

int IcmpLayer::send(const Icmpv4Repr& icmp, Ipv4Address dst, uint8_t dscp, bool dont_fragment) {
    const Ipv4Repr ip{.dst_addr = dst,
                      .protocol = static_cast<uint8_t>(IpProtocol::kIcmp),
                      .ttl = core_.ttl,
                      .dscp_ecn = dscp,
                      .dont_fragment = dont_fragment};
    const uint16_t mtu = out_.path_mtu(dst);
    if (Ipv4Repr::buffer_len() + icmp.buffer_len() > mtu) {
        // The header alone, its checksum over the whole message; the data stays where it is.
        std::array<std::byte, Icmpv4Packet::kHeaderLen> header{};
        Icmpv4Packet view(header);
        Icmpv4Repr{icmp.type, icmp.code, icmp.ident, icmp.seq_no, {}, icmp.next_hop_mtu}.emit(view);
        view.set_checksum(0);
        view.set_checksum(checksum_finish(checksum_partial(icmp.data, checksum_partial(header))));
        return out_.send_fragmented(header, icmp.data, ip, mtu);
    }
    Packet pkt = core_.alloc_tx();
    if (!pkt) return ENOBUFS;
    if (pkt.append(icmp.buffer_len()) == nullptr) {
        ++core_.counters.tx_too_big;
        return EMSGSIZE;
    }
    Icmpv4Packet view(pkt.bytes());
    icmp.emit(view);
    return out_.send(std::move(pkt), ip);
}

bool IcmpLayer::has_pattern(std::span<const std::byte> payload) {
    for (size_t i = 0; i < payload.size(); ++i) {
        if (payload[i] != static_cast<std::byte>(i & 0xff)) return false;
    }
    return true;
}

}  // namespace tachyon
