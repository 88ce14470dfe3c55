#include "lib/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "lib/packet.hpp"

namespace tachyon {
namespace {

TEST(SpscRing, CapacityRoundsUpToPowerOfTwo) {
    EXPECT_EQ(SpscRing<int>(8).capacity(), 8u);
    EXPECT_EQ(SpscRing<int>(5).capacity(), 8u);
    EXPECT_EQ(SpscRing<int>(1).capacity(), 1u);
    EXPECT_EQ(SpscRing<int>(0).capacity(), 1u);
}

TEST(SpscRing, FullAndEmpty) {
    SpscRing<int> r(4);
    EXPECT_TRUE(r.empty());
    EXPECT_EQ(r.size(), 0u);
    EXPECT_FALSE(r.try_pop().has_value());
    int out = -1;
    EXPECT_FALSE(r.try_pop(out));
    EXPECT_EQ(out, -1);
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(r.try_push(i));
    EXPECT_EQ(r.size(), 4u);
    EXPECT_FALSE(r.try_push(99));  // full: every slot is usable, none more
    EXPECT_EQ(r.size(), 4u);
    EXPECT_EQ(r.try_pop(), 0);
    EXPECT_TRUE(r.try_push(4));
    EXPECT_FALSE(r.try_push(5));
    for (int i = 1; i <= 4; ++i) {
        ASSERT_TRUE(r.try_pop(out));
        EXPECT_EQ(out, i);
    }
    EXPECT_TRUE(r.empty());
}

TEST(SpscRing, CapacityOne) {
    SpscRing<int> r(1);
    EXPECT_TRUE(r.try_push(1));
    EXPECT_FALSE(r.try_push(2));
    EXPECT_EQ(r.try_pop(), 1);
    EXPECT_TRUE(r.try_push(3));
    EXPECT_EQ(r.try_pop(), 3);
    EXPECT_FALSE(r.try_pop());
}

TEST(SpscRing, WrapsAroundManyTimes) {
    SpscRing<uint64_t> r(8);
    uint64_t next_in = 0, next_out = 0;
    // Uneven batches so that head and tail cross the end of the slot array at every offset.
    for (int round = 0; round < 10000; ++round) {
        const int push = 1 + round % 7;
        for (int i = 0; i < push && r.try_push(next_in); ++i) ++next_in;
        const int pop = 1 + (round * 3) % 6;
        for (int i = 0; i < pop; ++i) {
            auto v = r.try_pop();
            if (!v) break;
            ASSERT_EQ(*v, next_out++);
        }
        ASSERT_EQ(r.size(), next_in - next_out);
    }
    EXPECT_GT(next_out, 10000u);
}

TEST(SpscRing, MoveOnlyType) {
    SpscRing<std::unique_ptr<int>> r(2);
    EXPECT_TRUE(r.try_push(std::make_unique<int>(1)));
    EXPECT_TRUE(r.try_emplace(new int(2)));
    auto rejected = std::make_unique<int>(3);
    EXPECT_FALSE(r.try_push(std::move(rejected)));
    ASSERT_NE(rejected, nullptr);  // a failed push leaves the value with the caller
    EXPECT_EQ(*rejected, 3);
    auto a = r.try_pop();
    ASSERT_TRUE(a && *a);
    EXPECT_EQ(**a, 1);
    std::unique_ptr<int> b;
    ASSERT_TRUE(r.try_pop(b));
    EXPECT_EQ(*b, 2);
}

TEST(SpscRing, CarriesPacketsAndDestroysLeftovers) {
    PacketPool pool(8);
    {
        SpscRing<Packet> r(4);
        for (int i = 0; i < 4; ++i) {
            Packet p = pool.alloc();
            p.append(static_cast<size_t>(i + 1));
            ASSERT_TRUE(r.try_push(std::move(p)));
        }
        Packet extra = pool.alloc();
        EXPECT_FALSE(r.try_push(std::move(extra)));
        EXPECT_TRUE(extra);  // still ours
        extra.reset();
        auto p = r.try_pop();
        ASSERT_TRUE(p && *p);
        EXPECT_EQ(p->size(), 1u);
        p.reset();
        EXPECT_EQ(pool.in_use(), 3u);
        // Three packets still in the ring: its destructor releases them.
    }
    EXPECT_EQ(pool.in_use(), 0u);
}

TEST(SpscRing, DestroysLeftoverObjects) {
    auto shared = std::make_shared<int>(0);
    {
        SpscRing<std::shared_ptr<int>> r(16);
        for (int i = 0; i < 10; ++i) ASSERT_TRUE(r.try_push(shared));
        EXPECT_EQ(shared.use_count(), 11);
        for (int i = 0; i < 3; ++i) ASSERT_TRUE(r.try_pop());
        EXPECT_EQ(shared.use_count(), 8);
    }
    EXPECT_EQ(shared.use_count(), 1);
}

TEST(SpscRing, TwoThreadsPreserveOrder) {
    constexpr uint64_t kItems = 1'000'000;
    SpscRing<uint64_t> r(1024);
    uint64_t consumer_errors = 0;
    uint64_t received = 0;
    std::thread consumer([&] {
        uint64_t expect = 0;
        while (expect < kItems) {
            uint64_t v;
            if (!r.try_pop(v)) {
                std::this_thread::yield();  // a small machine: let the producer run
                continue;
            }
            if (v != expect) ++consumer_errors;
            expect = v + 1;
            ++received;
        }
    });
    std::thread producer([&] {
        for (uint64_t i = 0; i < kItems; ++i) {
            while (!r.try_push(i)) std::this_thread::yield();
        }
    });
    producer.join();
    consumer.join();
    EXPECT_EQ(consumer_errors, 0u);
    EXPECT_EQ(received, kItems);
    EXPECT_TRUE(r.empty());
}

TEST(SpscRing, TwoThreadsMoveOnlyStrings) {
    constexpr int kItems = 100'000;
    SpscRing<std::unique_ptr<std::string>> r(64);
    int bad = 0;
    std::thread consumer([&] {
        for (int i = 0; i < kItems;) {
            auto v = r.try_pop();
            if (!v) {
                std::this_thread::yield();
                continue;
            }
            if (!*v || **v != std::to_string(i)) ++bad;
            ++i;
        }
    });
    for (int i = 0; i < kItems; ++i) {
        auto s = std::make_unique<std::string>(std::to_string(i));
        while (!r.try_push(std::move(s))) std::this_thread::yield();
    }
    consumer.join();
    EXPECT_EQ(bad, 0);
}

}  // namespace
}  // namespace tachyon
