#include "lib/packet.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <utility>
#include <vector>

namespace tachyon {
namespace {

TEST(PacketPool, AllocCountsInUseAndAvailable) {
    PacketPool pool(4);
    EXPECT_EQ(pool.capacity(), 4u);
    EXPECT_EQ(pool.available(), 4u);
    EXPECT_EQ(pool.in_use(), 0u);
    {
        Packet a = pool.alloc();
        Packet b = pool.alloc();
        ASSERT_TRUE(a);
        ASSERT_TRUE(b);
        EXPECT_NE(a.raw(), b.raw());
        EXPECT_EQ(pool.in_use(), 2u);
        EXPECT_EQ(pool.available(), 2u);
    }
    EXPECT_EQ(pool.in_use(), 0u);
    EXPECT_EQ(pool.available(), 4u);
}

TEST(PacketPool, ExhaustionReturnsEmptyHandleAndCounts) {
    PacketPool pool(2);
    Packet a = pool.alloc();
    Packet b = pool.alloc();
    Packet c = pool.alloc();
    EXPECT_TRUE(a);
    EXPECT_TRUE(b);
    EXPECT_FALSE(c);
    EXPECT_TRUE(c.empty_handle());
    EXPECT_EQ(pool.alloc_failures(), 1u);
    Packet d = pool.alloc();
    EXPECT_FALSE(d);
    EXPECT_EQ(pool.alloc_failures(), 2u);
    // Releasing one makes the next alloc succeed again.
    a.reset();
    EXPECT_FALSE(a);
    EXPECT_EQ(pool.in_use(), 1u);
    Packet e = pool.alloc();
    EXPECT_TRUE(e);
    EXPECT_EQ(pool.alloc_failures(), 2u);
    EXPECT_EQ(pool.in_use(), 2u);
    e.reset();
    b.reset();
    EXPECT_EQ(pool.in_use(), 0u);
}

TEST(PacketPool, FreshPacketHasHeadroomAndNoData) {
    PacketPool pool(2, 2048, 128);
    Packet p = pool.alloc();
    ASSERT_TRUE(p);
    EXPECT_EQ(p.size(), 0u);
    EXPECT_EQ(p.headroom(), 128u);
    EXPECT_EQ(pool.headroom(), 128u);
    EXPECT_EQ(pool.buffer_size(), 2048u);
    EXPECT_EQ(p.tailroom(), 2048u - 128u);
    EXPECT_EQ(p.meta().rx_flags, 0);
    // Metadata and data offsets are reset when the buffer comes back round.
    p.meta().rx_flags = PacketMeta::kRxL4CsumGood;
    p.append(100);
    p.trim_front(10);
    p.reset();
    Packet q = pool.alloc();
    Packet r = pool.alloc();
    for (Packet* x : {&q, &r}) {
        EXPECT_EQ(x->headroom(), 128u);
        EXPECT_EQ(x->size(), 0u);
        EXPECT_EQ(x->meta().rx_flags, 0);
    }
    q.reset();
    r.reset();
    EXPECT_EQ(pool.in_use(), 0u);
}

TEST(PacketPool, BufferSizeRoundsUpToCacheLine) {
    PacketPool pool(1, 1000, 64);
    EXPECT_EQ(pool.buffer_size(), 1024u);
    Packet p = pool.alloc();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p.raw()->base) % 64, 0u);
    p.reset();
    EXPECT_EQ(pool.in_use(), 0u);
}

TEST(Packet, PrependAppendBounds) {
    PacketPool pool(1, 256, 64);
    Packet p = pool.alloc();
    ASSERT_TRUE(p);
    std::byte* body = p.append(100);
    ASSERT_NE(body, nullptr);
    EXPECT_EQ(body, p.data());
    std::memset(body, 0xab, 100);
    EXPECT_EQ(p.size(), 100u);
    EXPECT_EQ(p.tailroom(), 256u - 64u - 100u);

    // Tailroom is exact: one byte more fails and changes nothing.
    EXPECT_EQ(p.append(p.tailroom() + 1), nullptr);
    EXPECT_EQ(p.size(), 100u);
    std::byte* tail = p.append(p.tailroom());
    ASSERT_NE(tail, nullptr);
    EXPECT_EQ(tail, p.data() + 100);
    EXPECT_EQ(p.tailroom(), 0u);
    EXPECT_EQ(p.append(1), nullptr);
    EXPECT_NE(p.append(0), nullptr);

    // Headroom likewise.
    EXPECT_EQ(p.prepend(65), nullptr);
    EXPECT_EQ(p.headroom(), 64u);
    std::byte* hdr = p.prepend(14);
    ASSERT_NE(hdr, nullptr);
    EXPECT_EQ(hdr, p.data());
    EXPECT_EQ(hdr + 14, body);
    EXPECT_EQ(p.headroom(), 50u);
    EXPECT_NE(p.prepend(50), nullptr);
    EXPECT_EQ(p.headroom(), 0u);
    EXPECT_EQ(p.prepend(1), nullptr);
    EXPECT_EQ(p.size(), 256u);
    p.reset();
    EXPECT_EQ(pool.in_use(), 0u);
}

TEST(Packet, TrimFrontAndTruncate) {
    PacketPool pool(1, 256, 32);
    Packet p = pool.alloc();
    std::byte* d = p.append(60);
    for (size_t i = 0; i < 60; ++i) d[i] = static_cast<std::byte>(i);
    p.trim_front(14);
    EXPECT_EQ(p.size(), 46u);
    EXPECT_EQ(p.headroom(), 32u + 14u);
    EXPECT_EQ(p.data()[0], std::byte{14});
    p.truncate(100);  // longer than the data: no-op
    EXPECT_EQ(p.size(), 46u);
    p.truncate(46);
    EXPECT_EQ(p.size(), 46u);
    p.truncate(20);
    EXPECT_EQ(p.size(), 20u);
    EXPECT_EQ(p.bytes().size(), 20u);
    EXPECT_EQ(p.bytes().back(), std::byte{33});
    p.trim_front(20);
    EXPECT_EQ(p.size(), 0u);
    p.truncate(0);
    EXPECT_EQ(p.size(), 0u);
    p.reset();
    EXPECT_EQ(pool.in_use(), 0u);
}

TEST(Packet, MoveTransfersOwnershipAndReleasesOnce) {
    PacketPool pool(3);
    Packet a = pool.alloc();
    PacketBuf* buf = a.raw();
    Packet b(std::move(a));
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): the moved-from state is the contract
    EXPECT_EQ(b.raw(), buf);
    EXPECT_EQ(pool.in_use(), 1u);

    Packet c = pool.alloc();
    EXPECT_EQ(pool.in_use(), 2u);
    c = std::move(b);  // c's old buffer goes back, b's moves in
    EXPECT_EQ(pool.in_use(), 1u);
    EXPECT_EQ(c.raw(), buf);
    EXPECT_FALSE(b);  // NOLINT(bugprone-use-after-move)

    Packet& self = c;
    c = std::move(self);  // self-move keeps the buffer
    EXPECT_EQ(c.raw(), buf);
    EXPECT_EQ(pool.in_use(), 1u);

    std::vector<Packet> v;
    v.push_back(std::move(c));
    v.push_back(pool.alloc());
    v.push_back(pool.alloc());
    EXPECT_EQ(pool.in_use(), 3u);
    v.reserve(100);  // reallocation moves the handles; nothing is released twice
    EXPECT_EQ(pool.in_use(), 3u);
    v.clear();
    EXPECT_EQ(pool.in_use(), 0u);
    EXPECT_EQ(pool.available(), 3u);
}

TEST(Packet, IntoRawHandsOverAndWrapsBack) {
    PacketPool pool(1);
    Packet p = pool.alloc();
    PacketBuf* raw = p.into_raw();
    EXPECT_FALSE(p);
    EXPECT_EQ(pool.in_use(), 1u);  // a driver holds it now
    Packet back(raw);
    back.reset();
    EXPECT_EQ(pool.in_use(), 0u);
}

TEST(Packet, DefaultHandleIsEmpty) {
    Packet p;
    EXPECT_FALSE(p);
    EXPECT_TRUE(p.empty_handle());
    p.reset();  // no-op
    EXPECT_EQ(p.raw(), nullptr);
}

}  // namespace
}  // namespace tachyon
