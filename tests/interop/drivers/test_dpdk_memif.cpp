// DpdkDevice on net_memif: a server and a client port in one EAL, and a server in this process
// talking to a client in a second process (this executable re-run as the echo peer), which is how two
// Tachyon processes meet over shared memory. memif needs no hugepages: with --no-huge its regions are
// memfd-backed and shared through the control socket (abstract namespace by default).
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "drivers/dpdk/eal.hpp"
#include "drivers/dpdk/mbuf_packet.hpp"
#include "drivers/dpdk/unmap_guard.hpp"
#include "tests/interop/drivers/test_dpdk_util.hpp"

namespace tachyon {
namespace {

using namespace dpdk_test;
using namespace std::chrono_literals;

// EAL is not cleaned up at exit (see eal_cleanup() in drivers/dpdk/eal.hpp).

constexpr auto kTimeout = 5s;
constexpr const char* kPeerEnv = "TACHYON_MEMIF_PEER_SOCKET";

std::string socket_path(const char* what) { return "/tmp/tcy-memif-" + std::to_string(getpid()) + "-" + what + ".sock"; }

Bytes frame(EthernetAddress dst, EthernetAddress src, size_t len, uint32_t seq) {
    Bytes data = pattern(len, static_cast<uint8_t>(seq));
    put32(data.data(), seq);
    return ethernet(dst, src, 0x88b5, data);
}

uint32_t seq_of(const Packet& p) { return p.size() >= kEthLen + 4 ? get32(p.data() + kEthLen) : UINT32_MAX; }

// Receives exactly `count` packets (or until the deadline), keeping them.
std::vector<Packet> receive_n(Device& dev, size_t count, std::chrono::milliseconds timeout = kTimeout) {
    std::vector<Packet> got;
    Packet burst[Device::kMaxBurst];
    const auto deadline = Clock::now() + timeout;
    while (got.size() < count && Clock::now() < deadline) {
        size_t n = dev.rx_burst(burst);
        for (size_t i = 0; i < n; ++i) got.push_back(std::move(burst[i]));
        if (n == 0) std::this_thread::sleep_for(50us);
    }
    return got;
}

// Sends every packet, retrying what the PMD refused (a full ring) until the deadline; for a peer that
// polls on its own (another process).
size_t send_all(Device& dev, std::vector<Packet>& pkts, std::chrono::milliseconds timeout = kTimeout) {
    size_t done = 0;
    const auto deadline = Clock::now() + timeout;
    while (done < pkts.size() && Clock::now() < deadline) {
        size_t k = dev.tx_burst(std::span(pkts).subspan(done));
        done += k;
        if (k == 0) std::this_thread::sleep_for(50us);
    }
    return done;
}

// Opens net_memif<first> as a server and net_memif<first + 1> as its client on one socket, both in
// this process's EAL.
void open_memif_pair(int first, const std::string& sock, std::unique_ptr<DpdkDevice>& server_out,
                     std::unique_ptr<DpdkDevice>& client_out) {
    const std::string server_name = "net_memif" + std::to_string(first);
    const std::string client_name = "net_memif" + std::to_string(first + 1);
    DpdkConfig server;
    server.eal_args = {"--vdev=" + server_name + ",role=server,id=0,socket=" + sock,
                       "--vdev=" + client_name + ",role=client,id=0,socket=" + sock};
    server.port_name = server_name;
    auto s = DpdkDevice::open(server);
    ASSERT_TRUE(s.ok()) << s.error().message();
    server_out = std::move(*s);
    DpdkConfig client;
    client.port_name = client_name;
    auto c = DpdkDevice::open(client);
    ASSERT_TRUE(c.ok()) << c.error().message();
    client_out = std::move(*c);
}

class DpdkMemifPair : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (std::getenv(kPeerEnv) != nullptr) return;  // this process is the echo peer
        std::unique_ptr<DpdkDevice> server, client;
        open_memif_pair(0, socket_path("pair"), server, client);
        server_ = server.release();
        client_ = client.release();
    }
    static void TearDownTestSuite() {
        EXPECT_TRUE(close_and_check_mempool_freed(client_));
        EXPECT_TRUE(close_and_check_mempool_freed(server_));
    }
    void SetUp() override {
        if (std::getenv(kPeerEnv) != nullptr) GTEST_SKIP() << "echo-peer process";
        ASSERT_NE(server_, nullptr);
        ASSERT_NE(client_, nullptr);
        ASSERT_TRUE(eventually(kTimeout, [] { return server_->link_up() && client_->link_up(); }))
            << "memif did not connect";
        server_base_ = server_->mbufs_in_use();
        client_base_ = client_->mbufs_in_use();
    }
    void TearDown() override {
        if (server_ == nullptr) return;
        EXPECT_EQ(server_->mbufs_in_use(), server_base_);
        EXPECT_EQ(client_->mbufs_in_use(), client_base_);
    }

    static inline DpdkDevice* server_ = nullptr;
    static inline DpdkDevice* client_ = nullptr;
    size_t server_base_ = 0;
    size_t client_base_ = 0;
};

// memif's receiver posts free buffers to the ring when it polls (the client's RX refills the
// server-to-client ring), so a sender only makes progress while its peer polls -- as with a running
// stack. Sends and receives alternately until every frame arrived.
std::vector<Packet> transfer(Device& from, Device& to, std::vector<Packet>& out) {
    std::vector<Packet> got;
    size_t sent = 0;
    Packet burst[Device::kMaxBurst];
    const auto deadline = Clock::now() + kTimeout;
    while (got.size() < out.size() && Clock::now() < deadline) {
        size_t k = sent < out.size() ? from.tx_burst(std::span(out).subspan(sent)) : 0;
        sent += k;
        size_t n = to.rx_burst(burst);
        for (size_t i = 0; i < n; ++i) got.push_back(std::move(burst[i]));
        if (k == 0 && n == 0) std::this_thread::sleep_for(50us);
    }
    return got;
}

TEST_F(DpdkMemifPair, FramesCrossInBothDirectionsIntact) {
    EXPECT_NE(server_->caps().mac, client_->caps().mac);
    for (auto [from, to] : {std::pair{server_, client_}, std::pair{client_, server_}}) {
        std::vector<Packet> out;
        for (uint32_t i = 0; i < 100; ++i) out.push_back(device_packet(*from, frame(to->caps().mac, from->caps().mac, 60 + i * 14, i)));
        std::vector<Packet> got = transfer(*from, *to, out);
        ASSERT_EQ(got.size(), out.size());
        for (uint32_t i = 0; i < got.size(); ++i) {
            Bytes want = frame(to->caps().mac, from->caps().mac, 60 + i * 14, i);
            ASSERT_EQ(got[i].size(), want.size()) << i;
            EXPECT_EQ(0, std::memcmp(got[i].data(), want.data(), want.size())) << i;
            ASSERT_NE(mbuf_of(got[i]), nullptr);
            EXPECT_EQ(mbuf_of(got[i])->pool, to->mempool()) << "received into the receiver's mempool";
        }
    }
    EXPECT_FALSE(server_->caps().tx_ipv4_checksum) << "memif offers no checksum offload";
}

TEST_F(DpdkMemifPair, FullRingAcceptsAPrefixAndTheRestIsSentLaterInOrder) {
    Packet none[Device::kMaxBurst];
    EXPECT_EQ(client_->rx_burst(none), 0u);  // the client posts its buffers, then stops polling
    std::vector<Packet> out;
    for (uint32_t i = 0; i < 1500; ++i) out.push_back(device_packet(*server_, frame(client_->caps().mac, server_->caps().mac, 60, i)));
    size_t k = server_->tx_burst(out);
    ASSERT_LT(k, out.size()) << "memif took more than its ring (1024 slots by default)";
    ASSERT_GT(k, 0u);
    for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(static_cast<bool>(out[i]), i >= k) << i;
    EXPECT_EQ(seq_of(out[k]), k) << "the caller keeps the refused packets untouched";
    EXPECT_EQ(server_->tx_burst(std::span(out).subspan(k)), 0u) << "still full while the client does not poll";

    std::vector<Packet> rest(std::make_move_iterator(out.begin() + static_cast<ptrdiff_t>(k)), std::make_move_iterator(out.end()));
    std::vector<Packet> got = receive_n(*client_, k);
    ASSERT_EQ(got.size(), k);
    std::vector<Packet> more = transfer(*server_, *client_, rest);
    ASSERT_EQ(more.size(), rest.size());
    for (auto& p : more) got.push_back(std::move(p));
    for (uint32_t i = 0; i < got.size(); ++i) ASSERT_EQ(seq_of(got[i]), i);
    EXPECT_GE(server_->stats().tx_packets, 1500u);
}

// ---- two processes -----------------------------------------------------------------------------

constexpr uint32_t kEchoFrames = 2000;
constexpr uint16_t kDoneType = 0x88b6;

// Runs in the child: a client port in its own EAL that sends every frame back with the MACs swapped.
TEST(DpdkMemifPeer, EchoFramesBack) {
    const char* sock = std::getenv(kPeerEnv);
    if (sock == nullptr) GTEST_SKIP() << "runs only as the peer process of DpdkMemifTwoProcesses";
    DpdkConfig c;
    c.eal_args = {std::string("--vdev=net_memif0,role=client,id=1,socket=") + sock};
    c.in_flight = 512;
    auto dev = DpdkDevice::open(c);
    ASSERT_TRUE(dev.ok()) << dev.error().message();
    Device& d = **dev;
    uint32_t echoed = 0;
    bool done = false;
    const auto deadline = Clock::now() + 20s;
    Packet burst[Device::kMaxBurst];
    // The client owns memif's shared memory: it must stay until the server has read the last echo,
    // which the server confirms with a final kDoneType frame.
    while (!done && Clock::now() < deadline) {
        size_t n = d.rx_burst(burst);
        if (n == 0) {
            std::this_thread::sleep_for(20us);
            continue;
        }
        if (Frame{burst[n - 1].bytes()}.type() == kDoneType) {
            done = true;
            burst[--n].reset();
        }
        for (size_t i = 0; i < n; ++i) {  // swap MACs in place: the received mbuf goes straight back
            std::byte tmp[6];
            std::memcpy(tmp, burst[i].data(), 6);
            std::memcpy(burst[i].data(), burst[i].data() + 6, 6);
            std::memcpy(burst[i].data() + 6, tmp, 6);
        }
        std::vector<Packet> out(std::make_move_iterator(burst), std::make_move_iterator(burst + n));
        ASSERT_EQ(send_all(d, out), n);
        echoed += static_cast<uint32_t>(n);
    }
    EXPECT_TRUE(done) << "the server never confirmed";
    EXPECT_EQ(echoed, kEchoFrames);
    EXPECT_EQ((*dev)->counters().tx_copied, 0u) << "echoed from the received mbufs, no copies";
}

TEST(DpdkMemifTwoProcesses, ServerHereEchoClientInAnotherProcess) {
    if (std::getenv(kPeerEnv) != nullptr) GTEST_SKIP() << "echo-peer process";
    const std::string sock = socket_path("2p");
    DpdkConfig c;
    c.eal_args = {"--vdev=net_memif2,role=server,id=1,socket=" + sock};  // hot-plugged into this EAL
    auto dev = DpdkDevice::open(c);
    ASSERT_TRUE(dev.ok()) << dev.error().message();
    DpdkDevice& d = **dev;

    // A fresh program image (EAL cannot be inherited across fork); everything exec needs is prepared
    // before fork, since only async-signal-safe calls are allowed in the child of a threaded process.
    std::vector<std::string> env_storage;
    for (char** e = environ; *e != nullptr; ++e) env_storage.emplace_back(*e);
    env_storage.push_back(std::string(kPeerEnv) + "=" + sock);
    std::vector<char*> envp;
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string arg0 = "test_dpdk_memif", arg1 = "--gtest_filter=DpdkMemifPeer.EchoFramesBack";
    char* argv[] = {arg0.data(), arg1.data(), nullptr};
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        execve("/proc/self/exe", argv, envp.data());
        _exit(127);
    }
    const bool up = eventually(10s, [&] { return d.link_up(); });
    EXPECT_TRUE(up) << "the peer process never connected";

    uint32_t sent = 0;
    uint32_t received = 0;
    bool in_order = true;
    const EthernetAddress me = d.caps().mac;
    const EthernetAddress peer{{0x02, 0, 0, 0, 0x78, 0x22}};
    const auto deadline = Clock::now() + 20s;
    Packet burst[Device::kMaxBurst];
    while (up && received < kEchoFrames && Clock::now() < deadline) {
        if (sent < kEchoFrames && sent - received < 256) {  // a bounded window of frames in flight
            std::vector<Packet> out;
            for (uint32_t i = 0; i < 32 && sent + i < kEchoFrames; ++i) out.push_back(device_packet(d, frame(peer, me, 64 + (sent + i) % 1400, sent + i)));
            sent += static_cast<uint32_t>(d.tx_burst(out));
        }
        size_t n = d.rx_burst(burst);
        for (size_t i = 0; i < n; ++i) {
            Bytes want = frame(me, peer, 64 + received % 1400, received);
            in_order = in_order && burst[i].size() == want.size() && std::memcmp(burst[i].data(), want.data(), want.size()) == 0;
            ++received;
            burst[i].reset();
        }
        if (n == 0) std::this_thread::sleep_for(20us);
    }
    EXPECT_EQ(received, kEchoFrames);
    EXPECT_TRUE(in_order) << "echoed frames differ from what was sent";
    std::vector<Packet> done;
    done.push_back(device_packet(d, ethernet(peer, me, kDoneType, pattern(50, 0))));
    EXPECT_EQ(send_all(d, done), 1u);

    int status = 0;
    const auto wait_deadline = Clock::now() + 20s;
    pid_t r = 0;
    while ((r = waitpid(child, &status, WNOHANG)) == 0 && Clock::now() < wait_deadline) std::this_thread::sleep_for(10ms);
    if (r == 0) {
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
        FAIL() << "the peer process did not finish";
    }
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the peer process failed: status " << status;
}

// The peer's departure reaches this process's net_memif port in EAL's interrupt thread, which
// unmaps the shared memory there: through the munmap guard (unmap_guard.hpp), which the PMD plugin
// must bind to for the guard to protect the polling thread's bursts.
TEST(DpdkMemifUnmapGuard, ThePeersDepartureUnmapsThroughTheGuard) {
    if (std::getenv(kPeerEnv) != nullptr) GTEST_SKIP() << "echo-peer process";
    const size_t watched_before = unmap_guard_stats().watched;
    std::unique_ptr<DpdkDevice> server, client;
    open_memif_pair(8, socket_path("guard"), server, client);
    ASSERT_TRUE(server && client);
    EXPECT_EQ(unmap_guard_stats().watched, watched_before + 2) << "each net_memif port is watched";
    ASSERT_TRUE(eventually(kTimeout, [&] { return server->link_up() && client->link_up(); }))
        << "memif did not connect";
    const UnmapGuardStats before = unmap_guard_stats();
    client.reset();  // the client leaves: the server's side unmaps in the interrupt thread
    EXPECT_EQ(unmap_guard_stats().watched, watched_before + 1);
    Packet burst[Device::kMaxBurst];
    EXPECT_TRUE(eventually(kTimeout, [&] {
        (void)server->rx_burst(burst);  // polling all the while, as a stack does
        return !server->link_up() && unmap_guard_stats().interrupt_unmaps > before.interrupt_unmaps;
    })) << "the server's regions were not unmapped through the guard";
    EXPECT_EQ(unmap_guard_stats().timeouts, before.timeouts);
    EXPECT_EQ(server->rx_burst(burst), 0u);
    server.reset();
    EXPECT_EQ(unmap_guard_stats().watched, watched_before);
}

}  // namespace
}  // namespace tachyon
