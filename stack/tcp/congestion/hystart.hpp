// HyStart++ (RFC 9406): slow start that leaves before it overshoots. Per round trip it takes the
// smallest RTT sample of the round; once a round has N_RTT_SAMPLE samples and its minimum exceeds
// the last round's by RttThresh (a queue building up at the bottleneck), slow start gives way to
// Conservative Slow Start (CSS, a quarter of the growth); a minimum back below the one that
// entered CSS resumes slow start (the rise was jitter); after CSS_ROUNDS rounds in CSS slow start
// ends with ssthresh = cwnd, before any loss.
//
// One piece for every algorithm whose slow start is Reno's: each holds a HyStartPlusPlus in its
// CcState::priv and calls on_ack in slow start instead of slow_start(), on_congestion when it is
// asked for ssthresh. 32 bytes; no allocation.
//
// Only the initial slow start (ssthresh still "arbitrarily high"). A loss or RTO in slow start or
// CSS ends it for the connection (RFC 9406 4.2: congestion avoidance, with ssthresh from the
// algorithm as usual). The RFC allows HyStart++ in the slow start after an RTO as well, and
// Linux's CUBIC re-arms its HyStart there; we do not: ssthresh is then half the window that
// lost, a bound already known to be safe, and the round trips right after a timeout are those
// of retransmissions (no samples, Karn) and of a queue still draining, nothing to compare with.
//
// RFC 9406 4.3's L (an ACK adds at most L * SMSS): infinity is for paced senders, 8 for one that
// does not pace (we do not yet): kHyStartAbcLimitSegments, in slow start and (a quarter of it) in
// CSS. Once HyStart++ is over or off, slow start keeps RFC 3465's L = 2 (kAbcLimitSegments).
//
// The thresholds are in milliseconds: on a LAN whose round trips take microseconds the 4 ms floor
// is never reached and slow start ends by loss as without HyStart++ (the RFC's behaviour, and
// Linux's: its HyStart clamps the delay threshold, min RTT / 8, to the same 4-16 ms).
#pragma once

#include <cstdint>

#include "lib/seq.hpp"
#include "lib/time.hpp"
#include "stack/tcp/congestion_control.hpp"

namespace tachyon {

// RFC 9406 4.3, the recommended values.
inline constexpr Duration kHyStartMinRttThresh = Duration::from_ms(4);   // MIN_RTT_THRESH
inline constexpr Duration kHyStartMaxRttThresh = Duration::from_ms(16);  // MAX_RTT_THRESH
inline constexpr int64_t kHyStartMinRttDivisor = 8;                      // MIN_RTT_DIVISOR
inline constexpr uint8_t kHyStartRttSamples = 8;                         // N_RTT_SAMPLE
inline constexpr uint32_t kHyStartCssGrowthDivisor = 4;                  // CSS_GROWTH_DIVISOR
inline constexpr uint8_t kHyStartCssRounds = 5;                          // CSS_ROUNDS

class HyStartPlusPlus {
public:
    // Armed when the connection wants it (CcState::hystart) and no congestion event set ssthresh
    // yet: the initial slow start, also when the algorithm is changed during it.
    void init(const CcState& s);
    // For an ACK in slow start (s.in_slow_start()), in place of slow_start(): grows cwnd by slow
    // start or CSS and may end slow start (ssthresh = cwnd). Returns the bytes of `acked` left
    // for congestion avoidance, as slow_start() does.
    uint32_t on_ack(CcState& s, const AckSample& a, uint32_t acked);
    // A loss or RTO: over for the connection (4.2).
    void on_congestion() { phase_ = Phase::kOff; }

private:
    enum class Phase : uint8_t { kOff, kSlowStart, kCss };

    void start_round(SeqNum snd_nxt);
    void end_round(CcState& s);
    // 4.2: the slow start check, from the N_RTT_SAMPLE-th sample of a round on.
    bool delay_increased() const;

    // "Infinity" is Duration::max() (no sample).
    Duration last_round_min_rtt_ = Duration::max();
    Duration current_round_min_rtt_ = Duration::max();
    Duration css_baseline_min_rtt_ = Duration::max();
    SeqNum window_end_;  // the round ends once SND.UNA reaches it
    uint8_t rtt_sample_count_ = 0;  // saturates at N_RTT_SAMPLE, all the checks need
    uint8_t css_rounds_ = 0;
    Phase phase_ = Phase::kOff;
    bool round_started_ = false;
};

static_assert(sizeof(HyStartPlusPlus) <= 32, "HyStart++ shares CcState::priv with the algorithm's state");

}  // namespace tachyon
