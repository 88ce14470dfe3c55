#include "lib/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <vector>

#include "lib/random.hpp"

namespace tachyon {
namespace {

constexpr Duration kTick = Duration::from_us(100);
const Instant kStart = Instant::from_ms(1000);

// A timer that records each firing (its id and the time passed) into a shared log.
struct Fired {
    int id;
    Instant deadline;
    Instant now;
};

struct Probe {
    int id = 0;
    std::vector<Fired>* log = nullptr;
    Instant armed_for;
    Timer timer{&Probe::on_fire, this};

    static void on_fire(Timer& t, Instant now) {
        auto* self = static_cast<Probe*>(t.context());
        EXPECT_FALSE(t.armed());
        self->log->push_back({self->id, self->armed_for, now});
    }
};

struct Fixture {
    explicit Fixture(size_t n, size_t slots = 4096) : wheel(kStart, kTick, slots), probes(n) {
        for (size_t i = 0; i < n; ++i) {
            probes[i].id = static_cast<int>(i);
            probes[i].log = &log;
        }
    }
    void arm(size_t i, Instant deadline) {
        probes[i].armed_for = deadline;
        wheel.arm(probes[i].timer, deadline);
    }
    TimerWheel wheel;
    std::vector<Fired> log;
    std::vector<Probe> probes;
};

TEST(TimerWheel, FiresExactlyAtDeadlineNotBefore) {
    Fixture f(1);
    const Instant deadline = kStart + Duration::from_ms(5) + Duration::from_ns(37);  // mid-tick
    f.arm(0, deadline);
    EXPECT_TRUE(f.probes[0].timer.armed());
    EXPECT_EQ(f.probes[0].timer.deadline(), deadline);
    EXPECT_EQ(f.wheel.advance(deadline - Duration::from_ms(1)), 0u);
    EXPECT_EQ(f.wheel.advance(deadline - Duration::from_ns(1)), 0u);
    EXPECT_TRUE(f.log.empty());
    EXPECT_EQ(f.wheel.advance(deadline), 1u);
    ASSERT_EQ(f.log.size(), 1u);
    EXPECT_EQ(f.log[0].now, deadline);
    EXPECT_FALSE(f.probes[0].timer.armed());
    EXPECT_EQ(f.wheel.armed_count(), 0u);
    EXPECT_EQ(f.wheel.advance(deadline + Duration::from_secs(1)), 0u);  // fires once only
}

TEST(TimerWheel, DeadlineOnTickBoundary) {
    Fixture f(1);
    const Instant deadline = kStart + kTick * 7;
    f.arm(0, deadline);
    EXPECT_EQ(f.wheel.advance(deadline - Duration::from_ns(1)), 0u);
    EXPECT_EQ(f.wheel.advance(deadline), 1u);
}

TEST(TimerWheel, PastDeadlineFiresAtNextAdvance) {
    Fixture f(2);
    f.wheel.advance(kStart + Duration::from_ms(10));
    f.arm(0, kStart + Duration::from_ms(3));  // already past
    f.arm(1, kStart);                          // the wheel's start
    EXPECT_EQ(f.wheel.next_deadline(), kStart);
    EXPECT_EQ(f.wheel.advance(kStart + Duration::from_ms(10)), 2u);  // same time: still fires
    EXPECT_EQ(f.wheel.armed_count(), 0u);
}

TEST(TimerWheel, DeadlineBeforeWheelStart) {
    Fixture f(1);
    f.arm(0, kStart - Duration::from_secs(5));
    EXPECT_EQ(f.wheel.advance(kStart), 1u);
}

TEST(TimerWheel, CancelAndRearm) {
    Fixture f(2);
    const Instant d = kStart + Duration::from_ms(2);
    f.arm(0, d);
    f.arm(1, d);
    EXPECT_EQ(f.wheel.armed_count(), 2u);
    f.wheel.cancel(f.probes[0].timer);
    EXPECT_FALSE(f.probes[0].timer.armed());
    EXPECT_EQ(f.wheel.armed_count(), 1u);
    f.wheel.cancel(f.probes[0].timer);  // no-op when not armed
    EXPECT_EQ(f.wheel.armed_count(), 1u);

    // Re-arming moves the deadline, both later and earlier.
    f.arm(1, d + Duration::from_ms(10));
    EXPECT_EQ(f.wheel.armed_count(), 1u);
    EXPECT_EQ(f.wheel.advance(d + Duration::from_ms(5)), 0u);
    f.arm(1, d + Duration::from_ms(6));
    EXPECT_EQ(f.wheel.armed_count(), 1u);
    EXPECT_EQ(f.wheel.advance(d + Duration::from_ms(6) - Duration::from_ns(1)), 0u);
    EXPECT_EQ(f.wheel.advance(d + Duration::from_ms(20)), 1u);
    ASSERT_EQ(f.log.size(), 1u);
    EXPECT_EQ(f.log[0].id, 1);
    EXPECT_EQ(f.log[0].deadline, d + Duration::from_ms(6));
}

TEST(TimerWheel, DestroyingArmedTimerCancelsIt) {
    TimerWheel wheel(kStart, kTick);
    int fired = 0;
    auto count = [](Timer& t, Instant) { ++*static_cast<int*>(t.context()); };
    {
        Timer t(count, &fired);
        wheel.arm(t, kStart + Duration::from_ms(1));
        EXPECT_EQ(wheel.armed_count(), 1u);
    }
    EXPECT_EQ(wheel.armed_count(), 0u);
    EXPECT_EQ(wheel.next_deadline(), std::nullopt);
    EXPECT_EQ(wheel.advance(kStart + Duration::from_secs(1)), 0u);
    EXPECT_EQ(fired, 0);
}

TEST(TimerWheel, DestroyingWheelDisarmsTimers) {
    Timer t;
    {
        TimerWheel wheel(kStart, kTick);
        wheel.arm(t, kStart + Duration::from_secs(3600));
        EXPECT_TRUE(t.armed());
    }
    EXPECT_FALSE(t.armed());  // and t's destructor must not touch the dead wheel
}

TEST(TimerWheel, TimerWithoutHandlerJustDisarms) {
    TimerWheel wheel(kStart, kTick);
    Timer t;
    wheel.arm(t, kStart + kTick);
    EXPECT_EQ(wheel.advance(kStart + kTick), 1u);
    EXPECT_FALSE(t.armed());
}

TEST(TimerWheel, ManyTimersRandomOrderFireInDeadlineOrder) {
    constexpr size_t kN = 5000;
    Fixture f(kN);
    Random rng(11);
    for (size_t i = 0; i < kN; ++i) {
        // Spread over 0..10 s so that several wheel levels take part.
        f.arm(i, kStart + Duration::from_ns(static_cast<int64_t>(rng.below(10'000'000'000ull))));
    }
    EXPECT_EQ(f.wheel.armed_count(), kN);
    // Several uneven steps, then one big jump.
    size_t fired = 0;
    for (Instant t = kStart; t < kStart + Duration::from_secs(3); t += Duration::from_us(3'777)) {
        fired += f.wheel.advance(t);
    }
    fired += f.wheel.advance(kStart + Duration::from_secs(11));
    EXPECT_EQ(fired, kN);
    ASSERT_EQ(f.log.size(), kN);
    const auto tick_of = [](Instant t) { return (t - kStart).ns() / kTick.ns(); };
    for (size_t i = 0; i < kN; ++i) {
        ASSERT_GE(f.log[i].now, f.log[i].deadline);
        // Order is guaranteed between different ticks (also across advances, since a later advance
        // only fires later deadlines); within one tick any order is allowed.
        if (i > 0) {
            ASSERT_LE(tick_of(f.log[i - 1].deadline), tick_of(f.log[i].deadline)) << "at " << i;
        }
    }
    // The same with a single advance over two hours.
    Fixture g(kN);
    for (size_t i = 0; i < kN; ++i) {
        g.arm(i, kStart + Duration::from_ns(static_cast<int64_t>(rng.below(7'200'000'000'000ull))));
    }
    EXPECT_EQ(g.wheel.advance(kStart + Duration::from_secs(7200)), kN);
    ASSERT_EQ(g.log.size(), kN);
    for (size_t i = 1; i < kN; ++i) {
        ASSERT_LE(tick_of(g.log[i - 1].deadline), tick_of(g.log[i].deadline)) << "at " << i;
    }
}

TEST(TimerWheel, LongTimersWithOneBigJump) {
    Fixture f(4);
    const Instant keepalive = kStart + Duration::from_secs(2 * 3600);
    const Instant time_wait = kStart + Duration::from_secs(60);
    const Instant day = kStart + Duration::from_secs(24 * 3600) + Duration::from_ns(1);
    const Instant year = kStart + Duration::from_secs(365LL * 24 * 3600);
    f.arm(0, keepalive);
    f.arm(1, time_wait);
    f.arm(2, day);
    f.arm(3, year);
    EXPECT_EQ(f.wheel.next_deadline(), time_wait);
    EXPECT_EQ(f.wheel.advance(keepalive - Duration::from_ns(1)), 1u);  // TIME-WAIT only
    ASSERT_EQ(f.log.size(), 1u);
    EXPECT_EQ(f.log[0].id, 1);
    EXPECT_EQ(f.wheel.next_deadline(), keepalive);
    EXPECT_EQ(f.wheel.advance(keepalive), 1u);
    EXPECT_EQ(f.log[1].id, 0);
    EXPECT_EQ(f.wheel.advance(day - Duration::from_ns(1)), 0u);
    EXPECT_EQ(f.wheel.next_deadline(), day);
    EXPECT_EQ(f.wheel.advance(day), 1u);
    EXPECT_EQ(f.wheel.advance(year - Duration::from_ns(1)), 0u);
    EXPECT_EQ(f.wheel.advance(year), 1u);
    EXPECT_EQ(f.wheel.armed_count(), 0u);
}

TEST(TimerWheel, HugeJumpStaysCheap) {
    // Ten years of 100 us ticks is 3e12 ticks: stepping through them would never finish.
    Fixture f(2);
    f.arm(0, kStart + Duration::from_secs(3600));
    f.arm(1, kStart + Duration::from_secs(10LL * 365 * 24 * 3600));
    EXPECT_EQ(f.wheel.advance(kStart + Duration::from_secs(20LL * 365 * 24 * 3600)), 2u);
    EXPECT_EQ(f.log[0].id, 0);
    EXPECT_EQ(f.log[1].id, 1);
    // And the wheel keeps working afterwards.
    const Instant later = kStart + Duration::from_secs(20LL * 365 * 24 * 3600) + Duration::from_ms(3);
    f.arm(0, later);
    EXPECT_EQ(f.wheel.advance(later - Duration::from_ns(1)), 0u);
    EXPECT_EQ(f.wheel.advance(later), 1u);
}

TEST(TimerWheel, ExtremeDeadlines) {
    Fixture f(2);
    f.arm(0, Instant::from_ns(INT64_MAX));
    f.arm(1, Instant::from_ns(INT64_MIN));
    EXPECT_EQ(f.wheel.next_deadline(), Instant::from_ns(INT64_MIN));
    EXPECT_EQ(f.wheel.advance(kStart), 1u);
    EXPECT_EQ(f.wheel.advance(Instant::from_ns(INT64_MAX - 1)), 0u);
    EXPECT_EQ(f.wheel.advance(Instant::from_ns(INT64_MAX)), 1u);
}

TEST(TimerWheel, ArmedCountAndNextDeadline) {
    Fixture f(3);
    EXPECT_EQ(f.wheel.next_deadline(), std::nullopt);
    EXPECT_EQ(f.wheel.armed_count(), 0u);
    const Instant a = kStart + Duration::from_ms(50) + Duration::from_ns(3);
    const Instant b = kStart + Duration::from_secs(30);
    const Instant c = kStart + Duration::from_ms(2);
    f.arm(0, a);
    EXPECT_EQ(f.wheel.next_deadline(), a);
    f.arm(1, b);
    EXPECT_EQ(f.wheel.next_deadline(), a);
    f.arm(2, c);
    EXPECT_EQ(f.wheel.next_deadline(), c);
    EXPECT_EQ(f.wheel.armed_count(), 3u);
    f.wheel.cancel(f.probes[2].timer);
    EXPECT_EQ(f.wheel.next_deadline(), a);
    f.wheel.cancel(f.probes[0].timer);
    EXPECT_EQ(f.wheel.next_deadline(), b);  // only an upper-level timer left
    EXPECT_EQ(f.wheel.armed_count(), 1u);
    f.wheel.advance(b);
    EXPECT_EQ(f.wheel.next_deadline(), std::nullopt);
    EXPECT_EQ(f.wheel.armed_count(), 0u);
}

// Handlers that re-arm, arm others and cancel others during an advance.
struct Chain {
    TimerWheel* wheel = nullptr;
    std::vector<int> order;
    int periodic_left = 0;
    Timer periodic{&Chain::on_periodic, this};
    Timer first{&Chain::on_first, this};
    Timer victim{&Chain::on_victim, this};
    Timer spawned{&Chain::on_spawned, this};
    Timer self_now{&Chain::on_self_now, this};

    static Chain& of(Timer& t) { return *static_cast<Chain*>(t.context()); }
    static void on_periodic(Timer& t, Instant) {
        Chain& c = of(t);
        c.order.push_back(0);
        if (--c.periodic_left > 0) c.wheel->arm(t, t.deadline() + Duration::from_ms(1));
    }
    static void on_first(Timer& t, Instant now) {
        Chain& c = of(t);
        c.order.push_back(1);
        c.wheel->cancel(c.victim);                                   // due in this same advance
        c.wheel->arm(c.spawned, now - Duration::from_ms(1) + Duration::from_us(500));  // also due now
    }
    static void on_victim(Timer& t, Instant) { of(t).order.push_back(2); }
    static void on_spawned(Timer& t, Instant) { of(t).order.push_back(3); }
    static void on_self_now(Timer& t, Instant now) {
        Chain& c = of(t);
        c.order.push_back(4);
        c.wheel->arm(t, now);  // "now" again: must wait for the next advance, not loop
    }
};

TEST(TimerWheel, HandlerRearmsItselfPeriodically) {
    TimerWheel wheel(kStart, kTick);
    Chain c;
    c.wheel = &wheel;
    c.periodic_left = 5;
    wheel.arm(c.periodic, kStart + Duration::from_ms(1));
    // One advance over all five periods fires all five, each only once its own deadline is due.
    EXPECT_EQ(wheel.advance(kStart + Duration::from_ms(5)), 5u);
    EXPECT_EQ(c.order, std::vector<int>(5, 0));
    EXPECT_FALSE(c.periodic.armed());
}

TEST(TimerWheel, HandlerCancelsAndArmsOthersDueInSameAdvance) {
    TimerWheel wheel(kStart, kTick);
    Chain c;
    c.wheel = &wheel;
    wheel.arm(c.first, kStart + Duration::from_ms(1));
    wheel.arm(c.victim, kStart + Duration::from_ms(3));
    EXPECT_EQ(wheel.advance(kStart + Duration::from_ms(4)), 2u);
    // victim was cancelled before its turn; spawned (armed for 3.5 ms) fired in the same advance.
    EXPECT_EQ(c.order, (std::vector<int>{1, 3}));
    EXPECT_FALSE(c.victim.armed());
    EXPECT_EQ(wheel.armed_count(), 0u);
}

TEST(TimerWheel, HandlerCancelsTimerInSameTick) {
    TimerWheel wheel(kStart, kTick);
    Chain c;
    c.wheel = &wheel;
    const Instant d = kStart + Duration::from_ms(1);
    wheel.arm(c.first, d);
    wheel.arm(c.victim, d + Duration::from_ns(10));  // same bucket, behind first
    EXPECT_EQ(wheel.advance(d + Duration::from_ms(2)), 2u);
    EXPECT_EQ(c.order, (std::vector<int>{1, 3}));
}

TEST(TimerWheel, HandlerRearmingAtNowWaitsForNextAdvance) {
    TimerWheel wheel(kStart, kTick);
    Chain c;
    c.wheel = &wheel;
    const Instant d = kStart + Duration::from_ms(1);
    wheel.arm(c.self_now, d);
    EXPECT_EQ(wheel.advance(d), 1u);
    EXPECT_TRUE(c.self_now.armed());
    EXPECT_EQ(wheel.next_deadline(), d);
    EXPECT_EQ(wheel.advance(d), 1u);
    EXPECT_EQ(c.order, (std::vector<int>{4, 4}));
    // Moving on a millisecond: it fires from the overdue list, re-arms for the new now's tick (a later
    // tick than the one being processed, so due in this advance), fires there and re-arms again,
    // this time for the tick being processed, which stops the loop.
    EXPECT_EQ(wheel.advance(d + Duration::from_ms(1)), 2u);
    EXPECT_EQ(c.order, (std::vector<int>{4, 4, 4, 4}));
    EXPECT_TRUE(c.self_now.armed());
    wheel.cancel(c.self_now);
}

struct RearmAtOwnDeadline {
    TimerWheel* wheel = nullptr;
    int fired = 0;
    Timer timer{&RearmAtOwnDeadline::on_fire, this};
    static void on_fire(Timer& t, Instant) {
        auto* self = static_cast<RearmAtOwnDeadline*>(t.context());
        if (++self->fired == 1) self->wheel->arm(t, t.deadline());  // the tick being processed
    }
};

TEST(TimerWheel, HandlerRearmForProcessedTickIsNotLost) {
    // The re-armed timer belongs to a tick the advance has already passed when it ends: it must
    // still fire at the very next advance, not a wheel revolution later.
    TimerWheel wheel(kStart, kTick);
    RearmAtOwnDeadline r;
    r.wheel = &wheel;
    wheel.arm(r.timer, kStart + kTick * 10);
    EXPECT_EQ(wheel.advance(kStart + kTick * 20), 1u);
    EXPECT_TRUE(r.timer.armed());
    EXPECT_EQ(wheel.next_deadline(), kStart + kTick * 10);
    EXPECT_EQ(wheel.advance(kStart + kTick * 20 + Duration::from_ns(1)), 1u);
    EXPECT_EQ(r.fired, 2);
    EXPECT_EQ(wheel.armed_count(), 0u);
}

struct SelfDestruct {
    std::unique_ptr<Timer> timer;
    int fired = 0;
    static void on_fire(Timer& t, Instant) {
        auto* self = static_cast<SelfDestruct*>(t.context());
        ++self->fired;
        self->timer.reset();  // the handler frees its own timer
    }
};

TEST(TimerWheel, HandlerMayDestroyItsOwnTimer) {
    TimerWheel wheel(kStart, kTick);
    SelfDestruct a, b;
    a.timer = std::make_unique<Timer>(&SelfDestruct::on_fire, &a);
    b.timer = std::make_unique<Timer>(&SelfDestruct::on_fire, &b);
    wheel.arm(*a.timer, kStart + kTick);
    wheel.arm(*b.timer, kStart + kTick);
    EXPECT_EQ(wheel.advance(kStart + kTick * 2), 2u);
    EXPECT_EQ(a.fired, 1);
    EXPECT_EQ(b.fired, 1);
    EXPECT_EQ(wheel.armed_count(), 0u);
}

TEST(TimerWheel, BackwardsTimeFiresNothingNew) {
    Fixture f(1);
    f.wheel.advance(kStart + Duration::from_ms(10));
    f.arm(0, kStart + Duration::from_ms(10) + Duration::from_ns(50));
    EXPECT_EQ(f.wheel.advance(kStart + Duration::from_ms(5)), 0u);
    EXPECT_EQ(f.wheel.advance(kStart + Duration::from_ms(10) + Duration::from_ns(49)), 0u);
    EXPECT_EQ(f.wheel.advance(kStart + Duration::from_ms(10) + Duration::from_ns(50)), 1u);
}

TEST(TimerWheel, SlotsAndTickNormalised) {
    TimerWheel a(kStart, kTick, 1000);
    EXPECT_EQ(a.slots(), 1024u);
    TimerWheel huge(kStart, kTick, SIZE_MAX);
    EXPECT_EQ(huge.slots(), size_t{1} << 18);
    TimerWheel b(kStart, Duration::zero(), 1);
    EXPECT_EQ(b.slots(), 64u);
    EXPECT_EQ(b.tick().ns(), 1);
    Timer t;
    b.arm(t, kStart + Duration::from_ns(12345));
    EXPECT_EQ(b.advance(kStart + Duration::from_ns(12344)), 0u);
    EXPECT_EQ(b.advance(kStart + Duration::from_ns(12345)), 1u);
}

// A model check: random arms, cancels and advances of every size against a plain map of deadlines.
// After each advance exactly the timers due by then have fired, and each fired at or after its
// deadline and in tick order.
void run_model(uint64_t seed, size_t slots, Duration tick) {
    constexpr size_t kTimers = 300;
    TimerWheel wheel(kStart, tick, slots);
    struct Model {
        Timer timer;
        bool armed = false;
        Instant deadline;
        int fired = 0;
    };
    std::vector<Model> m(kTimers);
    std::vector<size_t> order;
    struct Ctx {
        std::vector<Model>* m;
        std::vector<size_t>* order;
        size_t index;
    };
    std::vector<Ctx> ctx(kTimers);
    auto handler = [](Timer& t, Instant now) {
        auto* c = static_cast<Ctx*>(t.context());
        Model& mm = (*c->m)[c->index];
        EXPECT_TRUE(mm.armed);
        EXPECT_LE(mm.deadline, now);
        mm.armed = false;
        ++mm.fired;
        c->order->push_back(c->index);
    };
    for (size_t i = 0; i < kTimers; ++i) {
        ctx[i] = {&m, &order, i};
        m[i].timer.set_handler(handler, &ctx[i]);
    }
    Random rng(seed);
    Instant now = kStart;
    const int64_t spans[] = {tick.ns() / 3 + 1, tick.ns() * 10, tick.ns() * static_cast<int64_t>(slots) * 3,
                             Duration::from_secs(60).ns(), Duration::from_secs(3 * 3600).ns()};
    for (int step = 0; step < 3000; ++step) {
        const uint64_t op = rng.below(10);
        if (op < 5) {
            const size_t i = rng.below(kTimers);
            const int64_t span = spans[rng.below(std::size(spans))];
            // Mostly future deadlines, sometimes slightly in the past.
            const Instant d = now + Duration::from_ns(static_cast<int64_t>(rng.below(static_cast<uint64_t>(span))) - span / 20);
            wheel.arm(m[i].timer, d);
            m[i].armed = true;
            m[i].deadline = d;
        } else if (op < 7) {
            const size_t i = rng.below(kTimers);
            wheel.cancel(m[i].timer);
            m[i].armed = false;
        } else {
            const int64_t span = spans[rng.below(std::size(spans))];
            const Instant next = now + Duration::from_ns(static_cast<int64_t>(rng.below(static_cast<uint64_t>(span))));
            std::vector<bool> was_due(kTimers);
            size_t due = 0;
            for (size_t i = 0; i < kTimers; ++i) {
                was_due[i] = m[i].armed && m[i].deadline <= next;
                due += was_due[i];
            }
            order.clear();
            ASSERT_EQ(wheel.advance(next), due) << "seed " << seed << " step " << step;
            ASSERT_EQ(order.size(), due);
            for (size_t k = 1; k < order.size(); ++k) {
                const Instant a = m[order[k - 1]].deadline, b = m[order[k]].deadline;
                // Timers armed in the wheel's past share one overdue list; the rest are in tick order.
                if (a >= now && b >= now) {
                    ASSERT_LE((a - kStart).ns() / tick.ns(), (b - kStart).ns() / tick.ns());
                }
            }
            for (size_t i = 0; i < kTimers; ++i) {
                ASSERT_EQ(m[i].armed, m[i].timer.armed()) << "seed " << seed << " timer " << i;
                if (!was_due[i] && m[i].armed) {
                    ASSERT_GT(m[i].deadline, next);
                }
            }
            now = next;
        }
        ASSERT_EQ(wheel.armed_count(),
                  static_cast<size_t>(std::count_if(m.begin(), m.end(), [](const Model& x) { return x.armed; })));
        std::optional<Instant> expect_next;
        for (const Model& x : m) {
            if (x.armed && (!expect_next || x.deadline < *expect_next)) expect_next = x.deadline;
        }
        ASSERT_EQ(wheel.next_deadline(), expect_next) << "seed " << seed << " step " << step;
    }
    for (Model& x : m) wheel.cancel(x.timer);
}

TEST(TimerWheel, ModelCheckSmallWheel) {
    for (uint64_t seed = 1; seed <= 8; ++seed) run_model(seed, 64, Duration::from_us(100));
}

TEST(TimerWheel, ModelCheckDefaultWheel) {
    for (uint64_t seed = 100; seed <= 104; ++seed) run_model(seed, 4096, Duration::from_us(100));
}

TEST(TimerWheel, ModelCheckOddTick) {
    for (uint64_t seed = 200; seed <= 203; ++seed) run_model(seed, 128, Duration::from_ns(997));
}

}  // namespace
}  // namespace tachyon
