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
#include "tests/interop/drivers/native_device_test.hpp"
#include "tests/interop/drivers/netns_fixture.hpp"

namespace tachyon::test {
namespace {

bool xdp_attached(const std::string& ifname) {
    std::string out;
    run_command({"ip", "link", "show", "dev", ifname}, &out);
    return out.find("xdp") != std::string::npos;
}

struct AfXdpTraits {
    using Config = AfXdpConfig;
    using Native = AfXdpDevice;
    using Param = XdpAttachMode;
    static Config config(const VethNetns& net, Param mode) {
        AfXdpConfig c;
        c.interface = net.host_if();
        c.attach = mode;
        return c;
    }
    static Result<std::unique_ptr<Device>> open(const Config& c) { return open_af_xdp_device(c); }
    static uint64_t rx_no_buffer(const Native& d) { return d.af_xdp_stats().rx_no_buffer; }
};

class AfXdpTest : public NativeDeviceTest<AfXdpTraits> {
protected:
    // On failure, what the device and both ends of the veth counted.
    void TearDown() override {
        if (!HasFailure() || !net_) return;
        std::string out;
        net_->exec({"ip", "-s", "link", "show", net_->peer_if()}, &out);
        std::string host;
        run_command({"ip", "-s", "-d", "link", "show", net_->host_if()}, &host);
        std::printf("peer:\n%s\nhost:\n%s\n", out.c_str(), host.c_str());
    }
};

TEST_P(AfXdpTest, ReportsInterfaceAndMode) {
    auto dev = open(config());
    ASSERT_TRUE(dev);
    EXPECT_EQ(dev->caps().mac, net_->host_mac());
    EXPECT_EQ(dev->caps().mtu, 1500);
    EXPECT_TRUE(dev->link_up());
    EXPECT_EQ(dev->name(), "af_xdp:" + net_->host_if() + ":0");
    EXPECT_EQ(native(*dev).native_xdp(), GetParam() != XdpAttachMode::kGeneric) << "veth supports native XDP";
    EXPECT_FALSE(native(*dev).zero_copy()) << "veth has no AF_XDP zero-copy";
    EXPECT_TRUE(xdp_attached(net_->host_if()));
    dev.reset();
    EXPECT_FALSE(xdp_attached(net_->host_if())) << "closing the device detaches its program";
}

TEST_P(AfXdpTest, ArpRequestGetsKernelReply) {
    with_device(config(), [](DeviceUnderTest& t, AfXdpDevice& d) {
        expect_arp_reply(t);
        EXPECT_GE(t.dev.stats().rx_packets, 1u);
        EXPECT_EQ(d.af_xdp_stats().tx_kick_errors, 0u);
        EXPECT_EQ(t.dev.stats().tx_packets, 1u);
    });
}

TEST_P(AfXdpTest, IcmpEchoReplyCarriesPayload) { expect_echo_replies_carry_payload(); }

TEST_P(AfXdpTest, BurstOf32IsOneKick) {
    with_device(config(), [](DeviceUnderTest& t, AfXdpDevice& d) {
        const uint64_t kicks = d.af_xdp_stats().tx_kicks;
        expect_burst_echoes(t, 100);
        EXPECT_EQ(d.af_xdp_stats().tx_kicks, kicks + 1) << "copy mode: one sendto per burst";
        EXPECT_EQ(t.dev.stats().tx_packets, Device::kMaxBurst);
    });
}

TEST_P(AfXdpTest, SmallRingsWrapManyTimes) {
    AfXdpConfig c = config();
    c.ring_size = 64;
    with_device(c, [](DeviceUnderTest& t, AfXdpDevice& d) {
        expect_many_echoes(t, 1024);
        EXPECT_EQ(t.dev.stats().tx_packets, 1024u);
        EXPECT_EQ(d.af_xdp_stats().rx_ring_full, 0u);
    });
}

TEST_P(AfXdpTest, ReceivesKernelFlood) {
    expect_kernel_flood_received(config());  // its 2048 RX frames hold the 1000
}

TEST_P(AfXdpTest, OwnFramesAreNotReceived) { expect_own_frames_not_received_on_device(); }

TEST_P(AfXdpTest, PoolExhaustionLeavesFramesInTheRing) { expect_frames_wait_for_buffers_with_pool_of_4(config()); }

TEST_P(AfXdpTest, LinkStatusFollowsTheInterface) { expect_link_follows_interface_once_open(); }

TEST_P(AfXdpTest, ReopensAfterClose) {
    for (int round = 0; round < 3; ++round) {
        with_device(config(), [](DeviceUnderTest& t, AfXdpDevice&) { expect_arp_reply(t); });
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
    const std::string out = tcpdump_of_spec("af_xdp:" + net_->host_if() + ":0", "icmp", [this](PcapWriter& pcap) {
        auto& d = native(pcap.inner());
        DeviceUnderTest t{pcap, d.fd(), *net_, tx_pool_};
        expect_echo_reply(t, 7, 32);
        EXPECT_EQ(d.pool().in_use(), 0u);
    });
    EXPECT_FALSE(xdp_attached(net_->host_if()));
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
    expect_missing_interface_names_the_fix(open_af_xdp_device(c));
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
        return open_outcome(open_af_xdp_device(c));
    });
    EXPECT_EQ(code, EPERM) << msg;
    EXPECT_NE(msg.find("CAP_NET_RAW"), std::string::npos) << msg;
    EXPECT_NE(msg.find("CAP_BPF"), std::string::npos) << msg;
    EXPECT_FALSE(xdp_attached(net_->host_if()));
}

}  // namespace
}  // namespace tachyon::test
