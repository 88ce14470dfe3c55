// Native AF_XDP device against the Linux kernel in a network namespace, over a veth pair (root).
// Every device case runs with the XDP program attached in native (veth driver) mode and in
// generic (skb) mode; veth has no zero-copy, so the socket is in copy mode either way.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drivers/af_xdp/af_xdp_device.hpp"
#include "drivers/decorators/pcap_writer.hpp"
#include "drivers/spec/open_device.hpp"
#include "tests/interop/drivers/netns_fixture.hpp"

namespace tachyon::test {
namespace {

bool xdp_attached(const std::string& ifname) {
    std::string out;
    run_command({"ip", "link", "show", "dev", ifname}, &out);
    return out.find("xdp") != std::string::npos;
}

class AfXdpTest : public ::testing::TestWithParam<XdpAttachMode> {
protected:
    void SetUp() override {
        std::string error;
        net_ = VethNetns::create(error);
        ASSERT_TRUE(net_) << error;
    }

    AfXdpConfig config() const {
        AfXdpConfig c;
        c.interface = net_->host_if();
        c.attach = GetParam();
        return c;
    }

    std::unique_ptr<Device> open(const AfXdpConfig& c) {
        auto r = open_af_xdp_device(c);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
        if (!r.ok()) return nullptr;
        return std::move(r.value());
    }

    static AfXdpDevice& xdp(Device& d) { return dynamic_cast<AfXdpDevice&>(d); }

    // On failure, what the device and both ends of the veth counted.
    void TearDown() override {
        if (!HasFailure() || !net_) return;
        std::string out;
        net_->exec({"ip", "-s", "link", "show", net_->peer_if()}, &out);
        std::string host;
        run_command({"ip", "-s", "-d", "link", "show", net_->host_if()}, &host);
        std::printf("peer:\n%s\nhost:\n%s\n", out.c_str(), host.c_str());
    }

    std::unique_ptr<VethNetns> net_;
    PacketPool tx_pool_{64};
};

TEST_P(AfXdpTest, ReportsInterfaceAndMode) {
    auto dev = open(config());
    ASSERT_TRUE(dev);
    EXPECT_EQ(dev->caps().mac, net_->host_mac());
    EXPECT_EQ(dev->caps().mtu, 1500);
    EXPECT_TRUE(dev->link_up());
    EXPECT_EQ(dev->name(), "af_xdp:" + net_->host_if() + ":0");
    EXPECT_EQ(xdp(*dev).native_xdp(), GetParam() != XdpAttachMode::kGeneric) << "veth supports native XDP";
    EXPECT_FALSE(xdp(*dev).zero_copy()) << "veth has no AF_XDP zero-copy";
    EXPECT_TRUE(xdp_attached(net_->host_if()));
    dev.reset();
    EXPECT_FALSE(xdp_attached(net_->host_if())) << "closing the device detaches its program";
}

TEST_P(AfXdpTest, ArpRequestGetsKernelReply) {
    auto dev = open(config());
    ASSERT_TRUE(dev);
    DeviceUnderTest t{*dev, xdp(*dev).fd(), *net_, tx_pool_};
    expect_arp_reply(t);
    EXPECT_EQ(xdp(*dev).pool().in_use(), 0u);
    EXPECT_GE(dev->stats().rx_packets, 1u);
    EXPECT_EQ(xdp(*dev).af_xdp_stats().tx_kick_errors, 0u);
    EXPECT_EQ(dev->stats().tx_packets, 1u);
}

TEST_P(AfXdpTest, IcmpEchoReplyCarriesPayload) {
    auto dev = open(config());
    ASSERT_TRUE(dev);
    DeviceUnderTest t{*dev, xdp(*dev).fd(), *net_, tx_pool_};
    expect_echo_reply(t, 1, 56);
    expect_echo_reply(t, 2, 1472);
    expect_echo_reply(t, 3, 0);
    EXPECT_EQ(xdp(*dev).pool().in_use(), 0u);
}

TEST_P(AfXdpTest, BurstOf32IsOneKick) {
    auto dev = open(config());
    ASSERT_TRUE(dev);
    DeviceUnderTest t{*dev, xdp(*dev).fd(), *net_, tx_pool_};
    const uint64_t kicks = xdp(*dev).af_xdp_stats().tx_kicks;
    expect_burst_echoes(t, 100);
    EXPECT_EQ(xdp(*dev).af_xdp_stats().tx_kicks, kicks + 1) << "copy mode: one sendto per burst";
    EXPECT_EQ(dev->stats().tx_packets, Device::kMaxBurst);
    EXPECT_EQ(xdp(*dev).pool().in_use(), 0u);
}

TEST_P(AfXdpTest, SmallRingsWrapManyTimes) {
    AfXdpConfig c = config();
    c.ring_size = 64;
    auto dev = open(c);
    ASSERT_TRUE(dev);
    DeviceUnderTest t{*dev, xdp(*dev).fd(), *net_, tx_pool_};
    expect_many_echoes(t, 1024);
    EXPECT_EQ(dev->stats().tx_packets, 1024u);
    EXPECT_EQ(xdp(*dev).af_xdp_stats().rx_ring_full, 0u);
    EXPECT_EQ(xdp(*dev).pool().in_use(), 0u);
}

TEST_P(AfXdpTest, ReceivesKernelFlood) {
    auto dev = open(config());  // 2048 RX frames hold the 1000 the kernel sends before we read
    ASSERT_TRUE(dev);
    DeviceUnderTest t{*dev, xdp(*dev).fd(), *net_, tx_pool_};
    expect_kernel_flood(t, 1000);
    EXPECT_GE(dev->stats().rx_packets, 1000u);
    EXPECT_EQ(dev->stats().rx_dropped, 0u);
    EXPECT_EQ(xdp(*dev).pool().in_use(), 0u);
}

TEST_P(AfXdpTest, OwnFramesAreNotReceived) {
    auto dev = open(config());
    ASSERT_TRUE(dev);
    DeviceUnderTest t{*dev, xdp(*dev).fd(), *net_, tx_pool_};
    expect_own_frames_not_received(t);
    EXPECT_EQ(xdp(*dev).pool().in_use(), 0u);
}

TEST_P(AfXdpTest, PoolExhaustionLeavesFramesInTheRing) {
    AfXdpConfig c = config();
    c.pool_size = 4;
    auto dev = open(c);
    ASSERT_TRUE(dev);
    const int fd = xdp(*dev).fd();
    std::array<Packet, 8> out;
    for (size_t i = 0; i < out.size(); ++i) {
        out[i] = make_packet(tx_pool_, icmp_echo_request(net_->host_mac(), net_->peer_mac(), net_->local_ip(),
                                                         net_->peer_ip(), 0x7c02, static_cast<uint16_t>(i), {}));
    }
    ASSERT_EQ(transmit_all(*dev, out), out.size());
    std::vector<Packet> held;
    std::array<Packet, Device::kMaxBurst> in;
    const auto end = Clock::now() + kDeadline;
    while (xdp(*dev).af_xdp_stats().rx_no_buffer == 0 && Clock::now() < end) {
        const size_t n = dev->rx_burst(in);
        for (size_t i = 0; i < n; ++i) held.push_back(std::move(in[i]));
        if (n == 0) wait_readable(fd);
    }
    EXPECT_EQ(held.size(), 4u);
    EXPECT_EQ(xdp(*dev).pool().in_use(), 4u);
    EXPECT_EQ(dev->rx_burst(in), 0u);
    held.clear();
    size_t more = 0;
    EXPECT_TRUE(receive_until(*dev, fd, [&](const Packet& p) {
        auto e = parse_icmp_echo(p.bytes());
        if (e && e->type == 0 && e->id == 0x7c02) ++more;
        return more == 4;
    })) << "the frames left in the RX ring arrive once buffers are free";
    EXPECT_EQ(dev->stats().rx_dropped, 0u);
    EXPECT_EQ(xdp(*dev).pool().in_use(), 0u);
}

TEST_P(AfXdpTest, LinkStatusFollowsTheInterface) {
    auto dev = open(config());
    ASSERT_TRUE(dev);
    EXPECT_TRUE(dev->link_up());
    ASSERT_TRUE(net_->set_host_link(false));
    EXPECT_FALSE(dev->link_up());
    ASSERT_TRUE(net_->set_host_link(true));
    EXPECT_TRUE(dev->link_up());
}

TEST_P(AfXdpTest, ReopensAfterClose) {
    for (int round = 0; round < 3; ++round) {
        auto dev = open(config());
        ASSERT_TRUE(dev);
        DeviceUnderTest t{*dev, xdp(*dev).fd(), *net_, tx_pool_};
        expect_arp_reply(t);
        EXPECT_EQ(xdp(*dev).pool().in_use(), 0u);
        dev.reset();
        EXPECT_FALSE(xdp_attached(net_->host_if()));
    }
    // Back to back: the queue's previous socket may still be in the kernel's deferred release.
    for (int round = 0; round < 5; ++round) {
        auto dev = open(config());
        ASSERT_TRUE(dev);
    }
}

TEST_P(AfXdpTest, SpecWithPcapCapturesBothDirections) {
    if (GetParam() != XdpAttachMode::kAuto) GTEST_SKIP() << "specs open in the default (auto) mode";
    char path[] = "/tmp/tcy-af-xdp-pcap-XXXXXX";
    const int tmp = ::mkstemp(path);
    ASSERT_GE(tmp, 0);
    ::close(tmp);
    {
        auto dev = open_device("af_xdp:" + net_->host_if() + ":0", OpenOptions{.pcap_path = path});
        ASSERT_TRUE(dev.ok()) << dev.error().message();
        auto& pcap = dynamic_cast<PcapWriter&>(**dev);
        DeviceUnderTest t{**dev, xdp(pcap.inner()).fd(), *net_, tx_pool_};
        expect_echo_reply(t, 7, 32);
        EXPECT_EQ(xdp(pcap.inner()).pool().in_use(), 0u);
    }
    EXPECT_FALSE(xdp_attached(net_->host_if()));
    std::string out;
    EXPECT_EQ(run_command({"tcpdump", "-nr", path, "icmp"}, &out), 0) << out;
    ::unlink(path);
    EXPECT_NE(out.find(net_->local_ip_text() + " > " + net_->peer_ip_text() + ": ICMP echo request"), std::string::npos) << out;
    EXPECT_NE(out.find(net_->peer_ip_text() + " > " + net_->local_ip_text() + ": ICMP echo reply"), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(Modes, AfXdpTest, ::testing::Values(XdpAttachMode::kAuto, XdpAttachMode::kGeneric),
                         [](const auto& info) { return info.param == XdpAttachMode::kGeneric ? "Generic" : "Native"; });

// ---- errors ----

class AfXdpErrors : public ::testing::Test {
protected:
    void SetUp() override {
        std::string error;
        net_ = VethNetns::create(error);
        ASSERT_TRUE(net_) << error;
    }
    std::unique_ptr<VethNetns> net_;
};

TEST_F(AfXdpErrors, MissingInterfaceNamesTheFix) {
    AfXdpConfig c;
    c.interface = "tcynosuch0";
    auto r = open_af_xdp_device(c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), ENODEV);
    EXPECT_NE(r.error().message().find("ip link show"), std::string::npos) << r.error().message();
}

TEST_F(AfXdpErrors, BadSizesAreInvalid) {
    AfXdpConfig c;
    c.interface = net_->host_if();
    c.ring_size = 1000;  // not a power of two
    auto r = open_af_xdp_device(c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), EINVAL);
    EXPECT_NE(r.error().detail.find("ring_size"), std::string::npos);
    c.ring_size = 256;
    c.frame_size = 3000;
    EXPECT_EQ(open_af_xdp_device(c).code(), EINVAL);
    EXPECT_FALSE(xdp_attached(net_->host_if()));
}

TEST_F(AfXdpErrors, SecondDeviceOnTheInterfaceIsBusy) {
    AfXdpConfig c;
    c.interface = net_->host_if();
    auto first = open_af_xdp_device(c);
    ASSERT_TRUE(first.ok()) << first.error().message();
    for (XdpAttachMode mode : {XdpAttachMode::kAuto, XdpAttachMode::kGeneric}) {
        c.attach = mode;
        auto second = open_af_xdp_device(c);
        ASSERT_FALSE(second.ok());
        EXPECT_EQ(second.code(), EBUSY);
        EXPECT_NE(second.error().detail.find("xdp off"), std::string::npos) << second.error().message();
    }
    EXPECT_TRUE(first.value()->link_up()) << "the first device is unharmed";
}

TEST_F(AfXdpErrors, MissingQueueIsExplainedAndLeavesNothingAttached) {
    AfXdpConfig c;
    c.interface = net_->host_if();
    c.queue = 3;  // the fixture's veth has one queue
    auto r = open_af_xdp_device(c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), EINVAL);
    EXPECT_NE(r.error().detail.find("queue 3"), std::string::npos) << r.error().message();
    EXPECT_FALSE(xdp_attached(net_->host_if())) << "a failed open detaches the program it attached";
}

TEST_F(AfXdpErrors, ZeroCopyOnVethIsUnsupported) {
    AfXdpConfig c;
    c.interface = net_->host_if();
    c.bind = XskBindMode::kZeroCopy;
    auto r = open_af_xdp_device(c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), EOPNOTSUPP) << r.error().message();
    EXPECT_NE(r.error().detail.find("copy mode"), std::string::npos) << r.error().message();
    EXPECT_FALSE(xdp_attached(net_->host_if()));
}

// The program is attached through a BPF link owned by the process: a crash cannot leave it behind
// (which would make the next open fail with EBUSY).
TEST_F(AfXdpErrors, KilledOwnerLeavesNothingAttached) {
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(ready[0]);
        AfXdpConfig c;
        c.interface = net_->host_if();
        auto dev = open_af_xdp_device(c);
        const char ok = dev.ok() ? 'y' : 'n';
        (void)!::write(ready[1], &ok, 1);
        ::pause();  // until SIGKILL
        ::_exit(0);
    }
    ::close(ready[1]);
    char ok = 0;
    ASSERT_EQ(::read(ready[0], &ok, 1), 1);
    ::close(ready[0]);
    EXPECT_EQ(ok, 'y');
    EXPECT_TRUE(xdp_attached(net_->host_if()));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    EXPECT_FALSE(xdp_attached(net_->host_if()));
    AfXdpConfig c;
    c.interface = net_->host_if();
    auto again = open_af_xdp_device(c);
    EXPECT_TRUE(again.ok()) << again.error().message();
}

TEST_F(AfXdpErrors, NoPrivilegesNamesTheCapabilities) {
    const std::string ifname = net_->host_if();
    auto [code, msg] = run_unprivileged([&] {
        AfXdpConfig c;
        c.interface = ifname;
        auto r = open_af_xdp_device(c);
        return r.ok() ? std::pair<int, std::string>{0, ""} : std::pair<int, std::string>{r.code(), r.error().message()};
    });
    EXPECT_EQ(code, EPERM) << msg;
    EXPECT_NE(msg.find("CAP_NET_RAW"), std::string::npos) << msg;
    EXPECT_NE(msg.find("CAP_BPF"), std::string::npos) << msg;
    EXPECT_FALSE(xdp_attached(net_->host_if()));
}

}  // namespace
}  // namespace tachyon::test
