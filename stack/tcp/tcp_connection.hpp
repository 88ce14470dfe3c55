// One connection: its state, TCB, buffers, retransmission state and timers. Connections live in
// the ConnectionTable's fixed array, never move, and are reused through the free list.
#pragma once

#include <array>
#include <cstdint>

#include "lib/time.hpp"
#include "lib/timer_wheel.hpp"
#include "stack/route_cache.hpp"
#include "stack/tcp/byte_ring.hpp"
#include "stack/tcp/congestion_control.hpp"
#include "stack/tcp/receive_buffer.hpp"
#include "stack/tcp/rtt_estimator.hpp"
#include "stack/tcp/sack_scoreboard.hpp"
#include "stack/tcp/tcb.hpp"
#include "stack/tcp/tcp_config.hpp"
#include "stack/tcp/tcp_state.hpp"
#include "stack/tcp/tcp_types.hpp"

namespace tachyon {

class TcpLayer;

inline constexpr uint32_t kNoIndex = UINT32_MAX;

// Which listener queue a passively opened child sits in until accept().
enum class ListenQueue : uint8_t { kNone, kSyn, kAccept };

// Loss recovery phase (Linux's ca_state): Open, Recovery (fast recovery: RFC 6675 with SACK,
// RFC 6582 NewReno without), Loss (after an RTO, until everything sent before it is acked).
enum class RecoveryState : uint8_t { kOpen, kRecovery, kLoss };

// What the retransmission timer (rtx_timer) runs for: the RTO (RFC 6298), a tail loss probe's
// PTO or RACK's reordering window (RFC 8985), one at a time, as Linux's icsk_pending.
enum class RtxTimerKind : uint8_t { kRto, kProbe, kReorder };

// RACK-TLP (RFC 8985): the most recently sent segment known delivered and the RTT it measured,
// and the end of a tail loss probe's episode.
struct RackTlpState {
    Instant xmit;       // RACK.xmit_ts (valid when rack_valid)
    Duration rtt;       // RACK.rtt
    Duration min_rtt;   // RACK.min_RTT, from the same per-segment send times (zero: none)
    SeqNum end;         // RACK.end_seq
    SeqNum tlp_end;     // TLP.end_seq: SND.NXT when the probe went (valid when tlp_active)
};

// Per-connection counts for TCP_INFO.
struct TcpConnCounters {
    uint64_t segs_out = 0;
    uint64_t segs_in = 0;
    uint64_t data_segs_out = 0;
    uint64_t data_segs_in = 0;
    uint64_t bytes_sent = 0;       // payload, retransmissions included
    uint64_t bytes_retrans = 0;
    uint64_t bytes_acked = 0;      // tcpi_bytes_acked
    uint64_t bytes_received = 0;   // tcpi_bytes_received (in order)
    uint32_t total_retrans = 0;    // segments retransmitted
    uint32_t fast_recoveries = 0;
    uint32_t rto_count = 0;
    uint32_t dsack_or_spurious = 0;
    uint32_t reordering = 3;       // tcpi_reordering: the duplicate threshold in use
};

// Cache-line aligned, so that the fields grouped at its start share one line in every slot of the
// connection table.
struct alignas(64) TcpConnection {
    TcpConnection() = default;
    TcpConnection(const TcpConnection&) = delete;
    TcpConnection& operator=(const TcpConnection&) = delete;

    // Identity and ownership.
    TcpLayer* layer = nullptr;
    uint32_t index = 0;
    uint32_t generation = 0;
    bool in_use = false;      // the slot is allocated
    bool in_table = false;    // reachable by its 4-tuple
    bool user_owned = false;  // a handle is out with the user (cleared by close/abort)
    bool passive = false;     // created by a listener (SYN-RECEIVED returns to LISTEN on reset)
    bool negotiated_wscale = false;  // both SYNs carried window scale (RFC 7323 2.2)

    TcpState state = TcpState::kClosed;
    TcpTuple tuple;

    // Listener linkage of a passively opened child, an intrusive list without allocation.
    uint32_t listener = kNoIndex;
    uint32_t q_prev = kNoIndex;
    uint32_t q_next = kNoIndex;
    ListenQueue queue = ListenQueue::kNone;

    RouteCache route;  // the stack's headers for this tuple (IpHost::send_ipv4)
    TcpConnConfig config;
    Tcb tcb;
    int error = 0;  // errno to report: ECONNREFUSED, ECONNRESET, ETIMEDOUT, an ICMP error's
    // The last ICMP error an established connection was told of (Linux's sk_err_soft): not fatal
    // (RFC 1122 4.2.3.9), reported instead of ETIMEDOUT if the connection times out; cleared when
    // new data is acknowledged. An errno, all of which are below 256.
    uint8_t soft_error = 0;

    // Send side: bytes from snd_buf_seq on, unacknowledged or not yet sent.
    ByteRing snd_buf;
    SeqNum snd_buf_seq;
    bool fin_queued = false;  // the user shut the sending direction; FIN follows the data
    // Every segment in flight with its SACK/lost/retransmitted state (RFC 6675 scoreboard).
    SackScoreboard sb;
    RackTlpState rack;
    // Proportional rate reduction during fast recovery (RFC 6937, as Linux's tcp_cwnd_reduction):
    // bytes delivered and sent since recovery began, and cwnd when it began (Linux's prior_cwnd).
    uint32_t prr_delivered = 0;
    uint32_t prr_out = 0;
    uint32_t prr_recover_fs = 0;

    // Congestion control and loss recovery.
    CcState cc;
    const CongestionOps* cc_ops = nullptr;
    RecoveryState recovery = RecoveryState::kOpen;
    SeqNum recover;           // RFC 6582 "recover" / RFC 6675 RecoveryPoint
    uint32_t dupacks = 0;     // RFC 5681 duplicate ACK count since the last cumulative ACK
    uint32_t reno_dup_bytes = 0;  // without SACK, one SMSS per duplicate ACK left the network
    bool force_rtx = false;   // fast retransmit / partial ACK: one retransmission despite cwnd
    bool cwnd_limited = false;  // the last send stopped at cwnd (RFC 7661)
    bool rack_valid = false;    // rack.xmit and rack.end name a delivered segment
    bool rack_reordering_seen = false;  // RACK.reordering_seen (RFC 8985 6.2 step 3)
    bool tlp_active = false;    // a loss probe went and its episode is not over (rack.tlp_end)
    bool tlp_retrans = false;   // ... and it was a retransmission (TLP.is_retrans)
    uint8_t rack_reo_wnd_mult = 1;     // RACK.reo_wnd_mult: grows with D-SACKs (6.2 step 4)
    uint8_t rack_reo_wnd_persist = 0;  // RACK.reo_wnd_persist: recoveries until it is reset
    uint64_t delivered = 0;     // bytes acked or SACKed, for delivery-rate samples
    Instant delivered_time;
    Duration min_rtt;           // smallest RTT sample (zero: none)
    SeqNum snd_sml;             // end of the last small segment sent (Nagle, Minshall's variant)
    // What the layer above asked to be told when this tuple is free again (set_release_cookie);
    // here, in the 4 bytes before an 8-byte member, the slot keeps its 1,536 bytes.
    uint32_t release_cookie = kNoIndex;
    Instant una_since;          // when SND.UNA last moved or data became outstanding (user timeout)

    // Delayed ACK (receiver).
    uint8_t quickacks = 0;   // segments still acknowledged at once
    bool ack_owed = false;   // an ACK is due by the end of the application's turn (TcpLayer::end_turn)
    bool delayed_ack_due = false;  // the delayed-ACK timer runs (lazily, as rtx_running: ack_timer)
    Instant delayed_ack_deadline;
    bool on_turn_list = false;  // the slot is in TcpLayer::turn_acks_ (until end_turn, whatever its use)
    uint32_t linger_pos = kNoIndex;  // its place in TcpLayer::lingering_ (kNoIndex: not there)
    uint32_t rcv_est_mss = 536;  // the largest segment seen: the peer's MSS estimate
    std::array<SeqNum, 4> sack_recent{};  // a sequence number in each recently changed range
    uint8_t sack_recent_count = 0;

    // Persist and keepalive.
    uint8_t probes_out = 0;  // zero-window or keepalive probes without an answer
    uint8_t persist_backoff = 0;  // persist timer doublings; reset when the window opens
    Instant persist_since;
    Instant last_rx;         // last segment received (keepalive idle)

    TcpConnCounters stats;

    // Receive side.
    ReceiveBuffer rcv_buf;
    bool rcv_closed = false;  // the user closed: data arriving now is answered with RST
    bool rcv_fin = false;     // the peer's FIN was processed: end of stream after the buffer
    bool ooo_fin = false;     // a FIN arrived beyond a hole, at ooo_fin_seq
    SeqNum ooo_fin_seq;

    // RFC 6298 timing and Karn's rule.
    RttEstimator rtt;
    bool rtt_timing = false;
    SeqNum rtt_seq;
    Instant rtt_start;
    uint8_t retries = 0;  // consecutive timeouts without progress
    bool syn_rtx = false;  // our SYN or SYN,ACK was retransmitted (RFC 5681 3.1, RFC 6298 5.7)
    // Data of a duplicate segment, to report once as the first SACK block (a D-SACK, RFC 2883):
    // its start and length (zero: none). In the bytes before rtx_timer: the slot keeps 1,536.
    uint16_t dsack_len = 0;
    SeqNum dsack_left;

    // Retransmission (SYN, SYN-ACK, data, FIN), stopped and restarted lazily (TcpLayer::arm_rtx):
    // rtx_running and rtx_deadline are RFC 6298's timer; rtx_timer in the wheel is at or before
    // rtx_deadline while it runs, and may still be armed after it stopped.
    Timer rtx_timer;
    bool rtx_running = false;
    RtxTimerKind rtx_kind = RtxTimerKind::kRto;
    // RACK.dsack_round (RFC 8985 6.2 step 4): the reordering window grows at most once per round
    // trip, until SND.UNA passes the SND.NXT of the D-SACK that grew it.
    bool rack_dsack_round_open = false;
    SeqNum rack_dsack_round;
    Instant rtx_deadline;
    Timer wait_timer;       // TIME-WAIT 2MSL, orphaned FIN-WAIT-2
    Timer persist_timer;    // zero-window probes (RFC 9293 3.8.6.1, RFC 1122 4.2.2.17)
    Timer ack_timer;        // delayed ACK
    Timer keepalive_timer;  // keepalive (RFC 1122 4.2.3.6)

    TcpHandle handle() const { return {index, generation}; }
    // Nobody holds it: closed by its user, or never accepted (not in a listener's queue).
    bool orphan() const { return !user_owned && queue == ListenQueue::kNone; }
    // Sequence number just past the last byte of data the user queued.
    SeqNum snd_data_end() const { return snd_buf_seq + static_cast<uint32_t>(snd_buf.size()); }
    // The sequence number of our FIN (valid when fin_queued).
    SeqNum fin_seq() const { return snd_data_end(); }
    bool fin_sent() const { return fin_queued && tcb.snd_nxt > fin_seq(); }
    bool fin_acked() const { return fin_queued && tcb.snd_una > fin_seq(); }
};
// 24 cache lines per slot: a field added where it crosses the last one costs 64 bytes per slot.
static_assert(sizeof(TcpConnection) <= 1536, "a TcpConnection slot grew past 1,536 bytes");

}  // namespace tachyon
