// The idle strategy of the run loop (DESIGN.md "Execution model"): after a poll that found no
// work, either poll again at once (busy) or back off: spin a few more polls, then sleep, 1 us at
// first and twice as long after each further idle poll up to 1 ms. Any work resets it, so a
// loaded loop never sleeps and an idle one costs about a thousand wake-ups a second.
#pragma once

#include <cstdint>

#include "apps/net_options.hpp"
#include "lib/time.hpp"

namespace tachyon::apps {

class Idler {
public:
    static constexpr uint32_t kSpinPolls = 64;  // idle polls before the first sleep
    static constexpr Duration kMinSleep = Duration::from_us(1);
    static constexpr Duration kMaxSleep = Duration::from_ms(1);

    explicit Idler(IdleMode mode) : mode_(mode) {}

    // After each poll: `work` says whether it did anything.
    void after_poll(bool work) {
        if (work) {
            reset();
        } else {
            idle();
        }
    }
    void reset() {
        idle_polls_ = 0;
        sleep_ = kMinSleep;
    }
    // One idle poll: nothing (busy), or a spin or a sleep (backoff).
    void idle();

    IdleMode mode() const { return mode_; }
    uint64_t sleeps() const { return sleeps_; }

private:
    IdleMode mode_;
    uint32_t idle_polls_ = 0;
    Duration sleep_ = kMinSleep;
    uint64_t sleeps_ = 0;
};

}  // namespace tachyon::apps
