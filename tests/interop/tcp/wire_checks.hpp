// Judgements over the segments of one captured connection (pcap_segments.hpp): that the options
// the two ends negotiated are in effect (RFC 9293 3.7.1 MSS, RFC 7323 window scale and
// timestamps, RFC 2018 SACK), and how the connection was closed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stack/wire/ipv4_address.hpp"
#include "tests/interop/tcp/pcap_segments.hpp"

namespace tachyon::interop {

struct OptionsVerdict {
    std::vector<std::string> failures;  // empty when everything held
    std::string summary;                // what was seen, for the test log
};

struct OptionsExpectation {
    std::string peer = "kernel";  // what to call the other end in messages
    uint16_t kernel_mss = 1460;   // MSS option of the kernel's SYN on a 1500-byte MTU
    uint16_t tachyon_mss = 1460;
    // The transfer was long enough for both receive windows to pass 64 KiB (scaling visibly in
    // use) and for Tachyon to have more than 64 KiB in flight.
    bool expect_large_windows = true;
};

// Handshake: both SYNs carry MSS, SACK-permitted, timestamps and window scale. Data phase: every
// non-RST segment carries timestamps and echoes a TSval the other side sent earlier; no segment
// is longer than the peer's MSS minus the 12 option bytes timestamps take, and full-sized ones
// occur; windows are read with the negotiated shifts.
OptionsVerdict check_options_in_effect(const std::vector<TcpSegment>& conn, Ipv4Address tachyon,
                                       const OptionsExpectation& expect = {});

// For the loss tests: segments carrying SACK blocks (RFC 2018 section 3) from each side, Tachyon's
// retransmissions, and the holes the kernel's data arrived with (segments lost on their way).
struct SackUse {
    size_t tachyon_segments_with_sack = 0;
    size_t kernel_segments_with_sack = 0;
    size_t tachyon_retransmissions = 0;  // data segments ending at or below the highest end sent
    size_t kernel_holes = 0;             // kernel segments starting beyond the highest end received
};
SackUse sack_use(const std::vector<TcpSegment>& conn, Ipv4Address tachyon);

// The closing of a connection as captured.
struct CloseTrace {
    std::optional<TcpSegment> tachyon_fin;  // the first FIN each side sent
    std::optional<TcpSegment> kernel_fin;
    bool tachyon_fin_acked = false;  // the other side acknowledged it (ACK beyond the FIN)
    bool kernel_fin_acked = false;
    bool tachyon_rst = false;
    bool kernel_rst = false;
    std::string describe() const;
};
CloseTrace close_trace(const std::vector<TcpSegment>& conn, Ipv4Address tachyon);

// True when the FIN's acknowledgment does not cover the other side's FIN: it was sent before
// the other FIN arrived (a simultaneous close, RFC 9293 figure 13).
bool fin_sent_before_peer_fin(const TcpSegment& fin, const TcpSegment& peer_fin);

// The segments as text, for failure messages (at most `limit`, first and last halves).
std::string dump(const std::vector<TcpSegment>& conn, size_t limit = 40);

}  // namespace tachyon::interop
