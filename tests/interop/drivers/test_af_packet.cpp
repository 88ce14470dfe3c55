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
#include "tests/interop/drivers/native_device_test.hpp"
#include "tests/interop/drivers/netns_fixture.hpp"

namespace tachyon::test {
namespace {

std::string version_name(TpacketVersion v) { return v == TpacketVersion::kV2 ? "V2" : "V3"; }

struct AfPacketTraits {
    using Config = AfPacketConfig;
    using Native = AfPacketDevice;
    using Param = TpacketVersion;
    static Config config(const VethNetns& net, Param version) {
        AfPacketConfig c;
        c.interface = net.host_if();
        c.version = version;
        return c;
    }
    static Result<std::unique_ptr<Device>> open(const Config& c) { return open_af_packet_device(c); }
    static uint64_t rx_no_buffer(const Native& d) { return d.af_packet_stats().rx_no_buffer; }
};

class AfPacketTest : public NativeDeviceTest<AfPacketTraits> {};

TEST_P(AfPacketTest, ReportsInterfaceMacMtuAndLink) {
    auto dev = open(config());
    ASSERT_TRUE(dev);
    EXPECT_EQ(dev->caps().mac, net_->host_mac()) << "the stack's MAC is the interface's";
    EXPECT_EQ(dev->caps().mtu, 1500);
    EXPECT_FALSE(dev->caps().tx_l4_checksum);
    EXPECT_TRUE(dev->link_up());
    EXPECT_EQ(dev->name(), "af_packet:" + net_->host_if());
    EXPECT_EQ(native(*dev).version(), GetParam());
}

TEST_P(AfPacketTest, ArpRequestGetsKernelReply) {
    with_device(config(), [](DeviceUnderTest& t, AfPacketDevice&) {
        expect_arp_reply(t);
        EXPECT_GE(t.dev.stats().rx_packets, 1u);
        EXPECT_EQ(t.dev.stats().tx_packets, 1u);
    });
}

TEST_P(AfPacketTest, IcmpEchoReplyCarriesPayload) { expect_echo_replies_carry_payload(); }

TEST_P(AfPacketTest, BurstOf32IsOneKick) {
    with_device(config(), [](DeviceUnderTest& t, AfPacketDevice& d) {
        const uint64_t kicks = d.af_packet_stats().tx_kicks;
        expect_burst_echoes(t, 100);
        EXPECT_EQ(d.af_packet_stats().tx_kicks, kicks + 1) << "one sendto per burst";
        EXPECT_EQ(t.dev.stats().tx_packets, Device::kMaxBurst);
    });
}

TEST_P(AfPacketTest, SmallRingsWrapManyTimes) {
    AfPacketConfig c = config();
    c.rx_frames = 64;
    c.tx_frames = 32;
    c.v3_block_size = 4096;  // V3: 32 blocks of 2 frames' worth
    with_device(c, [](DeviceUnderTest& t, AfPacketDevice& d) {
        expect_many_echoes(t, 1024);
        EXPECT_EQ(t.dev.stats().tx_packets, 1024u);
        EXPECT_EQ(d.af_packet_stats().rx_kernel_drops, 0u);
    });
}

TEST_P(AfPacketTest, ReceivesKernelFlood) {
    AfPacketConfig c = config();
    c.rx_frames = 2048;  // the kernel sends all 1000 before we read
    expect_kernel_flood_received(c);
}

TEST_P(AfPacketTest, OwnFramesAreNotReceived) { expect_own_frames_not_received_on_device(); }

TEST_P(AfPacketTest, PoolExhaustionLeavesFramesInTheRing) { expect_frames_wait_for_buffers_with_pool_of_4(config()); }

TEST_P(AfPacketTest, LinkStatusFollowsTheInterface) { expect_link_follows_interface_once_open(); }

TEST_P(AfPacketTest, FramesSentWhileDownGoOutWithTheNextKick) {
    with_device(config(), [this](DeviceUnderTest& t, AfPacketDevice& d) {
        auto echo = [this](uint16_t seq) {
            return make_packet(tx_pool_, icmp_echo_request(net_->host_mac(), net_->peer_mac(), net_->local_ip(),
                                                           net_->peer_ip(), 0x7c03, seq, {}));
        };
        ASSERT_TRUE(net_->set_host_link(false));
        std::array<Packet, 1> first{echo(1)};
        EXPECT_EQ(t.dev.tx_burst(first), 1u) << "the ring takes the frame";
        EXPECT_GE(d.af_packet_stats().tx_kick_errors, 1u) << "the kernel refuses to send while down";
        ASSERT_TRUE(net_->set_host_link(true));
        std::array<Packet, 1> second{echo(2)};
        ASSERT_EQ(transmit_all(t.dev, second), 1u);
        std::set<uint16_t> seqs;
        EXPECT_TRUE(receive_until(t.dev, t.fd, [&](const Packet& p) {
            auto e = parse_icmp_echo(p.bytes());
            if (e && e->type == 0 && e->id == 0x7c03) seqs.insert(e->seq);
            return seqs.size() == 2;
        })) << "both echoes answered; got " << seqs.size() << (seqs.count(1) ? " incl. 1" : "") << " kicks "
             << d.af_packet_stats().tx_kicks << " errors " << d.af_packet_stats().tx_kick_errors;
    });
}

TEST_P(AfPacketTest, ReopensAfterClose) {
    for (int round = 0; round < 3; ++round) {
        with_device(config(), [](DeviceUnderTest& t, AfPacketDevice&) { expect_arp_reply(t); });
    }
}

TEST_P(AfPacketTest, SpecWithPcapCapturesBothDirections) {
    if (GetParam() != TpacketVersion::kV2) GTEST_SKIP() << "specs open the default (V2) ring";
    const std::string out = tcpdump_of_spec("af_packet:" + net_->host_if(), "arp", [this](PcapWriter& pcap) {
        auto& d = native(pcap.inner());
        DeviceUnderTest t{pcap, d.fd(), *net_, tx_pool_};
        expect_arp_reply(t);
        EXPECT_EQ(d.pool().in_use(), 0u);
    });
    EXPECT_NE(out.find("Request who-has " + net_->peer_ip_text()), std::string::npos) << out;
    EXPECT_NE(out.find("Reply " + net_->peer_ip_text() + " is-at " + net_->peer_mac().to_string()), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(Versions, AfPacketTest, ::testing::Values(TpacketVersion::kV2, TpacketVersion::kV3),
                         [](const auto& info) { return version_name(info.param); });

// ---- errors ----

TEST(AfPacketErrors, MissingInterfaceNamesTheFix) {
    AfPacketConfig c;
    c.interface = "tcynosuch0";
    expect_missing_interface_names_the_fix(open_af_packet_device(c));
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
        return open_outcome(open_af_packet_device(c));
    });
    EXPECT_EQ(code, EPERM) << msg;
    EXPECT_NE(msg.find("CAP_NET_RAW"), std::string::npos) << msg;
    EXPECT_NE(msg.find("root"), std::string::npos) << msg;

    auto [spec_code, spec_msg] = run_unprivileged([&] {
        return open_outcome(open_device("af_packet:" + ifname));
    });
    EXPECT_EQ(spec_code, EPERM) << spec_msg;
    EXPECT_NE(spec_msg.find("cannot open device 'af_packet:" + ifname + "'"), std::string::npos) << spec_msg;
    EXPECT_NE(spec_msg.find("CAP_NET_RAW"), std::string::npos) << spec_msg;
}

}  // namespace
}  // namespace tachyon::test
