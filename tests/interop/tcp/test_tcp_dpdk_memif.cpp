// Two Tachyon processes over DPDK net_memif: this test's stack on the server end of a memif link
// (hot-plugged into this process's EAL, one port per test), and tcp_memif_peer, started per test
// as the client end with an EAL and a stack of its own, exchanging data as the kernel tests do:
// pings both ways, 10 MiB each way with either side as the client, and the same under faults
// injected at this side's device. Bytes are checked by SHA-256 at both ends.
//
//   this process: net_memifN server, 10.98.S.1  <-- memif (shared memory) -->  tcp_memif_peer: client, 10.98.S.2
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "tests/interop/tcp/dpdk_env.hpp"
#include "tests/interop/tcp/exchange.hpp"
#include "tests/interop/tcp/sha256.hpp"
#include "tests/interop/tcp/tachyon_node.hpp"
#include "tests/interop/tcp/wire_checks.hpp"

#ifndef TACHYON_MEMIF_PEER
#error "meson passes the path of tcp_memif_peer as TACHYON_MEMIF_PEER"
#endif

namespace tachyon::interop {
namespace {

constexpr size_t kBulkBytes = 10 * 1024 * 1024;
constexpr uint16_t kPort = 7000;
constexpr auto kTimeout = 10s;

class TcpMemif : public ::testing::Test {
protected:
    // DpdkConfig::trust_link at both ends (the peer's --trust-link).
    virtual bool trust_link() const { return false; }

    void SetUp() override {
        static unsigned next = 0;
        const unsigned n = next++;
        const auto pid = static_cast<unsigned>(::getpid());
        const auto subnet = static_cast<uint8_t>(1 + (pid + n) % 250);
        here_ = {Ipv4Address::from_octets(10, 98, subnet, 1), 24};
        there_ = {Ipv4Address::from_octets(10, 98, subnet, 2), 24};
        // An abstract-namespace socket name (memif's default): nothing to remove afterwards.
        socket_ = "/tmp/tcy-memif-" + std::to_string(pid) + "-" + std::to_string(n) + ".sock";
        // The server end must exist before the client looks for it.
        auto d = open_dpdk_port("net_memif" + std::to_string(n) + ",role=server,id=0,socket=" + socket_, trust_link());
        ASSERT_TRUE(d.ok()) << d.error().message();
        dev_ = std::move(*d);
        baseline_ = dev_->mbufs_in_use();
        pcap_path_ = "/tmp/tcy-interop-memif-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                     "-" + std::to_string(pid) + ".pcap";
    }

    void TearDown() override {
        if (peer_) {
            // The peer idles until told to stop; its exit status reports its own checks.
            peer_->signal(SIGTERM);
            const int status = peer_->wait(10000ms);
            EXPECT_EQ(status, 0) << peer_->transcript();
        }
        if (node_) {
            EXPECT_EQ(node_->shut_down(), 0u) << "stack packet buffers still in use";
        }
        node_.reset();
        if (dev_) {
            EXPECT_EQ(dpdk_mbufs_back(*dev_, baseline_), "");
        }
        dev_.reset();
        if (HasFailure()) {
            std::printf("[ capture  ] kept %s\n", pcap_path_.c_str());
        } else {
            ::unlink(pcap_path_.c_str());
        }
    }

    bool start(std::optional<FaultInjectorConfig> faults = std::nullopt) {
        NodeOptions o;
        o.address = here_;
        o.pcap_path = pcap_path_;
        o.faults = faults;
        o.seed = 0x6d31;
        std::string error;
        node_ = TachyonNode::create(*dev_, o, error);
        EXPECT_TRUE(node_) << error;
        return node_ != nullptr;
    }

    // Starts tcp_memif_peer and waits until its stack is up and the memif link is connected.
    bool start_peer(std::vector<std::string> args) {
        std::vector<std::string> argv = {TACHYON_MEMIF_PEER, "--socket", socket_, "--address", there_.to_string(),
                                         "--trust-link", trust_link() ? "1" : "0"};
        argv.insert(argv.end(), args.begin(), args.end());
        std::string error;
        peer_ = ChildProcess::spawn(argv, error);
        EXPECT_TRUE(peer_) << error;
        if (!peer_) return false;
        auto ready = await_event(*node_, *peer_, "ready", kTimeout);
        EXPECT_TRUE(ready && ready->str("event") == "ready") << peer_->transcript();
        if (!ready || ready->str("event") != "ready") return false;
        const bool up = node_->run_until([&] { return dev_->link_up(); }, kTimeout);
        EXPECT_TRUE(up) << "memif did not connect";
        return up;
    }

    std::vector<std::string> exchange_args(const char* mode, size_t bytes, uint64_t seed) {
        return {mode, "--host", here_.address.to_string(), "--port", std::to_string(kPort), "--send", std::to_string(bytes),
                "--seed", std::to_string(seed), "--order", "both"};
    }

    void expect_done_matches(const std::vector<std::byte>& sent, const ExchangeResult& r) {
        auto done = await_event(*node_, *peer_, "done", kTimeout);
        ASSERT_TRUE(done && done->str("event") == "done") << peer_->transcript();
        EXPECT_EQ(done->num("received"), static_cast<long long>(sent.size()));
        EXPECT_EQ(done->str("recv_sha"), Sha256::hex_of(sent)) << "the peer received other bytes than we sent";
        EXPECT_EQ(done->num("sent"), static_cast<long long>(r.received));
        EXPECT_EQ(done->str("sent_sha"), r.recv_sha) << "we received other bytes than the peer sent";
    }

    // This side connects to the peer's listener and exchanges `bytes` each way.
    void client_here(size_t bytes) {
        ASSERT_TRUE(start_peer(exchange_args("listen", bytes, 41)));
        auto listening = await_event(*node_, *peer_, "listening", kTimeout);
        ASSERT_TRUE(listening && listening->str("event") == "listening") << peer_->transcript();
        Socket s = node_->sockets().socket();
        s.settimeout(Duration::from_secs(10));
        ASSERT_EQ(s.connect_ex({there_.address, kPort}), 0) << peer_->transcript();
        const auto data = test_data(bytes, 42);
        ExchangeResult r = exchange(*node_, s, data, Order::kBoth, 90s);
        ASSERT_TRUE(r.ok) << r.error << "\n" << peer_->transcript();
        EXPECT_TRUE(s.close().ok());
        expect_done_matches(data, r);
    }

    Ipv4Cidr here_;
    Ipv4Cidr there_;
    std::string socket_;
    std::string pcap_path_;
    std::unique_ptr<DpdkDevice> dev_;
    size_t baseline_ = 0;
    std::unique_ptr<TachyonNode> node_;
    std::unique_ptr<ChildProcess> peer_;
};

TEST_F(TcpMemif, PingsBothWays) {
    ASSERT_TRUE(start());
    ASSERT_TRUE(start_peer({"ping", "--host", here_.address.to_string(), "--count", "3"}));
    auto done = await_event(*node_, *peer_, "done", 20s);
    ASSERT_TRUE(done && done->str("event") == "done") << peer_->transcript();
    EXPECT_EQ(done->num("answered"), 3) << "the peer's pings to this stack";
    int answered = 0;
    for (uint16_t seq = 1; seq <= 3; ++seq) {
        ASSERT_TRUE(node_->stack().icmp().send_ping(there_.address, 0x6d31, seq, 56).ok());
        answered += node_->run_until(
                        [&] {
                            while (auto r = node_->stack().icmp().pop_echo_reply()) {
                                if (r->seq_no == seq && r->src == there_.address && r->payload_ok) return true;
                            }
                            return false;
                        },
                        5s)
                        ? 1
                        : 0;
    }
    EXPECT_EQ(answered, 3) << "this stack's pings to the peer";
}

TEST_F(TcpMemif, ClientHereServerThere10MiBEachWay) {
    ASSERT_TRUE(start());
    client_here(kBulkBytes);
}

TEST_F(TcpMemif, ServerHereClientThere10MiBEachWay) {
    ASSERT_TRUE(start());
    Socket l = node_->sockets().socket();
    l.bind({here_.address, kPort});
    l.listen(8);
    l.settimeout(Duration::from_secs(10));
    ASSERT_TRUE(start_peer(exchange_args("connect", kBulkBytes, 43)));
    auto a = l.try_accept();
    ASSERT_TRUE(a.ok()) << a.error().message() << "\n" << peer_->transcript();
    EXPECT_EQ(a->peer.addr, there_.address);
    const auto data = test_data(kBulkBytes, 44);
    ExchangeResult r = exchange(*node_, a->socket, data, Order::kBoth, 90s);
    ASSERT_TRUE(r.ok) << r.error << "\n" << peer_->transcript();
    EXPECT_TRUE(a->socket.close().ok());
    expect_done_matches(data, r);
    // Both ends negotiated every option; the capture shows them in use.
    node_->flush_pcap();
    std::string error;
    auto c = read_capture(pcap_path_, error);
    ASSERT_TRUE(c) << error;
    OptionsExpectation expect;
    expect.peer = "peer process";
    const std::vector<TcpSegment> conn = connection(*c, kPort, a->peer.port);
    const OptionsVerdict v = check_options_in_effect(conn, here_.address, expect);
    std::printf("[ options  ] %s\n", v.summary.c_str());
    for (const auto& f : v.failures) ADD_FAILURE() << f;
    // memif offers no checksum offload: each stack computes its checksums itself.
    size_t whole = 0;
    for (const TcpSegment& seg : conn) {
        if (!seg.whole) continue;
        ASSERT_TRUE(seg.ip_checksum_ok && seg.tcp_checksum_ok) << seg.describe();
        ++whole;
    }
    EXPECT_GT(whole, 100u) << "segments captured whole (without payload)";
}

// Loss, duplication, reordering and corruption at this side's device, both directions: memif
// neither computes nor verifies checksums, so each stack's own checksum check catches a flipped bit.
TEST_F(TcpMemif, InjectedFaults) {
    FaultInjectorConfig fc;
    fc.tx.seed = 21;
    fc.tx.loss = 0.02;
    fc.tx.duplicate = 0.01;
    fc.tx.reorder = 0.02;
    fc.tx.corrupt = 0.01;
    fc.tx.reorder_max_hold = Duration::from_ms(2);
    FaultConfig rx = fc.tx;
    rx.seed = 22;
    fc.rx = rx;
    ASSERT_TRUE(start(fc));
    client_here(kBulkBytes);
    const FaultStats tx = node_->faults()->fault_stats();
    const FaultStats rxs = node_->faults()->rx_fault_stats();
    std::printf("[ faults   ] TX %llu frames: %llu lost, %llu duplicated, %llu reordered, %llu corrupted; RX %llu frames: "
                "%llu lost, %llu duplicated, %llu reordered\n",
                (unsigned long long)tx.frames, (unsigned long long)tx.lost, (unsigned long long)tx.duplicated,
                (unsigned long long)tx.reordered, (unsigned long long)tx.corrupted, (unsigned long long)rxs.frames,
                (unsigned long long)rxs.lost, (unsigned long long)rxs.duplicated, (unsigned long long)rxs.reordered);
    EXPECT_GT(tx.lost, 0u);
    EXPECT_GT(tx.corrupted, 0u);
    EXPECT_GT(rxs.lost, 0u);
    EXPECT_GT(rxs.corrupted, 0u);
}

// Both ends trust the link (DpdkConfig::trust_link): 10 MiB each way arrive intact although no
// checksum is computed or verified. The capture shows both stacks' segments as they crossed memif
// (those captured whole: the handshake, the ACKs, the FINs): the IPv4 checksum field zero and the
// TCP field holding only the pseudo-header sum, so that a receiver that verified them would drop
// every one.
class TcpMemifTrusted : public TcpMemif {
protected:
    bool trust_link() const override { return true; }
};

TEST_F(TcpMemifTrusted, TenMiBEachWayWithoutChecksums) {
    ASSERT_TRUE(start());
    EXPECT_TRUE(dev_->caps().tx_l4_checksum && dev_->caps().rx_l4_checksum && dev_->caps().tx_ipv4_checksum);
    client_here(kBulkBytes);
    node_->flush_pcap();
    std::string error;
    auto c = read_capture(pcap_path_, error);
    ASSERT_TRUE(c) << error;
    size_t mine = 0;
    size_t theirs = 0;
    size_t verifying = 0;
    for (const TcpSegment& seg : c->tcp) {
        if (!seg.whole) continue;
        ASSERT_EQ(seg.ip_checksum, 0) << seg.describe();
        ASSERT_TRUE(seg.tcp_checksum_partial) << seg.describe();
        // The pseudo-header sum is also the full checksum for about one segment in 65,535
        // (2P + rest = 0 in one's complement): a 10 MiB run captures thousands of whole ACKs.
        if (seg.tcp_checksum_ok) ++verifying;
        (seg.src == here_.address ? mine : theirs) += 1;
    }
    EXPECT_GT(mine, 100u);
    EXPECT_GT(theirs, 100u);
    EXPECT_LE(verifying * 100, mine + theirs) << "a receiver that verified would drop nearly every segment";
}

}  // namespace
}  // namespace tachyon::interop
