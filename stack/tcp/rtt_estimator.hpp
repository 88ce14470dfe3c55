// The retransmission timeout of RFC 6298: SRTT and RTTVAR from round-trip samples (section 2),
// exponential backoff on expiry (5.5), clamped to [min_rto, max_rto]. Karn's rule (section 3) is
// the caller's: it feeds no sample taken over a retransmitted segment.
#pragma once

#include <cstdint>

#include "lib/time.hpp"

namespace tachyon {

class RttEstimator {
public:
    // RFC 6298 section 4: clock granularity G.
    static constexpr Duration kGranularity = Duration::from_ms(1);

    void configure(Duration initial_rto, Duration min_rto, Duration max_rto);

    // A measurement R (2.2 for the first, 2.3 after); clears the backoff.
    void sample(Duration r);
    // 5.5: doubles the timeout, up to max_rto.
    void backoff();

    // The timeout to arm now (with backoff applied).
    Duration rto() const;
    bool has_sample() const { return has_sample_; }
    Duration srtt() const { return srtt_; }
    Duration rttvar() const { return rttvar_; }
    uint32_t backoff_count() const { return backoff_; }

private:
    Duration base_rto_ = Duration::from_secs(1);
    Duration min_rto_ = Duration::from_ms(200);
    Duration max_rto_ = Duration::from_secs(120);
    Duration srtt_;
    Duration rttvar_;
    uint32_t backoff_ = 0;
    bool has_sample_ = false;
};

}  // namespace tachyon
