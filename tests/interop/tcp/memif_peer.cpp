// The second Tachyon process of the memif interop test (test_tcp_dpdk_memif.cpp): a Tachyon stack
// on the client end of a net_memif link, in an EAL of its own, speaking the same JSON lines on
// stdout as kernel_peer.py so that the test drives both peers alike.
//
//   tcp_memif_peer --socket S --address A/24 MODE [--host H] [--port P] [--send N] [--seed N]
//                  [--order O] [--count N] [--trust-link 1]
//   MODE: listen | connect  one connection, data exchanged in order O ("both", "send-first",
//                           "recv-first"), then {"event": "done", ...} with bytes and SHA-256
//         ping              --count echo requests to H, then {"event": "done", "answered": n}
//         idle              only runs the stack (answers ARP and pings)
//   --trust-link 1: no checksums computed or verified on the link (DpdkConfig::trust_link)
//
// After its work the process keeps running its stack (the link's other end may still need ACKs,
// and a memif client owns the shared memory the link lives in) until SIGTERM, or 120 s at most.
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "drivers/dpdk/dpdk_device.hpp"
#include "tests/interop/tcp/exchange.hpp"
#include "tests/interop/tcp/sha256.hpp"
#include "tests/interop/tcp/tachyon_node.hpp"

namespace tachyon::interop {
namespace {

volatile std::sig_atomic_t g_stop = 0;

void on_term(int) { g_stop = 1; }

void emit(const std::string& json) {
    std::printf("%s\n", json.c_str());
    std::fflush(stdout);
}

void emit_error(const std::string& what) {
    std::string clean;
    for (char c : what) clean += (c == '"' || c == '\\' || c == '\n') ? ' ' : c;
    emit(R"({"event": "error", "error": ")" + clean + "\"}");
}

Order parse_order(const std::string& o) {
    if (o == "send-first") return Order::kSendFirst;
    if (o == "recv-first") return Order::kRecvFirst;
    if (o == "close-after-send") return Order::kCloseAfterSend;
    return Order::kBoth;
}

int converse(TachyonNode& node, Socket& s, std::map<std::string, std::string>& opt) {
    const auto peer = s.getpeername();
    emit(R"({"event": "connected", "peer": ")" + peer.to_string() + "\"}");
    const auto data = test_data(std::stoull(opt["send"]), std::stoull(opt["seed"]));
    ExchangeResult r = exchange(node, s, data, parse_order(opt["order"]), std::chrono::seconds(90));
    if (!r.ok) {
        emit_error("exchange: " + r.error);
        return 1;
    }
    (void)s.close();
    emit(R"({"event": "done", "sent": )" + std::to_string(r.sent) + R"(, "sent_sha": ")" + Sha256::hex_of(data) +
         R"(", "received": )" + std::to_string(r.received) + R"(, "recv_sha": ")" + r.recv_sha + "\"}");
    return 0;
}

int run(TachyonNode& node, const std::string& mode, std::map<std::string, std::string>& opt) {
    const auto host = Ipv4Address::parse(opt["host"]);
    const uint16_t port = static_cast<uint16_t>(std::stoi(opt["port"]));
    if (mode == "listen") {
        Socket l = node.sockets().socket();
        l.bind({node.address(), port});
        l.listen(8);
        l.settimeout(Duration::from_secs(30));
        emit(R"({"event": "listening", "port": )" + std::to_string(port) + "}");
        auto a = l.try_accept();
        if (!a) {
            emit_error("accept: " + a.error().message());
            return 1;
        }
        return converse(node, a->socket, opt);
    }
    if (mode == "connect") {
        if (!host) {
            emit_error("--host is not an IPv4 address");
            return 1;
        }
        Socket s = node.sockets().socket();
        s.settimeout(Duration::from_secs(30));
        if (const int rc = s.connect_ex({*host, port}); rc != 0) {
            emit_error(std::string("connect: ") + std::strerror(rc));
            return 1;
        }
        return converse(node, s, opt);
    }
    if (mode == "ping") {
        const int count = std::stoi(opt["count"]);
        int answered = 0;
        for (int seq = 1; seq <= count && host; ++seq) {
            (void)node.stack().icmp().send_ping(*host, 0x6d70, static_cast<uint16_t>(seq), 56);
            answered += node.run_until(
                            [&] {
                                while (auto r = node.stack().icmp().pop_echo_reply()) {
                                    if (r->seq_no == seq && r->payload_ok) return true;
                                }
                                return false;
                            },
                            std::chrono::seconds(5))
                            ? 1
                            : 0;
        }
        emit(R"({"event": "done", "answered": )" + std::to_string(answered) + "}");
        return answered == count ? 0 : 1;
    }
    if (mode == "idle") return 0;
    emit_error("unknown mode " + mode);
    return 2;
}

int main_impl(int argc, char** argv) {
    std::map<std::string, std::string> opt = {{"port", "0"}, {"send", "0"}, {"seed", "1"}, {"order", "both"},
                                              {"count", "3"}, {"host", ""}, {"trust-link", "0"}};
    std::string mode;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) == 0 && i + 1 < argc) {
            opt[a.substr(2)] = argv[++i];
        } else {
            mode = a;
        }
    }
    const auto cidr = Ipv4Cidr::parse(opt["address"]);
    if (mode.empty() || opt["socket"].empty() || !cidr) {
        emit_error("usage: tcp_memif_peer --socket S --address A/24 listen|connect|ping|idle ...");
        return 2;
    }
    std::signal(SIGTERM, on_term);
    DpdkConfig c;
    // As the test's own EAL (dpdk_env.hpp): no hugepages; eal.hpp adds what lets two coexist.
    c.eal_args = {"--no-huge", "-m", "512", "--vdev=net_memif0,role=client,id=0,socket=" + opt["socket"]};
    c.in_flight = 2048;
    c.trust_link = opt["trust-link"] == "1";
    auto dev = DpdkDevice::open(c);
    if (!dev) {
        emit_error("DpdkDevice::open: " + dev.error().message());
        return 1;
    }
    NodeOptions no;
    no.address = *cidr;
    no.seed = 0x6d656d;
    std::string error;
    auto node = TachyonNode::create(**dev, no, error);
    if (!node) {
        emit_error(error);
        return 1;
    }
    emit(R"({"event": "ready", "mac": ")" + node->stack().mac().to_string() + "\"}");
    int rc = 0;
    try {
        rc = run(*node, mode, opt);
    } catch (const std::exception& e) {
        emit_error(e.what());
        rc = 1;
    }
    node->run_until([] { return g_stop != 0; }, std::chrono::seconds(120));
    const size_t leaked = node->shut_down();
    node.reset();
    if (leaked != 0) {
        std::fprintf(stderr, "%zu stack buffers still in use\n", leaked);
        rc = 1;
    }
    return rc;
}

}  // namespace
}  // namespace tachyon::interop

int main(int argc, char** argv) { return tachyon::interop::main_impl(argc, argv); }
