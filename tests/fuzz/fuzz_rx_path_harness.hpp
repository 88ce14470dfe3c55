// fuzz_rx_path: the whole receive path. A Stack with a TcpLayer holding a listener and connections
// in ESTABLISHED (data in flight; unread data), FIN-WAIT-2, CLOSE-WAIT, LAST-ACK, TIME-WAIT,
// SYN-RECEIVED, SYN-SENT and a UDP socket, set up the same way for every input; then the input's
// records, each a frame from the peer (raw, or built from a template that targets a live
// connection with in-window numbers and right checksums) or an application call, with the clock
// advanced between them by input-chosen amounts. Checked at every step: sent frames well formed,
// counters never going down, every bound, sequence invariants of each connection, and every byte
// the application reads being the byte the peer sent at that sequence number. At the end
// everything is aborted and closed and every buffer must come back.
//
// Record layout: [len:2][kind][clock step][kind-specific bytes...]; see fuzz_rx_path_harness.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace tachyon::fuzz {

// Runs one input; returns the first invariant that failed, or an empty string.
std::string fuzz_rx_path(std::span<const uint8_t> data);

}  // namespace tachyon::fuzz
