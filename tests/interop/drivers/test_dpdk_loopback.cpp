// DpdkDevice mechanics on PMDs that need no kernel peer: net_ring (a port whose TX ring is its RX
// ring, so every sent mbuf comes back as it was) and net_null. Covers zero-copy RX/TX, foreign-packet
// copies, software checksum fallback, partial acceptance, mempool accounting, stats, errors and the
// EAL argument defaults and hints.
#include <gtest/gtest.h>

#include <algorithm>

#include "drivers/dpdk/eal.hpp"
#include "drivers/dpdk/eal_hint.hpp"
#include "drivers/dpdk/mbuf_packet.hpp"
#include "drivers/dpdk/port_setup.hpp"
#include "tests/interop/drivers/test_dpdk_util.hpp"

namespace tachyon {
namespace {

using namespace dpdk_test;
using namespace std::chrono_literals;

// EAL is not cleaned up at exit (see eal_cleanup() in drivers/dpdk/eal.hpp).

constexpr uint32_t kSrcIp = ip4(10, 78, 9, 2);
constexpr uint32_t kDstIp = ip4(10, 78, 9, 1);
const EthernetAddress kPeerMac{{0x02, 0, 0, 0, 0x78, 0x09}};

DpdkConfig ring_config() {
    DpdkConfig c;
    c.eal_args = {"--vdev=net_ring0", "--vdev=net_null0"};
    c.port_name = "net_ring0";
    c.in_flight = 1024;
    return c;
}

Bytes test_frame(size_t payload, uint8_t seed) {
    Bytes data = pattern(payload, seed);
    return ethernet(kPeerMac, EthernetAddress{{2, 0, 0, 0, 0, 1}}, 0x88b5, data);  // local experimental type
}

std::vector<Packet> drain(Device& dev, size_t expect) {
    std::vector<Packet> got;
    Packet burst[Device::kMaxBurst];
    const auto deadline = Clock::now() + 2s;
    while (got.size() < expect && Clock::now() < deadline) {
        size_t n = dev.rx_burst(burst);
        for (size_t i = 0; i < n; ++i) got.push_back(std::move(burst[i]));
    }
    return got;
}

class DpdkLoopback : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto dev = DpdkDevice::open(ring_config());
        ASSERT_TRUE(dev.ok()) << dev.error().message();
        ring_ = std::move(*dev).release();
    }
    static void TearDownTestSuite() {
        EXPECT_TRUE(close_and_check_mempool_freed(ring_)) << "mbufs were still held when the port closed";
    }
    void SetUp() override {
        ASSERT_NE(ring_, nullptr);
        Packet left[Device::kMaxBurst];  // nothing left over from a failed test
        while (ring_->rx_burst(left) != 0) {
            for (Packet& p : left) p.reset();
        }
        baseline_ = ring_->mbufs_in_use();
        ring_->reset_stats();
    }
    void TearDown() override { EXPECT_EQ(ring_->mbufs_in_use(), baseline_) << "an mbuf leaked"; }

    static inline DpdkDevice* ring_ = nullptr;
    size_t baseline_ = 0;
};

TEST_F(DpdkLoopback, CapsMatchThePort) {
    DeviceCaps caps = ring_->caps();
    rte_ether_addr mac{};
    ASSERT_EQ(rte_eth_macaddr_get(ring_->port_id(), &mac), 0);
    EXPECT_EQ(0, std::memcmp(caps.mac.octets.data(), mac.addr_bytes, 6));
    EXPECT_EQ(caps.rx_queues, 1);
    EXPECT_EQ(caps.tx_queues, 1);
    // net_ring offers no checksum offloads, and the device must not claim any.
    rte_eth_dev_info info{};
    ASSERT_EQ(rte_eth_dev_info_get(ring_->port_id(), &info), 0);
    EXPECT_EQ(caps.tx_ipv4_checksum, (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0);
    EXPECT_EQ(caps.rx_ipv4_checksum, (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0);
    EXPECT_EQ(ring_->driver_name(), "net_ring");
    EXPECT_EQ(ring_->name(), "dpdk:net_ring0");
    EXPECT_TRUE(ring_->link_up());
    EXPECT_EQ(ring_->mbufs_capacity(), 4095u);  // 1024 + 1024 + 64 + 256 * 2 + 1024 -> 2^12 - 1
}

TEST_F(DpdkLoopback, AllocTxGivesMbufBackedPacketsWithHeadroom) {
    Packet p = ring_->alloc_tx();
    ASSERT_TRUE(p);
    rte_mbuf* m = mbuf_of(p);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->pool, ring_->mempool());
    EXPECT_EQ(p.headroom(), size_t{RTE_PKTMBUF_HEADROOM});
    EXPECT_EQ(p.size(), 0u);
    EXPECT_GE(p.tailroom(), 1514u);
    EXPECT_EQ(p.data(), rte_pktmbuf_mtod(m, std::byte*));
    EXPECT_EQ(ring_->mbufs_in_use(), baseline_ + 1);
    p.reset();
    EXPECT_EQ(ring_->mbufs_in_use(), baseline_);
}

TEST_F(DpdkLoopback, OwnMbufsGoOutAndComeBackWithoutCopy) {
    Bytes payload = pattern(100, 3);
    Packet p = ring_->alloc_tx();
    std::memcpy(p.append(payload.size()), payload.data(), payload.size());
    // The stack prepends headers after writing the payload: TX must send from the new head.
    Bytes header = test_frame(0, 0);
    std::memcpy(p.prepend(header.size()), header.data(), header.size());
    rte_mbuf* sent_mbuf = mbuf_of(p);

    ASSERT_TRUE(send_one(*ring_, std::move(p)));
    std::vector<Packet> got = drain(*ring_, 1);
    ASSERT_EQ(got.size(), 1u);
    Packet& r = got[0];
    EXPECT_EQ(r.raw()->owner, &g_mbuf_owner);
    auto* m = static_cast<rte_mbuf*>(r.raw()->opaque);
    EXPECT_EQ(m, sent_mbuf) << "the ring hands back the very mbuf that was sent";
    EXPECT_EQ(r.data(), rte_pktmbuf_mtod(m, std::byte*)) << "RX must wrap the mbuf, not copy it";
    ASSERT_EQ(r.size(), header.size() + payload.size());
    EXPECT_EQ(0, std::memcmp(r.data(), header.data(), header.size()));
    EXPECT_EQ(0, std::memcmp(r.data() + header.size(), payload.data(), payload.size()));
    EXPECT_EQ(ring_->counters().tx_copied, 0u);
}

TEST_F(DpdkLoopback, ForeignPacketsAreCopiedAndReleasedOnAcceptance) {
    PacketPool pool(8);
    Bytes f = test_frame(200, 9);
    ASSERT_TRUE(send_one(*ring_, pool_packet(pool, f)));
    EXPECT_EQ(pool.in_use(), 0u) << "the driver releases a foreign packet once it accepted the copy";
    EXPECT_EQ(ring_->counters().tx_copied, 1u);
    std::vector<Packet> got = drain(*ring_, 1);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_NE(mbuf_of(got[0]), nullptr);
    EXPECT_EQ(mbuf_of(got[0])->pool, ring_->mempool());
    ASSERT_EQ(got[0].size(), f.size());
    EXPECT_EQ(0, std::memcmp(got[0].data(), f.data(), f.size()));
}

TEST_F(DpdkLoopback, MempoolReturnsToBaselineWhenPacketsAreReleased) {
    constexpr size_t kCount = 100;
    std::vector<Packet> out;
    for (size_t i = 0; i < kCount; ++i) out.push_back(device_packet(*ring_, test_frame(64, static_cast<uint8_t>(i))));
    ASSERT_EQ(ring_->tx_burst(out), kCount) << "a burst longer than kMaxBurst is sent in pieces";
    std::vector<Packet> got = drain(*ring_, kCount);
    ASSERT_EQ(got.size(), kCount);
    EXPECT_EQ(ring_->mbufs_in_use(), baseline_ + kCount) << "held packets keep their mbufs";
    for (size_t i = 0; i < kCount; ++i) {  // in order, intact
        Bytes want = test_frame(64, static_cast<uint8_t>(i));
        ASSERT_EQ(got[i].size(), want.size());
        EXPECT_EQ(0, std::memcmp(got[i].data(), want.data(), want.size())) << i;
    }
    got.clear();
    EXPECT_EQ(ring_->mbufs_in_use(), baseline_);
}

TEST_F(DpdkLoopback, RxBurstFillsMoreThanOneDpdkBurst) {
    std::vector<Packet> out;
    for (size_t i = 0; i < 80; ++i) out.push_back(device_packet(*ring_, test_frame(10, 1)));
    ASSERT_EQ(ring_->tx_burst(out), 80u);
    std::vector<Packet> big(64);
    EXPECT_EQ(ring_->rx_burst(big), 64u);
    EXPECT_EQ(drain(*ring_, 16).size(), 16u);
}

TEST_F(DpdkLoopback, FullTxRingAcceptsAPrefixAndTheCallerKeepsTheRest) {
    // net_ring's ring holds at most 1023 mbufs: keep sending without receiving until the PMD refuses.
    PacketPool pool(64);
    size_t sent_total = 0;
    size_t refused_at = 0;
    std::vector<Packet> rest;
    size_t foreign_refused = 0;
    for (int round = 0; round < 100 && rest.empty(); ++round) {
        std::vector<Packet> burst;
        for (size_t i = 0; i < 32; ++i) {
            auto seed = static_cast<uint8_t>(sent_total + i);
            // Mix own and foreign buffers: both must stay with the caller when refused.
            burst.push_back(i % 2 == 0 ? device_packet(*ring_, test_frame(60, seed)) : pool_packet(pool, test_frame(60, seed)));
        }
        size_t k = ring_->tx_burst(burst);
        for (size_t i = 0; i < k; ++i) EXPECT_FALSE(burst[i]) << "accepted packets leave the caller";
        if (k < burst.size()) {
            refused_at = sent_total + k;
            for (size_t i = k; i < burst.size(); ++i) {
                ASSERT_TRUE(burst[i]) << "refused packets stay with the caller";
                if (mbuf_of(burst[i]) == nullptr) ++foreign_refused;
                rest.push_back(std::move(burst[i]));
            }
        }
        sent_total += k;
    }
    ASSERT_FALSE(rest.empty()) << "the ring never filled";
    EXPECT_EQ(pool.in_use(), foreign_refused) << "only refused foreign packets are still held";
    std::vector<Packet> got = drain(*ring_, sent_total);
    ASSERT_EQ(got.size(), sent_total);
    got.clear();
    // Retry what was refused: it goes out intact and in order.
    size_t k = ring_->tx_burst(rest);
    EXPECT_EQ(k, rest.size());
    got = drain(*ring_, k);
    ASSERT_EQ(got.size(), k);
    for (size_t i = 0; i < k; ++i) {
        Bytes want = test_frame(60, static_cast<uint8_t>(refused_at + i));
        ASSERT_EQ(got[i].size(), want.size());
        EXPECT_EQ(0, std::memcmp(got[i].data(), want.data(), want.size())) << i;
    }
    EXPECT_EQ(pool.in_use(), 0u);
}

// Builds an Ethernet + IPv4 + UDP/TCP frame whose checksums are left to the device.
Bytes offload_frame(uint8_t proto) {
    Bytes data = pattern(77, 5);
    Bytes l4 = proto == kProtoUdp ? udp(kSrcIp, kDstIp, 1000, 2000, data, L4Csum::kPseudoOnly)
                                  : tcp_syn(kSrcIp, kDstIp, 1000, 2000, 42, L4Csum::kPseudoOnly);
    Bytes ip = ipv4(kSrcIp, kDstIp, proto, l4, /*checksum=*/false);
    put16(&ip[10], 0xdead);  // garbage the device must overwrite
    return ethernet(kPeerMac, EthernetAddress{{2, 0, 0, 0, 0, 1}}, kEtherIpv4, ip);
}

bool l4_checksum_ok(const Frame& f) {
    auto l4 = f.l4();
    uint16_t ph = pseudo_header_sum(f.ip_src(), f.ip_dst(), f.ip_proto(), l4.size());
    return checksum_finish(checksum_partial(l4, ph)) == 0;
}

TEST_F(DpdkLoopback, ChecksumsThePortCannotOffloadAreComputedInSoftware) {
    ASSERT_FALSE(ring_->offloads().tx_ip);
    for (uint8_t proto : {kProtoUdp, kProtoTcp}) {
        Packet p = device_packet(*ring_, offload_frame(proto));
        p.meta().tx_flags = PacketMeta::kTxIpCsum | (proto == kProtoUdp ? PacketMeta::kTxUdpCsum : PacketMeta::kTxTcpCsum);
        p.meta().l2_len = kEthLen;
        p.meta().l3_len = kIpLen;
        ASSERT_TRUE(send_one(*ring_, std::move(p)));
        std::vector<Packet> got = drain(*ring_, 1);
        ASSERT_EQ(got.size(), 1u);
        Frame f{got[0].bytes()};
        ASSERT_TRUE(f.is_ipv4());
        EXPECT_EQ(internet_checksum(f.ip().first(kIpLen)), 0) << "IPv4 header checksum";
        EXPECT_TRUE(l4_checksum_ok(f)) << "L4 checksum, proto " << int{proto};
    }
    EXPECT_EQ(ring_->counters().tx_sw_checksum, 2u);
}

TEST_F(DpdkLoopback, OffloadRequestWithImpossibleLengthsIsCountedNotTrusted) {
    Packet p = device_packet(*ring_, offload_frame(kProtoUdp));
    p.meta().tx_flags = PacketMeta::kTxIpCsum;
    p.meta().l2_len = kEthLen;
    p.meta().l3_len = 2000;  // beyond the data
    ASSERT_TRUE(send_one(*ring_, std::move(p)));
    EXPECT_EQ(ring_->counters().tx_bad_offload_meta, 1u);
    EXPECT_EQ(drain(*ring_, 1).size(), 1u);
}

TEST_F(DpdkLoopback, StatsAndXstatsCountTraffic) {
    std::vector<Packet> out;
    for (size_t i = 0; i < 10; ++i) out.push_back(device_packet(*ring_, test_frame(50, 1)));
    ASSERT_EQ(ring_->tx_burst(out), 10u);
    ASSERT_EQ(drain(*ring_, 10).size(), 10u);
    DeviceStats st = ring_->stats();
    EXPECT_EQ(st.tx_packets, 10u);
    EXPECT_EQ(st.rx_packets, 10u);
    auto xs = ring_->xstats();
    ASSERT_FALSE(xs.empty());
    auto find = [&](std::string_view name) -> std::optional<uint64_t> {
        for (auto& [n, v] : xs) {
            if (n == name) return v;
        }
        return std::nullopt;
    };
    EXPECT_EQ(find("rx_good_packets"), 10u);
    EXPECT_EQ(find("tx_good_packets"), 10u);
}

TEST_F(DpdkLoopback, SecondDeviceOnTheSamePortIsRefused) {
    auto again = DpdkDevice::open(ring_config());
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.code(), EBUSY) << again.error().message();
}

TEST(DpdkErrors, UnknownPortNameListsThePorts) {
    DpdkConfig c = ring_config();
    c.port_name = "net_nosuch0";
    auto dev = DpdkDevice::open(c);
    ASSERT_FALSE(dev.ok());
    EXPECT_EQ(dev.code(), ENODEV);
    EXPECT_NE(dev.error().detail.find("net_null0"), std::string::npos) << dev.error().detail;
}

TEST(DpdkErrors, UnknownPortIdListsThePorts) {
    DpdkConfig c;
    c.port_id = 17;
    auto dev = DpdkDevice::open(c);
    ASSERT_FALSE(dev.ok());
    EXPECT_EQ(dev.code(), ENODEV);
    EXPECT_NE(dev.error().detail.find("net_null0"), std::string::npos) << dev.error().detail;
}

TEST(DpdkErrors, QueueOutsideTheConfiguredOnesIsInvalid) {
    DpdkConfig c = ring_config();
    c.port_name = "net_null0";
    c.rx_queue = 1;
    auto dev = DpdkDevice::open(c);
    ASSERT_FALSE(dev.ok());
    EXPECT_EQ(dev.code(), EINVAL);
}

TEST(DpdkErrors, LaterDeviceCannotChangeEalOptions) {
    DpdkConfig c;
    c.eal_args = {"--vdev=net_null5", "--log-level=8"};
    auto dev = DpdkDevice::open(c);
    ASSERT_FALSE(dev.ok());
    EXPECT_EQ(dev.code(), EINVAL);
    EXPECT_NE(dev.error().detail.find("only add --vdev"), std::string::npos) << dev.error().detail;
}

TEST(DpdkErrors, BadVdevFailsWithAHint) {
    DpdkConfig c;
    c.eal_args = {"--vdev=net_bogus0"};
    auto dev = DpdkDevice::open(c);
    ASSERT_FALSE(dev.ok());
    EXPECT_NE(dev.error().detail.find("hint:"), std::string::npos) << dev.error().detail;
}

TEST(DpdkHotplug, VdevAddedAfterEalInitOpensClosesAndReopens) {
    for (int round = 0; round < 2; ++round) {
        DpdkConfig c;
        c.eal_args = {"--vdev=net_null7"};
        c.mbufs = 511;
        auto dev = DpdkDevice::open(c);
        ASSERT_TRUE(dev.ok()) << "round " << round << ": " << dev.error().message();
        EXPECT_EQ((*dev)->driver_name(), "net_null");
        EXPECT_EQ((*dev)->mbufs_capacity(), 511u);
        std::vector<Packet> out;
        for (int i = 0; i < 5; ++i) out.push_back(device_packet(**dev, test_frame(30, 2)));
        EXPECT_EQ((*dev)->tx_burst(out), 5u);
        EXPECT_EQ((*dev)->stats().tx_packets, 5u);
        Packet rx[4];
        EXPECT_GT((*dev)->rx_burst(rx), 0u) << "net_null receives endless empty packets";
    }
}

TEST(DpdkEalArgs, DefaultsCompleteVdevArgumentsOnly) {
    auto args = eal_effective_args({{"--vdev=net_tap0,iface=x"}, true});
    auto has = [&](std::string_view a) { return std::find(args.begin(), args.end(), a) != args.end(); };
    EXPECT_TRUE(has("--no-pci"));
    EXPECT_TRUE(std::any_of(args.begin(), args.end(), [](auto& a) { return a.starts_with("--lcores=0@("); }));
    EXPECT_NE(has("--no-huge"), has("--in-memory")) << "one memory mode, never both";
    EXPECT_EQ(has("--no-huge"), has("--no-shconf"));
    EXPECT_TRUE(has("--no-telemetry")) << "processes sharing the runtime directory block on telemetry's socket";

    auto prefixed = eal_effective_args({{"--vdev=net_tap0", "--file-prefix=p", "-l", "1", "-a", "0000:01:00.0"}, true});
    for (std::string_view a : {"--in-memory", "--no-shconf", "--no-pci", "--no-telemetry"}) {
        EXPECT_EQ(std::find(prefixed.begin(), prefixed.end(), a), prefixed.end()) << a;
    }
    EXPECT_FALSE(std::any_of(prefixed.begin(), prefixed.end(), [](auto& a) { return a.starts_with("--lcores"); }));

    std::vector<std::string> raw = {"--vdev", "net_memif0,role=server"};
    EXPECT_EQ(eal_effective_args({raw, false}), raw);
    EXPECT_EQ(eal_vdev_names(raw), std::vector<std::string>{"net_memif0"});
}

TEST(DpdkEalArgs, ErrorsCarryEalsMessageAndAHint) {
    std::string d = eal_error_detail(EINVAL, "EAL: Detected CPU lcores: 2\nEAL: Option --legacy-mem is not compatible with --in-memory\n",
                                     EalStep::kInit);
    EXPECT_NE(d.find(": EAL: Option --legacy-mem is not compatible"), std::string::npos) << d;
    EXPECT_NE(d.find("--no-shconf"), std::string::npos) << d;
    EXPECT_NE(eal_error_detail(ENOMEM, "EAL: Cannot get hugepage information.\n", EalStep::kInit).find("--no-huge -m 1024"),
              std::string::npos);
    EXPECT_NE(eal_error_detail(EACCES, "", EalStep::kInit).find("root"), std::string::npos);
    EXPECT_NE(eal_error_detail(EALREADY, "", EalStep::kInit).find("one initialisation per process"), std::string::npos);
    EXPECT_EQ(last_log_line("a\nb\n\n"), "b");
    EXPECT_EQ(last_log_line("EAL: bad --foo\nEAL: Invalid 'command line' arguments.\n"), "EAL: bad --foo");
    EXPECT_EQ(last_log_line("EAL: Invalid 'command line' arguments.\n"), "EAL: Invalid 'command line' arguments.");
}

TEST(DpdkMempool, SizedFromRingsBurstsCachesAndInFlight) {
    DpdkConfig c;
    // 1024 + 1024 descriptors + 2 bursts + 256 cache * (1 lcore + 1) + 4096 in flight = 6720 -> 8191
    EXPECT_EQ(mempool_size(c, 1024, 1024, 256, 1), 8191u);
    c.mbufs = 1000;
    EXPECT_EQ(mempool_size(c, 1024, 1024, 256, 1), 1000u);
}

}  // namespace
}  // namespace tachyon
