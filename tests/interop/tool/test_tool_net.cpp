// `tachyon ping` and `tachyon echo` against the kernel both ways, and `tachyon stat` reading a
// running server.
#include <gtest/gtest.h>

#include <unistd.h>

#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "tests/interop/tool/tool_fixture.hpp"

namespace tachyon::tooltest {
namespace {

// Starts a one-shot Tachyon client (ping, echo client) on its own device: the device appears,
// the kernel end is configured, and the run is awaited.
struct ClientRun {
    std::unique_ptr<Peer> peer;
    int status = -1;
    std::string out;
};

ClientRun run_client(PeerKind kind, const std::vector<std::string>& subcommand,
                     const std::function<std::vector<std::string>(const Peer&)>& tail,
                     const std::function<std::unique_ptr<Process>(const Peer&)>& kernel_server = {}) {
    ClientRun c;
    std::string error;
    c.peer = Peer::create(kind, error);
    if (!c.peer) {
        ADD_FAILURE() << error;
        return c;
    }
    std::unique_ptr<Process> server;
    if (kernel_server) server = kernel_server(*c.peer);
    std::vector<std::string> argv = {tachyon_bin()};
    argv.insert(argv.end(), subcommand.begin(), subcommand.end());
    for (const std::string& a : c.peer->net_args()) argv.push_back(a);
    for (const std::string& a : tail(*c.peer)) argv.push_back(a);
    argv.push_back("--stats");
    auto p = Process::start(argv);
    if (!c.peer->attach(*p, error)) {
        ADD_FAILURE() << error;
        return c;
    }
    c.status = p->wait(60s);
    c.out = p->output();
    EXPECT_NE(c.out.find("buffers in use after shutdown: 0 of"), std::string::npos) << c.out;
    if (kind == PeerKind::kDpdkTap) {
        EXPECT_TRUE(c.peer->tap_gone());
    }
    return c;
}

class OnEachBackend : public ::testing::TestWithParam<PeerKind> {};

TEST_P(OnEachBackend, TachyonPingsTheKernel) {
    ClientRun c = run_client(GetParam(), {"ping"}, [](const Peer& p) {
        return std::vector<std::string>{p.kernel_ip(), "-c", "4", "-i", "0.2", "-W", "3"};
    });
    EXPECT_EQ(c.status, 0) << c.out;
    EXPECT_NE(c.out.find("4 packets transmitted, 4 received, 0% packet loss"), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("rtt min/avg/max/mdev = "), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("icmp_seq=4 ttl=64"), std::string::npos) << c.out;
}

TEST_P(OnEachBackend, TheKernelPingsTachyon) {
    Running r = start_on_peer(GetParam(), {"echo", "server"}, {"--port", "7"}, "echo server:");
    ASSERT_TRUE(r.tachyon);
    const RunResult p =
        run(r.peer->kernel({"ping", "-c", "4", "-i", "0.2", "-W", "3", "-s", "1000", r.peer->tachyon_ip()}), 30s);
    EXPECT_EQ(p.status, 0) << p.out;
    EXPECT_NE(p.out.find("4 packets transmitted, 4 received"), std::string::npos) << p.out;
    stop_cleanly(r);
}

INSTANTIATE_TEST_SUITE_P(Backends, OnEachBackend, ::testing::ValuesIn(peer_kinds()),
                         [](const auto& info) { return std::string(peer_kind_name(info.param)); });

TEST(Echo, ServerEchoesSocatOverTcpAndUdp) {
    Running r = start_on_peer(primary_kind(), {"echo", "server"}, {"--port", "7"}, "echo server:");
    ASSERT_TRUE(r.tachyon);
    // 1 MiB of the pattern through TCP: socat sends it, half-closes, and prints what comes back.
    const std::string in = temp_dir() + "/" + unique_name("echo-in");
    const std::string data = byte_pattern(1 << 20);
    write_file(in, data);
    RunOptions o;
    o.stdin_file = in;
    RunResult t = run(r.peer->kernel({"socat", "-t", "5", "-", "TCP:" + r.peer->tachyon_ip() + ":7"}), 60s, o);
    EXPECT_EQ(t.status, 0);
    EXPECT_TRUE(t.out == data) << "echoed " << t.out.size() << " bytes of " << data.size();
    // A datagram.
    const std::string din = temp_dir() + "/" + unique_name("echo-udp");
    write_file(din, "one datagram for the echo server\n");
    o.stdin_file = din;
    RunResult u = run(r.peer->kernel({"socat", "-t", "3", "-", "UDP:" + r.peer->tachyon_ip() + ":7"}), 30s, o);
    EXPECT_EQ(u.out, "one datagram for the echo server\n");
    stop_cleanly(r);
    EXPECT_NE(r.tachyon->output().find("1048576 bytes and 1 datagrams echoed"), std::string::npos)
        << r.tachyon->output();
}

TEST(Echo, ClientAgainstTheKernelsEchoOverTcpAndUdp) {
    const int port = next_port();
    for (const bool udp : {false, true}) {
        SCOPED_TRACE(udp ? "udp" : "tcp");
        ClientRun c = run_client(
            primary_kind(), {"echo", "client"},
            [&](const Peer& p) {
                std::vector<std::string> t = {p.kernel_ip() + ":" + std::to_string(port), "-n", "20", "-s",
                                              udp ? "1400" : "30000", "--timeout", "5", "-q"};
                if (udp) t.push_back("--udp");
                return t;
            },
            [&](const Peer& p) {
                auto s = Process::start(p.kernel({"socat", (udp ? "UDP-RECVFROM:" : "TCP-LISTEN:") + std::to_string(port) +
                                                               ",reuseaddr,fork",
                                                   "PIPE"}));
                std::this_thread::sleep_for(300ms);  // socat binds
                return s;
            });
        EXPECT_EQ(c.status, 0) << c.out;
        EXPECT_NE(c.out.find("20 of 20 messages echoed intact"), std::string::npos) << c.out;
    }
}

TEST(Stat, ReadsCountersAndConnectionsOfARunningServer) {
    Running r = start_on_peer(primary_kind(), {"httpd"}, {"--root", temp_dir(), "--port", "80"}, "httpd: serving");
    ASSERT_TRUE(r.tachyon);
    // A kernel client that holds one connection open (half a request) while stat looks.
    const std::string script = temp_dir() + "/" + unique_name("hold") + ".py";
    write_file(script, "import socket, sys, time\n"
                       "s = socket.create_connection((sys.argv[1], 80), timeout=10)\n"
                       "s.sendall(b'GET /bytes/100 HTTP/1.1\\r\\nHost: t\\r\\n\\r\\nGET /part')\n"
                       "got = b''\n"
                       "while b'\\r\\n\\r\\n' not in got or len(got.split(b'\\r\\n\\r\\n', 1)[1]) < 100:\n"
                       "    got += s.recv(4096)\n"
                       "print('connected', flush=True)\n"
                       "time.sleep(float(sys.argv[2]))\n");
    // One request with "Connection: close" first: the server closes first and keeps TIME-WAIT.
    const RunResult once = run(r.peer->kernel({"curl", "-sS", "-o", "/dev/null", "-H", "Connection: close",
                                               "http://" + r.peer->tachyon_ip() + "/bytes/10"}),
                               20s);
    ASSERT_EQ(once.status, 0) << once.out;
    auto holder = Process::start(r.peer->kernel({"python3", script, r.peer->tachyon_ip(), "4"}));
    ASSERT_TRUE(holder->wait_output("connected", 20s)) << holder->output();
    std::this_thread::sleep_for(300ms);  // a snapshot is published every 100 ms

    const std::string pid = std::to_string(r.tachyon->pid());
    RunResult text = run({tachyon_bin(), "stat", "--pid", pid}, 20s);
    ASSERT_EQ(text.status, 0) << text.out;
    EXPECT_NE(text.out.find("tachyon httpd, pid " + pid), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("tcp_passive_opens"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("frames received from the device"), std::string::npos) << text.out;
    bool listen = false, established = false;
    std::istringstream lines(text.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("tcp ") && line.find("LISTEN") != std::string::npos && line.find(":80 ") != std::string::npos) {
            listen = true;
        }
        if (line.starts_with("tcp ") && line.find("ESTABLISHED") != std::string::npos &&
            line.find(r.peer->kernel_ip() + ":") != std::string::npos) {
            established = true;
        }
    }
    EXPECT_TRUE(listen) << text.out;
    EXPECT_TRUE(established) << text.out;

    RunResult json = run({tachyon_bin(), "stat", "--pid", pid, "--json"}, 20s);
    ASSERT_EQ(json.status, 0) << json.out;
    EXPECT_NE(json.out.find("\"tool\": \"httpd\""), std::string::npos) << json.out;
    EXPECT_NE(json.out.find("\"state\": \"ESTABLISHED\""), std::string::npos) << json.out;
    EXPECT_GE(number_after(json.out, "\"tcp_passive_opens\":"), 2) << json.out;
    EXPECT_EQ(number_after(json.out, "\"tcp_time_wait\":"), 1) << json.out;  // the closed one's record
    EXPECT_GT(number_after(json.out, "\"rx_frames\":"), 0) << json.out;

    // Without --pid: every running Tachyon process, this one among them.
    RunResult all = run({tachyon_bin(), "stat", "--counters"}, 20s);
    EXPECT_EQ(all.status, 0) << all.out;
    EXPECT_NE(all.out.find("pid " + pid), std::string::npos) << all.out;
    holder.reset();
    stop_cleanly(r);
    // The snapshot file goes with the process.
    EXPECT_NE(run({tachyon_bin(), "stat", "--pid", pid}, 20s).status, 0);
}

}  // namespace
}  // namespace tachyon::tooltest
