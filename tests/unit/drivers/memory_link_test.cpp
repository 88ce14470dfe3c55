#include "drivers/memory/memory_link.hpp"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <vector>

#include "tests/unit/drivers/test_util.hpp"

namespace tachyon {
namespace {

using test::bytes_of;
using test::frame_bytes;
using test::frame_id;
using test::make_frame;

class MemoryLinkTest : public ::testing::Test {
protected:
    // Every test releases every buffer: the link, declared in the test body, dies first.
    void TearDown() override { EXPECT_EQ(pool_.in_use(), 0u); }

    PacketPool pool_{256};
};

TEST_F(MemoryLinkTest, FramesCrossBothWaysWithBytesIntactAndZeroCopy) {
    MemoryLink link;
    std::array<Packet, 3> out;
    std::array<PacketBuf*, 3> bufs{};
    for (uint32_t i = 0; i < 3; ++i) {
        out[i] = make_frame(pool_, 10 + i, 60 + i * 100);
        bufs[i] = out[i].raw();
    }
    ASSERT_EQ(link.a().tx_burst(out), 3u);
    for (const Packet& p : out) EXPECT_FALSE(p);  // ownership moved to the link

    std::array<Packet, 8> in;
    ASSERT_EQ(link.b().rx_burst(in), 3u);
    for (uint32_t i = 0; i < 3; ++i) {
        EXPECT_EQ(in[i].raw(), bufs[i]) << "the same buffer, not a copy";
        EXPECT_EQ(bytes_of(in[i]), frame_bytes(10 + i, 60 + i * 100));
    }
    EXPECT_EQ(link.a().rx_burst(in), 0u) << "a does not hear itself";

    // And back, b -> a.
    std::array<Packet, 1> reply{make_frame(pool_, 99, 200)};
    ASSERT_EQ(link.b().tx_burst(reply), 1u);
    std::array<Packet, 1> got;
    ASSERT_EQ(link.a().rx_burst(got), 1u);
    EXPECT_EQ(bytes_of(got[0]), frame_bytes(99, 200));

    const DeviceStats a = link.a().stats();
    const DeviceStats b = link.b().stats();
    EXPECT_EQ(a.tx_packets, 3u);
    EXPECT_EQ(a.tx_bytes, 60u + 160u + 260u);
    EXPECT_EQ(a.rx_packets, 1u);
    EXPECT_EQ(a.rx_bytes, 200u);
    EXPECT_EQ(b.rx_packets, 3u);
    EXPECT_EQ(b.rx_bytes, 480u);
    EXPECT_EQ(b.tx_packets, 1u);
    EXPECT_EQ(a.tx_dropped + a.rx_dropped + b.tx_dropped + b.rx_dropped, 0u);
}

TEST_F(MemoryLinkTest, RxBurstIsLimitedByTheSpanAndKeepsOrder) {
    MemoryLink link;
    for (uint32_t i = 0; i < 5; ++i) {
        std::array<Packet, 1> one{make_frame(pool_, i)};
        ASSERT_EQ(link.a().tx_burst(one), 1u);
    }
    EXPECT_EQ(link.b().rx_queued(), 5u);
    std::array<Packet, 2> in;
    std::vector<uint32_t> ids;
    size_t n = 0;
    while ((n = link.b().rx_burst(in)) > 0) {
        EXPECT_LE(n, 2u);
        for (size_t i = 0; i < n; ++i) ids.push_back(frame_id(in[i]));
        for (Packet& p : in) p.reset();
    }
    EXPECT_EQ(ids, (std::vector<uint32_t>{0, 1, 2, 3, 4}));
}

TEST_F(MemoryLinkTest, EndpointsReportTheirConfiguration) {
    MemoryLinkConfig cfg;
    cfg.a.mac = {{0x02, 0xaa, 0, 0, 0, 1}};
    cfg.a.mtu = 9000;
    cfg.a.name = "left";
    cfg.b.rx_queue_depth = 7;
    MemoryLink link(cfg);
    EXPECT_EQ(link.a().caps().mac, cfg.a.mac);
    EXPECT_EQ(link.a().caps().mtu, 9000);
    EXPECT_EQ(link.a().name(), "left");
    EXPECT_EQ(link.b().caps().mac, (EthernetAddress{{0x02, 0, 0, 0, 0, 2}}));
    EXPECT_EQ(link.b().caps().mtu, 1500);
    EXPECT_EQ(link.b().name(), "memory:b");
    EXPECT_EQ(link.b().rx_queue_depth(), 7u);
    EXPECT_EQ(link.a().rx_queue_depth(), 1024u);
    EXPECT_TRUE(link.a().link_up());
}

TEST_F(MemoryLinkTest, DropPolicyTakesAllAndCountsOverflowAtTheReceiver) {
    MemoryLinkConfig cfg;
    cfg.b.rx_queue_depth = 4;
    MemoryLink link(cfg);
    std::array<Packet, 6> out;
    for (uint32_t i = 0; i < 6; ++i) out[i] = make_frame(pool_, i);
    ASSERT_EQ(link.a().tx_burst(out), 6u);
    EXPECT_EQ(pool_.in_use(), 4u) << "the two that did not fit went back to the pool";
    EXPECT_EQ(link.a().stats().tx_packets, 6u);
    EXPECT_EQ(link.a().stats().tx_dropped, 0u);
    EXPECT_EQ(link.b().stats().rx_dropped, 2u);
    EXPECT_EQ(link.b().drop_stats().rx_queue_full, 2u);

    std::array<Packet, 8> in;
    ASSERT_EQ(link.b().rx_burst(in), 4u);
    for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(frame_id(in[i]), i) << "the first four got through";
    EXPECT_EQ(link.b().stats().rx_packets, 4u);
}

TEST_F(MemoryLinkTest, BackpressurePolicyAcceptsPartiallyAndCallerKeepsTheRest) {
    MemoryLinkConfig cfg;
    cfg.b.rx_queue_depth = 4;
    cfg.overflow = OverflowPolicy::kBackpressure;
    MemoryLink link(cfg);
    std::array<Packet, 6> out;
    for (uint32_t i = 0; i < 6; ++i) out[i] = make_frame(pool_, i);
    ASSERT_EQ(link.a().tx_burst(out), 4u);
    for (size_t i = 0; i < 4; ++i) EXPECT_FALSE(out[i]);
    ASSERT_TRUE(out[4]);
    ASSERT_TRUE(out[5]);
    EXPECT_EQ(bytes_of(out[4]), frame_bytes(4)) << "a refused frame is untouched";
    EXPECT_EQ(link.a().stats().tx_packets, 4u);
    EXPECT_EQ(link.a().stats().tx_dropped, 0u);
    EXPECT_EQ(link.a().drop_stats().tx_refused, 2u);
    EXPECT_EQ(link.b().stats().rx_dropped, 0u);

    std::array<Packet, 1> in;
    ASSERT_EQ(link.b().rx_burst(in), 1u);
    EXPECT_EQ(frame_id(in[0]), 0u);
    // One slot free: of the two kept frames one more goes now.
    EXPECT_EQ(link.a().tx_burst(std::span<Packet>(out).subspan(4)), 1u);
    EXPECT_FALSE(out[4]);
    EXPECT_TRUE(out[5]);
    EXPECT_EQ(link.a().drop_stats().tx_refused, 3u);
    EXPECT_EQ(link.a().stats().tx_packets, 5u);
}

TEST_F(MemoryLinkTest, OversizeAndRuntFramesAreDroppedBySenderAndCounted) {
    MemoryLinkConfig cfg;
    cfg.a.mtu = 100;
    MemoryLink link(cfg);
    ASSERT_EQ(link.a().max_frame_len(), 118u);
    std::array<Packet, 4> out{make_frame(pool_, 1, 118), make_frame(pool_, 2, 119),
                              make_frame(pool_, 3, 13), make_frame(pool_, 4, 14)};
    ASSERT_EQ(link.a().tx_burst(out), 4u) << "dropped frames are taken (and freed), not refused";
    EXPECT_EQ(link.a().stats().tx_packets, 2u);
    EXPECT_EQ(link.a().stats().tx_dropped, 2u);
    EXPECT_EQ(link.a().drop_stats().tx_oversize, 1u);
    EXPECT_EQ(link.a().drop_stats().tx_runt, 1u);
    std::array<Packet, 4> in;
    ASSERT_EQ(link.b().rx_burst(in), 2u);
    EXPECT_EQ(frame_id(in[0]), 1u);
    EXPECT_EQ(frame_id(in[1]), 4u);
}

TEST_F(MemoryLinkTest, DownLinkDropsWhatIsSent) {
    MemoryLink link;
    link.set_link_up(false);
    EXPECT_FALSE(link.b().link_up());
    std::array<Packet, 2> out{make_frame(pool_, 1), make_frame(pool_, 2)};
    ASSERT_EQ(link.b().tx_burst(out), 2u);
    EXPECT_EQ(link.b().drop_stats().tx_link_down, 2u);
    EXPECT_EQ(link.b().stats().tx_dropped, 2u);
    EXPECT_EQ(link.a().rx_queued(), 0u);
    link.set_link_up(true);
    std::array<Packet, 1> again{make_frame(pool_, 3)};
    EXPECT_EQ(link.b().tx_burst(again), 1u);
    EXPECT_EQ(link.a().rx_queued(), 1u);
}

TEST_F(MemoryLinkTest, QueuedFramesAreReleasedWhenTheLinkIsDestroyed) {
    {
        MemoryLink link;
        std::array<Packet, 3> out{make_frame(pool_, 1), make_frame(pool_, 2), make_frame(pool_, 3)};
        ASSERT_EQ(link.a().tx_burst(std::span<Packet>(out).first(2)), 2u);
        ASSERT_EQ(link.b().tx_burst(std::span<Packet>(out).last(1)), 1u);
        EXPECT_EQ(pool_.in_use(), 3u);
    }
    EXPECT_EQ(pool_.in_use(), 0u);
}

TEST_F(MemoryLinkTest, BuffersGoBackToThePoolTheyCameFrom) {
    PacketPool other(8);
    {
        MemoryLink link;
        std::array<Packet, 2> out{make_frame(pool_, 1), make_frame(other, 2)};
        ASSERT_EQ(link.a().tx_burst(out), 2u);
        std::array<Packet, 2> in;
        ASSERT_EQ(link.b().rx_burst(in), 2u);
        EXPECT_EQ(pool_.in_use(), 1u);
        EXPECT_EQ(other.in_use(), 1u);
        in[1].reset();
        EXPECT_EQ(other.in_use(), 0u);
        EXPECT_EQ(pool_.in_use(), 1u);
    }
    EXPECT_EQ(other.in_use(), 0u);
}

}  // namespace
}  // namespace tachyon
