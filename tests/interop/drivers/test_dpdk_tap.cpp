// DpdkDevice on net_tap against the Linux kernel. The test process first moves into a network
// namespace of its own, so the TAP interface the PMD creates, its address and the kernel counters
// read from /proc/net/snmp are private to this test and disappear with it.
//
//   DPDK port net_tap0 (10.78.0.2, the port's MAC)  <-- TAP -->  kernel tcydtap0 (10.78.0.1, kKernelMac)
//
// net_tap gives the kernel interface the same MAC as the DPDK port; the set-up changes the kernel's
// to a different one so that frames look as on a real wire.
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include "drivers/dpdk/eal.hpp"
#include "drivers/dpdk/mbuf_packet.hpp"
#include "tests/interop/drivers/test_dpdk_util.hpp"

namespace tachyon {
namespace {

using namespace dpdk_test;
using namespace std::chrono_literals;

// EAL is not cleaned up at exit (see eal_cleanup() in drivers/dpdk/eal.hpp).

const std::string kIface = "tcydtap0";
constexpr uint32_t kKernelIp = ip4(10, 78, 0, 1);
constexpr uint32_t kOurIp = ip4(10, 78, 0, 2);
const EthernetAddress kKernelMac{{0x02, 0x00, 0x00, 0x00, 0x78, 0x01}};
constexpr auto kTimeout = 3s;

// Once per process, before EAL starts any thread (the namespace is per thread and inherited).
bool in_private_netns() {
    static const bool ok = enter_private_netns();
    return ok;
}

class DpdkTap : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        ASSERT_TRUE(in_private_netns()) << "needs root (unshare(CLONE_NEWNET)): " << std::strerror(errno);
        DpdkConfig c;
        c.eal_args = {"--vdev=net_tap0,iface=" + kIface};
        auto dev = DpdkDevice::open(c);
        ASSERT_TRUE(dev.ok()) << dev.error().message();
        dev_ = std::move(*dev).release();
        our_mac_ = dev_->caps().mac;
        // Keep IPv6 quiet (router solicitations, MLD) so the only traffic is the tests'.
        ASSERT_EQ(run("sysctl -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1"), 0);
        ASSERT_EQ(run("ip link set dev " + kIface + " address " + kKernelMac.to_string()), 0);
        ASSERT_EQ(run("ip addr add 10.78.0.1/24 dev " + kIface), 0);
        ASSERT_EQ(run("ip link set dev " + kIface + " up"), 0);
        // A permanent neighbour entry: the kernel answers without resolving us first.
        ASSERT_EQ(run("ip neigh replace 10.78.0.2 lladdr " + our_mac_.to_string() + " dev " + kIface + " nud permanent"), 0);
    }
    static void TearDownTestSuite() {
        EXPECT_TRUE(close_and_check_mempool_freed(dev_)) << "mbufs were still held when the port closed";
    }
    void SetUp() override {
        ASSERT_NE(dev_, nullptr);
        baseline_ = dev_->mbufs_in_use();
    }
    void TearDown() override {
        EXPECT_EQ(dev_->mbufs_in_use(), baseline_) << "mbufs must return to the mempool once released";
    }

    static Bytes to_kernel(uint16_t type, std::span<const std::byte> payload) {
        return ethernet(kKernelMac, our_mac_, type, payload);
    }
    static Bytes echo_request(uint16_t seq, std::span<const std::byte> data, bool ip_checksum = true) {
        Bytes icmp = icmp_echo(8, 0x7a7a, seq, data);
        return to_kernel(kEtherIpv4, ipv4(kOurIp, kKernelIp, kProtoIcmp, icmp, ip_checksum));
    }
    static void request_offload(Packet& p, uint8_t flags) {
        p.meta().tx_flags = flags;
        p.meta().l2_len = kEthLen;
        p.meta().l3_len = kIpLen;
    }

    static inline DpdkDevice* dev_ = nullptr;
    static inline EthernetAddress our_mac_;
    size_t baseline_ = 0;
};

TEST_F(DpdkTap, KernelSeesTheInterfaceAndTheLinkIsUp) {
    EXPECT_TRUE(iface_exists(kIface));
    EXPECT_EQ(mac_of_iface(kIface), kKernelMac);
    EXPECT_TRUE(eventually(kTimeout, [] { return dev_->link_up(); }));
    DeviceCaps caps = dev_->caps();
    EXPECT_EQ(caps.mtu, 1500);
    EXPECT_FALSE(caps.mac.is_zero());
    EXPECT_EQ(dev_->driver_name(), "net_tap");
    // net_tap verifies and computes IPv4/TCP/UDP checksums in software and says so; caps must agree
    // with what the PMD advertises.
    rte_eth_dev_info info{};
    ASSERT_EQ(rte_eth_dev_info_get(dev_->port_id(), &info), 0);
    const bool tx_l4 = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
    EXPECT_EQ(caps.tx_ipv4_checksum, (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0);
    EXPECT_EQ(caps.tx_l4_checksum, tx_l4);
    EXPECT_EQ(caps.rx_ipv4_checksum, (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0);
    EXPECT_TRUE(caps.tx_ipv4_checksum && caps.tx_l4_checksum && caps.rx_ipv4_checksum && caps.rx_l4_checksum)
        << "net_tap in DPDK 22.11 offers all of them";
}

TEST_F(DpdkTap, ArpRequestGetsTheKernelsReplyIntoAWrappedMbuf) {
    PacketPool pool(4);
    const uint64_t copied_before = dev_->counters().tx_copied;
    ASSERT_TRUE(send_one(*dev_, pool_packet(pool, arp_request(our_mac_, kOurIp, kKernelIp))));
    EXPECT_EQ(pool.in_use(), 0u);
    EXPECT_EQ(dev_->counters().tx_copied, copied_before + 1) << "a foreign packet is copied into an mbuf";

    bool zero_copy = false;
    bool got = receive_until(*dev_, kTimeout, [&](Packet& p) {
        Frame f{p.bytes()};
        if (!is_arp_reply_from(f, kKernelIp, our_mac_)) return false;
        EXPECT_EQ(f.src(), kKernelMac);
        EXPECT_EQ(f.dst(), our_mac_);
        rte_mbuf* m = mbuf_of(p);
        zero_copy = m != nullptr && p.raw()->opaque == m && p.data() == rte_pktmbuf_mtod(m, std::byte*) &&
                    m->pool == dev_->mempool() && p.size() == m->data_len;
        return true;
    });
    EXPECT_TRUE(got) << "no ARP reply from the kernel";
    EXPECT_TRUE(zero_copy) << "the received Packet must wrap the PMD's mbuf";
}

TEST_F(DpdkTap, IcmpEchoBuiltInAnMbufComesBackWithTheSamePayload) {
    Bytes data = pattern(56, 11);
    Packet p = device_packet(*dev_, echo_request(1, data));
    ASSERT_TRUE(p);
    ASSERT_NE(mbuf_of(p), nullptr) << "alloc_tx gives mbuf-backed packets";
    const uint64_t copied_before = dev_->counters().tx_copied;
    ASSERT_TRUE(send_one(*dev_, std::move(p)));
    EXPECT_EQ(dev_->counters().tx_copied, copied_before) << "an mbuf-backed packet is sent without a copy";

    uint8_t rx_flags = 0;
    bool got = receive_until(*dev_, kTimeout, [&](Packet& r) {
        if (!is_icmp_echo_reply(Frame{r.bytes()}, kKernelIp, 0x7a7a, 1, data)) return false;
        rx_flags = r.meta().rx_flags;
        return true;
    });
    ASSERT_TRUE(got) << "no echo reply";
    EXPECT_EQ(rx_flags & (PacketMeta::kRxIpCsumGood | PacketMeta::kRxIpCsumBad), PacketMeta::kRxIpCsumGood)
        << "net_tap verified the IPv4 header checksum";
}

TEST_F(DpdkTap, TxIpv4ChecksumOffloadIsAcceptedByTheKernel) {
    ASSERT_TRUE(dev_->offloads().tx_ip);
    Bytes data = pattern(40, 3);
    // Control: the same frame with a wrong header checksum and no offload request is dropped by the
    // kernel as a header error.
    const long hdr_errors = snmp_counter("Ip", "InHdrErrors");
    Bytes bad = echo_request(2, data, /*ip_checksum=*/false);
    put16(&bad[kEthLen + 10], 0xdead);
    ASSERT_TRUE(send_one(*dev_, device_packet(*dev_, bad)));
    EXPECT_TRUE(eventually(kTimeout, [&] { return snmp_counter("Ip", "InHdrErrors") > hdr_errors; }));

    const uint64_t sw_before = dev_->counters().tx_sw_checksum;
    Packet p = device_packet(*dev_, bad);
    request_offload(p, PacketMeta::kTxIpCsum);
    ASSERT_TRUE(send_one(*dev_, std::move(p)));
    EXPECT_TRUE(receive_until(*dev_, kTimeout, [&](Packet& r) {
        return is_icmp_echo_reply(Frame{r.bytes()}, kKernelIp, 0x7a7a, 2, data);
    })) << "the kernel did not accept the offloaded header checksum";
    EXPECT_EQ(dev_->counters().tx_sw_checksum, sw_before) << "the PMD computed it, not the software fallback";
}

TEST_F(DpdkTap, TxTcpChecksumOffloadGetsAnRstFromAClosedPort) {
    ASSERT_TRUE(dev_->offloads().tx_tcp);
    constexpr uint32_t kSeq = 1000;
    auto syn_frame = [&](uint16_t sport) {
        return to_kernel(kEtherIpv4, ipv4(kOurIp, kKernelIp, kProtoTcp,
                                          tcp_syn(kOurIp, kKernelIp, sport, 9, kSeq, L4Csum::kPseudoOnly)));
    };
    // Control: with only the pseudo-header sum in the field and no offload, the kernel counts a
    // checksum error.
    const long csum_errors = snmp_counter("Tcp", "InCsumErrors");
    ASSERT_TRUE(send_one(*dev_, device_packet(*dev_, syn_frame(40000))));
    EXPECT_TRUE(eventually(kTimeout, [&] { return snmp_counter("Tcp", "InCsumErrors") > csum_errors; }));

    Packet p = device_packet(*dev_, syn_frame(40001));
    request_offload(p, PacketMeta::kTxIpCsum | PacketMeta::kTxTcpCsum);
    ASSERT_TRUE(send_one(*dev_, std::move(p)));
    bool rst = receive_until(*dev_, kTimeout, [&](Packet& r) {
        Frame f{r.bytes()};
        if (!f.is_ipv4() || f.ip_proto() != kProtoTcp) return false;
        auto t = f.l4();
        const uint8_t flags = std::to_integer<uint8_t>(t[13]);
        return get16(&t[0]) == 9 && get16(&t[2]) == 40001 && (flags & 0x04) && get32(&t[8]) == kSeq + 1;
    });
    EXPECT_TRUE(rst) << "no RST for the offloaded SYN";
}

// A kernel UDP socket in this test's namespace.
struct KernelUdp {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    explicit KernelUdp(uint16_t port) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(kKernelIp);
        timeval tv{3, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    }
    ~KernelUdp() { close(fd); }
    bool ok = false;
};

TEST_F(DpdkTap, UdpBothWaysWithOffloadsAndRxVerdicts) {
    ASSERT_TRUE(dev_->offloads().tx_udp);
    KernelUdp k(7777);
    ASSERT_TRUE(k.ok) << std::strerror(errno);

    Bytes data = pattern(300, 21);
    Packet p = device_packet(*dev_, to_kernel(kEtherIpv4, ipv4(kOurIp, kKernelIp, kProtoUdp,
                                                              udp(kOurIp, kKernelIp, 7000, 7777, data, L4Csum::kPseudoOnly))));
    request_offload(p, PacketMeta::kTxIpCsum | PacketMeta::kTxUdpCsum);
    ASSERT_TRUE(send_one(*dev_, std::move(p)));
    std::byte buf[2048];
    ssize_t n = recv(k.fd, buf, sizeof(buf), 0);
    ASSERT_EQ(n, static_cast<ssize_t>(data.size())) << "the kernel did not take the offloaded UDP datagram";
    EXPECT_EQ(0, std::memcmp(buf, data.data(), data.size()));

    // And back: the kernel's datagram arrives with the PMD's verdicts.
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(7000);
    to.sin_addr.s_addr = htonl(kOurIp);
    Bytes reply = pattern(200, 99);
    ASSERT_EQ(sendto(k.fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)),
              static_cast<ssize_t>(reply.size()));
    uint8_t flags = 0;
    ASSERT_TRUE(receive_until(*dev_, kTimeout, [&](Packet& r) {
        Frame f{r.bytes()};
        if (!f.is_ipv4() || f.ip_proto() != kProtoUdp || get16(&f.l4()[2]) != 7000) return false;
        EXPECT_EQ(f.l4().size(), 8 + reply.size());
        flags = r.meta().rx_flags;
        return true;
    }));
    EXPECT_EQ(flags, PacketMeta::kRxIpCsumGood | PacketMeta::kRxL4CsumGood);
}

// Frames written to an AF_PACKET socket on the TAP interface are transmitted by the kernel, i.e.
// received by the DPDK port: the way to show the PMD broken checksums.
TEST_F(DpdkTap, RxReportsBadChecksums) {
    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    ASSERT_GE(fd, 0);
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_ifindex = static_cast<int>(if_nametoindex(kIface.c_str()));
    ll.sll_halen = 6;
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&ll), sizeof(ll)), 0);

    auto inject_and_get_flags = [&](const Bytes& frame, uint16_t dport) -> int {
        if (send(fd, frame.data(), frame.size(), 0) != static_cast<ssize_t>(frame.size())) return -1;
        int flags = -1;
        receive_until(*dev_, kTimeout, [&](Packet& r) {
            Frame f{r.bytes()};
            if (!f.is_ipv4() || f.ip_proto() != kProtoUdp || get16(&f.l4()[2]) != dport) return false;
            flags = r.meta().rx_flags;
            return true;
        });
        return flags;
    };
    Bytes data = pattern(64, 1);
    Bytes bad_l4 = ethernet(our_mac_, kKernelMac, kEtherIpv4,
                            ipv4(kKernelIp, kOurIp, kProtoUdp, udp(kKernelIp, kOurIp, 5, 6001, data, L4Csum::kBroken)));
    EXPECT_EQ(inject_and_get_flags(bad_l4, 6001), PacketMeta::kRxIpCsumGood | PacketMeta::kRxL4CsumBad);
    Bytes bad_ip = ethernet(our_mac_, kKernelMac, kEtherIpv4,
                            ipv4(kKernelIp, kOurIp, kProtoUdp, udp(kKernelIp, kOurIp, 5, 6002, data)));
    put16(&bad_ip[kEthLen + 10], static_cast<uint16_t>(get16(&bad_ip[kEthLen + 10]) ^ 0x0101));
    int flags = inject_and_get_flags(bad_ip, 6002);
    EXPECT_NE(flags & PacketMeta::kRxIpCsumBad, 0) << flags;
    close(fd);
}

TEST_F(DpdkTap, StatsCountWhatWentBothWays) {
    dev_->reset_stats();
    PacketPool pool(8);
    constexpr int kRequests = 5;
    int replies = 0;
    for (int i = 0; i < kRequests; ++i) {
        ASSERT_TRUE(send_one(*dev_, pool_packet(pool, arp_request(our_mac_, kOurIp, kKernelIp))));
        if (receive_until(*dev_, kTimeout, [&](Packet& p) { return is_arp_reply_from(Frame{p.bytes()}, kKernelIp, our_mac_); })) {
            ++replies;
        }
    }
    EXPECT_EQ(replies, kRequests);
    DeviceStats st = dev_->stats();
    EXPECT_EQ(st.tx_packets, uint64_t{kRequests});
    EXPECT_EQ(st.tx_bytes, uint64_t{kRequests} * 42);
    EXPECT_GE(st.rx_packets, uint64_t{kRequests});
    auto xs = dev_->xstats();
    bool saw_tx_good = false;
    for (auto& [name, value] : xs) {
        if (name == "tx_good_packets") {
            saw_tx_good = true;
            EXPECT_EQ(value, uint64_t{kRequests});
        }
    }
    EXPECT_TRUE(saw_tx_good) << "xstats carry the generic counters";
}

// A second TAP, hot-plugged into the running EAL: closing the device removes the kernel interface and
// the same spec opens again.
TEST(DpdkTapLifecycle, CloseRemovesTheInterfaceAndTheSameSpecReopens) {
    ASSERT_TRUE(in_private_netns());
    const std::string iface = "tcydtap1";
    for (int round = 0; round < 2; ++round) {
        DpdkConfig c;
        c.eal_args = {"--vdev=net_tap1,iface=" + iface};
        c.rx_ring = 256;
        c.tx_ring = 256;
        c.in_flight = 256;
        auto dev = DpdkDevice::open(c);
        ASSERT_TRUE(dev.ok()) << "round " << round << ": " << dev.error().message();
        EXPECT_TRUE(iface_exists(iface));
        EXPECT_TRUE(eventually(kTimeout, [&] { return (*dev)->link_up(); }));
        dev->reset();  // the unique_ptr: stop, close, remove the vdev
        EXPECT_TRUE(eventually(kTimeout, [&] { return !iface_exists(iface); })) << "the TAP interface outlived its port";
    }
}

}  // namespace
}  // namespace tachyon
