// Timers: a hierarchical hashed timing wheel (Varghese & Lauck 1987, scheme 7) with intrusive,
// allocation-free timers and O(1) arm/cancel.
//
// Level 0 has `slots` buckets of one tick each (default 4096 x 100 us = 410 ms, which covers RTO,
// delayed ACK and persist timers). Above it sit levels of 64 buckets, each bucket as wide as the whole
// level below, until all 64 bits of the tick count are covered: 2 h keepalive and 60 s TIME-WAIT
// timers cost one arm and at most a few cascades, never a scan per round. A timer is kept at the
// level of the highest tick digit in which its expiry differs from the wheel's current tick, so a
// level's buckets at or before the current digit are always empty and finding the next non-empty
// bucket is a bitmap search (two-level bitmap at level 0). advance() jumps from one non-empty bucket
// to the next, so a manual clock that leaps hours forward costs O(fired + cascaded + levels), not one
// step per tick.
//
// Timers never fire early: a bucket holds deadlines within one tick, and the bucket of the tick that
// contains `now` is filtered by the exact deadline. Firing order follows the bucket (tick) order, so
// timers whose deadlines differ by at least a tick fire in deadline order; timers within one tick
// fire in the order they were armed. (Exception: timers armed with deadlines already at or before the
// wheel's current tick share one "overdue" list and fire first, in arming order.)
//
// Single-threaded, like the stack that owns it. Handlers must not throw, call advance() or destroy
// the wheel; they may arm, cancel or destroy any timer, including themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "lib/time.hpp"

namespace tachyon {

class TimerWheel;

namespace detail {
// The links of a circular doubly linked list; list heads are bare links, timers derive from it.
struct TimerLink {
    TimerLink* prev = nullptr;
    TimerLink* next = nullptr;
};
}  // namespace detail

// An intrusive timer node embedded in its owner (a connection, an ARP entry ...). Non-copyable and
// non-movable because the wheel points at it while it is armed.
class Timer : private detail::TimerLink {
public:
    using Handler = void (*)(Timer& timer, Instant now);

    Timer() = default;
    explicit Timer(Handler handler, void* context = nullptr) : handler_(handler), context_(context) {}
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;
    ~Timer();  // cancels itself if armed

    void set_handler(Handler handler, void* context = nullptr) {
        handler_ = handler;
        context_ = context;
    }
    bool armed() const { return wheel_ != nullptr; }
    // Valid while armed, and inside its handler (the deadline that fired: handy for re-arming a
    // periodic timer without drift).
    Instant deadline() const { return deadline_; }
    void* context() const { return context_; }

private:
    friend class TimerWheel;

    Handler handler_ = nullptr;
    void* context_ = nullptr;
    TimerWheel* wheel_ = nullptr;  // non-null exactly while armed
    Instant deadline_;
    uint32_t bucket_ = 0;  // index of the list head this timer is linked into
};

class TimerWheel {
public:
    // `slots` is rounded up to a power of two within [64, 2^18]; a non-positive tick becomes 1 ns.
    explicit TimerWheel(Instant start, Duration tick = Duration::from_us(100), size_t slots = 4096);
    TimerWheel(const TimerWheel&) = delete;
    TimerWheel& operator=(const TimerWheel&) = delete;
    ~TimerWheel();  // disarms all timers still armed

    // (Re-)arms t. A deadline at or before the wheel's current tick fires at the next advance().
    void arm(Timer& t, Instant deadline);
    // No-op if t is not armed.
    void cancel(Timer& t);
    // Fires every timer with deadline <= now, never one with deadline > now, and returns how many
    // fired. Handlers may arm and cancel timers; a timer armed from a handler with a deadline in the
    // tick being processed (or earlier) fires at the next advance(), which keeps a handler that
    // re-arms itself "now" from looping forever. Going backwards in time fires nothing new.
    // Inline for a busy-polling loop's common case, many polls per tick with nothing due: the
    // call and its register saves cost more than the check.
    size_t advance(Instant now) {
        const detail::TimerLink* heads = heads_.data();
        if (now.ns() < next_tick_ns_ && heads[overdue_].next == &heads[overdue_]) {
            const detail::TimerLink& current = heads[current_ & l0_mask_];
            if (current.next == &current) return 0;
        }
        return advance_due(now);
    }
    // The earliest armed deadline (exact), or nullopt if no timer is armed.
    std::optional<Instant> next_deadline() const;
    size_t armed_count() const { return armed_; }

    Duration tick() const { return Duration::from_ns(static_cast<int64_t>(tick_ns_)); }
    size_t slots() const { return l0_slots_; }

private:
    static constexpr unsigned kUpperBits = 6;  // 64 buckets per upper level: one bitmap word
    static constexpr uint32_t kUpperSlots = 1u << kUpperBits;
    static constexpr uint32_t kNone = UINT32_MAX;

    static Timer& timer_of(detail::TimerLink* l) { return static_cast<Timer&>(*l); }
    static detail::TimerLink& link_of(Timer& t) { return t; }

    size_t advance_due(Instant now);
    uint64_t to_tick(Instant t) const;
    uint32_t bucket_for(uint64_t expiry) const;
    void link(Timer& t, uint32_t bucket);
    void unlink(Timer& t);
    void mark(uint32_t bucket);
    void unmark_if_empty(uint32_t bucket);
    uint32_t find_l0(uint32_t from) const;
    void note_removed(Instant deadline);
    void fire(Timer& t, Instant now);
    size_t run_bucket(uint32_t bucket, Instant now);
    size_t run_level0(uint32_t last, Instant now);
    bool cascade_next(uint64_t target);
    void cascade(uint32_t bucket);
    std::optional<Instant> min_deadline_in(uint32_t bucket) const;
    std::optional<Instant> compute_next_deadline() const;
    void update_next_tick();

    int64_t start_ns_;
    uint64_t tick_ns_;
    uint64_t tick_recip_;  // floor((2^64 - 1) / tick_ns_): division by the tick as a multiply
    unsigned l0_bits_;
    uint32_t l0_slots_;
    uint64_t l0_mask_;
    unsigned levels_;        // upper levels
    uint32_t overdue_;       // bucket index of the overdue list (after all wheel buckets)
    uint64_t current_ = 0;   // current tick: every timer expiring before it has fired
    int64_t next_tick_ns_ = 0;  // start of tick current_ + 1, the earliest time advance() must move
    size_t armed_ = 0;

    std::vector<detail::TimerLink> heads_;  // level 0, then each upper level, then the overdue list
    std::vector<uint64_t> l0_words_;        // one bit per level-0 bucket
    std::vector<uint64_t> l0_summary_;      // one bit per non-zero word of l0_words_
    std::vector<uint64_t> upper_words_;     // one word per upper level

    // next_deadline() cache: stays exact across arms (min) and is dropped only when the earliest
    // timer goes away, so a poll loop asking every iteration rarely recomputes.
    mutable std::optional<Instant> next_cache_;
    mutable bool next_valid_ = true;
};

inline Timer::~Timer() {
    if (wheel_ != nullptr) wheel_->cancel(*this);
}

}  // namespace tachyon
