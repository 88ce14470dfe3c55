#include "apps/idle.hpp"

#include <algorithm>
#include <ctime>

namespace tachyon::apps {

void Idler::idle() {
    if (mode_ == IdleMode::kBusy) return;
    if (idle_polls_ < kSpinPolls) {
        ++idle_polls_;
        return;
    }
    const timespec ts{0, static_cast<long>(sleep_.ns())};
    nanosleep(&ts, nullptr);
    ++sleeps_;
    sleep_ = std::min(sleep_ * 2, kMaxSleep);
}

}  // namespace tachyon::apps
