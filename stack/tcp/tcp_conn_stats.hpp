// Per-connection statistics in the manner of Linux's TCP_INFO (TcpLayer::conn_stats()).
#pragma once

#include <cstdint>

#include "lib/time.hpp"
#include "stack/tcp/tcp_state.hpp"

namespace tachyon {

struct TcpConnStats {
    TcpState state = TcpState::kClosed;
    uint8_t ca_state = 0;  // 0 Open, 3 Recovery, 4 Loss (Linux's tcp_ca_state numbering)
    const char* congestion = "";  // the algorithm's name: "reno", "cubic"
    uint8_t retransmits = 0;  // consecutive timeouts without progress
    uint8_t backoff = 0;
    uint8_t probes = 0;       // zero-window or keepalive probes unanswered
    bool timestamps = false;
    bool sack = false;
    bool window_scale = false;
    uint8_t snd_wscale = 0;
    uint8_t rcv_wscale = 0;
    Duration rto;
    Duration rtt;     // SRTT
    Duration rttvar;
    Duration min_rtt;
    bool rtt_valid = false;
    uint32_t snd_mss = 0;
    uint32_t rcv_mss = 0;
    uint32_t pmtu = 0;          // the MSS plus 40 header bytes (no PMTU discovery yet)
    uint32_t snd_cwnd = 0;      // segments, as Linux reports it
    uint32_t snd_cwnd_bytes = 0;
    uint32_t snd_ssthresh = 0;  // segments
    uint32_t unacked = 0;       // segments in flight (records)
    uint32_t sacked = 0;        // segments
    uint32_t lost = 0;          // segments
    uint32_t retrans = 0;       // bytes retransmitted and in flight
    uint32_t in_flight = 0;     // bytes: pipe (RFC 6675)
    uint32_t total_retrans = 0;
    uint32_t reordering = 3;
    uint32_t snd_wnd = 0;
    uint32_t rcv_wnd = 0;
    uint64_t bytes_sent = 0;
    uint64_t bytes_retrans = 0;
    uint64_t bytes_acked = 0;
    uint64_t bytes_received = 0;
    uint64_t segs_out = 0;
    uint64_t segs_in = 0;
    uint64_t data_segs_out = 0;
    uint64_t data_segs_in = 0;
    uint64_t delivered = 0;
    uint32_t fast_recoveries = 0;
    uint32_t rto_count = 0;
};

}  // namespace tachyon
