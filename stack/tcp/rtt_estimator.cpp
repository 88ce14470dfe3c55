#include "stack/tcp/rtt_estimator.hpp"

#include <algorithm>

namespace tachyon {

void RttEstimator::configure(Duration initial_rto, Duration min_rto, Duration max_rto) {
    min_rto_ = min_rto;
    max_rto_ = max_rto;
    base_rto_ = std::clamp(initial_rto, min_rto_, max_rto_);  // 2.1: 1 s before any sample
    srtt_ = Duration::zero();
    rttvar_ = Duration::zero();
    backoff_ = 0;
    has_sample_ = false;
}

void RttEstimator::sample(Duration r) {
    if (r < Duration::zero()) return;
    if (!has_sample_) {
        // 2.2: SRTT <- R, RTTVAR <- R/2.
        srtt_ = r;
        rttvar_ = r / 2;
        has_sample_ = true;
    } else {
        // 2.3 with alpha = 1/8, beta = 1/4; RTTVAR first, from the old SRTT.
        const Duration err = srtt_ > r ? srtt_ - r : r - srtt_;
        rttvar_ = (rttvar_ * 3 + err) / 4;
        srtt_ = (srtt_ * 7 + r) / 8;
    }
    // RTO <- SRTT + max(G, K*RTTVAR) with K = 4; 2.4 and 2.5 clamp it.
    base_rto_ = std::clamp(srtt_ + std::max(kGranularity, rttvar_ * 4), min_rto_, max_rto_);
    backoff_ = 0;
}

void RttEstimator::backoff() {
    if (rto() < max_rto_) ++backoff_;
}

Duration RttEstimator::rto() const {
    Duration r = base_rto_;
    for (uint32_t i = 0; i < backoff_ && r < max_rto_; ++i) r = r * 2;
    return std::min(r, max_rto_);
}

}  // namespace tachyon
