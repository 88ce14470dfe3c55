// Congestion control behind one interface, chosen per connection (as Linux's tcp_congestion_ops).
//
// The sender owns loss detection and recovery (fast retransmit, SACK/NewReno recovery, RTO) and
// the send loop, which sends while the data in flight ("pipe", RFC 6675) is below cwnd. An
// algorithm only decides the window through these hooks, with its private state in CcState::priv
// (no allocation):
//   init              connection established: IW10 (RFC 6928) is set by the caller before.
//   on_ack            an ACK outside loss recovery delivered data: grow cwnd (slow start and
//                     congestion avoidance). The AckSample carries what later algorithms need:
//                     RTT sample, bytes cumulatively acked and newly SACKed, a delivery-rate
//                     sample (delivered bytes over the interval since the acknowledged segment
//                     was sent, for BBR), ECN CE-marked bytes (for DCTCP) and whether the flight
//                     was limited by cwnd.
//   ssthresh          a congestion event (entering fast recovery, or the first RTO of a series):
//                     returns the new ssthresh; the sender sets cwnd (ssthresh in recovery, one
//                     segment after an RTO).
//   on_recovery_exit  recovery ended by a full ACK (cwnd = ssthresh was already applied).
//   on_rto            an RTO fired (after ssthresh): reset epochs.
//   pacing_rate       bytes per second to pace at, 0 for none (the sender's pacing hook: BBR).
// Slow start: both algorithms leave their initial slow start early by HyStart++ (RFC 9406,
// congestion/hystart.hpp), which ends it by setting ssthresh = cwnd from on_ack; on_ack changes
// ssthresh for no other reason, which is how the layer counts those exits.
// Adding BBR, DCTCP or RACK-TLP: a new file with its ops in the registry (congestion/congestion_registry.cpp).
// RACK-TLP (RFC 8985) is loss detection rather than a window rule: it reads the per-segment send
// times the scoreboard keeps (TxRecord::sent) and marks records lost through the same scoreboard
// interface the RFC 6675 rule uses (SackScoreboard::mark_lost_record).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lib/seq.hpp"
#include "lib/time.hpp"

namespace tachyon {

// "Arbitrarily high" initial ssthresh (RFC 5681 3.1), as Linux's TCP_INFINITE_SSTHRESH.
inline constexpr uint32_t kInfiniteSsthresh = 0x7fffffff;

struct CcState {
    uint32_t cwnd = 0;  // bytes
    uint32_t ssthresh = kInfiniteSsthresh;
    uint32_t mss = 536;  // SMSS: the sender's segment payload size
    // HyStart++ (RFC 9406) in the initial slow start (TcpConnConfig::hystart); read by init.
    bool hystart = true;
    // Algorithm-private storage (CUBIC's epoch, W_max ...), as Linux's icsk_ca_priv.
    alignas(8) std::byte priv[96];

    template <typename T>
    T& as() {
        static_assert(sizeof(T) <= sizeof(priv));
        return *reinterpret_cast<T*>(priv);
    }
    bool in_slow_start() const { return cwnd < ssthresh; }
};

struct AckSample {
    Instant now;
    uint32_t acked = 0;       // bytes newly acknowledged cumulatively
    uint32_t sacked = 0;      // bytes newly SACKed
    uint32_t in_flight = 0;   // bytes in flight before this ACK
    bool cwnd_limited = false;  // the flight filled cwnd (RFC 7661): grow only then
    Duration rtt;             // zero when this ACK gave no sample
    Duration min_rtt;         // smallest sample so far
    // Delivery-rate sample (draft-cheng-iccrg-delivery-rate-estimation): `delivered` bytes over
    // `interval`; interval zero when none.
    uint64_t delivered = 0;
    Duration interval;
    uint32_t ce_bytes = 0;  // bytes acknowledged with ECN-Echo (DCTCP); ECN is not negotiated yet
    // Round trips counted in sequence space (RFC 9406 4.2's windowEnd): SND.UNA once this ACK
    // moved it, and SND.NXT as it arrived (before what it lets out is sent).
    SeqNum snd_una;
    SeqNum snd_nxt;
};

struct CongestionOps {
    const char* name;
    void (*init)(CcState& s, Instant now);
    void (*on_ack)(CcState& s, const AckSample& a);
    uint32_t (*ssthresh)(CcState& s, uint32_t in_flight, Instant now);
    void (*on_recovery_exit)(CcState& s, Instant now);
    void (*on_rto)(CcState& s, Instant now);
    uint64_t (*pacing_rate)(const CcState& s);  // may be null: no pacing
};

// The algorithms by name: "reno" (also "newreno") and "cubic"; nullptr when unknown.
const CongestionOps* find_congestion(std::string_view name);
const CongestionOps& new_reno_ops();
const CongestionOps& cubic_ops();

// Appropriate byte counting in slow start (RFC 3465 2.2): an ACK grows cwnd by at most L = 2 SMSS.
inline constexpr uint32_t kAbcLimitSegments = 2;
// The same limit while HyStart++ runs (RFC 9406 4.3: L = 8 for a sender that does not pace, as
// we do not yet). Receivers that acknowledge up to 8 segments at once (ours, stretch ACKs by
// receive burst; Linux's, after GRO) then cost the initial slow start nothing.
inline constexpr uint32_t kHyStartAbcLimitSegments = 8;

// Slow start with appropriate byte counting, an ACK adding at most limit_segments SMSS; returns
// the bytes of `acked` left over once cwnd reached ssthresh.
uint32_t slow_start(CcState& s, uint32_t acked, uint32_t limit_segments = kAbcLimitSegments);

}  // namespace tachyon
