// Zero-copy datagram send: the application writes its payload straight into a TX buffer of the
// stack (or of the device, when it lends its own), and the socket layer puts the UDP header in
// front of it in place and hands the same buffer to IPv4 and the device. Nothing is copied.
//
// The layers below offer no zero-copy path yet for the rest: UdpLayer keeps received datagrams
// private and copies them out (recv_from), and TcpLayer copies into and out of its byte rings.
#include <cerrno>

#include "stack/socket/socket_layer.hpp"
#include "stack/wire/udp.hpp"

namespace tachyon {

Result<Packet> SocketLayer::alloc_datagram(SocketId id) {
    const SocketSlot* s = slot(id);
    if (s == nullptr) return Result<Packet>::fail(EBADF);
    if (s->stream) return Result<Packet>::fail(EOPNOTSUPP, "zero-copy send is for datagram sockets");
    Packet pkt = stack_.alloc_tx();
    if (!pkt) return Result<Packet>::fail(ENOBUFS);
    if (pkt.headroom() < StackCore::kLinkAndIpHeaders + UdpDatagram::kHeaderLen) {
        return Result<Packet>::fail(ENOBUFS, "TX buffer without room for the UDP header");
    }
    return pkt;
}

Result<void> SocketLayer::send_datagram(SocketId id, Packet payload, std::optional<SocketAddress> to) {
    SocketSlot* s = slot(id);
    if (s == nullptr) return Result<void>::fail(EBADF);
    if (s->stream) return Result<void>::fail(EOPNOTSUPP);
    if (!payload) return Result<void>::fail(EINVAL);
    // The same checks, in the same order, as udp_send_once.
    if ((s->user_shutdown & kSendShutdown) != 0) return Result<void>::fail(EPIPE);
    if (!to) {
        if (!s->peer) return Result<void>::fail(EDESTADDRREQ);
        to = s->peer;
    }
    if (to->port == 0) return Result<void>::fail(EINVAL);
    if (Result<void> r = udp_autobind(*s); !r) return r;
    const std::optional<Ipv4Address> src = stack_.source_for(to->addr);
    if (!src) return Result<void>::fail(ENETUNREACH);
    if (payload.size() > stack_.udp().max_payload()) return Result<void>::fail(EMSGSIZE);
    const size_t len = payload.size();
    if (payload.prepend(UdpDatagram::kHeaderLen) == nullptr) {
        return Result<void>::fail(EINVAL, "not a buffer from alloc_datagram()");
    }
    UdpDatagram d(payload.bytes());
    // The payload already lies in place behind the header: emit() writes header and checksum only.
    const UdpRepr udp{s->local.port, to->port, payload.bytes().subspan(UdpDatagram::kHeaderLen, len)};
    udp.emit(d, *src, to->addr, stack_.l4_checksum_mode());
    stack_.send_ipv4(std::move(payload), Ipv4Repr{.src_addr = *src,
                                                 .dst_addr = to->addr,
                                                 .protocol = static_cast<uint8_t>(IpProtocol::kUdp),
                                                 .dont_fragment = true});
    return {};
}

}  // namespace tachyon
