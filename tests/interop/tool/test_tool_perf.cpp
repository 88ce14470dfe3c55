// `tachyon perf`: its server against Debian's sockperf client (ping-pong and throughput), and its
// client against its server on the kernel's sockets, with the side-by-side kernel run.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/interop/tool/tool_fixture.hpp"

namespace tachyon::tooltest {
namespace {

Running start_perf_server(PeerKind kind, int port) {
    return start_on_peer(kind, {"perf", "server"}, {"--port", std::to_string(port)}, "perf server: tachyon");
}

// The server's counters (`tachyon stat`), from a snapshot published after its last connection
// closed: the client exiting does not mean the server has read everything yet (the kernel may
// still be sending the last segments and the FIN).
std::string stat_after_last_close(const Process& server) {
    const std::string pid = std::to_string(server.pid());
    std::string stat;
    for (auto deadline = std::chrono::steady_clock::now() + 20s; std::chrono::steady_clock::now() < deadline;) {
        stat = run({tachyon_bin(), "stat", "--pid", pid, "--json"}, 20s).out;
        if (number_after(stat, "\"tcp_connections\":") == 0) break;
    }
    return stat;
}

TEST(Perf, ServerAnswersSockperfPingPong) {
    const int port = next_port();
    Running r = start_perf_server(primary_kind(), port);
    ASSERT_TRUE(r.tachyon);
    for (const char* size : {"64", "3000"}) {
        SCOPED_TRACE(size);
        const RunResult s = run(r.peer->kernel({"sockperf", "ping-pong", "--tcp", "-i", r.peer->tachyon_ip(), "-p",
                                                std::to_string(port), "-t", "2", "-m", size}),
                                60s);
        ASSERT_EQ(s.status, 0) << s.out;
        // The measured part (the total run may end with one message in flight).
        const size_t valid = s.out.find("[Valid Duration]");
        ASSERT_NE(valid, std::string::npos) << s.out;
        const std::string stats = s.out.substr(valid);
        const long long sent = number_after(stats, "SentMessages=");
        EXPECT_GT(sent, 100) << s.out;
        EXPECT_EQ(number_after(stats, "ReceivedMessages="), sent) << s.out;
        EXPECT_EQ(number_after(s.out, "# dropped messages ="), 0) << s.out;
        EXPECT_NE(s.out.find("Summary: Latency is"), std::string::npos) << s.out;
    }
    stop_cleanly(r);
    EXPECT_NE(r.tachyon->output().find(", 0 protocol errors"), std::string::npos) << r.tachyon->output();
}

TEST(Perf, ServerTakesSockperfThroughput) {
    const int port = next_port();
    Running r = start_perf_server(primary_kind(), port);
    ASSERT_TRUE(r.tachyon);
    const RunResult s = run(r.peer->kernel({"sockperf", "throughput", "--tcp", "-i", r.peer->tachyon_ip(), "-p",
                                            std::to_string(port), "-t", "2", "-m", "1400"}),
                            60s);
    ASSERT_EQ(s.status, 0) << s.out;
    const long long sent = number_after(s.out, "Total of");
    EXPECT_GT(sent, 1000) << s.out;
    EXPECT_NE(s.out.find("Summary: BandWidth is"), std::string::npos) << s.out;
    const std::string stat = stat_after_last_close(*r.tachyon);
    EXPECT_EQ(number_after(stat, "\"tcp_connections\":"), 0) << stat;
    stop_cleanly(r);
    // Everything sockperf sent arrived and was parsed as messages (warm-up messages included).
    const std::string out = r.tachyon->output();
    EXPECT_GE(number_after(out, "connections,"), sent) << out;
    EXPECT_NE(out.find(", 0 protocol errors"), std::string::npos) << out;
}

// A perf server on the kernel's sockets in the kernel peer's namespace, blocking (no busy core).
std::unique_ptr<Process> kernel_server(const Peer& peer, int port) {
    auto p = Process::start(
        peer.kernel({tachyon_bin(), "perf", "server", "--kernel", "--idle", "backoff", "--port", std::to_string(port)}));
    EXPECT_TRUE(p->wait_output("perf server: kernel sockets", 10s)) << p->output();
    return p;
}

struct ClientResult {
    int status = -1;
    std::string out;
    std::string server_out;
};

ClientResult perf_client(const std::string& test, const std::vector<std::string>& extra) {
    const int port = next_port();
    std::string error;
    auto peer = Peer::create(primary_kind(), error);
    if (!peer) {
        ADD_FAILURE() << error;
        return {};
    }
    auto server = kernel_server(*peer, port);
    std::vector<std::string> argv = {tachyon_bin(), "perf", "client"};
    for (const std::string& a : peer->net_args()) argv.push_back(a);
    argv.insert(argv.end(), {peer->kernel_ip() + ":" + std::to_string(port), "--test", test, "--warmup", "0.5",
                             "--duration", "1", "--json", "--timeout", "10"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = Process::start(argv);
    if (!peer->attach(*p, error)) {
        ADD_FAILURE() << error;
        return {};
    }
    ClientResult c;
    c.status = p->wait(90s);
    c.out = p->output();
    EXPECT_EQ(server->stop(), 0) << server->output();
    c.server_out = server->output();
    return c;
}

// Short connections from the kernel, 8 in flight, against the Tachyon server: every one answered,
// and the server keeps up with the connections it has while new ones keep coming (an accept loop
// that never returned to the poller once left them in CLOSE-WAIT until the table was full and
// SYNs were dropped: tcp_table_full).
TEST(Perf, ServerKeepsUpWithShortConnectionsInFlight) {
    const int port = next_port();
    Running r = start_perf_server(primary_kind(), port);
    ASSERT_TRUE(r.tachyon);
    const RunResult c = run(r.peer->kernel({tachyon_bin(), "perf", "client", "--kernel", "--idle", "backoff", "-t", "cps",
                                            "-c", "8", "-D", "2", "--warmup", "0.2", "--json", "--no-progress",
                                            r.peer->tachyon_ip() + ":" + std::to_string(port)}),
                            60s);
    ASSERT_EQ(c.status, 0) << c.out;
    const long long count = number_after(c.out, "\"count\":");
    EXPECT_GT(count, 100) << c.out;
    const std::string stat = stat_after_last_close(*r.tachyon);
    EXPECT_EQ(number_after(stat, "\"tcp_connections\":"), 0) << stat;
    EXPECT_GE(number_after(stat, "\"tcp_passive_opens\":"), count) << stat;
    EXPECT_EQ(number_after(stat, "\"tcp_table_full\":"), 0) << stat;
    EXPECT_EQ(number_after(stat, "\"tcp_syn_queue_full\":"), 0) << stat;
    stop_cleanly(r);
    EXPECT_NE(r.tachyon->output().find(", 0 protocol errors"), std::string::npos) << r.tachyon->output();
}

TEST(Perf, ClientLatencyAgainstAKernelServerWithTheKernelSideBySide) {
    // The kernel run: a second kernel server in this namespace, over loopback.
    const int kport = next_port();
    auto kserver = Process::start(
        {tachyon_bin(), "perf", "server", "--kernel", "--idle", "backoff", "--port", std::to_string(kport)});
    ASSERT_TRUE(kserver->wait_output("perf server: kernel sockets", 10s)) << kserver->output();
    const ClientResult c =
        perf_client("latency", {"--kernel", "--kernel-server", "127.0.0.1:" + std::to_string(kport)});
    ASSERT_EQ(c.status, 0) << c.out;
    EXPECT_NE(c.out.find("\"test\": \"latency\""), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("\"transport\": \"tachyon\""), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("\"transport\": \"kernel-blocking\""), std::string::npos) << c.out;
    EXPECT_GT(number_after(c.out, "\"count\":"), 10) << c.out;
    EXPECT_GT(number_after(c.out, "\"rtt_p99_9_us\":"), 0) << c.out;
    EXPECT_NE(c.out.find("\"speedup\": {"), std::string::npos) << c.out;
    EXPECT_EQ(kserver->stop(), 0);
}

TEST(Perf, ClientThroughputRateAndConnectionsPerSecond) {
    for (const char* test : {"throughput", "rate", "cps"}) {
        SCOPED_TRACE(test);
        const ClientResult c = perf_client(test, {});
        ASSERT_EQ(c.status, 0) << c.out;
        EXPECT_NE(c.out.find(std::string("\"test\": \"") + test + "\""), std::string::npos) << c.out;
        EXPECT_GT(number_after(c.out, "\"count\":"), 10) << c.out;
        if (std::string(test) != "cps") {
            EXPECT_GT(number_after(c.out, "\"bytes\":"), 1000) << c.out;
        } else {
            EXPECT_NE(c.out.find("\"connections_per_s\":"), std::string::npos) << c.out;
        }
    }
}

// Several connections in flight: each one answered and counted; the server read the one message
// of every connection the client counted (and of the warm-up's).
TEST(Perf, ConnectionsPerSecondWithConnectionsInFlight) {
    const ClientResult c = perf_client("cps", {"--connections", "4"});
    ASSERT_EQ(c.status, 0) << c.out;
    const double count = number_after(c.out, "\"count\":");
    EXPECT_GT(count, 10) << c.out;
    EXPECT_GE(number_after(c.server_out, "connections,"), count) << c.server_out;  // messages
    EXPECT_NE(c.server_out.find(", 0 protocol errors"), std::string::npos) << c.server_out;
}

// Two Tachyon processes over DPDK net_memif, as bench/compare.py runs them: with --trust-link at
// both ends a throughput test moves data with no checksum computed or verified; with it at the
// client only, the server drops the client's segments as bad checksums (counted) and the connect
// fails with a message.
TEST(Perf, TwoProcessesOverMemifWithATrustedLink) {
    if (!have_dpdk()) GTEST_SKIP() << "this build has no DPDK";
    for (const bool server_trusts : {true, false}) {
        SCOPED_TRACE(server_trusts ? "both ends trust the link" : "only the client trusts it");
        const std::string n = std::to_string(::getpid() % 200) + (server_trusts ? "1" : "2");
        const std::string sock = "/tmp/tcy-tool-memif-" + n + ".sock";  // abstract namespace: no file
        const std::string subnet = "10.205." + std::to_string((::getpid() % 100) * 2 + (server_trusts ? 0 : 1));
        auto dev = [&](const char* role) { return "dpdk:--vdev=net_memif0,role=" + std::string(role) + ",id=0,socket=" + sock; };
        std::vector<std::string> server_argv = {tachyon_bin(), "perf", "server", "--dev", dev("server"), "--ip",
                                                subnet + ".1/24", "--idle", "backoff", "--no-stat-shm", "--stats"};
        if (server_trusts) server_argv.push_back("--trust-link");
        auto server = Process::start(server_argv);
        ASSERT_TRUE(server->wait_output("perf server: tachyon", 30s)) << server->output();
        const RunResult c = run({tachyon_bin(), "perf", "client", "-t", "throughput", "--dev", dev("client"), "--trust-link",
                                 "--ip", subnet + ".2/24", "--idle", "backoff", "--no-stat-shm", subnet + ".1",
                                 "--duration", "1", "--warmup", "0.3", "--json", "--timeout", "2"},
                                60s);
        EXPECT_EQ(server->stop(), 0) << server->output();
        if (server_trusts) {
            ASSERT_EQ(c.status, 0) << c.out;
            EXPECT_GT(number_after(c.out, "\"bytes\":"), 1e6) << c.out;
            EXPECT_NE(server->output().find("perf server: 1 connections"), std::string::npos) << server->output();
            EXPECT_EQ(server->output().find("ip_bad_checksum"), std::string::npos) << server->output();
        } else {
            EXPECT_NE(c.status, 0) << c.out;
            EXPECT_NE(c.out.find("cannot connect"), std::string::npos) << c.out;
            EXPECT_NE(server->output().find("with a bad header checksum (ip_bad_checksum)"), std::string::npos)
                << server->output();
        }
    }
}

}  // namespace
}  // namespace tachyon::tooltest
