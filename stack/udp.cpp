#include "stack/udp.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "lib/checksum.hpp"
#include "stack/wire/bytes.hpp"

namespace tachyon {

UdpLayer::UdpLayer(StackCore& core, Ipv4Output& out, IcmpLayer& icmp, const UdpConfig& config)
    : core_(core), out_(out), icmp_(icmp), config_(config), port_owner_(65536, 0) {
    config_.max_sockets = std::min<size_t>(config_.max_sockets, 65535);
    sockets_.resize(config_.max_sockets);
    free_.reserve(config_.max_sockets);
    for (size_t i = config_.max_sockets; i-- > 0;) {
        sockets_[i].queue = FixedRing<Queued>(std::max<size_t>(config_.queue_len, 1));
        free_.push_back(static_cast<uint32_t>(i));
    }
}

UdpLayer::Socket* UdpLayer::lookup(UdpSocketId id) {
    if (id.index >= sockets_.size()) return nullptr;
    Socket& s = sockets_[id.index];
    return s.open && s.generation == id.generation ? &s : nullptr;
}

const UdpLayer::Socket* UdpLayer::lookup(UdpSocketId id) const { return const_cast<UdpLayer*>(this)->lookup(id); }

Result<UdpSocketId> UdpLayer::bind(UdpEndpoint local) {
    if (!local.addr.is_unspecified() && local.addr != core_.cidr.address) {
        return Result<UdpSocketId>::fail(EADDRNOTAVAIL);
    }
    if (free_.empty()) return Result<UdpSocketId>::fail(EMFILE, "no free UDP socket (UdpConfig::max_sockets)");
    if (local.port == 0) {
        Result<uint16_t> port = pick_ephemeral_port();
        if (!port) return port.error();
        local.port = *port;
    } else if (port_owner_[local.port] != 0) {
        return Result<UdpSocketId>::fail(EADDRINUSE);
    }
    const uint32_t index = free_.back();
    free_.pop_back();
    Socket& s = sockets_[index];
    s.open = true;
    s.local = local;
    s.drops = 0;
    port_owner_[local.port] = static_cast<uint16_t>(index + 1);
    return UdpSocketId{index, s.generation};
}

Result<uint16_t> UdpLayer::pick_ephemeral_port() {
    // Like Linux: a random start in the range, then the next free port upwards (wrapping).
    const uint32_t low = config_.ephemeral_low;
    const uint32_t count = config_.ephemeral_high >= low ? config_.ephemeral_high - low + 1 : 0;
    const uint32_t start = count == 0 ? 0 : static_cast<uint32_t>(core_.random.below(count));
    for (uint32_t i = 0; i < count; ++i) {
        const uint32_t port = low + (start + i) % count;
        if (port != 0 && port_owner_[port] == 0) return static_cast<uint16_t>(port);
    }
    return Result<uint16_t>::fail(EADDRINUSE, "no free ephemeral port");
}

Result<void> UdpLayer::close(UdpSocketId id) {
    Socket* s = lookup(id);
    if (s == nullptr) return Result<void>::fail(EBADF);
    s->queue.clear();
    port_owner_[s->local.port] = 0;
    s->open = false;
    ++s->generation;  // stale handles now fail with EBADF
    free_.push_back(id.index);
    return {};
}

Result<UdpEndpoint> UdpLayer::local_endpoint(UdpSocketId id) const {
    const Socket* s = lookup(id);
    if (s == nullptr) return Result<UdpEndpoint>::fail(EBADF);
    return s->local;
}

size_t UdpLayer::queued(UdpSocketId id) const {
    const Socket* s = lookup(id);
    return s == nullptr ? 0 : s->queue.size();
}

uint64_t UdpLayer::drops(UdpSocketId id) const {
    const Socket* s = lookup(id);
    return s == nullptr ? 0 : s->drops;
}

Result<void> UdpLayer::send_to(UdpSocketId id, UdpEndpoint to, std::span<const std::byte> payload) {
    return send_to(id, to, payload, UdpTxOptions{});
}

Result<void> UdpLayer::send_to(UdpSocketId id, UdpEndpoint to, std::span<const std::byte> payload,
                               const UdpTxOptions& options) {
    const Socket* s = lookup(id);
    if (s == nullptr) return Result<void>::fail(EBADF);
    if (payload.size() > kMaxDatagramPayload) return Result<void>::fail(EMSGSIZE);
    if (to.port == 0) return Result<void>::fail(EINVAL);
    if (!out_.route(to.addr)) {
        ++core_.counters.no_route;
        return Result<void>::fail(EHOSTUNREACH);
    }
    core_.refresh_now();
    // Over the path's MTU (the link's, or less where "fragmentation needed" said so): fragments.
    const uint16_t mtu = out_.path_mtu(to.addr);
    if (Ipv4Repr::buffer_len() + UdpDatagram::kHeaderLen + payload.size() > mtu) {
        return send_fragmented(*s, to, payload, options, mtu);
    }
    Packet pkt = core_.alloc_tx();
    if (!pkt) return Result<void>::fail(ENOBUFS);
    const UdpRepr udp{s->local.port, to.port, payload};
    if (pkt.append(udp.buffer_len()) == nullptr) return Result<void>::fail(EMSGSIZE);
    UdpDatagram d(pkt.bytes());
    udp.emit(d, core_.cidr.address, to.addr, out_.l4_checksum_mode());
    return transmit(std::move(pkt), to, options);
}

Result<void> UdpLayer::send_packet(UdpSocketId id, UdpEndpoint to, Packet payload, const UdpTxOptions& options) {
    const Socket* s = lookup(id);
    if (s == nullptr) return Result<void>::fail(EBADF);
    if (!payload) return Result<void>::fail(EINVAL);
    if (payload.size() > max_payload()) return Result<void>::fail(EMSGSIZE);
    if (to.port == 0) return Result<void>::fail(EINVAL);
    if (!out_.route(to.addr)) {
        ++core_.counters.no_route;
        return Result<void>::fail(EHOSTUNREACH);
    }
    const size_t len = payload.size();
    if (payload.headroom() < UdpDatagram::kHeaderLen + StackCore::kLinkAndIpHeaders ||
        payload.prepend(UdpDatagram::kHeaderLen) == nullptr) {
        return Result<void>::fail(EINVAL, "no headroom for the headers: not a buffer from alloc_tx()");
    }
    UdpDatagram d(payload.bytes());
    // The payload already lies in place behind the header: emit() writes header and checksum only.
    const UdpRepr udp{s->local.port, to.port, payload.bytes().subspan(UdpDatagram::kHeaderLen, len)};
    udp.emit(d, core_.cidr.address, to.addr, out_.l4_checksum_mode());
    return transmit(std::move(payload), to, options);
}

Result<void> UdpLayer::transmit(Packet datagram, UdpEndpoint to, const UdpTxOptions& options) {
    const int err = out_.send(std::move(datagram), ip_header(to, options));
    if (err != 0) return Result<void>::fail(err);
    ++core_.counters.udp_tx;
    return {};
}

// Over the MTU: the header with the checksum of the whole datagram, computed here (a device's
// offload would sum only the first fragment), then IPv4 cuts it into fragments.
Result<void> UdpLayer::send_fragmented(const Socket& s, UdpEndpoint to, std::span<const std::byte> payload,
                                       const UdpTxOptions& options, uint16_t mtu) {
    const auto len = static_cast<uint16_t>(UdpDatagram::kHeaderLen + payload.size());
    std::array<std::byte, UdpDatagram::kHeaderLen> header{};
    wire::store_be16(header.data(), s.local.port);
    wire::store_be16(header.data() + 2, to.port);
    wire::store_be16(header.data() + 4, len);
    uint32_t sum = pseudo_header_sum(core_.cidr.address, to.addr, static_cast<uint8_t>(IpProtocol::kUdp), len);
    sum = checksum_partial(payload, checksum_partial(header, sum));
    const uint16_t c = checksum_finish(sum);
    wire::store_be16(header.data() + 6, c == 0 ? 0xffff : c);  // zero would mean "none" (RFC 768)
    const int err = out_.send_fragmented(header, payload, ip_header(to, options), mtu);
    if (err != 0) return Result<void>::fail(err);
    ++core_.counters.udp_tx;
    return {};
}

// DF as Linux sets it with path MTU discovery on (ip_no_pmtu_disc = 0); fragments clear it.
Ipv4Repr UdpLayer::ip_header(UdpEndpoint to, const UdpTxOptions& options) const {
    return Ipv4Repr{.src_addr = core_.cidr.address,
                    .dst_addr = to.addr,
                    .protocol = static_cast<uint8_t>(IpProtocol::kUdp),
                    .ttl = options.ttl.value_or(core_.ttl),
                    .dscp_ecn = options.tos,
                    .dont_fragment = true};
}

Result<UdpReceived> UdpLayer::recv_from(UdpSocketId id, std::span<std::byte> out) {
    Result<UdpReceived> r = peek_from(id, out);
    if (r) (void)lookup(id)->queue.pop_front();  // the buffer goes back to its pool here
    return r;
}

Result<UdpReceived> UdpLayer::peek_from(UdpSocketId id, std::span<std::byte> out) const {
    const Socket* s = lookup(id);
    if (s == nullptr) return Result<UdpReceived>::fail(EBADF);
    if (s->queue.empty()) return Result<UdpReceived>::fail(EAGAIN);
    const Queued& q = s->queue.front();
    const size_t n = std::min(out.size(), q.payload.size());
    if (n != 0) std::memcpy(out.data(), q.payload.data(), n);
    return UdpReceived{n, q.payload.size(), q.from};
}

Result<UdpPacket> UdpLayer::take(UdpSocketId id) {
    Socket* s = lookup(id);
    if (s == nullptr) return Result<UdpPacket>::fail(EBADF);
    if (s->queue.empty()) return Result<UdpPacket>::fail(EAGAIN);
    Queued q = s->queue.pop_front();
    return UdpPacket{std::move(q.payload), q.from};
}

// The socket (index + 1) holding `port` for datagrams to addr, 0 when none: a socket bound to our
// address does not see broadcasts (as on Linux).
uint16_t UdpLayer::owner_of(uint16_t port, Ipv4Address addr) const {
    const uint16_t owner = port_owner_[port];
    if (owner == 0) return 0;
    const Ipv4Address bound = sockets_[owner - 1u].local.addr;
    return bound.is_unspecified() || bound == addr ? owner : 0;
}

void UdpLayer::icmp_error(const IcmpError& error) {
    // RFC 1191: later datagrams to the host go in fragments that fit (Linux's ipv4_sk_update_pmtu).
    if (error.fragmentation_needed()) {
        core_.path_mtus.lower(error.remote, error.next_hop_mtu, core_.now);
    }
    // The quoted header: source port, destination port (RFC 768).
    const uint16_t port = wire::load_be16(error.transport.data());
    const UdpEndpoint to{error.remote, wire::load_be16(error.transport.data() + 2)};
    const uint16_t owner = owner_of(port, error.local);
    if (owner == 0) {
        ++core_.counters.udp_icmp_no_socket;
        return;
    }
    ++core_.counters.udp_icmp_errors;
    const UdpSocketId id{owner - 1u, sockets_[owner - 1u].generation};
    if (error_hook_ != nullptr) error_hook_(error_ctx_, id, to, icmp_error_meaning(error));
}

void UdpLayer::input(const Ipv4Repr& ip, size_t ip_header_len, Packet pkt) {
    ++core_.counters.udp_rx;
    const UdpDatagram d(pkt.bytes());
    if (d.check() != WireError::kNone) {
        ++core_.counters.udp_bad_length;
        return;
    }
    if (!verify(ip, d, pkt)) {
        ++core_.counters.udp_bad_checksum;
        return;
    }
    const uint16_t owner = owner_of(d.dst_port(), ip.dst_addr);
    Socket* s = owner == 0 ? nullptr : &sockets_[owner - 1u];
    if (s == nullptr) {
        ++core_.counters.udp_no_port;
        port_unreachable(ip, ip_header_len, pkt);
        return;
    }
    if (s->queue.full()) {
        ++core_.counters.udp_queue_full;
        ++s->drops;
        return;
    }
    const UdpEndpoint from{ip.src_addr, d.src_port()};
    Queued q{own_payload(std::move(pkt), d.payload()), from};
    if (!q.payload) return;
    s->queue.push_back(std::move(q));
    if (rx_hook_ != nullptr) rx_hook_(rx_ctx_, UdpSocketId{owner - 1u, s->generation});
}

bool UdpLayer::verify(const Ipv4Repr& ip, const UdpDatagram& d, const Packet& pkt) {
    const uint8_t flags = pkt.meta().rx_flags;
    if (flags & PacketMeta::kRxL4CsumBad) return false;
    if (flags & PacketMeta::kRxL4CsumGood) return true;
    return d.verify_checksum(ip.src_addr, ip.dst_addr);
}

Packet UdpLayer::own_payload(Packet pkt, std::span<const std::byte> payload) {
    // A pool buffer is kept as it is. Anything else is copied into one: the device's buffer goes
    // back at once however long the application takes to read, and so does a reassembly slot,
    // unless the datagram is too big for a pool buffer and the slot has to hold it.
    if (pkt.raw()->owner == &core_.pool) return payload_in_place(std::move(pkt), payload);
    Packet copy = core_.pool.alloc();
    if (std::byte* p = copy ? copy.append(payload.size()) : nullptr) {
        if (!payload.empty()) std::memcpy(p, payload.data(), payload.size());
        return copy;
    }
    if (core_.owns(pkt)) return payload_in_place(std::move(pkt), payload);
    ++core_.counters.pool_exhausted;
    return Packet();
}

Packet UdpLayer::payload_in_place(Packet pkt, std::span<const std::byte> payload) {
    pkt.trim_front(static_cast<size_t>(payload.data() - pkt.data()));
    pkt.truncate(payload.size());
    return pkt;
}

void UdpLayer::port_unreachable(const Ipv4Repr& ip, size_t ip_header_len, Packet& pkt) {
    if (pkt.prepend(ip_header_len) == nullptr) return;
    icmp_.send_unreachable(Icmpv4Unreachable::kPortUnreachable, ip, pkt.bytes());
}

}  // namespace tachyon
