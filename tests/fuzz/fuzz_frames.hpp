// Frames the fuzz harnesses send, built through the wire views so that lengths and checksums are
// right and the input reaches the layer under test instead of dying at a checksum; and the check
// every frame the stack under test transmits must pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lib/ethernet_address.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/icmpv4.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/ipv4_address.hpp"
#include "stack/wire/tcp.hpp"

namespace tachyon::fuzz {

using Bytes = std::vector<std::byte>;

inline std::span<const std::byte> as_bytes(std::span<const uint8_t> s) { return std::as_bytes(s); }

Bytes eth_frame(const EthernetAddress& dst, const EthernetAddress& src, uint16_t ethertype,
                std::span<const std::byte> payload);

struct Ipv4Spec {
    Ipv4Address src;
    Ipv4Address dst;
    uint8_t protocol = 0;
    uint16_t ident = 0;
    bool dont_fragment = true;
    bool more_fragments = false;
    uint16_t fragment_offset = 0;  // bytes, a multiple of 8
    uint8_t ttl = 64;
    uint8_t dscp_ecn = 0;
};
// A 20-byte header (checksum filled) and the payload.
Bytes ipv4_packet(const Ipv4Spec& ip, std::span<const std::byte> payload);

// A TCP header written field by field, so that any flag byte and any option bytes can be sent.
struct TcpSpec {
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    uint32_t seq = 0;
    uint32_t ack = 0;
    uint8_t flags = 0;  // raw flag byte (tcp_flags::k*)
    uint16_t window = 0;
    uint16_t urgent = 0;
    std::span<const std::byte> options;  // raw; zero-padded to a multiple of 4, at most 40 used
    std::span<const std::byte> payload;
};
// Header, options and payload with a correct checksum over the pseudo-header of src/dst.
Bytes tcp_segment(const TcpSpec& t, Ipv4Address src, Ipv4Address dst);
// The option bytes TcpRepr::emit would write for r's option fields (valid options).
Bytes tcp_option_bytes(const TcpRepr& r);

// UDP with a correct checksum, or none (0) when with_checksum is false.
Bytes udp_datagram(Ipv4Address src, Ipv4Address dst, uint16_t src_port, uint16_t dst_port,
                   std::span<const std::byte> payload, bool with_checksum = true);
Bytes icmp_message(const Icmpv4Repr& icmp);
Bytes arp_packet(const ArpRepr& arp);

// What the stack under test transmitted, taken apart.
struct SentTcp {
    Ipv4Repr ip;
    TcpRepr tcp;  // payload points into the frame
};
struct SentFrame {
    std::string error;  // empty: the frame is well formed
    std::optional<SentTcp> tcp;
    std::optional<ArpRepr> arp;
};
// Every frame a stack sends must be well formed: from its MAC, within the MTU, ARP with its own
// addresses as sender, IPv4 from its address with valid header and L4 checksums and options.
SentFrame check_sent_frame(std::span<const std::byte> frame, const EthernetAddress& mac, Ipv4Address ip,
                           size_t mtu);

}  // namespace tachyon::fuzz
