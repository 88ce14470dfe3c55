// The stack's small parts on their own: the ARP table, the token bucket, the TX queue.
#include <gtest/gtest.h>

#include "drivers/memory/memory_link.hpp"
#include "stack/arp_cache.hpp"
#include "stack/token_bucket.hpp"
#include "stack/tx_queue.hpp"

namespace tachyon {
namespace {

void no_handler(Timer&, Instant) {}

Ipv4Address host(uint32_t i) { return Ipv4Address{0x0a000000u + i}; }

TEST(ArpCache, InsertFindRemoveAcrossChains) {
    TimerWheel wheel(Instant{});
    ArpConfig config;
    config.max_entries = 100;
    ArpCache cache(config, wheel, 99, &no_handler, nullptr);
    for (uint32_t i = 0; i < 100; ++i) ASSERT_NE(cache.insert(host(i)), nullptr);
    EXPECT_EQ(cache.insert(host(1000)), nullptr);  // full
    EXPECT_EQ(cache.size(), 100u);
    for (uint32_t i = 0; i < 100; ++i) {
        ArpEntry* e = cache.find(host(i));
        ASSERT_NE(e, nullptr);
        EXPECT_EQ(e->ip, host(i));
    }
    for (uint32_t i = 0; i < 100; i += 2) cache.remove(*cache.find(host(i)));
    for (uint32_t i = 0; i < 100; ++i) EXPECT_EQ(cache.find(host(i)) != nullptr, i % 2 == 1) << i;
    EXPECT_EQ(cache.size(), 50u);
    EXPECT_NE(cache.insert(host(500)), nullptr);
}

TEST(ArpCache, LeastRecentlyUsedOrder) {
    TimerWheel wheel(Instant{});
    ArpConfig config;
    config.max_entries = 3;
    ArpCache cache(config, wheel, 1, &no_handler, nullptr);
    ArpEntry* a = cache.insert(host(1));
    ArpEntry* b = cache.insert(host(2));
    cache.insert(host(3));
    EXPECT_EQ(cache.oldest(), a);
    cache.touch(*a);
    EXPECT_EQ(cache.oldest(), b);
    cache.remove(*b);
    EXPECT_EQ(cache.oldest()->ip, host(3));
}

TEST(ArpCache, PendingFifoWithBounds) {
    TimerWheel wheel(Instant{});
    PacketPool pool(16);
    ArpConfig config;
    config.max_pending_per_entry = 2;
    config.max_pending_total = 3;
    ArpCache cache(config, wheel, 1, &no_handler, nullptr);
    ArpEntry* a = cache.insert(host(1));
    ArpEntry* b = cache.insert(host(2));
    size_t released = 0;
    for (uint8_t i = 0; i < 3; ++i) {
        Packet p = pool.alloc();
        *p.append(1) = std::byte{i};
        ASSERT_TRUE(cache.push_pending(*a, p, released));
    }
    EXPECT_EQ(released, 1u);  // the third pushed the first out
    EXPECT_EQ(pool.in_use(), 2u);
    Packet p = pool.alloc();
    ASSERT_TRUE(cache.push_pending(*b, p, released));
    Packet q = pool.alloc();
    EXPECT_FALSE(cache.push_pending(*b, q, released));  // total bound
    EXPECT_TRUE(q);                                    // left with the caller
    q.reset();
    EXPECT_EQ(cache.pop_pending(*a).data()[0], std::byte{1});
    EXPECT_EQ(cache.pop_pending(*a).data()[0], std::byte{2});
    EXPECT_FALSE(cache.pop_pending(*a));
    EXPECT_EQ(cache.remove(*b), 1u);
    EXPECT_EQ(pool.in_use(), 0u);
    EXPECT_EQ(cache.pending_total(), 0u);
}

TEST(TokenBucket, BurstThenRate) {
    Instant t = Instant::from_ms(0);
    TokenBucket bucket(10, 3, t);  // 10/s, burst 3
    EXPECT_TRUE(bucket.allow(t));
    EXPECT_TRUE(bucket.allow(t));
    EXPECT_TRUE(bucket.allow(t));
    EXPECT_FALSE(bucket.allow(t));
    t += Duration::from_ms(99);
    EXPECT_FALSE(bucket.allow(t));
    t += Duration::from_ms(1);
    EXPECT_TRUE(bucket.allow(t));
    EXPECT_FALSE(bucket.allow(t));
    t += Duration::from_secs(10);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.allow(t));
    EXPECT_FALSE(bucket.allow(t));
}

TEST(TokenBucket, ZeroRateMeansNoLimit) {
    TokenBucket bucket(0, 0, Instant{});
    for (int i = 0; i < 1000; ++i) EXPECT_TRUE(bucket.allow(Instant{}));
}

TEST(TokenBucket, SlowTrickleStillEarns) {
    Instant t = Instant::from_ms(0);
    TokenBucket bucket(10, 2, t);
    EXPECT_TRUE(bucket.allow(t));
    EXPECT_TRUE(bucket.allow(t));
    int allowed = 0;
    for (int i = 0; i < 100; ++i) {  // one call every 30 ms for 3 s: exactly 30 tokens
        t += Duration::from_ms(30);
        allowed += bucket.allow(t);
    }
    EXPECT_EQ(allowed, 30);
}


TEST(TxQueue, KeepsWhatTheDeviceRefusesInOrder) {
    PacketPool pool(64);
    MemoryLinkConfig lc;
    lc.b.rx_queue_depth = 5;
    lc.overflow = OverflowPolicy::kBackpressure;
    MemoryLink link(lc);
    {
        TxQueue q(8);
        EXPECT_EQ(q.capacity(), 32u);  // at least a burst
        for (uint8_t i = 0; i < 7; ++i) {
            Packet p = pool.alloc();
            std::byte* d = p.append(60);
            std::fill(d, d + 60, std::byte{0});
            d[59] = std::byte{i};
            ASSERT_TRUE(q.push(p));
            EXPECT_FALSE(p);
        }
        const TxQueue::Flushed f = q.flush(link.a());
        EXPECT_EQ(f.frames, 5u);
        EXPECT_EQ(f.bytes, 300u);
        EXPECT_EQ(q.size(), 2u);
        std::array<Packet, 8> got;
        ASSERT_EQ(link.b().rx_burst(got), 5u);
        for (uint8_t i = 0; i < 5; ++i) EXPECT_EQ(got[i].data()[59], std::byte{i});
        for (auto& p : got) p.reset();
        EXPECT_EQ(q.flush(link.a()).frames, 2u);
        ASSERT_EQ(link.b().rx_burst(got), 2u);
        EXPECT_EQ(got[0].data()[59], std::byte{5});
        for (auto& p : got) p.reset();
        Packet left = pool.alloc();
        left.append(60);
        ASSERT_TRUE(q.push(left));
        EXPECT_EQ(q.clear(), 1u);
    }
    EXPECT_EQ(pool.in_use(), 0u);
}

}  // namespace
}  // namespace tachyon
