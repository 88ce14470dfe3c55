// Every bad input ends with a message that names the problem (and a hint), a non-zero exit status,
// and no device left behind.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "tests/interop/tool/tool_fixture.hpp"

namespace tachyon::tooltest {
namespace {

struct Case {
    std::vector<std::string> args;  // after the program name
    std::string message;            // expected in the output
};

void expect_refused(const Case& c, const RunOptions& options = {}) {
    std::vector<std::string> argv = {tachyon_bin()};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    std::string cmd;
    for (const auto& a : c.args) cmd += a + " ";
    const RunResult r = run(argv, 60s, options);
    EXPECT_NE(r.status, 0) << cmd << "\n" << r.out;
    EXPECT_LT(r.status, 128) << "killed by a signal: " << cmd << "\n" << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << cmd << "\nexpected: " << c.message << "\ngot:\n" << r.out;
}

TEST(BadInput, UsageErrorsNameTheProblem) {
    const std::vector<Case> cases = {
        {{"frobnicate"}, "unknown command 'frobnicate'"},
        {{"httpd", "--ip", "10.0.0.2/24"}, "--dev is required"},
        {{"httpd", "--dev", "memory"}, "--ip"},
        {{"httpd", "--dev", "foo:bar", "--ip", "10.0.0.2/24"}, "unknown backend 'foo'"},
        {{"httpd", "--dev", "af-packet:eth0", "--ip", "10.0.0.2/24"}, "did you mean 'af_packet'"},
        {{"httpd", "--dev", "af_packet:", "--ip", "10.0.0.2/24"}, "no interface name"},
        {{"httpd", "--dev", "memory", "--ip", "10.0.0.300/24"}, "bad address '10.0.0.300/24'"},
        {{"httpd", "--dev", "memory", "--ip", "10.0.0.2"}, "has no prefix length"},
        {{"httpd", "--dev", "memory", "--ip", "10.0.0.2/24", "--gw", "10.1.1.1"}, "is not another address in the --ip subnet"},
        {{"httpd", "--dev", "memory", "--ip", "10.0.0.2/24", "--gw", "10.0.0.x"}, "bad IPv4 address"},
        {{"httpd", "--dev", "memory", "--ip", "10.0.0.2/24", "--mac", "01:00:00:00:00:01"}, "not a unicast MAC"},
        {{"httpd", "--dev", "memory", "--ip", "10.0.0.2/24", "--mac", "zz"}, "bad MAC address"},
        {{"httpd", "--dev", "memory", "--ip", "10.0.0.2/24", "--idle", "lazy"}, "'lazy' is not one of: busy, backoff"},
        {{"httpd", "--dev", "memory", "--ip", "10.0.0.2/24", "--core", "4000"}, "cannot pin the thread to CPU 4000"},
        {{"httpd", "--dev", "memory", "--ip", "10.0.0.2/24", "--root", "/nonexistent/dir"}, "--root must name a readable directory"},
        {{"httpd", "--dev", "memory", "--ip", "10.0.0.2/24", "--pcap", "/nonexistent/dir/x.pcap"}, "cannot write the capture"},
        {{"httpd", "--dev", "af_packet:lo", "--ip", "10.0.0.2/24", "--trust-link"}, "dpdk and memory devices only"},
        {{"ping", "--dev", "memory", "--ip", "10.0.0.2/24", "not-an-address"}, "bad IPv4 address 'not-an-address'"},
        {{"echo", "client", "--dev", "memory", "--ip", "10.0.0.2/24", "10.0.0.1:99999"}, "ADDR or ADDR:PORT"},
        {{"echo", "client", "--dev", "memory", "--ip", "10.0.0.2/24", "--udp", "-s", "70000", "10.0.0.1"}, "does not fit a UDP datagram"},
        {{"perf", "client", "10.0.0.1", "--test", "fast"}, "'fast' is not one of"},
        {{"perf", "client", "10.0.0.1"}, "give --dev and --ip (Tachyon), --kernel, or both"},
        {{"perf", "client", "10.0.0.1", "--kernel", "--size", "4"}, "is outside 14.."},
        {{"perf", "server"}, "give --dev and --ip (Tachyon) or --kernel"},
        {{"stat", "--pid", "999999"}, "process 999999 publishes no counters"},
        {{"stat", "--dir", "/nonexistent"}, "no running Tachyon process publishes counters"},
    };
    for (const Case& c : cases) expect_refused(c);
}

TEST(BadInput, EveryCommandHasHelp) {
    for (const std::vector<std::string>& cmd : std::vector<std::vector<std::string>>{
             {"--help"}, {"httpd", "--help"}, {"echo", "server", "--help"}, {"echo", "client", "--help"},
             {"perf", "server", "--help"}, {"perf", "client", "--help"}, {"ping", "--help"}, {"stat", "--help"}}) {
        std::vector<std::string> argv = {tachyon_bin()};
        argv.insert(argv.end(), cmd.begin(), cmd.end());
        const RunResult r = run(argv, 10s);
        EXPECT_EQ(r.status, 0) << r.out;
        EXPECT_NE(r.out.find("Usage:"), std::string::npos) << r.out;
        if (cmd.size() > 1 && cmd[0] != "stat") {
            EXPECT_NE(r.out.find("--idle"), std::string::npos) << r.out;
        }
    }
}

TEST(BadInput, MissingInterface) {
    const std::string name = unique_name("tcyno");
    expect_refused({{"httpd", "--dev", "af_packet:" + name, "--ip", "10.0.0.2/24"},
                    "no network interface '" + name + "'"});
}

TEST(BadInput, NoPrivileges) {
    std::string error;
    auto peer = Peer::create(PeerKind::kAfPacketVeth, error);
    ASSERT_TRUE(peer) << error;
    RunOptions nobody;
    nobody.drop_privileges = true;
    expect_refused({{"httpd", "--dev", "af_packet:" + peer->iface(), "--ip", "10.0.0.2/24"}, "needs privileges"}, nobody);
    if (have_dpdk()) {
        const std::string tap = unique_name("tcyt");
        expect_refused({{"httpd", "--dev", "dpdk:--vdev=net_tap0,iface=" + tap, "--ip", "10.0.0.2/24"}, "needs privileges"},
                       nobody);
        EXPECT_FALSE(interface_exists(tap));
    }
}

TEST(BadInput, NoHugepages) {
    if (!have_dpdk()) GTEST_SKIP() << "this build has no DPDK";
    // Only meaningful where the machine has no free hugepages (CI's does not reserve any).
    if (number_after(read_file("/proc/meminfo"), "HugePages_Free:") > 0) GTEST_SKIP() << "this machine has hugepages";
    const std::string tap = unique_name("tcyt");
    expect_refused({{"httpd", "--dev", "dpdk:--vdev=net_tap0,iface=" + tap + " --socket-mem=64", "--ip", "10.0.0.2/24"},
                    "no free hugepages"});
    EXPECT_FALSE(interface_exists(tap));
}

TEST(BadInput, BuildWithoutDpdkSaysSo) {
    if (have_dpdk()) GTEST_SKIP() << "this build has DPDK";
    expect_refused({{"httpd", "--dev", "dpdk:--vdev=net_tap0", "--ip", "10.0.0.2/24"}, "this build has no DPDK"});
}

TEST(BadInput, AddressInUse) {
    // The TAP's name is taken (here by one end of a veth pair): refused before DPDK starts.
    std::string error;
    auto peer = Peer::create(PeerKind::kAfPacketVeth, error);
    ASSERT_TRUE(peer) << error;
    if (have_dpdk()) {
        expect_refused({{"httpd", "--dev", "dpdk:--vdev=net_tap0,iface=" + peer->iface(), "--ip", "10.0.0.2/24"},
                        "interface '" + peer->iface() + "' exists already"});
        EXPECT_TRUE(interface_exists(peer->iface())) << "the existing interface must be left alone";
    }
    // A kernel port that is taken.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    socklen_t len = sizeof sa;
    getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    const std::string port = std::to_string(ntohs(sa.sin_port));
    expect_refused({{"perf", "server", "--kernel", "--port", port}, "Address already in use"});
    ::close(fd);
}

TEST(BadInput, RefusedAndUnreachablePeersAreReported) {
    // Tachyon clients against a kernel that has nothing listening, and an address nobody has.
    std::string error;
    auto peer = Peer::create(primary_kind(), error);
    ASSERT_TRUE(peer) << error;
    std::vector<std::string> argv = {tachyon_bin(), "echo", "client"};
    for (const auto& a : peer->net_args()) argv.push_back(a);
    argv.insert(argv.end(), {peer->kernel_ip() + ":9", "--timeout", "5"});
    auto p = Process::start(argv);
    ASSERT_TRUE(peer->attach(*p, error)) << error;
    EXPECT_NE(p->wait(60s), 0);
    EXPECT_NE(p->output().find("refused (hint: is a server listening on that port?)"), std::string::npos) << p->output();
    if (peer->kind() == PeerKind::kDpdkTap) {
        EXPECT_TRUE(peer->tap_gone());
    }
}

}  // namespace
}  // namespace tachyon::tooltest
