// Native AF_PACKET device against the Linux kernel in a network namespace, over a veth pair
// (root). Every case runs with TPACKET_V2 and TPACKET_V3 rings.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <set>

#include "drivers/af_packet/af_packet_device.hpp"
#include "drivers/decorators/pcap_writer.hpp"
#include "drivers/spec/open_device.hpp"
#include "tests/interop/drivers/netns_fixture.hpp"

namespace tachyon::test {
namespace {

std::string version_name(TpacketVersion v) { return v == TpacketVersion::kV2 ? "V2" : "V3"; }

class AfPacketTest : public ::testing::TestWithParam<TpacketVersion> {
protected:
    void SetUp() override {
        std::string error;
        net_ = VethNetns::create(error);
        ASSERT_TRUE(net_) << error;
    }

    AfPacketConfig config() const {
        AfPacketConfig c;
        c.interface = net_->host_if();
        c.version = GetParam();
        return c;
    }

    // Opens the device; the caller checks the pool and destroys it before the fixture goes.
    std::unique_ptr<Device> open(const AfPacketConfig& c) {
        auto r = open_af_packet_device(c);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
        if (!r.ok()) return nullptr;
        return std::move(r.value());
    }

    static AfPacketDevice& af(Device& d) { return dynamic_cast<AfPacketDevice&>(d); }

    std::unique_ptr<VethNetns> net_;
    PacketPool tx_pool_{64};
};

TEST_P(AfPacketTest, ReportsInterfaceMacMtuAndLink) {
    auto dev = open(config());
    ASSERT_TRUE(dev);
    EXPECT_EQ(dev->caps().mac, net_->host_mac()) << "the stack's MAC is the interface's";
    EXPECT_EQ(dev->caps().mtu, 1500);
    EXPECT_FALSE(dev->caps().tx_l4_checksum);
    EXPECT_TRUE(dev->link_up());
    EXPECT_EQ(dev->name(), "af_packet:" + net_->host_if());
    EXPECT_EQ(af(*dev).version(), GetParam());
}

TEST_P(AfPacketTest, ArpRequestGetsKernelReply) {
    auto dev = open(config());
    ASSERT_TRUE(dev);
    DeviceUnderTest t{*dev, af(*dev).fd(), *net_, tx_pool_};
    expect_arp_reply(t);
    EXPECT_EQ(af(*dev).pool().in_use(), 0u);
    EXPECT_GE(dev->stats().rx_packets, 1u);
    EXPECT_EQ(dev->stats().tx_packets, 1u);
}

TEST_P(AfPacketTest, IcmpEchoReplyCarriesPayload) {
    auto dev = open(config());
    ASSERT_TRUE(dev);
    DeviceUnderTest t{*dev, af(*dev).fd(), *net_, tx_pool_};
    expect_echo_reply(t, 1, 56);
    expect_echo_reply(t, 2, 1472);  // a full 1500-byte IP packet
    expect_echo_reply(t, 3, 0);
    EXPECT_EQ(af(*dev).pool().in_use(), 0u);
}

TEST_P(AfPacketTest, BurstOf32IsOneKick) {
    auto dev = open(config());
    ASSERT_TRUE(dev);
    DeviceUnderTest t{*dev, af(*dev).fd(), *net_, tx_pool_};
    const uint64_t kicks = af(*dev).af_packet_stats().tx_kicks;
    expect_burst_echoes(t, 100);
    EXPECT_EQ(af(*dev).af_packet_stats().tx_kicks, kicks + 1) << "one sendto per burst";
    EXPECT_EQ(dev->stats().tx_packets, Device::kMaxBurst);
    EXPECT_EQ(af(*dev).pool().in_use(), 0u);
}

TEST_P(AfPacketTest, SmallRingsWrapManyTimes) {
    AfPacketConfig c = config();
    c.rx_frames = 64;
    c.tx_frames = 32;
    c.v3_block_size = 4096;  // V3: 32 blocks of 2 frames' worth
    auto dev = open(c);
    ASSERT_TRUE(dev);
    DeviceUnderTest t{*dev, af(*dev).fd(), *net_, tx_pool_};
    expect_many_echoes(t, 1024);
    EXPECT_EQ(af(*dev).pool().in_use(), 0u);
    EXPECT_EQ(dev->stats().tx_packets, 1024u);
    EXPECT_EQ(af(*dev).af_packet_stats().rx_kernel_drops, 0u);
}

TEST_P(AfPacketTest, ReceivesKernelFlood) {
    AfPacketConfig c = config();
    c.rx_frames = 2048;  // the kernel sends all 1000 before we read
    auto dev = open(c);
    ASSERT_TRUE(dev);
    DeviceUnderTest t{*dev, af(*dev).fd(), *net_, tx_pool_};
    expect_kernel_flood(t, 1000);
    EXPECT_GE(dev->stats().rx_packets, 1000u);
    EXPECT_EQ(dev->stats().rx_dropped, 0u);
    EXPECT_EQ(af(*dev).pool().in_use(), 0u);
}

TEST_P(AfPacketTest, OwnFramesAreNotReceived) {
    auto dev = open(config());
    ASSERT_TRUE(dev);
    DeviceUnderTest t{*dev, af(*dev).fd(), *net_, tx_pool_};
    expect_own_frames_not_received(t);
    EXPECT_EQ(af(*dev).pool().in_use(), 0u);
}

TEST_P(AfPacketTest, PoolExhaustionLeavesFramesInTheRing) {
    AfPacketConfig c = config();
    c.pool_size = 4;
    auto dev = open(c);
    ASSERT_TRUE(dev);
    DeviceUnderTest t{*dev, af(*dev).fd(), *net_, tx_pool_};
    std::array<Packet, Device::kMaxBurst> out;
    for (size_t i = 0; i < 8; ++i) {
        out[i] = make_packet(tx_pool_, icmp_echo_request(net_->host_mac(), net_->peer_mac(), net_->local_ip(),
                                                         net_->peer_ip(), 0x7c02, static_cast<uint16_t>(i), {}));
    }
    ASSERT_EQ(transmit_all(*dev, std::span(out).first(8)), 8u);
    // Hold the pool's four buffers: the other four replies must wait in the ring.
    std::vector<Packet> held;
    std::array<Packet, Device::kMaxBurst> in;
    const auto end = Clock::now() + kDeadline;
    while (af(*dev).af_packet_stats().rx_no_buffer == 0 && Clock::now() < end) {
        const size_t n = dev->rx_burst(in);
        for (size_t i = 0; i < n; ++i) held.push_back(std::move(in[i]));
        if (n == 0) wait_readable(t.fd);
    }
    EXPECT_EQ(held.size(), 4u);
    EXPECT_EQ(af(*dev).pool().in_use(), 4u);
    EXPECT_GE(af(*dev).af_packet_stats().rx_no_buffer, 1u);
    EXPECT_EQ(dev->rx_burst(in), 0u) << "no buffer: nothing delivered";
    held.clear();
    size_t more = 0;
    EXPECT_TRUE(receive_until(*dev, t.fd, [&](const Packet& p) {
        auto e = parse_icmp_echo(p.bytes());
        if (e && e->type == 0 && e->id == 0x7c02) ++more;
        return more == 4;
    })) << "the frames left in the ring arrive once buffers are free";
    EXPECT_EQ(dev->stats().rx_dropped, 0u);
    EXPECT_EQ(af(*dev).pool().in_use(), 0u);
}

TEST_P(AfPacketTest, LinkStatusFollowsTheInterface) {
    auto dev = open(config());
    ASSERT_TRUE(dev);
    EXPECT_TRUE(dev->link_up());
    ASSERT_TRUE(net_->set_host_link(false));
    EXPECT_FALSE(dev->link_up());
    ASSERT_TRUE(net_->set_host_link(true));
    EXPECT_TRUE(dev->link_up());
}

TEST_P(AfPacketTest, FramesSentWhileDownGoOutWithTheNextKick) {
    auto dev = open(config());
    ASSERT_TRUE(dev);
    DeviceUnderTest t{*dev, af(*dev).fd(), *net_, tx_pool_};
    ASSERT_TRUE(net_->set_host_link(false));
    std::array<Packet, 1> first{make_packet(tx_pool_, icmp_echo_request(net_->host_mac(), net_->peer_mac(), net_->local_ip(),
                                                                         net_->peer_ip(), 0x7c03, 1, {}))};
    EXPECT_EQ(dev->tx_burst(first), 1u) << "the ring takes the frame";
    EXPECT_GE(af(*dev).af_packet_stats().tx_kick_errors, 1u) << "the kernel refuses to send while down";
    ASSERT_TRUE(net_->set_host_link(true));
    std::array<Packet, 1> second{make_packet(tx_pool_, icmp_echo_request(net_->host_mac(), net_->peer_mac(), net_->local_ip(),
                                                                          net_->peer_ip(), 0x7c03, 2, {}))};
    ASSERT_EQ(transmit_all(*dev, second), 1u);
    std::set<uint16_t> seqs;
    EXPECT_TRUE(receive_until(*dev, t.fd, [&](const Packet& p) {
        auto e = parse_icmp_echo(p.bytes());
        if (e && e->type == 0 && e->id == 0x7c03) seqs.insert(e->seq);
        return seqs.size() == 2;
    })) << "both echoes answered; got " << seqs.size() << (seqs.count(1) ? " incl. 1" : "") << " kicks "
         << af(*dev).af_packet_stats().tx_kicks << " errors " << af(*dev).af_packet_stats().tx_kick_errors;
    EXPECT_EQ(af(*dev).pool().in_use(), 0u);
}

TEST_P(AfPacketTest, ReopensAfterClose) {
    for (int round = 0; round < 3; ++round) {
        auto dev = open(config());
        ASSERT_TRUE(dev);
        DeviceUnderTest t{*dev, af(*dev).fd(), *net_, tx_pool_};
        expect_arp_reply(t);
        EXPECT_EQ(af(*dev).pool().in_use(), 0u);
    }
}

TEST_P(AfPacketTest, SpecWithPcapCapturesBothDirections) {
    if (GetParam() != TpacketVersion::kV2) GTEST_SKIP() << "specs open the default (V2) ring";
    char path[] = "/tmp/tcy-af-packet-pcap-XXXXXX";
    const int tmp = ::mkstemp(path);
    ASSERT_GE(tmp, 0);
    ::close(tmp);
    {
        auto dev = open_device("af_packet:" + net_->host_if(), OpenOptions{.pcap_path = path});
        ASSERT_TRUE(dev.ok()) << dev.error().message();
        auto& pcap = dynamic_cast<PcapWriter&>(**dev);
        DeviceUnderTest t{**dev, af(pcap.inner()).fd(), *net_, tx_pool_};
        expect_arp_reply(t);
        EXPECT_EQ(af(pcap.inner()).pool().in_use(), 0u);
    }
    std::string out;
    EXPECT_EQ(run_command({"tcpdump", "-nr", path, "arp"}, &out), 0) << out;
    ::unlink(path);
    EXPECT_NE(out.find("Request who-has " + net_->peer_ip_text()), std::string::npos) << out;
    EXPECT_NE(out.find("Reply " + net_->peer_ip_text() + " is-at " + net_->peer_mac().to_string()), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(Versions, AfPacketTest, ::testing::Values(TpacketVersion::kV2, TpacketVersion::kV3),
                         [](const auto& info) { return version_name(info.param); });

// ---- errors ----

TEST(AfPacketErrors, MissingInterfaceNamesTheFix) {
    AfPacketConfig c;
    c.interface = "tcynosuch0";
    auto r = open_af_packet_device(c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), ENODEV);
    EXPECT_NE(r.error().message().find("ip link show"), std::string::npos) << r.error().message();
}

TEST(AfPacketErrors, BadInterfaceNameIsInvalid) {
    for (const char* name : {"", "a/b", "eth0:1", "0123456789abcdef"}) {
        AfPacketConfig c;
        c.interface = name;
        auto r = open_af_packet_device(c);
        ASSERT_FALSE(r.ok()) << name;
        EXPECT_EQ(r.code(), EINVAL) << name;
    }
}

TEST(AfPacketErrors, BadRingSizesAreInvalid) {
    AfPacketConfig c;
    c.interface = "lo";
    c.rx_frames = 0;
    auto r = open_af_packet_device(c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), EINVAL);
    EXPECT_NE(r.error().detail.find("rx_frames"), std::string::npos);
    c.rx_frames = 64;
    c.pool_size = 0;
    EXPECT_EQ(open_af_packet_device(c).code(), EINVAL);
}

TEST(AfPacketErrors, LoopbackIsNotEthernet) {
    AfPacketConfig c;
    c.interface = "lo";
    EXPECT_EQ(open_af_packet_device(c).code(), EPROTONOSUPPORT);
}

TEST(AfPacketErrors, NoPrivilegesNamesTheCapability) {
    std::string error;
    auto net = VethNetns::create(error);
    ASSERT_TRUE(net) << error;
    const std::string ifname = net->host_if();
    auto [code, msg] = run_unprivileged([&] {
        AfPacketConfig c;
        c.interface = ifname;
        auto r = open_af_packet_device(c);
        return r.ok() ? std::pair<int, std::string>{0, ""} : std::pair<int, std::string>{r.code(), r.error().message()};
    });
    EXPECT_EQ(code, EPERM) << msg;
    EXPECT_NE(msg.find("CAP_NET_RAW"), std::string::npos) << msg;
    EXPECT_NE(msg.find("root"), std::string::npos) << msg;

    auto [spec_code, spec_msg] = run_unprivileged([&] {
        auto r = open_device("af_packet:" + ifname);
        return r.ok() ? std::pair<int, std::string>{0, ""} : std::pair<int, std::string>{r.code(), r.error().message()};
    });
    EXPECT_EQ(spec_code, EPERM) << spec_msg;
    EXPECT_NE(spec_msg.find("cannot open device 'af_packet:" + ifname + "'"), std::string::npos) << spec_msg;
    EXPECT_NE(spec_msg.find("CAP_NET_RAW"), std::string::npos) << spec_msg;
}

}  // namespace
}  // namespace tachyon::test
