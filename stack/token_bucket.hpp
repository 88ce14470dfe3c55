// A token bucket over the stack's clock: `rate` tokens per second, holding at most `burst`. Used to
// rate-limit ICMP errors as Linux's icmp_global_allow() does. The credit is kept in nanoseconds so
// that calls at any spacing earn exactly the time that passed (up to the bucket's size).
#pragma once

#include <algorithm>
#include <cstdint>

#include "lib/time.hpp"

namespace tachyon {

class TokenBucket {
public:
    // rate 0: no limit.
    TokenBucket(uint32_t rate_per_sec, uint32_t burst, Instant now)
        : cost_ns_(rate_per_sec == 0 ? 0 : 1'000'000'000 / rate_per_sec),
          cap_ns_(cost_ns_ * burst),
          credit_ns_(cap_ns_),
          last_(now) {}

    // Takes one token if there is one.
    bool allow(Instant now) {
        if (cost_ns_ == 0) return true;
        if (now > last_) {
            credit_ns_ = std::min(cap_ns_, credit_ns_ + std::min((now - last_).ns(), cap_ns_));
            last_ = now;
        }
        if (credit_ns_ < cost_ns_) return false;
        credit_ns_ -= cost_ns_;
        return true;
    }

private:
    int64_t cost_ns_;
    int64_t cap_ns_;
    int64_t credit_ns_;
    Instant last_;
};

}  // namespace tachyon
