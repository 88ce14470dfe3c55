#include "stack/socket/tcp_info.hpp"

#include <algorithm>
#include <cstring>

namespace tachyon {

TcpInfo make_tcp_info(const TcpConnection& c) {
    TcpInfo i;
    static_cast<TcpConnStats&>(i) = TcpLayer::stats_of(c);
    const Tcb& t = c.tcb;
    i.state = c.state == TcpState::kTimeWait ? TcpState::kClosed : c.state;  // as the user socket
    i.bytes_in_flight = static_cast<uint32_t>(std::max(t.snd_nxt - t.snd_una, 0));
    i.bytes_readable = static_cast<uint32_t>(c.rcv_buf.readable());
    const int32_t sent = t.snd_nxt - c.snd_buf_seq;
    i.bytes_unsent = static_cast<uint32_t>(c.snd_buf.size() - std::clamp<size_t>(sent > 0 ? sent : 0, 0, c.snd_buf.size()));
    return i;
}

uint8_t linux_tcp_state(TcpState s) {
    switch (s) {
        case TcpState::kEstablished: return 1;
        case TcpState::kSynSent: return 2;
        case TcpState::kSynReceived: return 3;
        case TcpState::kFinWait1: return 4;
        case TcpState::kFinWait2: return 5;
        case TcpState::kTimeWait: return 6;
        case TcpState::kClosed: return 7;
        case TcpState::kCloseWait: return 8;
        case TcpState::kLastAck: return 9;
        case TcpState::kListen: return 10;
        case TcpState::kClosing: return 11;
    }
    return 7;
}

struct tcp_info to_linux(const TcpInfo& i) {
    struct tcp_info t;
    std::memset(&t, 0, sizeof(t));
    t.tcpi_state = linux_tcp_state(i.state);
    t.tcpi_retransmits = i.retransmits;
    t.tcpi_backoff = i.backoff;
    // TCPI_OPT_TIMESTAMPS 1, TCPI_OPT_SACK 2, TCPI_OPT_WSCALE 4.
    t.tcpi_options = static_cast<uint8_t>((i.timestamps ? 1 : 0) | (i.sack ? 2 : 0) | (i.window_scale ? 4 : 0));
    if (i.window_scale) {
        t.tcpi_snd_wscale = i.snd_wscale & 0xf;
        t.tcpi_rcv_wscale = i.rcv_wscale & 0xf;
    }
    t.tcpi_rto = static_cast<uint32_t>(i.rto.us());
    t.tcpi_snd_mss = i.snd_mss;
    t.tcpi_rcv_mss = i.rcv_mss;
    t.tcpi_advmss = i.rcv_mss;
    const uint32_t mss = std::max<uint32_t>(i.snd_mss, 1);
    t.tcpi_unacked = (i.bytes_in_flight + mss - 1) / mss;  // Linux counts segments
    if (i.rtt_valid) {
        t.tcpi_rtt = static_cast<uint32_t>(i.rtt.us());
        t.tcpi_rttvar = static_cast<uint32_t>(i.rttvar.us());
    }
    t.tcpi_snd_cwnd = i.snd_cwnd;
    t.tcpi_snd_ssthresh = i.snd_ssthresh;
    t.tcpi_ca_state = i.ca_state;
    t.tcpi_probes = i.probes;
    t.tcpi_sacked = i.sacked;
    t.tcpi_lost = i.lost;
    t.tcpi_retrans = (i.retrans + mss - 1) / mss;
    t.tcpi_total_retrans = i.total_retrans;
    t.tcpi_reordering = i.reordering;
    t.tcpi_pmtu = i.pmtu;
    t.tcpi_rcv_space = i.rcv_wnd;
    // glibc's struct tcp_info ends at tcpi_total_retrans: byte counts and min_rtt are in TcpInfo.
    return t;
}

}  // namespace tachyon
