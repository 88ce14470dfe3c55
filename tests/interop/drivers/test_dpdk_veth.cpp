// DpdkDevice on veth pairs against the Linux kernel, through the PMDs that attach to a kernel
// interface: net_af_packet and net_af_xdp (copy mode: veth has no zero-copy XDP). The process
// moves into a network namespace of its own first; both veth ends live there:
//
//   DPDK port on tcydXa (no address)  <-- veth -->  kernel tcydXb (10.78.N.1/24)
//
// Neither PMD offers checksum offloads, so these tests also show the software fallback: frames that
// ask for offloaded checksums are accepted by the kernel.
#include <gtest/gtest.h>

#include <map>

#include "drivers/dpdk/eal.hpp"
#include "drivers/dpdk/mbuf_packet.hpp"
#include "tests/interop/drivers/test_dpdk_util.hpp"

namespace tachyon {
namespace {

using namespace dpdk_test;
using namespace std::chrono_literals;

// EAL is not cleaned up at exit (see eal_cleanup() in drivers/dpdk/eal.hpp).

constexpr auto kTimeout = 3s;

struct VethCase {
    const char* pmd;       // vdev name
    const char* args;      // extra vdev arguments
    const char* dpdk_end;  // veth end the PMD attaches to
    const char* kernel_end;
    uint32_t subnet;  // third octet of 10.78.x.0/24
};

const VethCase kCases[] = {
    {"net_af_packet0", "", "tcyd1a", "tcyd1b", 1},
    {"net_af_xdp0", ",start_queue=0,queue_count=1", "tcyd2a", "tcyd2b", 2},
};

std::string vdev_arg(const VethCase& c) { return std::string("--vdev=") + c.pmd + ",iface=" + c.dpdk_end + c.args; }

// Namespace and both veth pairs, made once before EAL starts (EAL probes every vdev at start-up).
bool make_links() {
    static const bool ok = [] {
        if (!enter_private_netns()) return false;
        if (run("sysctl -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1") != 0) return false;
        for (const VethCase& c : kCases) {
            const std::string a = c.dpdk_end, b = c.kernel_end;
            const std::string ip = "10.78." + std::to_string(c.subnet) + ".1/24";
            if (run("ip link add " + a + " type veth peer name " + b) != 0 || run("ip link set " + a + " up") != 0 ||
                run("ip addr add " + ip + " dev " + b) != 0 || run("ip link set " + b + " up") != 0) {
                return false;
            }
            // The kernel end sends complete checksums (no CHECKSUM_PARTIAL frames towards the PMD).
            run("ethtool -K " + b + " tx off");
        }
        return true;
    }();
    return ok;
}

class DpdkVeth : public ::testing::TestWithParam<VethCase> {
protected:
    static void TearDownTestSuite() {
        for (auto& [name, dev] : devices_) delete dev;
        devices_.clear();
    }
    void SetUp() override {
        ASSERT_TRUE(make_links()) << "needs root, `ip` and veth support";
        const VethCase& c = GetParam();
        auto it = devices_.find(c.pmd);
        if (it == devices_.end()) {
            DpdkConfig cfg;
            for (const VethCase& each : kCases) cfg.eal_args.push_back(vdev_arg(each));  // the first device starts EAL
            cfg.port_name = c.pmd;
            cfg.rx_ring = 512;
            cfg.tx_ring = 512;
            auto dev = DpdkDevice::open(cfg);
            ASSERT_TRUE(dev.ok()) << dev.error().message();
            it = devices_.emplace(c.pmd, std::move(*dev).release()).first;
            our_mac_[c.pmd] = it->second->caps().mac;
            ASSERT_EQ(run("ip neigh replace " + ip_text(our_ip()) + " lladdr " + it->second->caps().mac.to_string() +
                          " dev " + c.kernel_end + " nud permanent"),
                      0);
        }
        dev_ = it->second;
        ASSERT_TRUE(eventually(kTimeout, [&] { return dev_->link_up(); }));
        kernel_mac_ = mac_of_iface(c.kernel_end);
        dev_->reclaim_tx();
        baseline_ = dev_->mbufs_in_use();
    }
    void TearDown() override {
        if (dev_ == nullptr) return;
        // net_af_xdp holds sent mbufs until it reaps their completions.
        EXPECT_TRUE(eventually(kTimeout, [&] {
            dev_->reclaim_tx();
            return dev_->mbufs_in_use() == baseline_;
        })) << "mbufs must return to the mempool: " << dev_->mbufs_in_use() << " in use, baseline " << baseline_;
    }

    static std::string ip_text(uint32_t ip) {
        return std::to_string(ip >> 24) + "." + std::to_string(ip >> 16 & 0xff) + "." + std::to_string(ip >> 8 & 0xff) +
               "." + std::to_string(ip & 0xff);
    }
    uint32_t kernel_ip() const { return ip4(10, 78, GetParam().subnet, 1); }
    uint32_t our_ip() const { return ip4(10, 78, GetParam().subnet, 2); }
    Bytes to_kernel(uint16_t type, std::span<const std::byte> payload) const {
        return ethernet(kernel_mac_, dev_->caps().mac, type, payload);
    }

    static inline std::map<std::string, DpdkDevice*> devices_;
    static inline std::map<std::string, EthernetAddress> our_mac_;
    DpdkDevice* dev_ = nullptr;
    EthernetAddress kernel_mac_;
    size_t baseline_ = 0;
};

TEST_P(DpdkVeth, ArpRequestGetsTheKernelsReply) {
    ASSERT_TRUE(send_one(*dev_, device_packet(*dev_, arp_request(dev_->caps().mac, our_ip(), kernel_ip()))));
    bool zero_copy = false;
    EXPECT_TRUE(receive_until(*dev_, kTimeout, [&](Packet& p) {
        if (!is_arp_reply_from(Frame{p.bytes()}, kernel_ip(), dev_->caps().mac)) return false;
        rte_mbuf* m = mbuf_of(p);
        zero_copy = m != nullptr && p.data() == rte_pktmbuf_mtod(m, std::byte*) && m->pool == dev_->mempool();
        return true;
    }));
    EXPECT_TRUE(zero_copy) << "the received Packet wraps the PMD's mbuf";
}

TEST_P(DpdkVeth, IcmpEchoWithSoftwareChecksumFallback) {
    EXPECT_FALSE(dev_->caps().tx_ipv4_checksum);
    Bytes data = pattern(100, 7);
    Bytes ip = ipv4(our_ip(), kernel_ip(), kProtoIcmp, icmp_echo(8, 0x4242, 9, data), /*checksum=*/false);
    put16(&ip[10], 0xbeef);  // wrong on purpose: the driver must compute it
    Packet p = device_packet(*dev_, to_kernel(kEtherIpv4, ip));
    p.meta().tx_flags = PacketMeta::kTxIpCsum;
    p.meta().l2_len = kEthLen;
    p.meta().l3_len = kIpLen;
    const uint64_t sw = dev_->counters().tx_sw_checksum;
    ASSERT_TRUE(send_one(*dev_, std::move(p)));
    EXPECT_EQ(dev_->counters().tx_sw_checksum, sw + 1);
    EXPECT_TRUE(receive_until(*dev_, kTimeout, [&](Packet& r) {
        return is_icmp_echo_reply(Frame{r.bytes()}, kernel_ip(), 0x4242, 9, data);
    })) << "no echo reply";
}

TEST_P(DpdkVeth, TcpSynWithSoftwareChecksumGetsRst) {
    Bytes syn = tcp_syn(our_ip(), kernel_ip(), 41000, 9, 500, L4Csum::kPseudoOnly);
    Packet p = device_packet(*dev_, to_kernel(kEtherIpv4, ipv4(our_ip(), kernel_ip(), kProtoTcp, syn)));
    p.meta().tx_flags = PacketMeta::kTxTcpCsum;
    p.meta().l2_len = kEthLen;
    p.meta().l3_len = kIpLen;
    ASSERT_TRUE(send_one(*dev_, std::move(p)));
    EXPECT_TRUE(receive_until(*dev_, kTimeout, [&](Packet& r) {
        Frame f{r.bytes()};
        if (!f.is_ipv4() || f.ip_proto() != kProtoTcp) return false;
        auto t = f.l4();
        return get16(&t[2]) == 41000 && (std::to_integer<int>(t[13]) & 0x04) != 0 && get32(&t[8]) == 501;
    })) << "no RST";
}

TEST_P(DpdkVeth, ForeignBurstIsCopiedAndCounted) {
    PacketPool pool(40);
    std::vector<Packet> burst;
    for (int i = 0; i < 40; ++i) burst.push_back(pool_packet(pool, arp_request(dev_->caps().mac, our_ip(), kernel_ip())));
    dev_->reset_stats();
    size_t sent = 0;
    const auto deadline = Clock::now() + kTimeout;
    while (sent < burst.size() && Clock::now() < deadline) sent += dev_->tx_burst(std::span(burst).subspan(sent));
    ASSERT_EQ(sent, burst.size());
    EXPECT_EQ(pool.in_use(), 0u);
    EXPECT_EQ(dev_->counters().tx_copied, 40u);
    int replies = 0;
    receive_until(*dev_, kTimeout, [&](Packet& p) {
        if (is_arp_reply_from(Frame{p.bytes()}, kernel_ip(), dev_->caps().mac)) ++replies;
        return replies == 40;
    });
    EXPECT_EQ(replies, 40);
    EXPECT_EQ(dev_->stats().tx_packets, 40u);
    EXPECT_GE(dev_->stats().rx_packets, 40u);
}

INSTANTIATE_TEST_SUITE_P(Pmd, DpdkVeth, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.pmd).substr(4); });

}  // namespace
}  // namespace tachyon
