// Per-layer counters: traffic, and every drop by its reason.
#pragma once

#include <cstdint>

namespace tachyon {

struct TcpCounters {
    uint64_t segments_received = 0;
    uint64_t segments_sent = 0;
    uint64_t predicted_segments = 0;  // taken by header prediction (Linux TCPHPHits + TCPHPAcks)
    uint64_t retransmitted_segments = 0;
    uint64_t active_opens = 0;
    uint64_t passive_opens = 0;

    // Drops before a connection is found.
    uint64_t bad_header = 0;    // truncated, data offset < 5 or past the segment
    uint64_t bad_checksum = 0;
    uint64_t bad_option = 0;
    uint64_t bad_flags = 0;     // SYN+FIN, SYN+RST
    uint64_t bad_address = 0;   // broadcast/multicast source or destination, port 0
    uint64_t no_connection = 0; // nothing listening or connected: answered with RST (3.10.7.1)

    // LISTEN (3.10.7.2).
    uint64_t listen_rst_ignored = 0;
    uint64_t listen_ack_reset = 0;  // ACK to a listener: answered with RST
    uint64_t listen_other_dropped = 0;
    uint64_t syn_queue_full = 0;
    uint64_t accept_queue_full = 0;
    uint64_t table_full = 0;

    // SYN-SENT (3.10.7.3).
    uint64_t syn_sent_bad_ack = 0;  // answered with RST
    uint64_t syn_sent_dropped = 0;

    // Synchronized states (3.10.7.4) and RFC 5961 / RFC 7323.
    uint64_t paws_rejected = 0;
    uint64_t out_of_window = 0;     // not acceptable: answered with an ACK
    uint64_t rst_out_of_window = 0; // silently dropped
    uint64_t no_ack_flag = 0;
    uint64_t ack_unacceptable = 0;  // RFC 5961 5.2 (too old or not yet sent)
    uint64_t syn_received_bad_ack = 0;
    uint64_t challenge_acks_sent = 0;
    uint64_t challenge_acks_rate_limited = 0;
    uint64_t ooo_segments = 0;
    uint64_t ooo_dropped = 0;       // the out-of-order range table was full
    uint64_t fin_out_of_order = 0;  // FIN beyond a hole: kept, taken when the hole fills
    uint64_t time_wait_syn_accepted = 0;  // RFC 6191

    // Resets and aborts.
    uint64_t rst_received = 0;      // acceptable RSTs that closed a connection
    uint64_t rst_sent = 0;
    uint64_t abort_on_close = 0;    // close() with unread data (RFC 1122 4.2.2.13)
    uint64_t abort_on_data = 0;     // data for a connection the user closed
    uint64_t aborts = 0;            // abort() calls that sent RST

    // Timers.
    uint64_t retransmit_timeouts = 0;
    uint64_t syn_timeouts = 0;       // handshake gave up: ETIMEDOUT or child dropped
    uint64_t connection_timeouts = 0;
    uint64_t fin_wait2_timeouts = 0;
    uint64_t time_wait_expired = 0;
    uint64_t time_wait_recycled = 0;  // the TIME-WAIT records were full: the oldest gave way
    uint64_t time_wait_reused = 0;    // an active open took an orphan's TIME-WAIT tuple (tcp_tw_reuse)

    uint64_t tx_alloc_failures = 0;  // alloc_tx() empty: treated as a loss, the timer resends

    // ICMP errors about our segments (RFC 1122 4.2.3.9, RFC 5927, RFC 1191).
    uint64_t icmp_errors = 0;         // about a connection's segments, in window
    uint64_t icmp_no_connection = 0;  // about no live connection (or one in TIME-WAIT)
    uint64_t icmp_out_of_window = 0;  // quoting a sequence number not in flight (Linux OutOfWindowIcmps)
    uint64_t icmp_aborts = 0;         // a connection being opened gave up on one
    uint64_t pmtu_reductions = 0;     // "fragmentation needed" lowered a connection's MSS

    // Loss recovery and congestion control (issue 4).
    uint64_t dup_acks = 0;
    uint64_t fast_retransmits = 0;   // fast recoveries entered (RFC 5681 3.2, RFC 6675)
    uint64_t partial_acks = 0;       // NewReno partial ACKs (RFC 6582)
    uint64_t sack_blocks_ignored = 0;  // outside SND.UNA..SND.NXT (a D-SACK is counted apart)
    uint64_t sack_reneging = 0;      // the peer dropped SACKed data (RFC 2018 section 8)
    uint64_t rack_lost = 0;          // segments RACK marked lost (RFC 8985 6.2), retransmissions included
    uint64_t rack_reorder_timeouts = 0;  // RACK's reordering window expired (RFC 8985 6.3)
    uint64_t tlp_probes = 0;         // tail loss probes sent (RFC 8985 7.3; Linux TCPLossProbes)
    uint64_t tlp_recoveries = 0;     // a probe repaired a loss: cwnd reduced (7.4; TCPLossProbeRecovery)
    uint64_t dsacks_sent = 0;        // D-SACK blocks reporting duplicate data (RFC 2883; TCPDSACKOldSent)
    uint64_t dsacks_received = 0;    // ACKs whose first block was a D-SACK (TCPDSACKRecv)
    uint64_t hystart_exits = 0;      // slow starts HyStart++ ended (RFC 9406; Linux TCPHystartDelayDetect)
    uint64_t delayed_acks = 0;       // ACKs sent by the delayed-ACK timer
    uint64_t persist_probes = 0;     // zero-window probes
    uint64_t keepalive_probes = 0;
    uint64_t keepalive_timeouts = 0;
    uint64_t user_timeouts = 0;
    uint64_t syn_cookies_sent = 0;
    uint64_t syn_cookies_accepted = 0;
    uint64_t syn_cookies_failed = 0;  // an ACK to a listener with no valid cookie
};

}  // namespace tachyon
