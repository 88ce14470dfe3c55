#include "lib/time.hpp"

#include <gtest/gtest.h>

namespace tachyon {
namespace {

TEST(Duration, UnitsAndConversions) {
    EXPECT_EQ(Duration::from_us(3).ns(), 3'000);
    EXPECT_EQ(Duration::from_ms(3).ns(), 3'000'000);
    EXPECT_EQ(Duration::from_secs(3).ns(), 3'000'000'000);
    EXPECT_EQ(Duration::from_secs(7200).ns(), 7'200'000'000'000);
    EXPECT_EQ(Duration::from_ns(1'999'999).ms(), 1);  // truncates
    EXPECT_EQ(Duration::from_ns(1'999).us(), 1);
    EXPECT_EQ(Duration::from_ns(-1'500).us(), -1);    // toward zero
    EXPECT_DOUBLE_EQ(Duration::from_ms(1500).secs(), 1.5);
    EXPECT_EQ(Duration::zero().ns(), 0);
    EXPECT_EQ(Duration().ns(), 0);
    EXPECT_EQ(Duration::max().ns(), INT64_MAX);
}

TEST(Duration, Arithmetic) {
    const Duration a = Duration::from_ms(10), b = Duration::from_ms(4);
    EXPECT_EQ((a + b).ms(), 14);
    EXPECT_EQ((a - b).ms(), 6);
    EXPECT_EQ((b - a).ms(), -6);
    EXPECT_EQ((a * 3).ms(), 30);
    EXPECT_EQ((a / 4).us(), 2'500);
    Duration c = a;
    c += b;
    EXPECT_EQ(c.ms(), 14);
    c -= a;
    EXPECT_EQ(c, b);
    EXPECT_LT(b, a);
    EXPECT_GT(a, b);
    EXPECT_LE(a, a);
    EXPECT_NE(a, b);
}

TEST(Instant, Arithmetic) {
    const Instant t0 = Instant::from_ms(1000);
    EXPECT_EQ(t0.ns(), 1'000'000'000);
    const Instant t1 = t0 + Duration::from_us(250);
    EXPECT_EQ((t1 - t0).us(), 250);
    EXPECT_EQ((t0 - t1).us(), -250);
    EXPECT_EQ(t1 - Duration::from_us(250), t0);
    EXPECT_LT(t0, t1);
    Instant t2 = t0;
    t2 += Duration::from_ns(1);
    EXPECT_EQ(t2.ns(), t0.ns() + 1);
    EXPECT_EQ(Instant().ns(), 0);
    EXPECT_EQ(Instant::from_ns(-5).ns(), -5);
}

TEST(ManualClock, MovesOnlyWhenTold) {
    ManualClock clock(Instant::from_ms(5));
    const Clock& c = clock;
    EXPECT_EQ(c.now(), Instant::from_ms(5));
    EXPECT_EQ(c.now(), Instant::from_ms(5));
    clock.advance(Duration::from_us(10));
    EXPECT_EQ(c.now().ns(), 5'010'000);
    clock.set(Instant::from_ms(1));  // may be set anywhere, even back
    EXPECT_EQ(c.now(), Instant::from_ms(1));
    ManualClock zero;
    EXPECT_EQ(zero.now().ns(), 0);
}

TEST(TscClock, MonotonicOverManyReads) {
    TscClock clock;
    if (clock.uses_tsc()) {
        EXPECT_GT(clock.tsc_hz(), 1e6);
    }
    Instant prev = clock.now();
    for (int i = 0; i < 1'000'000; ++i) {
        const Instant t = clock.now();
        ASSERT_GE(t, prev) << "read " << i;
        prev = t;
    }
    // A million reads take some time: the clock moved.
    EXPECT_GT(prev, Instant::from_ns(0));
}

}  // namespace
}  // namespace tachyon
