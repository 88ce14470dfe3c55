// HyStart++ (RFC 9406 section 4.2), step by step as the RFC's pseudocode; see hystart.hpp.
#include "stack/tcp/congestion/hystart.hpp"

#include <algorithm>

namespace tachyon {

void HyStartPlusPlus::init(const CcState& s) {
    *this = HyStartPlusPlus{};
    if (s.hystart && s.ssthresh == kInfiniteSsthresh) phase_ = Phase::kSlowStart;
}

uint32_t HyStartPlusPlus::on_ack(CcState& s, const AckSample& a, uint32_t acked) {
    if (phase_ == Phase::kOff) return slow_start(s, acked);
    if (!round_started_) start_round(a.snd_nxt);
    uint32_t left = 0;
    if (phase_ == Phase::kSlowStart) {
        left = slow_start(s, acked, kHyStartAbcLimitSegments);  // "cwnd = cwnd + min(N, L * SMSS)"
    } else {
        // "cwnd = cwnd + (min(N, L * SMSS) / CSS_GROWTH_DIVISOR)". ssthresh is still infinite.
        s.cwnd += std::min(acked, kHyStartAbcLimitSegments * s.mss) / kHyStartCssGrowthDivisor;
    }
    if (a.rtt > Duration::zero()) {
        current_round_min_rtt_ = std::min(current_round_min_rtt_, a.rtt);
        if (rtt_sample_count_ < kHyStartRttSamples) ++rtt_sample_count_;
    }
    if (phase_ == Phase::kSlowStart) {
        if (delay_increased()) {
            css_baseline_min_rtt_ = current_round_min_rtt_;
            css_rounds_ = 0;
            phase_ = Phase::kCss;
        }
    } else if (rtt_sample_count_ >= kHyStartRttSamples && current_round_min_rtt_ < css_baseline_min_rtt_) {
        // The round trip came back below where CSS began: the rise was jitter, not a queue.
        css_baseline_min_rtt_ = Duration::max();
        phase_ = Phase::kSlowStart;
    }
    // This ACK's sample belongs to the round it ends: it acknowledges that round's flight.
    if (a.snd_una >= window_end_) end_round(s);
    return left;
}

// "At the start of each round during standard slow start and CSS", at the first ACK after the
// last round ended: windowEnd = SND.NXT then also covers what the last round's final ACK let
// out, which went with the rest of the new flight.
void HyStartPlusPlus::start_round(SeqNum snd_nxt) {
    round_started_ = true;
    last_round_min_rtt_ = current_round_min_rtt_;
    current_round_min_rtt_ = Duration::max();
    rtt_sample_count_ = 0;
    window_end_ = snd_nxt;
}

// Everything sent before the round began is acknowledged. A round in CSS counts towards
// CSS_ROUNDS, also the one CSS began in; the last ends slow start for good.
void HyStartPlusPlus::end_round(CcState& s) {
    round_started_ = false;
    if (phase_ == Phase::kCss && ++css_rounds_ >= kHyStartCssRounds) {
        s.ssthresh = s.cwnd;
        phase_ = Phase::kOff;
    }
}

bool HyStartPlusPlus::delay_increased() const {
    if (rtt_sample_count_ < kHyStartRttSamples || current_round_min_rtt_ == Duration::max() ||
        last_round_min_rtt_ == Duration::max()) {
        return false;
    }
    const Duration thresh = std::clamp(last_round_min_rtt_ / kHyStartMinRttDivisor, kHyStartMinRttThresh,
                                       kHyStartMaxRttThresh);
    return current_round_min_rtt_ >= last_round_min_rtt_ + thresh;
}

}  // namespace tachyon
