// Reads back the capture the pcap decorator wrote (classic libpcap, Ethernet) and decodes its TCP
// segments with their options, independently of the stack's own wire code, so that the interop
// tests judge what was on the wire with a second implementation. Only what the checks need:
// IPv4 without options checks, TCP header fields and the options of RFC 9293, 7323 and 2018.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stack/wire/ipv4_address.hpp"

namespace tachyon::interop {

struct TcpSegment {
    size_t index = 0;  // record number in the capture
    Ipv4Address src;
    Ipv4Address dst;
    uint16_t sport = 0;
    uint16_t dport = 0;
    uint32_t seq = 0;
    uint32_t ack = 0;
    uint8_t flags = 0;  // FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10
    uint16_t window = 0;  // the raw field
    uint32_t payload_len = 0;
    // Options.
    std::optional<uint16_t> mss;
    std::optional<uint8_t> wscale;
    bool sack_permitted = false;
    std::optional<uint32_t> tsval;
    std::optional<uint32_t> tsecr;
    size_t sack_blocks = 0;
    // Checksums, when the whole packet was captured (`whole`; the interop captures keep 128 bytes,
    // so segments without payload): whether each verifies (RFC 1071), and whether the TCP field
    // holds only the pseudo-header sum, as a sender leaves it for an offload.
    bool whole = false;
    bool ip_checksum_ok = false;
    uint16_t ip_checksum = 0;  // the raw field
    bool tcp_checksum_ok = false;
    bool tcp_checksum_partial = false;

    bool syn() const { return flags & 0x02; }
    bool fin() const { return flags & 0x01; }
    bool rst() const { return flags & 0x04; }
    bool has_ack() const { return flags & 0x10; }
    std::string describe() const;  // one tcpdump-like line
};

struct Capture {
    size_t records = 0;
    std::vector<TcpSegment> tcp;
};

// nullopt with `error` set when the file is missing or is not a classic pcap of Ethernet frames.
std::optional<Capture> read_capture(const std::string& path, std::string& error);

// The segments of one connection (either direction), identified by one endpoint's port pair.
std::vector<TcpSegment> connection(const Capture& c, uint16_t port_a, uint16_t port_b);

}  // namespace tachyon::interop
