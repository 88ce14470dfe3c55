// IPv4 input (RFC 791, RFC 1122 section 3.2.1): header validation (the checksum unless the device
// verified it), acceptance of our address and the broadcasts, padding trimmed, fragments through
// the reassembler, then dispatch by protocol. A host, not a router: nothing is forwarded, and the
// TTL of what arrives is not checked (RFC 1122 3.2.1.7 only asks a host not to send TTL 0).
#pragma once

#include <array>
#include <cstddef>

#include "lib/packet.hpp"
#include "stack/icmp.hpp"
#include "stack/ip_host.hpp"
#include "stack/reassembly.hpp"
#include "stack/stack_core.hpp"
#include "stack/udp.hpp"
#include "stack/wire/ipv4.hpp"

namespace tachyon {

using IpHandlerTable = std::array<IpProtocolHandler*, 256>;

class Ipv4Input {
public:
    Ipv4Input(StackCore& core, Reassembler& reassembler, IcmpLayer& icmp, UdpLayer& udp,
              const IpHandlerTable& handlers);

    // An IPv4 packet: data from the IPv4 header to the end of the frame.
    void input(Packet pkt);
    // Whether a datagram to dst is for us: our address or a broadcast.
    bool accepts(Ipv4Address dst) const;

private:
    void count(WireError e);
    bool source_ok(Ipv4Address src) const;
    void deliver(const Ipv4Repr& ip, size_t header_len, Packet pkt);
    void deliver_error(const IcmpError& error);

    StackCore& core_;
    Reassembler& reassembler_;
    IcmpLayer& icmp_;
    UdpLayer& udp_;
    const IpHandlerTable& handlers_;
};

}  // namespace tachyon
