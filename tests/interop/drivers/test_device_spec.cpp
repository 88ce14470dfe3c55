// Device specs: parsing (every form and every bad input's message), open_device() errors that need
// no privileges, the hugepage check, and the "memory" loopback with a pcap capture. Suite 'unit':
// no root, no network. (Opening real interfaces through specs is in test_af_packet/test_af_xdp.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "drivers/spec/device_spec.hpp"
#include "drivers/spec/open_device.hpp"
#include "lib/packet.hpp"
#include "tachyon_config.hpp"

namespace tachyon {
namespace {

DeviceSpec parse_ok(std::string_view text) {
    auto r = parse_device_spec(text);
    EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message());
    return r.ok() ? r.value() : DeviceSpec{};
}

TEST(DeviceSpec, ParsesDpdkArgumentsSplitOnSpaces) {
    const DeviceSpec s = parse_ok("dpdk:--vdev=net_memif0,role=server,socket=/tmp/m.sock   -l 0  --no-huge");
    const auto* d = std::get_if<DpdkSpec>(&s.backend);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->eal_args, (std::vector<std::string>{"--vdev=net_memif0,role=server,socket=/tmp/m.sock", "-l", "0", "--no-huge"}));
    EXPECT_EQ(s.backend_name(), "dpdk");
    EXPECT_EQ(s.to_string(), "dpdk:--vdev=net_memif0,role=server,socket=/tmp/m.sock -l 0 --no-huge");
}

TEST(DeviceSpec, ParsesTheDesignExamples) {
    EXPECT_EQ(parse_ok("dpdk:--vdev=net_tap0,iface=tcy0"), (DeviceSpec{DpdkSpec{{"--vdev=net_tap0,iface=tcy0"}}}));
    EXPECT_EQ(parse_ok("af_packet:veth0"), (DeviceSpec{AfPacketSpec{"veth0"}}));
    EXPECT_EQ(parse_ok("af_xdp:veth0:0"), (DeviceSpec{AfXdpSpec{"veth0", 0}}));
    EXPECT_EQ(parse_ok("af_xdp:veth0:63"), (DeviceSpec{AfXdpSpec{"veth0", 63}}));
    EXPECT_EQ(parse_ok("af_xdp:veth0"), (DeviceSpec{AfXdpSpec{"veth0", 0}})) << "the queue defaults to 0";
    EXPECT_EQ(parse_ok("memory"), (DeviceSpec{MemorySpec{}}));
}

TEST(DeviceSpec, CanonicalTextParsesBackToTheSameSpec) {
    for (const char* text : {"dpdk:--vdev=net_tap0,iface=tcy0 --no-huge", "af_packet:eth0", "af_xdp:enp1s0f0:3",
                             "af_xdp:veth0", "memory"}) {
        const DeviceSpec s = parse_ok(text);
        EXPECT_EQ(parse_ok(s.to_string()), s) << text;
    }
}

struct BadSpec {
    const char* text;
    const char* names;  // a phrase the message must contain
};

class BadDeviceSpec : public ::testing::TestWithParam<BadSpec> {};

TEST_P(BadDeviceSpec, IsInvalidWithAMessageAndTheValidForms) {
    auto r = parse_device_spec(GetParam().text);
    ASSERT_FALSE(r.ok()) << GetParam().text;
    EXPECT_EQ(r.code(), EINVAL);
    const std::string m = r.error().message();
    EXPECT_NE(m.find(GetParam().names), std::string::npos) << m;
    EXPECT_NE(m.find("valid forms"), std::string::npos) << m;
    EXPECT_NE(m.find("af_packet:<interface>"), std::string::npos) << m;
    EXPECT_NE(m.find("af_xdp:<interface>[:<queue>]"), std::string::npos) << m;
    EXPECT_NE(m.find("dpdk:<EAL arguments>"), std::string::npos) << m;
    EXPECT_NE(m.find("memory"), std::string::npos) << m;
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, BadDeviceSpec,
    ::testing::Values(BadSpec{"", "the spec is empty"},
                      BadSpec{"dpdk:", "dpdk needs EAL arguments"},
                      BadSpec{"dpdk:    ", "dpdk needs EAL arguments"},
                      BadSpec{"dpdk", "dpdk needs EAL arguments"},
                      BadSpec{"af_packet", "af_packet needs an interface name"},
                      BadSpec{"af_packet:", "no interface name"},
                      BadSpec{"af_packet:veth0:1", "queues are for af_xdp"},
                      BadSpec{"af_packet:a/b", "'a/b' is not an interface name"},
                      BadSpec{"af_packet:0123456789abcdef", "is not an interface name"},
                      BadSpec{"af_packet:ve th0", "is not an interface name"},
                      BadSpec{"af_xdp", "af_xdp needs an interface name and a queue"},
                      BadSpec{"af_xdp:", "no interface name"},
                      BadSpec{"af_xdp::0", "no interface name"},
                      BadSpec{"af_xdp:veth0:", "the queue '' is not a number"},
                      BadSpec{"af_xdp:veth0:x", "the queue 'x' is not a number"},
                      BadSpec{"af_xdp:veth0:-1", "the queue '-1' is not a number"},
                      BadSpec{"af_xdp:veth0:65536", "from 0 to 65535"},
                      BadSpec{"af_xdp:veth0:1:2", "one queue number"},
                      BadSpec{"memory:x", "memory takes no arguments"},
                      BadSpec{"foo:bar", "unknown backend 'foo'"},
                      BadSpec{":veth0", "unknown backend ''"},
                      BadSpec{"veth0", "unknown backend 'veth0'"},
                      BadSpec{"af-packet:veth0", "did you mean 'af_packet'?"},
                      BadSpec{"AF_XDP:veth0:0", "did you mean 'af_xdp'?"},
                      BadSpec{"DPDK:--vdev=net_tap0", "did you mean 'dpdk'?"}));

TEST(OpenDevice, MissingInterfaceNamesTheSpecAndTheFix) {
    for (const char* spec : {"af_packet:tcynosuch0", "af_xdp:tcynosuch0:0"}) {
#if !TACHYON_HAVE_AF_XDP
        if (std::string_view(spec).starts_with("af_xdp")) continue;
#endif
        auto r = open_device(spec);
        ASSERT_FALSE(r.ok()) << spec;
        EXPECT_EQ(r.code(), ENODEV) << spec;
        const std::string m = r.error().message();
        EXPECT_NE(m.find(spec), std::string::npos) << m;
        EXPECT_NE(m.find("ip link show"), std::string::npos) << m;
    }
}

TEST(OpenDevice, UnparsableTextIsInvalid) {
    auto r = open_device("nonsense");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), EINVAL);
    EXPECT_NE(r.error().message().find("unknown backend 'nonsense'"), std::string::npos);
}

#if !TACHYON_HAVE_DPDK
TEST(OpenDevice, DpdkMissingFromTheBuildSaysHowToGetIt) {
    auto r = open_device("dpdk:--vdev=net_null0");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), EOPNOTSUPP);
    EXPECT_NE(r.error().message().find("this build has no DPDK"), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find("libdpdk-dev"), std::string::npos) << r.error().message();
}
#endif

#if !TACHYON_HAVE_AF_XDP
TEST(OpenDevice, AfXdpMissingFromTheBuildSaysHowToGetIt) {
    auto r = open_device("af_xdp:lo:0");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), EOPNOTSUPP);
    EXPECT_NE(r.error().message().find("this build has no AF_XDP"), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find("libxdp-dev"), std::string::npos) << r.error().message();
}
#endif

TEST(DpdkHugepages, ExplicitHugepageOptionsNeedFreeHugepages) {
    const std::vector<std::string> args = {"--vdev=net_null0", "--socket-mem=64"};
    auto r = check_dpdk_hugepages(args, HugepageState{0, true});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), ENOMEM);
    const std::string m = r.error().message();
    EXPECT_NE(m.find("--socket-mem"), std::string::npos) << m;
    EXPECT_NE(m.find("no free hugepages"), std::string::npos) << m;
    EXPECT_NE(m.find("nr_hugepages"), std::string::npos) << m;
    EXPECT_NE(m.find("--no-huge"), std::string::npos) << m;

    auto unmounted = check_dpdk_hugepages(args, HugepageState{512, false});
    ASSERT_FALSE(unmounted.ok());
    EXPECT_NE(unmounted.error().message().find("no hugetlbfs is mounted"), std::string::npos);

    EXPECT_TRUE(check_dpdk_hugepages(args, HugepageState{512, true}).ok());
}

TEST(DpdkHugepages, WithoutHugepageOptionsNothingIsMissing) {
    // The DPDK backend adds --no-huge by itself then (drivers/dpdk/eal.hpp).
    EXPECT_TRUE(check_dpdk_hugepages(std::vector<std::string>{"--vdev=net_tap0,iface=tcy0"}, HugepageState{}).ok());
    EXPECT_TRUE(check_dpdk_hugepages(std::vector<std::string>{"--no-huge", "-m", "512"}, HugepageState{}).ok());
    EXPECT_TRUE(check_dpdk_hugepages(std::vector<std::string>{"--no-huge", "--huge-dir=/x"}, HugepageState{}).ok())
        << "--no-huge wins; EAL itself rejects the mix";
    for (const char* o : {"--huge-dir=/dev/hugepages", "--legacy-mem", "--huge-unlink", "--socket-limit=64"}) {
        EXPECT_EQ(check_dpdk_hugepages(std::vector<std::string>{o}, HugepageState{}).code(), ENOMEM) << o;
    }
    EXPECT_TRUE(check_dpdk_hugepages(std::vector<std::string>{"--socket-memx"}, HugepageState{}).ok())
        << "only whole options count";
}

#if TACHYON_HAVE_DPDK
TEST(OpenDevice, DpdkHugepageOptionsWithoutHugepagesFailBeforeEal) {
    if (read_hugepage_state().free_pages > 0) GTEST_SKIP() << "this machine has free hugepages";
    auto r = open_device("dpdk:--vdev=net_null0 --socket-mem=64");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), ENOMEM);
    EXPECT_NE(r.error().message().find("dpdk:--vdev=net_null0 --socket-mem=64"), std::string::npos);
    EXPECT_NE(r.error().message().find("nr_hugepages"), std::string::npos);
}
#endif

std::vector<std::byte> frame(uint8_t fill, size_t len) {
    std::vector<std::byte> f(len, std::byte{fill});
    for (size_t i = 0; i < 6; ++i) f[i] = std::byte{0x02};  // unicast destination
    f[12] = std::byte{0x08};
    f[13] = std::byte{0x00};
    return f;
}

Packet make(PacketPool& pool, const std::vector<std::byte>& bytes) {
    Packet p = pool.alloc();
    std::copy(bytes.begin(), bytes.end(), p.append(bytes.size()));
    return p;
}

TEST(OpenDevice, MemoryIsALoopback) {
    PacketPool pool(8);  // declared first: outlives the device that holds its frames
    auto dev = open_device("memory");
    ASSERT_TRUE(dev.ok()) << dev.error().message();
    EXPECT_EQ((*dev)->name(), "memory");
    std::array<Packet, 2> out{make(pool, frame(0x11, 60)), make(pool, frame(0x22, 1514))};
    EXPECT_EQ((*dev)->tx_burst(out), 2u);
    std::array<Packet, Device::kMaxBurst> in;
    ASSERT_EQ((*dev)->rx_burst(in), 2u);
    EXPECT_TRUE(std::ranges::equal(in[0].bytes(), frame(0x11, 60)));
    EXPECT_TRUE(std::ranges::equal(in[1].bytes(), frame(0x22, 1514)));
    for (auto& p : in) p.reset();
    EXPECT_EQ(pool.in_use(), 0u);
    EXPECT_EQ((*dev)->stats().tx_packets, 2u);
    EXPECT_EQ((*dev)->stats().rx_packets, 2u);
}

// A trusted link: the memory loopback's checksum offload (the frame comes back as sent, its
// checksums reported good), refused for kernel interfaces whose frames may come from anywhere.
TEST(OpenDevice, TrustedLinkSkipsChecksumsOnMemoryAndIsRefusedForKernelInterfaces) {
    PacketPool pool(8);
    auto plain = open_device("memory");
    ASSERT_TRUE(plain.ok()) << plain.error().message();
    EXPECT_FALSE((*plain)->caps().tx_l4_checksum);
    auto dev = open_device("memory", OpenOptions{.trust_link = true});
    ASSERT_TRUE(dev.ok()) << dev.error().message();
    const DeviceCaps caps = (*dev)->caps();
    EXPECT_TRUE(caps.tx_ipv4_checksum && caps.tx_l4_checksum && caps.rx_ipv4_checksum && caps.rx_l4_checksum);
    std::array<Packet, 1> out{make(pool, frame(0x11, 60))};
    out[0].meta().tx_flags = PacketMeta::kTxIpCsum | PacketMeta::kTxTcpCsum;
    ASSERT_EQ((*dev)->tx_burst(out), 1u);
    std::array<Packet, Device::kMaxBurst> in;
    ASSERT_EQ((*dev)->rx_burst(in), 1u);
    EXPECT_TRUE(std::ranges::equal(in[0].bytes(), frame(0x11, 60))) << "nothing computed into the frame";
    EXPECT_EQ(in[0].meta().rx_flags, PacketMeta::kRxIpCsumGood | PacketMeta::kRxL4CsumGood);
    in[0].reset();

    auto kernel = open_device("af_packet:lo", OpenOptions{.trust_link = true});
    ASSERT_FALSE(kernel.ok());
    EXPECT_EQ(kernel.code(), EINVAL);
    EXPECT_NE(kernel.error().message().find("dpdk and memory devices only"), std::string::npos) << kernel.error().message();
}

TEST(OpenDevice, PcapWrapsAnyDevice) {
    char path[] = "/tmp/tcy-spec-pcap-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    PacketPool pool(8);
    ManualClock clock(Instant::from_ns(1'000'000'000));
    {
        auto dev = open_device("memory", OpenOptions{.pcap_path = path, .pcap_clock = &clock});
        ASSERT_TRUE(dev.ok()) << dev.error().message();
        EXPECT_EQ((*dev)->name(), "pcap:memory");
        std::array<Packet, 2> out{make(pool, frame(0x11, 60)), make(pool, frame(0x22, 100))};
        EXPECT_EQ((*dev)->tx_burst(out), 2u);
        std::array<Packet, Device::kMaxBurst> in;
        EXPECT_EQ((*dev)->rx_burst(in), 2u);
    }  // closing the device flushes the capture
    EXPECT_EQ(pool.in_use(), 0u);
    std::ifstream f(path, std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    ::unlink(path);
    // File header, then 2 TX and 2 RX records of 16-byte headers plus the frames.
    EXPECT_EQ(bytes.size(), 24u + 2 * (16 + 60) + 2 * (16 + 100));
    ASSERT_GE(bytes.size(), 4u);
    EXPECT_EQ(static_cast<uint8_t>(bytes[0]), 0x4d) << "nanosecond pcap magic, little-endian";
}

TEST(OpenDevice, UnwritablePcapPathIsReported) {
    auto dev = open_device("memory", OpenOptions{.pcap_path = "/nonexistent-dir/x.pcap"});
    ASSERT_FALSE(dev.ok());
    EXPECT_EQ(dev.code(), ENOENT);
    EXPECT_NE(dev.error().message().find("cannot write the capture '/nonexistent-dir/x.pcap'"), std::string::npos)
        << dev.error().message();
}

}  // namespace
}  // namespace tachyon
