// The idle hook and the idle strategies of blocking calls.
#include <gtest/gtest.h>

#include <chrono>

#include "drivers/memory/memory_link.hpp"
#include "stack/socket/socket.hpp"
#include "stack/stack.hpp"

namespace tachyon {
namespace {

constexpr Ipv4Address kIp = Ipv4Address::from_octets(10, 0, 0, 1);

// Frames the stack sent to the other end of the link, released back to the stack's pool.
void drain(MemoryLink& link) {
    std::array<Packet, 32> burst;
    while (link.b().rx_burst(burst) != 0) {
        for (Packet& p : burst) p.reset();
    }
}

StackConfig config_for(const Clock& clock) {
    StackConfig c;
    c.clock = &clock;
    c.address = Ipv4Cidr{kIp, 24};
    c.pool_size = 64;
    return c;
}

TEST(IdleHook, ToldWhatTheCallWaitsFor) {
    ManualClock clock(Instant::from_ms(1000));
    MemoryLink link;
    Stack stack(link.a(), config_for(clock));
    std::vector<IdleWait> calls;
    {
        SocketLayer layer(stack);
        layer.set_idle_hook([&](const IdleWait& w) {
            calls.push_back(w);
            if (w.deadline) clock.set(*w.deadline);  // jump straight to the end of the wait
        });
        Socket u = layer.socket(AF_INET, SOCK_DGRAM);
        u.bind({Ipv4Address::any(), 9});
        u.settimeout(Duration::from_ms(250));
        std::array<std::byte, 4> buf;
        const Instant start = clock.now();
        EXPECT_EQ(u.recv(buf).code(), EAGAIN);
        ASSERT_FALSE(calls.empty());
        EXPECT_EQ(calls.front().deadline, start + Duration::from_ms(250));
        EXPECT_EQ(calls.front().now, start);
        EXPECT_EQ(clock.now(), start + Duration::from_ms(250));
        // Non-blocking calls never idle.
        calls.clear();
        u.setblocking(false);
        EXPECT_EQ(u.recv(buf).code(), EAGAIN);
        EXPECT_TRUE(calls.empty());
    }
    drain(link);
    EXPECT_EQ(stack.pool().in_use(), 0u);
}

TEST(IdleStrategy, BackoffSleepsUntilTheDeadline) {
    TscClock clock;
    MemoryLink link;
    Stack stack(link.a(), config_for(clock));
    SocketLayerConfig cfg;
    cfg.idle = IdleStrategy::kBackoff;
    cfg.backoff_sleep = Duration::from_ms(2);
    SocketLayer layer(stack, cfg);
    Socket u = layer.socket(AF_INET, SOCK_DGRAM);
    u.bind({Ipv4Address::any(), 9});
    u.settimeout(Duration::from_ms(20));
    std::array<std::byte, 4> buf;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(u.recv(buf).code(), EAGAIN);
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_GE(waited, std::chrono::milliseconds(19));
    EXPECT_LT(waited, std::chrono::seconds(2));
    drain(link);
}

}  // namespace
}  // namespace tachyon
