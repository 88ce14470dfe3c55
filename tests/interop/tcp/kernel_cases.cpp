// Tachyon against the Linux kernel's own TCP/IP stack (issue 6's interop list), the same cases on
// every backend: each executable links these and defines make_environment() for its backend.
// Every test makes its own link and namespace (Environment), runs the stack in this thread and the
// kernel's side as processes in the namespace (ping, kernel_peer.py), and checks bytes by SHA-256
// at both ends and the wire by the capture the pcap decorator writes (kept on failure, or always
// with TACHYON_KEEP_PCAP set; its path is printed).
#include <gtest/gtest.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "stack/socket/socket.hpp"
#include "tests/interop/tcp/environment.hpp"
#include "tests/interop/tcp/exchange.hpp"
#include "tests/interop/tcp/sha256.hpp"
#include "tests/interop/tcp/tachyon_node.hpp"
#include "tests/interop/tcp/wire_checks.hpp"

namespace tachyon::interop {
namespace {

constexpr size_t kMiB = 1024 * 1024;
constexpr size_t kBulkBytes = 10 * kMiB;   // each way (issue 6: at least 10 MiB)
constexpr size_t kLossyBytes = 10 * kMiB;  // each way, under 2% loss
constexpr uint16_t kTachyonPort = 7000;
constexpr uint16_t kKernelPort = 5001;
constexpr uint16_t kClosedPort = 9;  // discard: nobody listens on either side
constexpr auto kTransferTimeout = 90s;
constexpr auto kShortTimeout = 10s;

// TCPI_OPT_* (linux/tcp.h).
constexpr long long kOptTimestamps = 1, kOptSack = 2, kOptWscale = 4;

std::string port_text(uint16_t p) { return std::to_string(p); }

class TcpInterop : public ::testing::Test {
protected:
    void SetUp() override {
        std::string error;
        env_ = make_environment(error);
        ASSERT_TRUE(env_) << error;
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        pcap_path_ = "/tmp/tcy-interop-" + std::string(info->name()) + "-" + std::to_string(::getpid()) + ".pcap";
        std::printf("[ env      ] %s\n", env_->describe().c_str());
    }

    void TearDown() override {
        if (node_) {
            EXPECT_EQ(node_->shut_down(), 0u) << "stack packet buffers still in use after the test";
            node_.reset();
        }
        if (env_) {
            EXPECT_EQ(env_->check_released(), "");
            env_.reset();
        }
        if (HasFailure() || std::getenv("TACHYON_KEEP_PCAP") != nullptr) {
            std::printf("[ capture  ] kept %s (tcpdump -nr %s)\n", pcap_path_.c_str(), pcap_path_.c_str());
        } else {
            ::unlink(pcap_path_.c_str());
        }
    }

    // The Tachyon stack on the environment's device; false (with a failure) when it cannot start.
    bool start(std::optional<FaultInjectorConfig> faults = std::nullopt, std::optional<Ipv4Address> gateway = std::nullopt) {
        NodeOptions o;
        o.address = env_->tachyon_address();
        o.gateway = gateway;
        o.pcap_path = pcap_path_;
        o.faults = faults;
        o.wait_fd = env_->wait_fd();
        o.seed = 0x7ac4;
        std::string error;
        node_ = TachyonNode::create(env_->device(), o, error);
        EXPECT_TRUE(node_) << error;
        return node_ != nullptr;
    }

    std::unique_ptr<ChildProcess> kernel_peer(const std::vector<std::string>& args) {
        std::string error;
        auto p = spawn_kernel_peer(env_->netns(), args, error);
        EXPECT_TRUE(p) << error;
        return p;
    }

    std::vector<std::string> peer_args(const char* mode, const std::string& host, uint16_t port, size_t send,
                                       Order order, uint64_t seed = 5) {
        return {mode, "--host", host, "--port", port_text(port), "--send", std::to_string(send),
                "--seed", std::to_string(seed), "--order", order_name(order), "--timeout", "60"};
    }

    Ipv4Address me() const { return env_->tachyon_address().address; }
    std::string me_text() const { return me().to_string(); }

    // A Tachyon listener on kTachyonPort.
    Socket listen_here() {
        Socket l = node_->sockets().socket();
        l.bind({me(), kTachyonPort});
        l.listen(8);
        l.settimeout(Duration::from_secs(10));
        return l;
    }

    // kernel_peer.py's UDP echo on kKernelPort in namespace ns, bound; nullptr (a failure) if not.
    std::unique_ptr<ChildProcess> udp_echo(const std::string& ns) {
        std::string error;
        auto peer = spawn_kernel_peer(ns, {"udp-echo", "--port", port_text(kKernelPort), "--timeout", "10"}, error);
        EXPECT_TRUE(peer) << error;
        if (!peer) return nullptr;
        auto bound = await_event(*node_, *peer, "udp-bound", kShortTimeout);
        const bool ok = bound && bound->str("event") == "udp-bound";
        EXPECT_TRUE(ok) << peer->transcript();
        return ok ? std::move(peer) : nullptr;
    }

    // A Tachyon UDP socket connected to the echo at host, blocking for at most 10 s.
    Socket udp_socket_to(Ipv4Address host) {
        Socket u = node_->sockets().socket(AF_INET, SOCK_DGRAM);
        u.settimeout(Duration::from_secs(10));
        u.connect({host, kKernelPort});
        return u;
    }

    // The echo's report: it got `datagram` whole, and exited.
    void expect_echoed(ChildProcess& peer, const std::vector<std::byte>& datagram) {
        auto echoed = await_event(*node_, peer, "udp-echoed", kShortTimeout);
        ASSERT_TRUE(echoed && echoed->str("event") == "udp-echoed") << peer.transcript();
        EXPECT_EQ(echoed->num("len"), static_cast<long long>(datagram.size()));
        EXPECT_EQ(echoed->str("sha"), Sha256::hex_of(datagram)) << "the kernel received other bytes";
        EXPECT_EQ(peer.wait(5000ms), 0);
    }

    // Waits for the kernel peer's listener, then connects to it (at `host`: the kernel's address
    // unless given).
    std::optional<Socket> connect_to_kernel(ChildProcess& peer, std::optional<Ipv4Address> host = std::nullopt) {
        auto listening = await_event(*node_, peer, "listening", kShortTimeout);
        EXPECT_TRUE(listening && listening->str("event") == "listening") << peer.transcript();
        if (!listening || listening->str("event") != "listening") return std::nullopt;
        Socket s = node_->sockets().socket();
        s.settimeout(Duration::from_secs(10));
        const int rc = s.connect_ex({host.value_or(env_->kernel_ip()), kKernelPort});
        EXPECT_EQ(rc, 0) << "connect_ex: " << std::strerror(rc) << "\n" << peer.transcript();
        if (rc != 0) return std::nullopt;
        return s;
    }

    std::optional<Socket> accept_kernel(Socket& listener, ChildProcess& peer) {
        auto a = listener.try_accept();
        EXPECT_TRUE(a.ok()) << "accept: " << (a.ok() ? "" : a.error().message()) << "\n" << peer.transcript();
        if (!a.ok()) return std::nullopt;
        EXPECT_EQ(a->peer.addr, env_->kernel_ip());
        return std::move(a->socket);
    }

    // The peer's "done" report agrees with what Tachyon sent and received.
    void expect_done_matches(ChildProcess& peer, const std::vector<std::byte>& sent, const ExchangeResult& r) {
        auto done = await_event(*node_, peer, "done", kShortTimeout);
        ASSERT_TRUE(done && done->str("event") == "done") << peer.transcript();
        EXPECT_EQ(done->num("received"), static_cast<long long>(sent.size()));
        EXPECT_EQ(done->str("recv_sha"), Sha256::hex_of(sent)) << "the kernel received other bytes than Tachyon sent";
        EXPECT_EQ(done->num("sent"), static_cast<long long>(r.received));
        EXPECT_EQ(done->str("sent_sha"), r.recv_sha) << "Tachyon received other bytes than the kernel sent";
        EXPECT_EQ(done->num("ti_options") & (kOptTimestamps | kOptSack | kOptWscale), kOptTimestamps | kOptSack | kOptWscale)
            << "the kernel's TCP_INFO does not show timestamps, SACK and window scaling negotiated: " << done->text();
        last_done_ = *done;
        EXPECT_EQ(peer.wait(5000ms), 0) << peer.transcript();
    }

    std::vector<TcpSegment> captured(uint16_t port_a, uint16_t port_b) {
        node_->flush_pcap();
        std::string error;
        auto c = read_capture(pcap_path_, error);
        EXPECT_TRUE(c) << error;
        if (!c) return {};
        return connection(*c, port_a, port_b);
    }

    // The kernel's socket for the connection whose kernel end is `kernel_port`, or nullopt.
    std::optional<KernelSocket> kernel_socket(uint16_t kernel_port, uint16_t tachyon_port) {
        std::string local(1, ':');  // appended, not ":" + ...: g++ 12 warns falsely (-Wrestrict)
        local += port_text(kernel_port);
        const std::string peer = me_text() + ":" + port_text(tachyon_port);
        for (const KernelSocket& s : kernel_tcp_sockets(env_->netns())) {
            if (s.local.size() >= local.size() && s.local.compare(s.local.size() - local.size(), local.size(), local) == 0 &&
                s.peer == peer) {
                return s;
            }
        }
        return std::nullopt;
    }

    // Transfers `bytes` each way with the kernel as client; returns the kernel's port.
    uint16_t kernel_client_transfer(size_t bytes, Order order = Order::kBoth) {
        Socket listener = listen_here();
        auto peer = kernel_peer(peer_args("connect", me_text(), kTachyonPort, bytes, order));
        if (!peer) return 0;
        auto s = accept_kernel(listener, *peer);
        if (!s) return 0;
        const uint16_t kernel_port = s->getpeername().port;
        const std::vector<std::byte> data = test_data(bytes, 77);
        const Order mine = order == Order::kSendFirst ? Order::kRecvFirst : Order::kBoth;
        ExchangeResult r = exchange(*node_, *s, data, mine, kTransferTimeout);
        EXPECT_TRUE(r.ok) << r.error << "\n" << peer->transcript();
        if (!r.ok) return 0;
        EXPECT_TRUE(s->close().ok());
        expect_done_matches(*peer, data, r);
        return kernel_port;
    }

    // The same with Tachyon as client; returns Tachyon's (ephemeral) port. `far`: the kernel peer
    // runs on that host instead of the link's kernel; `before_close` looks at the socket once the
    // data has moved.
    uint16_t tachyon_client_transfer(size_t bytes, Order order = Order::kBoth, const HostBehindRouter* far = nullptr,
                                     const std::function<void(Socket&)>& before_close = {}) {
        const Order theirs = order == Order::kSendFirst ? Order::kRecvFirst : Order::kBoth;
        std::string error;
        auto peer = spawn_kernel_peer(far != nullptr ? far->netns() : env_->netns(),
                                      peer_args("listen", "0.0.0.0", kKernelPort, bytes, theirs), error);
        EXPECT_TRUE(peer) << error;
        if (!peer) return 0;
        auto s = connect_to_kernel(*peer, far != nullptr ? std::optional(far->address()) : std::nullopt);
        if (!s) return 0;
        const uint16_t my_port = s->getsockname().port;
        const std::vector<std::byte> data = test_data(bytes, 78);
        ExchangeResult r = exchange(*node_, *s, data, order, kTransferTimeout);
        EXPECT_TRUE(r.ok) << r.error << "\n" << peer->transcript();
        if (!r.ok) return 0;
        if (before_close) before_close(*s);
        EXPECT_TRUE(s->close().ok());
        expect_done_matches(*peer, data, r);
        return my_port;
    }

    void expect_options_in_effect(uint16_t port_a, uint16_t port_b) {
        const auto conn = captured(port_a, port_b);
        const OptionsVerdict v = check_options_in_effect(conn, me());
        std::printf("[ options  ] %s\n", v.summary.c_str());
        for (const auto& f : v.failures) ADD_FAILURE() << f;
        if (!v.failures.empty()) std::printf("%s", dump(conn).c_str());
    }

    std::unique_ptr<Environment> env_;
    std::unique_ptr<TachyonNode> node_;
    std::string pcap_path_;
    JsonLine last_done_;
    uint16_t my_port_ = 0;
    bool kernel_fin_held_ = false;
    bool my_fin_sent_ = false;
};

// ---- ICMP ------------------------------------------------------------------------------------

TEST_F(TcpInterop, KernelPingsTachyon) {
    ASSERT_TRUE(start());
    std::string error;
    auto ping = ChildProcess::spawn({"ip", "netns", "exec", env_->netns(), "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2",
                                     me_text()},
                                    error);
    ASSERT_TRUE(ping) << error;
    EXPECT_TRUE(node_->run_until([&] { return ping->exit_status().has_value(); }, 15s));
    EXPECT_EQ(ping->exit_status().value_or(-1), 0) << ping->transcript();
    EXPECT_NE(ping->stdout_text().find("3 received"), std::string::npos) << ping->transcript();
    const StackCounters& c = node_->stack().counters();
    EXPECT_GE(c.icmp_echo_reply_tx, 3u);
    // The kernel had no neighbour entry: it asked by ARP and Tachyon answered.
    EXPECT_GE(c.arp_replies_sent, 1u);
    std::string neigh;
    netns_exec(env_->netns(), {"ip", "neigh", "show", me_text()}, &neigh);
    EXPECT_NE(neigh.find(node_->stack().mac().to_string()), std::string::npos)
        << "the kernel's neighbour entry for Tachyon: " << neigh;
}

TEST_F(TcpInterop, TachyonPingsKernel) {
    ASSERT_TRUE(start());
    constexpr uint16_t kIdent = 0x7479;
    int answered = 0;
    for (uint16_t seq = 1; seq <= 3; ++seq) {
        ASSERT_TRUE(node_->stack().icmp().send_ping(env_->kernel_ip(), kIdent, seq, 56).ok());
        const bool got = node_->run_until(
            [&] {
                while (auto r = node_->stack().icmp().pop_echo_reply()) {
                    if (r->src == env_->kernel_ip() && r->ident == kIdent && r->seq_no == seq) {
                        EXPECT_TRUE(r->payload_ok) << "echo reply payload differs";
                        EXPECT_EQ(r->payload_len, 56);
                        return true;
                    }
                }
                return false;
            },
            5s);
        EXPECT_TRUE(got) << "no echo reply for seq " << seq;
        answered += got ? 1 : 0;
    }
    EXPECT_EQ(answered, 3);
    EXPECT_GE(node_->stack().counters().arp_resolved, 1u) << "Tachyon resolved the kernel by ARP";
}

// `ping -s 3000` both ways over a 1,500-byte link: the echoes go in IPv4 fragments and each side
// reassembles the other's (Tachyon answers a fragmented request in fragments, as Linux does).
TEST_F(TcpInterop, PingsOverTheMtuBothWays) {
    if (const std::string why = env_->fragments_not_delivered(); !why.empty()) GTEST_SKIP() << why;
    ASSERT_TRUE(start());
    std::string error;
    auto ping = ChildProcess::spawn({"ip", "netns", "exec", env_->netns(), "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2",
                                     "-s", "3000", me_text()},
                                    error);
    ASSERT_TRUE(ping) << error;
    EXPECT_TRUE(node_->run_until([&] { return ping->exit_status().has_value(); }, 15s));
    EXPECT_EQ(ping->exit_status().value_or(-1), 0) << ping->transcript();
    EXPECT_NE(ping->stdout_text().find("2 received"), std::string::npos) << ping->transcript();
    constexpr uint16_t kIdent = 0x7480;
    ASSERT_TRUE(node_->stack().icmp().send_ping(env_->kernel_ip(), kIdent, 1, 3000).ok());
    const bool answered = node_->run_until(
        [&] {
            while (auto r = node_->stack().icmp().pop_echo_reply()) {
                if (r->ident == kIdent && r->seq_no == 1) {
                    EXPECT_EQ(r->payload_len, 3000);
                    EXPECT_TRUE(r->payload_ok) << "echo reply payload differs";
                    return true;
                }
            }
            return false;
        },
        5s);
    EXPECT_TRUE(answered) << "no reply to Tachyon's 3,000-byte ping";
    const StackCounters& c = node_->stack().counters();
    EXPECT_GE(c.frag_reassembled, 3u);  // two requests and one reply from the kernel
    EXPECT_GE(c.frag_tx, 9u);           // two replies and one request, three fragments each
}

// ---- bulk transfers, options -------------------------------------------------------------------

TEST_F(TcpInterop, KernelClientMoves10MiBEachWay) {
    ASSERT_TRUE(start());
    EXPECT_NE(kernel_client_transfer(kBulkBytes), 0);
}

TEST_F(TcpInterop, TachyonClientMoves10MiBEachWay) {
    ASSERT_TRUE(start());
    EXPECT_NE(tachyon_client_transfer(kBulkBytes), 0);
}

// Both handshake roles: the kernel's SYN answered by Tachyon's SYN-ACK and the other way round.
TEST_F(TcpInterop, NegotiatedOptionsAreInEffect) {
    ASSERT_TRUE(start());
    const uint16_t kernel_port = kernel_client_transfer(4 * kMiB);
    ASSERT_NE(kernel_port, 0);
    expect_options_in_effect(kernel_port, kTachyonPort);
    EXPECT_EQ(last_done_.num("ti_snd_mss"), 1448) << "the kernel's send MSS: Tachyon's 1460 less timestamps";
    const uint16_t my_port = tachyon_client_transfer(4 * kMiB);
    ASSERT_NE(my_port, 0);
    expect_options_in_effect(my_port, kKernelPort);
}

// ---- closing -----------------------------------------------------------------------------------

// Tachyon closes first (FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT); the kernel reads to the end of the
// stream, closes (LAST-ACK) and is gone once Tachyon's last ACK arrived.
TEST_F(TcpInterop, TachyonClosesFirst) {
    ASSERT_TRUE(start());
    Socket listener = listen_here();
    auto peer = kernel_peer(peer_args("connect", me_text(), kTachyonPort, 0, Order::kRecvFirst));
    ASSERT_TRUE(peer);
    auto s = accept_kernel(listener, *peer);
    ASSERT_TRUE(s);
    const uint16_t kernel_port = s->getpeername().port;
    const auto data = test_data(256 * 1024, 3);
    ExchangeResult r = exchange(*node_, *s, data, Order::kCloseAfterSend, kShortTimeout);
    ASSERT_TRUE(r.ok) << r.error;
    ASSERT_TRUE(s->close().ok());
    expect_done_matches(*peer, data, r);
    EXPECT_TRUE(node_->run_until([&] { return !kernel_socket(kernel_port, kTachyonPort); }, kShortTimeout))
        << "the kernel's socket is left in " << kernel_socket(kernel_port, kTachyonPort)->state;
    EXPECT_EQ(node_->sockets().tcp().time_wait_records(), 1u) << "Tachyon's end waits in TIME-WAIT";
    EXPECT_EQ(node_->sockets().tcp().connections_in_use(), 0u) << "a TIME-WAIT record frees its slot";
    const CloseTrace t = close_trace(captured(kernel_port, kTachyonPort), me());
    ASSERT_TRUE(t.tachyon_fin && t.kernel_fin) << t.describe();
    EXPECT_LT(t.tachyon_fin->index, t.kernel_fin->index) << t.describe();
    EXPECT_TRUE(t.tachyon_fin_acked && t.kernel_fin_acked) << t.describe();
    EXPECT_FALSE(t.tachyon_rst || t.kernel_rst) << t.describe();
}

// The kernel closes first (and ends in TIME-WAIT); Tachyon reads to the end of the stream, closes
// (LAST-ACK) and frees the connection when the kernel acknowledges its FIN.
TEST_F(TcpInterop, KernelClosesFirst) {
    ASSERT_TRUE(start());
    Socket listener = listen_here();
    auto peer = kernel_peer(peer_args("connect", me_text(), kTachyonPort, 256 * 1024, Order::kCloseAfterSend));
    ASSERT_TRUE(peer);
    auto s = accept_kernel(listener, *peer);
    ASSERT_TRUE(s);
    const uint16_t kernel_port = s->getpeername().port;
    ExchangeResult r = exchange(*node_, *s, {}, Order::kRecvFirst, kShortTimeout);
    ASSERT_TRUE(r.ok) << r.error << "\n" << peer->transcript();
    ASSERT_TRUE(s->close().ok());
    expect_done_matches(*peer, {}, r);
    EXPECT_TRUE(node_->run_until([&] { return node_->sockets().tcp().connections_in_use() == 0; }, kShortTimeout))
        << "Tachyon's connection did not leave LAST-ACK";
    auto k = kernel_socket(kernel_port, kTachyonPort);
    ASSERT_TRUE(k) << "the kernel's socket is gone: expected TIME-WAIT";
    EXPECT_EQ(k->state, "TIME-WAIT");
    const CloseTrace t = close_trace(captured(kernel_port, kTachyonPort), me());
    ASSERT_TRUE(t.tachyon_fin && t.kernel_fin) << t.describe();
    EXPECT_LT(t.kernel_fin->index, t.tachyon_fin->index) << t.describe();
    EXPECT_TRUE(t.tachyon_fin_acked && t.kernel_fin_acked) << t.describe();
    EXPECT_FALSE(t.tachyon_rst || t.kernel_rst) << t.describe();
}

// Both FINs cross on the wire (RFC 9293 figure 13: FIN-WAIT-1 -> CLOSING -> TIME-WAIT on both
// ends). Made deterministic by holding the kernel's FIN at Tachyon's device until Tachyon's own FIN
// has gone out.
TEST_F(TcpInterop, SimultaneousClose) {
    ASSERT_TRUE(start());
    // kernel_peer.py's trigger-close: read one byte, then close at once.
    auto peer = kernel_peer({"listen", "--port", port_text(kKernelPort), "--order", "trigger-close", "--timeout", "30"});
    ASSERT_TRUE(peer);
    auto s = connect_to_kernel(*peer);
    ASSERT_TRUE(s);
    const uint16_t my_port = s->getsockname().port;
    // Fixture members, not locals: the observer may still be called while the node shuts down.
    my_port_ = my_port;
    node_->gate().set_observer([this](const Packet& f, bool tx) {
        auto b = f.bytes();
        if (b.size() < 14 + 20 + 20 || std::to_integer<int>(b[23]) != 6) return;
        const size_t ihl = (std::to_integer<size_t>(b[14]) & 0xf) * 4;
        const size_t t = 14 + ihl;
        const uint16_t sport = static_cast<uint16_t>(std::to_integer<int>(b[t]) << 8 | std::to_integer<int>(b[t + 1]));
        const bool fin = (std::to_integer<int>(b[t + 13]) & 0x01) != 0;
        if (!fin) return;
        if (tx && sport == my_port_) my_fin_sent_ = true;
        if (!tx && sport == kKernelPort) kernel_fin_held_ = true;
    });
    node_->gate().hold_rx(true);
    auto one = s->send(std::string_view("x"));
    ASSERT_TRUE(one.ok() && *one == 1u);
    ASSERT_TRUE(node_->run_until([&] { return kernel_fin_held_; }, kShortTimeout))
        << "the kernel did not close\n" << peer->transcript();
    ASSERT_TRUE(s->close().ok());
    ASSERT_TRUE(node_->run_until([&] { return my_fin_sent_; }, kShortTimeout)) << "Tachyon sent no FIN";
    node_->gate().hold_rx(false);
    auto k = std::optional<KernelSocket>();
    EXPECT_TRUE(node_->run_until(
        [&] {
            k = kernel_socket(kKernelPort, my_port);
            return k && k->state == "TIME-WAIT";
        },
        kShortTimeout))
        << "the kernel's socket is in " << (k ? k->state : std::string("no state"));
    // Both FINs acknowledged: the kernel's ACK of Tachyon's FIN may arrive after the kernel's state
    // changed, so wait for it in the capture.
    CloseTrace t;
    EXPECT_TRUE(node_->run_until(
        [&] {
            t = close_trace(captured(my_port, kKernelPort), me());
            return t.tachyon_fin_acked && t.kernel_fin_acked;
        },
        kShortTimeout))
        << t.describe() << "\n" << dump(captured(my_port, kKernelPort));
    ASSERT_TRUE(t.tachyon_fin && t.kernel_fin) << t.describe();
    EXPECT_TRUE(fin_sent_before_peer_fin(*t.tachyon_fin, *t.kernel_fin)) << "Tachyon's FIN acknowledges the kernel's: " << t.describe();
    EXPECT_TRUE(fin_sent_before_peer_fin(*t.kernel_fin, *t.tachyon_fin)) << "the kernel's FIN acknowledges Tachyon's: " << t.describe();
    EXPECT_FALSE(t.tachyon_rst || t.kernel_rst) << t.describe();
    EXPECT_EQ(node_->sockets().tcp().time_wait_records(), 1u) << "Tachyon's end waits in TIME-WAIT";
    EXPECT_EQ(node_->sockets().tcp().connections_in_use(), 0u) << "a TIME-WAIT record frees its slot";
    EXPECT_EQ(peer->wait(5000ms), 0) << peer->transcript();
}

// Tachyon shuts down writing and keeps receiving: the kernel sends only after the end of stream.
TEST_F(TcpInterop, TachyonHalfClosesAndKeepsReceiving) {
    ASSERT_TRUE(start());
    const uint16_t my_port = tachyon_client_transfer(kMiB, Order::kSendFirst);
    ASSERT_NE(my_port, 0);
    const auto conn = captured(my_port, kKernelPort);
    const CloseTrace t = close_trace(conn, me());
    ASSERT_TRUE(t.tachyon_fin) << t.describe();
    size_t kernel_data_after_fin = 0;
    for (const TcpSegment& seg : conn) {
        if (seg.src != me() && seg.payload_len > 0) {
            EXPECT_GT(seg.index, t.tachyon_fin->index) << "kernel data before Tachyon's FIN: " << seg.describe();
            ++kernel_data_after_fin;
        }
    }
    EXPECT_GT(kernel_data_after_fin, 0u);
}

// The kernel shuts down writing and keeps receiving: Tachyon sends only after the end of stream.
TEST_F(TcpInterop, KernelHalfClosesAndKeepsReceiving) {
    ASSERT_TRUE(start());
    const uint16_t kernel_port = kernel_client_transfer(kMiB, Order::kSendFirst);
    ASSERT_NE(kernel_port, 0);
    const auto conn = captured(kernel_port, kTachyonPort);
    const CloseTrace t = close_trace(conn, me());
    ASSERT_TRUE(t.kernel_fin) << t.describe();
    size_t tachyon_data_after_fin = 0;
    for (const TcpSegment& seg : conn) {
        if (seg.src == me() && seg.payload_len > 0) {
            EXPECT_GT(seg.index, t.kernel_fin->index) << "Tachyon data before the kernel's FIN: " << seg.describe();
            ++tachyon_data_after_fin;
        }
    }
    EXPECT_GT(tachyon_data_after_fin, 0u);
}

// ---- closed ports --------------------------------------------------------------------------------

TEST_F(TcpInterop, KernelConnectingToAClosedTachyonPortGetsRst) {
    ASSERT_TRUE(start());
    auto peer = kernel_peer({"refused", "--host", me_text(), "--port", port_text(kClosedPort), "--timeout", "10"});
    ASSERT_TRUE(peer);
    auto e = await_event(*node_, *peer, "refused", kShortTimeout);
    ASSERT_TRUE(e && e->str("event") == "refused") << peer->transcript();
    EXPECT_EQ(peer->wait(5000ms), 0);
    node_->flush_pcap();
    std::string error;
    auto c = read_capture(pcap_path_, error);
    ASSERT_TRUE(c) << error;
    std::optional<TcpSegment> syn, rst;
    for (const TcpSegment& seg : c->tcp) {
        if (seg.dport == kClosedPort && seg.syn() && !syn) syn = seg;
        if (seg.sport == kClosedPort && seg.rst() && !rst) rst = seg;
    }
    ASSERT_TRUE(syn && rst) << "SYN and RST in the capture";
    // RFC 9293 3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN counting one.
    EXPECT_TRUE(rst->has_ack());
    EXPECT_EQ(rst->seq, 0u);
    EXPECT_EQ(rst->ack, syn->seq + 1);
}

TEST_F(TcpInterop, TachyonConnectingToAClosedKernelPortGetsEconnrefused) {
    ASSERT_TRUE(start());
    Socket s = node_->sockets().socket();
    s.settimeout(Duration::from_secs(10));
    EXPECT_EQ(s.connect_ex({env_->kernel_ip(), kClosedPort}), ECONNREFUSED);
    EXPECT_EQ(s.getsockopt(SOL_SOCKET, SO_ERROR), 0) << "connect_ex reported the error already";
}

// A firewall in the kernel's namespace answers the SYN with ICMP host unreachable: connect()
// fails with EHOSTUNREACH at once (Linux's tcp_v4_err) instead of retrying the SYN until it times
// out, and the error is reported once.
TEST_F(TcpInterop, TachyonConnectingThroughAnIcmpRejectGetsTheIcmpError) {
    ASSERT_TRUE(start());
    std::string error;
    ASSERT_TRUE(add_icmp_reject(env_->netns(), kClosedPort, "host-unreachable", error)) << error;
    Socket s = node_->sockets().socket();
    s.settimeout(Duration::from_secs(10));
    EXPECT_EQ(s.connect_ex({env_->kernel_ip(), kClosedPort}), EHOSTUNREACH);
    EXPECT_EQ(s.getsockopt(SOL_SOCKET, SO_ERROR), 0) << "connect_ex reported the error already";
    const TcpCounters& tcp = node_->sockets().tcp().counters();
    EXPECT_EQ(tcp.icmp_aborts, 1u);
    EXPECT_EQ(tcp.retransmitted_segments, 0u) << "the SYN was not sent again";
}

// A datagram to a port where the kernel has no socket: the kernel's port unreachable reaches the
// connected UDP socket as ECONNREFUSED on its next receive (RFC 1122 4.1.3.3, Linux's behaviour).
TEST_F(TcpInterop, TachyonUdpToAClosedKernelPortGetsEconnrefused) {
    ASSERT_TRUE(start());
    Socket u = node_->sockets().socket(AF_INET, SOCK_DGRAM);
    u.settimeout(Duration::from_secs(10));
    u.connect({env_->kernel_ip(), kClosedPort});
    const std::string hello = "anyone there?";
    ASSERT_TRUE(u.send(std::as_bytes(std::span(hello))).ok());
    std::array<std::byte, 64> buf;
    EXPECT_EQ(u.recv(buf).code(), ECONNREFUSED);
    EXPECT_EQ(node_->stack().counters().udp_icmp_errors, 1u);
}

// A 9,000-byte datagram both ways over a 1,500-byte link: Tachyon sends it in IPv4 fragments that
// the kernel puts back together, and reassembles the kernel's fragments of the echo.
TEST_F(TcpInterop, UdpDatagramsOverTheMtuCrossInFragmentsBothWays) {
    if (const std::string why = env_->fragments_not_delivered(); !why.empty()) GTEST_SKIP() << why;
    ASSERT_TRUE(start());
    auto peer = udp_echo(env_->netns());
    ASSERT_TRUE(peer);
    Socket u = udp_socket_to(env_->kernel_ip());
    const std::vector<std::byte> datagram = test_data(9000, 91);
    ASSERT_EQ(u.send(datagram).value(), datagram.size());
    std::vector<std::byte> buf(65536);
    const Result<Received> r = u.recvfrom(buf);
    ASSERT_TRUE(r.ok()) << r.error().message() << "\n" << peer->transcript();
    EXPECT_EQ(r->len, datagram.size());
    EXPECT_TRUE(std::equal(datagram.begin(), datagram.end(), buf.begin())) << "the echo differs";
    expect_echoed(*peer, datagram);
    EXPECT_EQ(node_->stack().counters().frag_tx, 7u);  // 9,008 bytes in pieces of 1,480
    EXPECT_EQ(node_->stack().counters().frag_reassembled, 1u);
}

// Path MTU discovery (RFC 1191): the kernel routes Tachyon's connection to a host behind it over a
// route with MTU 1280, while both ends announce MSS 1460. Tachyon's first full-sized segments
// (1500-byte packets, DF set) draw "fragmentation needed" from the kernel; Tachyon lowers the
// connection's MSS, sends what was dropped again in smaller pieces, and 2 MiB move each way
// intact. Without it the connection stalls: the kernel never fragments a DF packet. A second
// connection starts at the learnt path MTU.
TEST_F(TcpInterop, TachyonFindsTheSmallerPathMtuOfARouteThroughTheKernel) {
    std::string error;
    auto far = HostBehindRouter::create(env_->netns(), 1280, error);
    ASSERT_TRUE(far) << error;
    ASSERT_TRUE(start(std::nullopt, env_->kernel_ip()));
    const uint16_t my_port = tachyon_client_transfer(2 * kMiB, Order::kBoth, far.get(), [](Socket& s) {
        tcp_info info{};
        const Result<size_t> n = s.try_getsockopt(IPPROTO_TCP, TCP_INFO, std::as_writable_bytes(std::span(&info, 1)));
        ASSERT_TRUE(n.ok());
        EXPECT_EQ(info.tcpi_pmtu, 1280u);
        EXPECT_EQ(info.tcpi_snd_mss, 1280u - 40 - 12) << "the timestamps take 12 bytes of each segment";
    });
    ASSERT_NE(my_port, 0);
    EXPECT_GE(node_->sockets().tcp().counters().pmtu_reductions, 1u);
    EXPECT_GE(node_->stack().counters().icmp_unreachable_rx, 1u);
    // On the wire: after the first "fragmentation needed", no segment of Tachyon's is larger.
    const auto conn = captured(my_port, kKernelPort);
    size_t large = 0, cut = 0;
    for (const TcpSegment& seg : conn) {
        if (seg.sport != my_port) continue;
        if (seg.payload_len > 1228) ++large;
        if (seg.payload_len == 1228) ++cut;
    }
    std::printf("[ pmtu     ] Tachyon sent %zu segments over 1228 bytes (before the ICMP) and %zu of 1228\n", large, cut);
    EXPECT_LE(large, 10u) << "at most the initial window went out at the old size";
    EXPECT_GT(cut, 1000u);
    // A second connection to the host starts at the path MTU the stack learnt (PathMtuCache): no
    // segment too large, no "fragmentation needed", nothing resent.
    const uint64_t reductions = node_->sockets().tcp().counters().pmtu_reductions;
    const uint64_t retransmitted = node_->sockets().tcp().counters().retransmitted_segments;
    const uint16_t second_port = tachyon_client_transfer(256 * 1024, Order::kBoth, far.get());
    ASSERT_NE(second_port, 0);
    EXPECT_EQ(node_->sockets().tcp().counters().pmtu_reductions, reductions);
    EXPECT_EQ(node_->sockets().tcp().counters().retransmitted_segments, retransmitted);
    size_t second_large = 0;
    for (const TcpSegment& seg : captured(second_port, kKernelPort)) {
        if (seg.sport == second_port && seg.payload_len > 1228) ++second_large;
    }
    EXPECT_EQ(second_large, 0u);
}

// RFC 1191 for UDP, as Linux: a 1,400-byte datagram (DF set) to the host behind the kernel's
// 1,280-byte route draws "fragmentation needed"; the connected socket reports EMSGSIZE once, and
// the same datagram sent again goes in fragments that fit and is echoed whole.
TEST_F(TcpInterop, UdpLearnsThePathMtuFromTheKernelAsARouter) {
    std::string error;
    auto far = HostBehindRouter::create(env_->netns(), 1280, error);
    ASSERT_TRUE(far) << error;
    ASSERT_TRUE(start(std::nullopt, env_->kernel_ip()));
    auto peer = udp_echo(far->netns());
    ASSERT_TRUE(peer);
    Socket u = udp_socket_to(far->address());
    const std::vector<std::byte> datagram = test_data(1400, 92);
    ASSERT_EQ(u.send(datagram).value(), datagram.size());
    std::vector<std::byte> buf(2048);
    EXPECT_EQ(u.recv(buf).code(), EMSGSIZE) << "the router's fragmentation needed";
    ASSERT_EQ(u.send(datagram).value(), datagram.size());
    const Result<Received> r = u.recvfrom(buf);
    ASSERT_TRUE(r.ok()) << r.error().message() << "\n" << peer->transcript();
    EXPECT_EQ(r->len, datagram.size());
    EXPECT_TRUE(std::equal(datagram.begin(), datagram.end(), buf.begin()));
    expect_echoed(*peer, datagram);
    EXPECT_EQ(node_->stack().counters().frag_tx, 2u);  // 1,408 bytes in pieces of 1,256
}

// ---- loss ----------------------------------------------------------------------------------------

// nftables in the kernel's namespace drops 2% of the TCP packets Tachyon sends, at random, while
// data flows both ways: Tachyon retransmits what the kernel lost, guided by the kernel's SACKs.
TEST_F(TcpInterop, KernelSideRandomLoss) {
    ASSERT_TRUE(start());
    std::string error;
    ASSERT_TRUE(add_random_loss(env_->netns(), 50, error)) << error;
    const uint16_t kernel_port = kernel_client_transfer(kLossyBytes);
    ASSERT_NE(kernel_port, 0);
    const long drops = loss_rule_drops(env_->netns());
    EXPECT_GT(drops, 0) << "the loss rules dropped nothing";
    const auto conn = captured(kernel_port, kTachyonPort);
    const SackUse u = sack_use(conn, me());
    std::printf("[ loss     ] nft dropped %ld packets; Tachyon retransmitted %zu segments; the kernel's data arrived with "
                "%zu holes; segments with SACK blocks: Tachyon %zu, kernel %zu\n",
                drops, u.tachyon_retransmissions, u.kernel_holes, u.tachyon_segments_with_sack,
                u.kernel_segments_with_sack);
    EXPECT_GT(u.tachyon_retransmissions, 0u);
    EXPECT_GT(u.kernel_segments_with_sack, 0u) << "SACK negotiated, so the kernel reports holes with SACK blocks";
}

// The kernel's namespace drops the two segments of a tail, a 500-byte and a 300-byte message
// sent back to back (TCP_NODELAY): no ACK comes for either. Instead of waiting for the RTO,
// Tachyon probes with the last segment two round trips later (RFC 8985 7.3); the kernel SACKs it,
// and the 500 bytes go again (by RACK, or at the timeout if the probe's ACK came sooner than the
// minimum RTT, too soon for RACK to trust it). The kernel receives the 800 bytes intact.
TEST_F(TcpInterop, TachyonProbesALostTailInsteadOfWaitingForTheTimeout) {
    ASSERT_TRUE(start());
    auto peer = kernel_peer(peer_args("listen", "0.0.0.0", kKernelPort, 0, Order::kRecvFirst));
    ASSERT_TRUE(peer);
    auto s = connect_to_kernel(*peer);
    ASSERT_TRUE(s);
    std::string error;
    // IP total lengths: 20 + 32 (TCP with timestamps) + payload.
    ASSERT_TRUE(add_first_drops(env_->netns(), {{.ip_length = 552}, {.ip_length = 352}}, error)) << error;
    s->setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    const std::vector<std::byte> data = test_data(800, 79);
    ASSERT_EQ(s->send(std::span(data).first(500)).value(), 500u);
    ASSERT_EQ(s->send(std::span(data).subspan(500)).value(), 300u);
    const bool acked = node_->run_until(
        [&] {
            const TcpInfo i = s->tcp_info();
            return i.bytes_in_flight == 0 && i.bytes_unsent == 0;
        },
        std::chrono::seconds(5));
    EXPECT_TRUE(acked) << "the kernel never acknowledged the tail\n" << peer->transcript();
    const TcpCounters& tcp = node_->sockets().tcp().counters();
    EXPECT_EQ(loss_rule_drops(env_->netns()), 2) << "the rules did not drop the two segments";
    EXPECT_EQ(tcp.tlp_probes, 1u);
    EXPECT_GE(tcp.retransmitted_segments, 2u);
    std::printf("[ tlp      ] probes %llu, RACK marked lost %llu, retransmission timeouts %llu\n",
                static_cast<unsigned long long>(tcp.tlp_probes), static_cast<unsigned long long>(tcp.rack_lost),
                static_cast<unsigned long long>(tcp.retransmit_timeouts));
    EXPECT_TRUE(s->close().ok());
    auto done = await_event(*node_, *peer, "done", kShortTimeout);
    ASSERT_TRUE(done && done->str("event") == "done") << peer->transcript();
    EXPECT_EQ(done->num("received"), 800);
    EXPECT_EQ(done->str("recv_sha"), Sha256::hex_of(data));
}

// The kernel's namespace drops Tachyon's first ten pure ACKs (52-byte IP packets: TCP with
// timestamps and no SACK block, the ACK flag alone), so the kernel, sending 3,000 bytes and its
// FIN, hears nothing and sends some again (its loss probe or timeout) while Tachyon keeps the
// connection open. Tachyon has them already and says so with a D-SACK (RFC 2883), which passes
// (64 bytes) and which the kernel counts.
TEST_F(TcpInterop, TheKernelHearsTachyonsDsackOfARetransmissionItDidNotNeed) {
    ASSERT_TRUE(start());
    std::string error;
    ASSERT_TRUE(add_first_drops(env_->netns(), {{.ip_length = 52, .packets = 10, .match = "tcp flags == ack"}}, error))
        << error;
    Socket listener = listen_here();
    auto peer = kernel_peer(peer_args("connect", me_text(), kTachyonPort, 3000, Order::kSendFirst));
    ASSERT_TRUE(peer);
    auto s = accept_kernel(listener, *peer);
    ASSERT_TRUE(s);
    const TcpCounters& tcp = node_->sockets().tcp().counters();
    EXPECT_TRUE(node_->run_until([&] { return tcp.dsacks_sent > 0; }, std::chrono::seconds(5)))
        << "the kernel sent nothing again, or Tachyon did not report it";
    const ExchangeResult r = exchange(*node_, *s, {}, Order::kRecvFirst, kTransferTimeout);
    ASSERT_TRUE(r.ok) << r.error << "\n" << peer->transcript();
    EXPECT_TRUE(s->close().ok());
    auto done = await_event(*node_, *peer, "done", kShortTimeout);
    ASSERT_TRUE(done && done->str("event") == "done") << peer->transcript();
    EXPECT_EQ(r.received, 3000u);
    EXPECT_EQ(r.recv_sha, done->str("sent_sha")) << "Tachyon received other bytes than the kernel sent";
    const long dropped = loss_rule_drops(env_->netns());
    const long heard = kernel_tcp_counter(env_->netns(), "TcpExtTCPDSACKRecv");
    std::printf("[ dsack    ] nft dropped %ld ACKs; Tachyon sent %llu D-SACKs; the kernel received %ld\n", dropped,
                static_cast<unsigned long long>(tcp.dsacks_sent), heard);
    EXPECT_GT(dropped, 0);
    EXPECT_GE(tcp.dsacks_sent, 1u);
    EXPECT_GE(heard, 1) << "the kernel counted no D-SACK";
}

// Tachyon's device loses, duplicates and reorders frames both ways (and corrupts outgoing ones
// where the device computes no checksums of its own), on the real clock.
TEST_F(TcpInterop, TachyonSideInjectedFaults) {
    FaultInjectorConfig fc;
    fc.tx.seed = 11;
    fc.tx.loss = 0.02;
    fc.tx.duplicate = 0.01;
    fc.tx.reorder = 0.02;
    fc.tx.reorder_max_hold = Duration::from_ms(2);
    // A flipped bit is caught by the kernel's checksum check only if the checksum was computed
    // before the flip; a device that offloads checksums computes them after the injector.
    const DeviceCaps caps = env_->device().caps();
    fc.tx.corrupt = caps.tx_l4_checksum || caps.tx_ipv4_checksum ? 0.0 : 0.01;
    FaultConfig rx;
    rx.seed = 12;
    rx.loss = 0.02;
    rx.duplicate = 0.01;
    rx.reorder = 0.02;
    rx.reorder_max_hold = Duration::from_ms(2);
    fc.rx = rx;
    ASSERT_TRUE(start(fc));
    const uint16_t my_port = tachyon_client_transfer(kLossyBytes);
    ASSERT_NE(my_port, 0);
    const FaultStats tx = node_->faults()->fault_stats();
    const FaultStats rxs = node_->faults()->rx_fault_stats();
    std::printf("[ faults   ] TX %llu frames: %llu lost, %llu duplicated, %llu reordered, %llu corrupted; RX %llu frames: "
                "%llu lost, %llu duplicated, %llu reordered\n",
                (unsigned long long)tx.frames, (unsigned long long)tx.lost, (unsigned long long)tx.duplicated,
                (unsigned long long)tx.reordered, (unsigned long long)tx.corrupted, (unsigned long long)rxs.frames,
                (unsigned long long)rxs.lost, (unsigned long long)rxs.duplicated, (unsigned long long)rxs.reordered);
    EXPECT_GT(tx.lost, 0u);
    EXPECT_GT(rxs.lost, 0u);
    EXPECT_GT(rxs.duplicated, 0u);
    // The capture is below the injector: it shows Tachyon's segments as they left, and the
    // kernel's before the RX faults hit them.
    const SackUse u = sack_use(captured(my_port, kKernelPort), me());
    std::printf("[ sack     ] segments with SACK blocks: Tachyon %zu, kernel %zu; Tachyon retransmitted %zu segments\n",
                u.tachyon_segments_with_sack, u.kernel_segments_with_sack, u.tachyon_retransmissions);
    EXPECT_GT(u.tachyon_segments_with_sack, 0u) << "Tachyon reports the holes injected RX loss makes with SACK blocks (RFC 2018 4)";
    EXPECT_GT(u.kernel_segments_with_sack, 0u) << "the kernel reports the holes injected TX loss makes with SACK blocks";
}

}  // namespace
}  // namespace tachyon::interop
