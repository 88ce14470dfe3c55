#include "lib/time.hpp"

#include <ctime>

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

namespace tachyon {
namespace {

constexpr int kShift = 24;
__extension__ typedef __int128 i128;

int64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool has_invariant_tsc() {
#if defined(__x86_64__)
    unsigned a = 0, b = 0, c = 0, d = 0;
    // The cast: gcc declares the result unsigned, clang int.
    if (static_cast<unsigned>(__get_cpuid_max(0x80000000, nullptr)) < 0x80000007u) return false;
    __cpuid(0x80000007, a, b, c, d);
    return (d & (1u << 8)) != 0;
#else
    return false;
#endif
}

uint64_t read_tsc() {
#if defined(__x86_64__)
    return __rdtsc();
#else
    return 0;
#endif
}

}  // namespace

TscClock::TscClock() {
    use_tsc_ = has_invariant_tsc();
    if (!use_tsc_) return;
    // Calibrate over ~20 ms of busy waiting: long enough for a frequency error well under 0.01%.
    const int64_t ns0 = monotonic_ns();
    const uint64_t tsc0 = read_tsc();
    int64_t ns1 = ns0;
    while (ns1 - ns0 < 20'000'000) ns1 = monotonic_ns();
    const uint64_t tsc1 = read_tsc();
    tsc_hz_ = static_cast<double>(tsc1 - tsc0) * 1e9 / static_cast<double>(ns1 - ns0);
    if (tsc_hz_ < 1e6) {
        use_tsc_ = false;
        return;
    }
    mult_ = static_cast<uint64_t>((1e9 / tsc_hz_) * static_cast<double>(1ull << kShift));
    tsc_base_ = tsc1;
    base_ns_ = ns1;
}

Instant TscClock::now() const {
    if (!use_tsc_) return Instant::from_ns(monotonic_ns());
    // Signed: a core whose TSC reads slightly behind the calibrating core's must not wrap around
    // to a time centuries ahead.
    const i128 delta = static_cast<int64_t>(read_tsc() - tsc_base_);
    return Instant::from_ns(base_ns_ + static_cast<int64_t>((delta * static_cast<i128>(mult_)) >> kShift));
}

}  // namespace tachyon
