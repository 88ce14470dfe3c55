// ARP frames to the stack under test chosen by the input: each address from a table of the values
// that matter (the peer, neighbours, the stack's own, the gateway, zero, broadcast, multicast) or
// raw, the operation, the Ethernet addresses, and now and then a broken hardware/protocol field or
// a truncated packet.
#pragma once

#include "tests/fuzz/fuzz_frames.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace tachyon::fuzz {

// Reads a fixed 16-byte layout (see the .cpp), then raw values as needed.
Bytes choose_arp_frame(FuzzInput& in);

// The interesting IPv4 addresses around the stack (kStackIp/24): code % 16 picks one, 15 is raw.
Ipv4Address choose_address(uint8_t code, uint32_t raw);
// The interesting MACs: code % 8 picks one, 7 is raw.
EthernetAddress choose_mac(uint8_t code, uint32_t raw);

}  // namespace tachyon::fuzz
