// UDP (RFC 768) at the stack level: a fixed table of sockets, each bound to a local port with a
// bounded queue of received datagrams; sending to (address, port). The socket API builds on this.
// Errors are errno values: EADDRINUSE, EADDRNOTAVAIL, EMSGSIZE, EHOSTUNREACH, ENOBUFS, EAGAIN, EBADF.
// A datagram larger than the path's MTU (the link's, or a smaller one "fragmentation needed"
// taught, PathMtuCache) is sent in IPv4 fragments.
//
// Zero-copy both ways: a received datagram is kept as the Packet it arrived in (trimmed to its
// payload) and take() hands that Packet out; send_packet() puts the header in front of a payload
// the caller wrote into a TX buffer and sends that very buffer.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "lib/packet.hpp"
#include "lib/result.hpp"
#include "lib/fixed_ring.hpp"
#include "stack/icmp.hpp"
#include "stack/icmp_error.hpp"
#include "stack/ipv4_output.hpp"
#include "stack/stack_core.hpp"
#include "stack/wire/udp.hpp"

namespace tachyon {

struct UdpEndpoint {
    Ipv4Address addr;
    uint16_t port = 0;
    bool operator==(const UdpEndpoint&) const = default;
};

// A socket handle; a stale one (closed, slot reused) is refused with EBADF.
struct UdpSocketId {
    uint32_t index = 0;
    uint32_t generation = 0;
    bool operator==(const UdpSocketId&) const = default;
};

// A datagram handed out whole (take()): its payload in the buffer it arrived in.
struct UdpPacket {
    Packet payload;
    UdpEndpoint from;
};

// Per-socket IP fields of outgoing datagrams (IP_TTL, IP_TOS).
struct UdpTxOptions {
    std::optional<uint8_t> ttl;  // nullopt: the stack's default TTL
    uint8_t tos = 0;             // the whole TOS byte (DSCP and ECN), as Linux's IP_TOS for UDP
};

struct UdpReceived {
    size_t len = 0;           // bytes copied into the caller's buffer
    size_t datagram_len = 0;  // the datagram's payload length (> len: truncated, as MSG_TRUNC)
    UdpEndpoint from;
};

class UdpLayer {
public:
    UdpLayer(StackCore& core, Ipv4Output& out, IcmpLayer& icmp, const UdpConfig& config);

    // Binds local (addr unspecified or ours; port 0 picks a free ephemeral port at random).
    Result<UdpSocketId> bind(UdpEndpoint local);
    Result<void> close(UdpSocketId id);
    // The largest datagram payload: 65,535 bytes less the IPv4 and UDP headers. Above
    // the path's MTU it goes in IPv4 fragments (as Linux with IP_PMTUDISC_WANT).
    static constexpr size_t kMaxDatagramPayload = 65535 - 20 - UdpDatagram::kHeaderLen;

    // One datagram to `to`, from the socket's port.
    Result<void> send_to(UdpSocketId id, UdpEndpoint to, std::span<const std::byte> payload);
    Result<void> send_to(UdpSocketId id, UdpEndpoint to, std::span<const std::byte> payload,
                         const UdpTxOptions& options);
    // Zero-copy send: payload holds just the payload, with headroom for the UDP, IPv4 and
    // Ethernet headers (a buffer from the stack's alloc_tx()); the header goes in front of it in
    // place and the buffer itself is sent. EINVAL without the headroom; EMSGSIZE above
    // max_payload() (one buffer is one unfragmented datagram).
    Result<void> send_packet(UdpSocketId id, UdpEndpoint to, Packet payload, const UdpTxOptions& options = {});
    // The oldest queued datagram, copied into out; EAGAIN when none.
    Result<UdpReceived> recv_from(UdpSocketId id, std::span<std::byte> out);
    // The same without dequeuing it (MSG_PEEK).
    Result<UdpReceived> peek_from(UdpSocketId id, std::span<std::byte> out) const;
    // Zero-copy receive: the oldest queued datagram's buffer itself; EAGAIN when none. The
    // buffer goes back to its pool when the caller drops the Packet.
    Result<UdpPacket> take(UdpSocketId id);
    Result<UdpEndpoint> local_endpoint(UdpSocketId id) const;
    size_t queued(UdpSocketId id) const;
    uint64_t drops(UdpSocketId id) const;  // datagrams this socket lost to a full queue
    size_t max_payload() const { return out_.max_payload() - UdpDatagram::kHeaderLen; }  // in one packet
    size_t capacity() const { return sockets_.size(); }  // socket indexes are below this

    // Called whenever a datagram is queued for socket id (the socket layer's Poller ready list).
    using RxHook = void (*)(void* ctx, UdpSocketId id);
    void set_rx_hook(RxHook hook, void* ctx) {
        rx_hook_ = hook;
        rx_ctx_ = ctx;
    }

    // Called for an ICMP error about a datagram socket id sent to `to` (whether the socket is
    // connected to `to`, and so hears of it, is the layer above's rule: Linux tells only those).
    using ErrorHook = void (*)(void* ctx, UdpSocketId id, UdpEndpoint to, const IcmpErrorMeaning& meaning);
    void set_error_hook(ErrorHook hook, void* ctx) {
        error_hook_ = hook;
        error_ctx_ = ctx;
    }
    // An ICMP error quoting a UDP datagram we sent (RFC 1122 4.1.3.3: passed to the application).
    void icmp_error(const IcmpError& error);
    // A UDP datagram for us; pkt's data starts at the UDP header, ip_header_len bytes after the
    // IPv4 header (still in the buffer's headroom, for an ICMP error to quote).
    void input(const Ipv4Repr& ip, size_t ip_header_len, Packet pkt);

private:
    struct Queued {
        Packet payload;  // a stack-owned buffer holding just the payload
        UdpEndpoint from;
    };
    struct Socket {
        bool open = false;
        uint32_t generation = 0;
        UdpEndpoint local;
        uint64_t drops = 0;
        FixedRing<Queued> queue;
    };

    Socket* lookup(UdpSocketId id);
    const Socket* lookup(UdpSocketId id) const;
    Result<uint16_t> pick_ephemeral_port();
    bool verify(const Ipv4Repr& ip, const UdpDatagram& d, const Packet& pkt);
    Packet own_payload(Packet pkt, std::span<const std::byte> payload);
    static Packet payload_in_place(Packet pkt, std::span<const std::byte> payload);
    void port_unreachable(const Ipv4Repr& ip, size_t ip_header_len, Packet& pkt);
    Result<void> transmit(Packet datagram, UdpEndpoint to, const UdpTxOptions& options);
    Result<void> send_fragmented(const Socket& s, UdpEndpoint to, std::span<const std::byte> payload,
                                 const UdpTxOptions& options, uint16_t mtu);
    Ipv4Repr ip_header(UdpEndpoint to, const UdpTxOptions& options) const;
    uint16_t owner_of(uint16_t port, Ipv4Address addr) const;

    StackCore& core_;
    Ipv4Output& out_;
    IcmpLayer& icmp_;
    UdpConfig config_;
    std::vector<Socket> sockets_;
    std::vector<uint16_t> port_owner_;  // port -> socket index + 1, 0 when free
    std::vector<uint32_t> free_;        // free socket indexes
    RxHook rx_hook_ = nullptr;
    void* rx_ctx_ = nullptr;
    ErrorHook error_hook_ = nullptr;
    void* error_ctx_ = nullptr;
};

}  // namespace tachyon
