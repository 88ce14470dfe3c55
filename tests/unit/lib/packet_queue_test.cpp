#include "lib/packet_queue.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace tachyon {
namespace {

Packet packet_of(PacketPool& pool, const std::string& s) {
    Packet p = pool.alloc();
    std::memcpy(p.append(s.size()), s.data(), s.size());
    return p;
}

std::string text(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

TEST(PacketQueue, PopsInTheOrderPushed) {
    PacketPool pool(4);
    PacketQueue q;
    EXPECT_TRUE(q.empty());
    q.push(packet_of(pool, "one"));
    EXPECT_EQ(text(q.front()), "one");
    EXPECT_TRUE(q.second().empty());  // a single packet
    q.push(packet_of(pool, "two"));
    q.push(packet_of(pool, "three"));
    EXPECT_EQ(pool.in_use(), 3u);
    EXPECT_EQ(text(q.front()), "one");
    EXPECT_EQ(text(q.second()), "two");
    EXPECT_EQ(text(q.pop().bytes()), "one");  // the popped handle goes back to the pool at once
    EXPECT_EQ(pool.in_use(), 2u);
    q.push(packet_of(pool, "four"));  // pushing behind a popped head keeps the order
    EXPECT_EQ(text(q.pop().bytes()), "two");
    EXPECT_EQ(text(q.pop().bytes()), "three");
    EXPECT_EQ(text(q.front()), "four");
    EXPECT_EQ(text(q.pop().bytes()), "four");
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(pool.in_use(), 0u);
}

TEST(PacketQueue, TrimsTheFrontPacketAndReleasesEverythingWhenCleared) {
    PacketPool pool(4);
    {
        PacketQueue q;
        q.push(packet_of(pool, "abcdef"));
        q.push(packet_of(pool, "gh"));
        q.trim_front(4);
        EXPECT_EQ(text(q.front()), "ef");
        EXPECT_EQ(text(q.second()), "gh");
        q.clear();
        EXPECT_TRUE(q.empty());
        EXPECT_EQ(pool.in_use(), 0u);
        q.push(packet_of(pool, "ij"));  // usable again; its destructor gives this one back
        EXPECT_EQ(pool.in_use(), 1u);
    }
    EXPECT_EQ(pool.in_use(), 0u);
}

}  // namespace
}  // namespace tachyon
