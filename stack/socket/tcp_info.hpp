// TCP_INFO: what the TCP layer exposes about one connection, and its Linux struct tcp_info form.
#pragma once

#include <netinet/tcp.h>

#include <cstdint>

#include "lib/time.hpp"
#include "stack/tcp/tcp_connection.hpp"
#include "stack/tcp/tcp_state.hpp"

namespace tachyon {

struct TcpInfo {
    TcpState state = TcpState::kClosed;
    uint8_t retransmits = 0;  // consecutive timeouts without progress
    uint8_t backoff = 0;      // RTO doublings in force (RFC 6298 5.5)
    bool timestamps = false;  // negotiated options (RFC 7323, RFC 2018)
    bool sack = false;
    bool window_scale = false;
    uint8_t snd_wscale = 0;
    uint8_t rcv_wscale = 0;
    Duration rto;
    Duration rtt;     // SRTT
    Duration rttvar;  // RTTVAR
    bool rtt_valid = false;  // a sample was taken
    uint32_t snd_mss = 0;
    uint32_t rcv_mss = 0;
    uint32_t bytes_in_flight = 0;  // SND.NXT - SND.UNA
    uint32_t snd_wnd = 0;          // the peer's window
    uint32_t rcv_wnd = 0;          // the window last advertised
    uint32_t bytes_readable = 0;   // received, not yet read
    uint32_t bytes_unsent = 0;     // queued, not yet sent
    // No congestion control exists yet (issue 4): snd_cwnd and ssthresh are reported as 0.
    uint32_t snd_cwnd = 0;
};

// From the TCP layer's read-only view of a connection.
TcpInfo make_tcp_info(const TcpConnection& c);

// Linux's tcpi_state numbering (include/net/tcp_states.h).
uint8_t linux_tcp_state(TcpState s);

// Linux struct tcp_info (glibc's layout); fields Tachyon does not track are zero.
struct tcp_info to_linux(const TcpInfo& info);

}  // namespace tachyon
