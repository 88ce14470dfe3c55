#include "lib/seq.hpp"

#include <gtest/gtest.h>

namespace tachyon {
namespace {

TEST(SeqNum, ComparesAcrossWrapAround) {
    const SeqNum before(0xffff'fff0u);
    const SeqNum after(0x0000'0010u);
    EXPECT_TRUE(before < after);
    EXPECT_TRUE(before <= after);
    EXPECT_TRUE(after > before);
    EXPECT_TRUE(after >= before);
    EXPECT_FALSE(after < before);
    EXPECT_EQ(after - before, 0x20);
    EXPECT_EQ(before - after, -0x20);
    EXPECT_EQ(before + 0x20u, after);
    EXPECT_EQ(after - 0x20u, before);
}

TEST(SeqNum, ArithmeticWraps) {
    SeqNum s(0xffff'ffffu);
    s += 1;
    EXPECT_EQ(s.raw(), 0u);
    s -= 2;
    EXPECT_EQ(s.raw(), 0xffff'fffeu);
    EXPECT_EQ((SeqNum(5) + 0xffff'ffffu).raw(), 4u);
}

TEST(SeqNum, EqualIsBothLessEqualAndGreaterEqual) {
    const SeqNum a(42);
    EXPECT_TRUE(a <= a);
    EXPECT_TRUE(a >= a);
    EXPECT_FALSE(a < a);
    EXPECT_FALSE(a > a);
    EXPECT_EQ(a - a, 0);
}

TEST(SeqNum, HalfSpaceBoundary) {
    // Within 2^31 - 1 the order is meaningful; exactly 2^31 apart the distance is INT32_MIN.
    const SeqNum a(0);
    EXPECT_TRUE(a < SeqNum(0x7fff'ffffu));
    EXPECT_TRUE(SeqNum(0x7fff'ffffu) > a);
    EXPECT_EQ(SeqNum(0x8000'0000u) - a, INT32_MIN);
    EXPECT_TRUE(SeqNum(0x8000'0001u) < a);  // more than half the space ahead reads as behind
}

TEST(SeqNum, MinMax) {
    const SeqNum a(0xffff'ff00u), b(0x100);
    EXPECT_EQ(seq_max(a, b), b);
    EXPECT_EQ(seq_max(b, a), b);
    EXPECT_EQ(seq_min(a, b), a);
    EXPECT_EQ(seq_min(b, a), a);
}

TEST(SeqNum, InWindowEdges) {
    const SeqNum lo(1000), hi(2000);
    EXPECT_TRUE(seq_in_window(lo, lo, hi));          // lo is inside
    EXPECT_FALSE(seq_in_window(hi, lo, hi));         // hi is outside
    EXPECT_TRUE(seq_in_window(hi - 1, lo, hi));
    EXPECT_FALSE(seq_in_window(lo - 1, lo, hi));
    EXPECT_FALSE(seq_in_window(lo, lo, lo));         // empty window holds nothing
    EXPECT_FALSE(seq_in_window(SeqNum(5000), lo, hi));
}

TEST(SeqNum, InWindowAcrossWrap) {
    const SeqNum lo(0xffff'fff0u), hi(0x10);
    EXPECT_TRUE(seq_in_window(SeqNum(0xffff'fff0u), lo, hi));
    EXPECT_TRUE(seq_in_window(SeqNum(0xffff'ffffu), lo, hi));
    EXPECT_TRUE(seq_in_window(SeqNum(0), lo, hi));
    EXPECT_TRUE(seq_in_window(SeqNum(0xf), lo, hi));
    EXPECT_FALSE(seq_in_window(SeqNum(0x10), lo, hi));
    EXPECT_FALSE(seq_in_window(SeqNum(0xffff'ffefu), lo, hi));
}

TEST(SeqNum, ConstexprUsable) {
    static_assert(SeqNum(1) < SeqNum(2));
    static_assert(SeqNum(0xffff'ffffu) < SeqNum(0));
    static_assert(seq_in_window(SeqNum(0), SeqNum(0xffff'ffffu), SeqNum(1)));
}

}  // namespace
}  // namespace tachyon
