// fuzz_tcp_options: TcpRepr::parse on a TCP header with fuzzed options (data offset and checksum
// fixed up so that parsing reaches the option parser), the option parser on its own, and the
// emit -> parse round trip of everything that parsed.
//
// Input: [flags][seq:4][ack:4][window:2][urgent:2][options length][options...][payload...]
// with the options length taken modulo 41; the rest of the input (at most 256 bytes) is payload.
// The whole input is also parsed as a raw TCP header (any data offset) with trusted checksum.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace tachyon::fuzz {

std::string fuzz_tcp_options(std::span<const uint8_t> data);

}  // namespace tachyon::fuzz
