#include "stack/ipv4_input.hpp"

namespace tachyon {

Ipv4Input::Ipv4Input(StackCore& core, Reassembler& reassembler, IcmpLayer& icmp, UdpLayer& udp,
                     const IpHandlerTable& handlers)
    : core_(core), reassembler_(reassembler), icmp_(icmp), udp_(udp), handlers_(handlers) {}

void Ipv4Input::input(Packet pkt) {
    ++core_.counters.ip_rx;
    const Ipv4Packet view(pkt.bytes());
    if (const WireError e = view.check(); e != WireError::kNone) {
        count(e);
        return;
    }
    const uint8_t flags = pkt.meta().rx_flags;
    if (flags & PacketMeta::kRxIpCsumBad) {
        ++core_.counters.ip_bad_checksum;
        return;
    }
    const Parsed<Ipv4Repr> ip = Ipv4Repr::parse(
        view, (flags & PacketMeta::kRxIpCsumGood) ? ChecksumCheck::kTrusted : ChecksumCheck::kVerify);
    if (!ip) {
        count(ip.error());
        return;
    }
    if (!source_ok(ip->src_addr)) {
        ++core_.counters.ip_bad_src;
        return;
    }
    if (!accepts(ip->dst_addr)) {
        ++core_.counters.ip_not_for_us;
        return;
    }
    const size_t header_len = view.header_len();
    pkt.truncate(view.total_len());  // Ethernet padding
    pkt.trim_front(header_len);
    if (!ip->is_fragment()) {
        deliver(*ip, header_len, std::move(pkt));
        return;
    }
    std::optional<Reassembler::Datagram> whole = reassembler_.add(*ip, pkt.bytes());
    pkt.reset();  // copied: the device's buffer goes back now
    if (whole) deliver(whole->ip, Ipv4Repr::buffer_len(), std::move(whole->pkt));
}

void Ipv4Input::count(WireError e) {
    StackCounters& c = core_.counters;
    switch (e) {
        case WireError::kBadVersion: ++c.ip_bad_version; break;
        case WireError::kBadHeaderLength: ++c.ip_bad_header; break;
        case WireError::kBadChecksum: ++c.ip_bad_checksum; break;
        case WireError::kTruncated:
        case WireError::kBadTotalLength: ++c.ip_bad_length; break;
        default: ++c.ip_bad_header; break;
    }
}

bool Ipv4Input::accepts(Ipv4Address dst) const {
    return dst == core_.cidr.address || dst.is_broadcast() || core_.is_subnet_broadcast(dst);
}

bool Ipv4Input::source_ok(Ipv4Address src) const {
    // Martians (RFC 1122 3.2.1.3, RFC 1812 5.3.7): a source is never a broadcast, a multicast
    // group, loopback, or our own address arriving from the wire.
    return !src.is_broadcast() && !src.is_multicast() && !src.is_loopback() && src != core_.cidr.address &&
           !core_.is_subnet_broadcast(src);
}

void Ipv4Input::deliver(const Ipv4Repr& ip, size_t header_len, Packet pkt) {
    switch (static_cast<IpProtocol>(ip.protocol)) {
        case IpProtocol::kIcmp:
            if (const std::optional<IcmpError> error = icmp_.input(ip, pkt)) deliver_error(*error);
            return;
        case IpProtocol::kUdp: udp_.input(ip, header_len, std::move(pkt)); return;
        default: break;
    }
    IpProtocolHandler* handler = handlers_[ip.protocol];
    if (handler == nullptr) {
        ++core_.counters.no_handler;
        return;
    }
    // Connection protocols only talk to one host (RFC 1122 4.2.3.10 for TCP).
    if (ip.dst_addr != core_.cidr.address) {
        ++core_.counters.ip_not_for_us;
        return;
    }
    handler->input(ip, std::move(pkt));
}

// To the protocol that sent the quoted datagram (RFC 1122 3.2.2: "MUST be passed to the
// transport layer"). ICMP's own datagrams (echo requests) get no error reports.
void Ipv4Input::deliver_error(const IcmpError& error) {
    if (error.protocol == static_cast<uint8_t>(IpProtocol::kUdp)) {
        udp_.icmp_error(error);
        return;
    }
    IpProtocolHandler* handler = handlers_[error.protocol];
    if (handler == nullptr) {
        ++core_.counters.icmp_error_no_handler;
        return;
    }
    handler->icmp_error(error);
}

}  // namespace tachyon
