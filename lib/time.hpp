// Strong time types and the injected clock. The stack never reads a system clock directly: it asks
// a Clock, which is TSC-based in production and a ManualClock that tests advance explicitly.
#pragma once

#include <compare>
#include <cstdint>

namespace tachyon {

// A signed span of time in nanoseconds.
class Duration {
public:
    constexpr Duration() = default;
    static constexpr Duration from_ns(int64_t ns) { return Duration(ns); }
    static constexpr Duration from_us(int64_t us) { return Duration(us * 1'000); }
    static constexpr Duration from_ms(int64_t ms) { return Duration(ms * 1'000'000); }
    static constexpr Duration from_secs(int64_t s) { return Duration(s * 1'000'000'000); }
    static constexpr Duration zero() { return Duration(0); }
    static constexpr Duration max() { return Duration(INT64_MAX); }

    constexpr int64_t ns() const { return ns_; }
    constexpr int64_t us() const { return ns_ / 1'000; }
    constexpr int64_t ms() const { return ns_ / 1'000'000; }
    constexpr double secs() const { return static_cast<double>(ns_) / 1e9; }

    constexpr auto operator<=>(const Duration&) const = default;
    constexpr Duration operator+(Duration o) const { return Duration(ns_ + o.ns_); }
    constexpr Duration operator-(Duration o) const { return Duration(ns_ - o.ns_); }
    constexpr Duration operator*(int64_t k) const { return Duration(ns_ * k); }
    constexpr Duration operator/(int64_t k) const { return Duration(ns_ / k); }
    constexpr Duration& operator+=(Duration o) { ns_ += o.ns_; return *this; }
    constexpr Duration& operator-=(Duration o) { ns_ -= o.ns_; return *this; }

private:
    constexpr explicit Duration(int64_t ns) : ns_(ns) {}
    int64_t ns_ = 0;
};

// A point on a clock's monotonic timeline, in nanoseconds since the clock's own epoch.
class Instant {
public:
    constexpr Instant() = default;
    static constexpr Instant from_ns(int64_t ns) { return Instant(ns); }
    static constexpr Instant from_ms(int64_t ms) { return Instant(ms * 1'000'000); }
    constexpr int64_t ns() const { return ns_; }

    constexpr auto operator<=>(const Instant&) const = default;
    constexpr Instant operator+(Duration d) const { return Instant(ns_ + d.ns()); }
    constexpr Instant operator-(Duration d) const { return Instant(ns_ - d.ns()); }
    constexpr Duration operator-(Instant o) const { return Duration::from_ns(ns_ - o.ns_); }
    constexpr Instant& operator+=(Duration d) { ns_ += d.ns(); return *this; }

private:
    constexpr explicit Instant(int64_t ns) : ns_(ns) {}
    int64_t ns_ = 0;
};

class Clock {
public:
    virtual ~Clock() = default;
    virtual Instant now() const = 0;
};

// A clock that moves only when told to: tests and deterministic simulation drive time through it.
class ManualClock final : public Clock {
public:
    explicit ManualClock(Instant start = Instant::from_ns(0)) : now_(start) {}
    Instant now() const override { return now_; }
    void advance(Duration d) { now_ += d; }
    void set(Instant t) { now_ = t; }

private:
    Instant now_;
};

// Monotonic clock read from the CPU's invariant TSC, calibrated once against CLOCK_MONOTONIC.
// Reading it costs an rdtsc and a multiply, no system call. Falls back to CLOCK_MONOTONIC on CPUs
// without an invariant TSC (or on non-x86), where the vDSO keeps it free of system calls too.
class TscClock final : public Clock {
public:
    TscClock();
    Instant now() const override;
    bool uses_tsc() const { return use_tsc_; }
    double tsc_hz() const { return tsc_hz_; }

private:
    bool use_tsc_ = false;
    double tsc_hz_ = 0;
    uint64_t tsc_base_ = 0;
    // ns = base_ns + ((tsc - tsc_base) * mult) >> kShift
    uint64_t mult_ = 0;
    int64_t base_ns_ = 0;
};

}  // namespace tachyon
