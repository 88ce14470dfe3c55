#include <gtest/gtest.h>

#include <memory>

#include "lib/fixed_ring.hpp"

namespace tachyon {
namespace {

TEST(FixedRing, FifoOrderAndBounds) {
    FixedRing<int> ring(3);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(ring.push_back(int{i}));
    int extra = 9;
    EXPECT_FALSE(ring.push_back(std::move(extra)));
    EXPECT_EQ(extra, 9);  // refused: the value stays with the caller
    EXPECT_EQ(ring.pop_front(), 0);
    EXPECT_TRUE(ring.push_back(std::move(extra)));
    EXPECT_EQ(ring.pop_front(), 1);
    EXPECT_EQ(ring.pop_front(), 2);
    EXPECT_EQ(ring.pop_front(), 9);
    EXPECT_TRUE(ring.empty());
}

TEST(FixedRing, ContiguousFrontStopsAtTheWrap) {
    FixedRing<int> ring(4);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(ring.push_back(int{i}));
    (void)ring.pop_front();
    (void)ring.pop_front();
    ASSERT_TRUE(ring.push_back(4));
    ASSERT_TRUE(ring.push_back(5));
    auto run = ring.contiguous_front(32);
    ASSERT_EQ(run.size(), 2u);  // slots 2 and 3; 4 and 5 wrapped to slots 0 and 1
    EXPECT_EQ(run[0], 2);
    EXPECT_EQ(run[1], 3);
    ring.drop_front(2);
    EXPECT_EQ(ring.front(), 4);
    EXPECT_EQ(ring.size(), 2u);
}

TEST(FixedRing, MoveOnlyElementsAndMovedRing) {
    FixedRing<std::unique_ptr<int>> ring(2);
    ASSERT_TRUE(ring.push_back(std::make_unique<int>(7)));
    FixedRing<std::unique_ptr<int>> moved = std::move(ring);
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_EQ(*moved.pop_front(), 7);
    EXPECT_TRUE(moved.empty());
}

}  // namespace
}  // namespace tachyon
