#include "lib/random.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace tachyon {
namespace {

TEST(Random, DeterministicPerSeed) {
    Random a(42), b(42), c(43);
    std::vector<uint64_t> va, vb, vc;
    for (int i = 0; i < 1000; ++i) {
        va.push_back(a.next_u64());
        vb.push_back(b.next_u64());
        vc.push_back(c.next_u64());
    }
    EXPECT_EQ(va, vb);
    EXPECT_NE(va, vc);
}

TEST(Random, ZeroSeedIsNotDegenerate) {
    Random r(0);
    uint64_t ored = 0;
    for (int i = 0; i < 16; ++i) ored |= r.next_u64();
    EXPECT_NE(ored, 0u);
}

TEST(Random, BelowStaysInRangeAndCoversIt) {
    Random r(7);
    for (uint64_t n : {1ull, 2ull, 3ull, 10ull, 1000ull, 1ull << 40, ~0ull}) {
        for (int i = 0; i < 10000; ++i) ASSERT_LT(r.below(n), n) << "n " << n;
    }
    std::array<int, 10> hits{};
    for (int i = 0; i < 100000; ++i) ++hits[r.below(10)];
    for (int h : hits) {
        EXPECT_GT(h, 9000);  // expectation 10000; a fair generator is never this far off
        EXPECT_LT(h, 11000);
    }
    EXPECT_EQ(r.below(1), 0u);
}

TEST(Random, UnitAndChance) {
    Random r(9);
    int heads = 0;
    for (int i = 0; i < 100000; ++i) {
        const double u = r.unit();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
        heads += r.chance(0.25) ? 1 : 0;
    }
    EXPECT_GT(heads, 23000);
    EXPECT_LT(heads, 27000);
    EXPECT_FALSE(r.chance(0.0));
    EXPECT_TRUE(r.chance(1.0));
}

TEST(Random, U32IsHighHalfOfU64) {
    Random a(5), b(5);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_u32(), static_cast<uint32_t>(b.next_u64() >> 32));
}

}  // namespace
}  // namespace tachyon
