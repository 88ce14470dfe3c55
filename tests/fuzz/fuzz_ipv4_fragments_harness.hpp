// fuzz_ipv4_fragments: IPv4 reassembly in a Stack. Four UDP datagrams to a bound socket are
// defined by the input (lengths); then each record sends a fragment of one of them with an
// input-chosen offset, length, MF/DF flags, protocol, source, and sometimes corrupted bytes, with
// the clock advanced between records. Checked: the reassembly bounds at every step, every datagram
// the socket receives being exactly the one that was fragmented (unless a corrupted fragment of
// it was sent), and at the end, after the timeout, nothing held and every buffer back.
//
// Input: [len0:2][len1:2][len2:2][len3:2] then records [len:2][sel][off:2][len:2][flags][step][xor]
// where sel % 4 is the datagram, sel bits 2-3 the protocol (UDP, ICMP, TCP, 253), sel bit 7 makes
// the record a socket read instead; off is in 8-byte units; flags: bit 0 MF, 1 DF, 2 corrupt
// (xor), 3 other source, 4 other ident, 5 MF computed from the datagram's length, 6 TTL 1.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace tachyon::fuzz {

std::string fuzz_ipv4_fragments(std::span<const uint8_t> data);

}  // namespace tachyon::fuzz
