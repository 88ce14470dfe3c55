// DpdkDevice on net_virtio_user (the virtio PMD a VM or container uses) against the Linux kernel.
// This machine has no /dev/vhost-net, so the vhost-user backend is DPDK's net_vhost in a second
// process (this executable re-run as the peer), which bridges it to the kernel through a TAP:
//
//   this process                     peer process (own netns)                      kernel (peer's netns)
//   net_virtio_user0  <-vhost-user->  net_vhost0 <-> forwarder <-> net_tap0  <-TAP->  tcydvt0 10.78.3.1
//   10.78.3.2, kVirtioMac
//
// The forwarder (dpdk_vhost_forwarder.hpp, shared with the TCP interop tests) moves mbufs between
// the two ports without copying them, and has the TAP complete checksums the guest left partial. No
// hugepages are needed: with --no-huge, DPDK 22.11 backs EAL memory with memfd, which vhost-user can
// share.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "drivers/dpdk/eal.hpp"
#include "drivers/dpdk/mbuf_packet.hpp"
#include "tests/interop/drivers/dpdk_vhost_forwarder.hpp"
#include "tests/interop/drivers/test_dpdk_util.hpp"

namespace tachyon {
namespace {

using namespace dpdk_test;
using namespace std::chrono_literals;

// EAL is not cleaned up at exit (see eal_cleanup() in drivers/dpdk/eal.hpp).

constexpr const char* kPeerEnv = "TACHYON_VHOST_PEER_SOCKET";
constexpr uint16_t kByeType = 0x88b6;  // tells the peer to finish
constexpr auto kTimeout = 3s;
const std::string kTapIface = "tcydvt0";
constexpr uint32_t kKernelIp = ip4(10, 78, 3, 1);
constexpr uint32_t kOurIp = ip4(10, 78, 3, 2);
const EthernetAddress kVirtioMac{{0x02, 0x00, 0x00, 0x00, 0x78, 0x03}};
const EthernetAddress kKernelMac{{0x02, 0x00, 0x00, 0x00, 0x78, 0x31}};

// ---- the peer process: vhost <-> TAP forwarder (dpdk_vhost_forwarder.hpp) ------------------------

TEST(DpdkVhostPeer, ForwardBetweenVhostAndTap) {
    const char* sock = std::getenv(kPeerEnv);
    if (sock == nullptr) GTEST_SKIP() << "runs only as the peer process of DpdkVirtio";
    ASSERT_TRUE(enter_private_netns());
    auto ports = test::open_vhost_tap_ports(sock, kTapIface);
    ASSERT_TRUE(ports.ok()) << ports.error().message();
    ASSERT_EQ(run("sysctl -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1"), 0);
    ASSERT_EQ(run("ip link set dev " + kTapIface + " address " + kKernelMac.to_string()), 0);
    ASSERT_EQ(run("ip addr add 10.78.3.1/24 dev " + kTapIface), 0);
    ASSERT_EQ(run("ip link set dev " + kTapIface + " up"), 0);
    ASSERT_EQ(run("ip neigh replace 10.78.3.2 lladdr " + kVirtioMac.to_string() + " dev " + kTapIface + " nud permanent"), 0);

    // Forward until the guest says goodbye with a kByeType frame (or the deadline). The link state
    // alone cannot tell: the guest resets the device while it configures its port.
    DpdkDevice& vhost = *ports->vhost;
    DpdkDevice& tap = *ports->tap;
    bool was_up = false;
    bool bye = false;
    test::VhostTapForwarder forwarder(vhost, tap, [&](const Packet& p) {
        if (Frame{p.bytes()}.type() != kByeType) return true;
        bye = true;
        return false;
    });
    const auto deadline = Clock::now() + 60s;
    forwarder.run([&] {
        was_up = was_up || vhost.link_up();
        return bye || Clock::now() >= deadline;
    });
    EXPECT_TRUE(bye) << "the guest never said goodbye";
    EXPECT_TRUE(was_up) << "the virtio_user guest never connected";
    EXPECT_EQ(tap.counters().tx_copied + vhost.counters().tx_copied, 0u)
        << "mbufs must cross between the ports without copies";
}

// ---- this process: the virtio_user guest ---------------------------------------------------------

class DpdkVirtio : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (std::getenv(kPeerEnv) != nullptr) return;
        sock_ = "/tmp/tcy-vhost-" + std::to_string(getpid()) + ".sock";
        ::unlink(sock_.c_str());
        // Everything exec needs is prepared before fork (the child of a threaded process may only
        // make async-signal-safe calls).
        std::vector<std::string> env;
        for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
        env.push_back(std::string(kPeerEnv) + "=" + sock_);
        std::vector<char*> envp;
        for (auto& e : env) envp.push_back(e.data());
        envp.push_back(nullptr);
        std::string arg0 = "test_dpdk_virtio", arg1 = "--gtest_filter=DpdkVhostPeer.*";
        char* argv[] = {arg0.data(), arg1.data(), nullptr};
        peer_ = fork();
        ASSERT_GE(peer_, 0);
        if (peer_ == 0) {
            execve("/proc/self/exe", argv, envp.data());
            _exit(127);
        }
        ASSERT_TRUE(eventually(10s, [] {
            struct stat s{};
            return ::stat(sock_.c_str(), &s) == 0;
        })) << "the vhost peer did not create " << sock_;
        DpdkConfig c;
        c.eal_args = {"--vdev=net_virtio_user0,path=" + sock_ + ",queues=1,mac=" + kVirtioMac.to_string()};
        auto dev = DpdkDevice::open(c);
        ASSERT_TRUE(dev.ok()) << dev.error().message();
        dev_ = std::move(*dev).release();
    }
    static void TearDownTestSuite() {
        if (dev_ != nullptr) {
            std::vector<Packet> bye;
            bye.push_back(device_packet(*dev_, ethernet(kKernelMac, kVirtioMac, kByeType, pattern(46, 0))));
            const auto deadline = Clock::now() + kTimeout;
            while (bye[0] && Clock::now() < deadline) dev_->tx_burst(bye);
            dev_->reclaim_tx();
        }
        EXPECT_TRUE(close_and_check_mempool_freed(dev_)) << "mbufs were still held when the port closed";
        dev_ = nullptr;
        if (peer_ <= 0) return;
        int status = 0;
        pid_t r = 0;
        const auto deadline = Clock::now() + 20s;
        while ((r = waitpid(peer_, &status, WNOHANG)) == 0 && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
        if (r == 0) {
            kill(peer_, SIGKILL);
            waitpid(peer_, &status, 0);
            ADD_FAILURE() << "the vhost peer did not finish";
        } else {
            EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the vhost peer failed: status " << status;
        }
        ::unlink(sock_.c_str());
    }
    void SetUp() override {
        if (std::getenv(kPeerEnv) != nullptr) GTEST_SKIP() << "peer process";
        ASSERT_NE(dev_, nullptr);
        ASSERT_TRUE(eventually(kTimeout, [] { return dev_->link_up(); }));
    }
    // virtio keeps sent mbufs until it needs their descriptors again (no tx_done_cleanup), so the
    // exact accounting happens at close: the mempool must then be complete (TearDownTestSuite).

    static Bytes to_kernel(uint16_t type, std::span<const std::byte> payload) {
        return ethernet(kKernelMac, kVirtioMac, type, payload);
    }

    static inline std::string sock_;
    static inline pid_t peer_ = -1;
    static inline DpdkDevice* dev_ = nullptr;
};

TEST_F(DpdkVirtio, CapsReportVirtioOffloads) {
    EXPECT_EQ(dev_->driver_name(), "net_virtio_user");
    EXPECT_EQ(dev_->caps().mac, kVirtioMac);
    rte_eth_dev_info info{};
    ASSERT_EQ(rte_eth_dev_info_get(dev_->port_id(), &info), 0);
    EXPECT_EQ(dev_->offloads().tx_tcp, (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) != 0);
    EXPECT_FALSE(dev_->caps().tx_ipv4_checksum) << "virtio has no IPv4 header checksum offload";
}

TEST_F(DpdkVirtio, ArpAndIcmpEchoThroughVhostAndTap) {
    ASSERT_TRUE(send_one(*dev_, device_packet(*dev_, arp_request(kVirtioMac, kOurIp, kKernelIp))));
    EXPECT_TRUE(receive_until(*dev_, kTimeout, [](Packet& p) { return is_arp_reply_from(Frame{p.bytes()}, kKernelIp, kVirtioMac); }));

    Bytes data = pattern(1000, 13);
    Packet p = device_packet(*dev_, to_kernel(kEtherIpv4, ipv4(kOurIp, kKernelIp, kProtoIcmp, icmp_echo(8, 0x5151, 4, data))));
    ASSERT_TRUE(send_one(*dev_, std::move(p)));
    bool zero_copy = false;
    EXPECT_TRUE(receive_until(*dev_, kTimeout, [&](Packet& r) {
        if (!is_icmp_echo_reply(Frame{r.bytes()}, kKernelIp, 0x5151, 4, data)) return false;
        rte_mbuf* m = mbuf_of(r);
        zero_copy = m != nullptr && r.data() == rte_pktmbuf_mtod(m, std::byte*) && m->pool == dev_->mempool();
        return true;
    })) << "no echo reply";
    EXPECT_TRUE(zero_copy);
}

TEST_F(DpdkVirtio, TcpChecksumOffloadedByVirtioIsCompletedOnTheWay) {
    ASSERT_TRUE(dev_->offloads().tx_tcp) << "vhost-user negotiates VIRTIO_NET_F_CSUM";
    Bytes syn = tcp_syn(kOurIp, kKernelIp, 42000, 9, 7000, L4Csum::kPseudoOnly);
    Packet p = device_packet(*dev_, to_kernel(kEtherIpv4, ipv4(kOurIp, kKernelIp, kProtoTcp, syn, /*checksum=*/false)));
    p.meta().tx_flags = PacketMeta::kTxIpCsum | PacketMeta::kTxTcpCsum;
    p.meta().l2_len = kEthLen;
    p.meta().l3_len = kIpLen;
    ASSERT_TRUE(send_one(*dev_, std::move(p)));
    EXPECT_TRUE(receive_until(*dev_, kTimeout, [](Packet& r) {
        Frame f{r.bytes()};
        if (!f.is_ipv4() || f.ip_proto() != kProtoTcp) return false;
        auto t = f.l4();
        return get16(&t[2]) == 42000 && (std::to_integer<int>(t[13]) & 0x04) != 0 && get32(&t[8]) == 7001;
    })) << "no RST: the TCP checksum was not completed";
}

TEST_F(DpdkVirtio, StatsCount) {
    dev_->reset_stats();
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(send_one(*dev_, device_packet(*dev_, arp_request(kVirtioMac, kOurIp, kKernelIp))));
        EXPECT_TRUE(receive_until(*dev_, kTimeout, [](Packet& p) { return is_arp_reply_from(Frame{p.bytes()}, kKernelIp, kVirtioMac); }));
    }
    EXPECT_EQ(dev_->stats().tx_packets, 3u);
    EXPECT_GE(dev_->stats().rx_packets, 3u);
}

}  // namespace
}  // namespace tachyon
