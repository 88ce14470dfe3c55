// `tachyon demo`: two stacks on an in-memory link in one process. Shows ARP resolution, pings both
// ways and UDP datagrams echoed both ways, optionally under seeded loss, then both stacks'
// counters. Time is simulated (a ManualClock that jumps from event to event), so the run is
// instant and replays exactly from --seed. Exit status 0 when every ping was answered and every
// datagram echoed (within the retries), 1 otherwise.
#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "apps/commands.hpp"
#include "apps/link_pair.hpp"
#include "apps/options.hpp"

namespace tachyon::apps {
namespace {

struct DemoOptions {
    uint64_t seed = 1;
    double loss = 0;
    int64_t delay_us = 50;
    std::string pcap;
    int pings = 4;
    int datagrams = 5;
    int retries = 10;
    bool all_counters = false;
};

constexpr uint16_t kEchoPort = 7;
constexpr Duration kTimeout = Duration::from_secs(1);
constexpr size_t kPingData = 56;

class Demo {
public:
    Demo(LinkPair& net, const DemoOptions& opt) : net_(net), opt_(opt), start_(net.clock().now()) {}

    int run() {
        std::printf("tachyon demo: two stacks on an in-memory link, simulated clock\n");
        std::printf("  seed %llu, loss %.1f%% per direction, one-way delay %lld us%s%s\n\n",
                    static_cast<unsigned long long>(opt_.seed), opt_.loss * 100, static_cast<long long>(opt_.delay_us),
                    opt_.pcap.empty() ? "" : ", capture: ", opt_.pcap.c_str());
        show_stack("A", net_.a());
        show_stack("B", net_.b());
        net_.settle();  // both announce themselves (gratuitous ARP)
        std::printf("\n");
        bool ok = ping_series("A", net_.a(), "B", net_.b());
        show_arp("A", net_.a(), net_.b());
        show_arp("B", net_.b(), net_.a());
        ok &= ping_series("B", net_.b(), "A", net_.a());
        ok &= udp_series("A", net_.a(), "B", net_.b());
        ok &= udp_series("B", net_.b(), "A", net_.a());
        net_.drain();
        ok &= check_buffers();
        std::printf("\ncounters\n");
        print_counters(stdout, {{"A", &net_.a().counters()}, {"B", &net_.b().counters()}}, opt_.all_counters);
        std::printf("\nfault injector: A->B lost %llu of %llu frames, B->A lost %llu of %llu\n",
                    static_cast<unsigned long long>(net_.faults_a().lost),
                    static_cast<unsigned long long>(net_.faults_a().frames),
                    static_cast<unsigned long long>(net_.faults_b().lost),
                    static_cast<unsigned long long>(net_.faults_b().frames));
        std::printf("result: %s (%d/%d pings answered, %d/%d datagrams echoed)\n", ok ? "OK" : "FAILED",
                    pings_answered_, 2 * opt_.pings, datagrams_echoed_, 2 * opt_.datagrams);
        return ok ? 0 : 1;
    }

private:
    std::string now() { return format_time(net_.clock().now(), start_); }

    void show_stack(const char* name, Stack& s) {
        std::printf("  %s  %-15s  mac %s  on %s\n", name, s.address().to_string().c_str(), s.mac().to_string().c_str(),
                    s.device().name().c_str());
    }

    void show_arp(const char* name, Stack& s, Stack& peer) {
        const auto mac = s.arp().lookup(peer.address().address);
        std::printf("[%s] %s's ARP cache: %s %s %s\n", now().c_str(), name, peer.address().address.to_string().c_str(),
                    mac ? "is at" : "is", mac ? mac->to_string().c_str() : "not resolved");
    }

    // `count` pings, each retried with the next sequence number on a timeout, as ping does.
    bool ping_series(const char* from_name, Stack& from, const char* to_name, Stack& to) {
        const Ipv4Address dst = to.address().address;
        std::printf("[%s] PING %s -> %s %s: %zu data bytes\n", now().c_str(), from_name, to_name,
                    dst.to_string().c_str(), kPingData);
        const uint16_t ident = static_cast<uint16_t>(0x7000 + (from_name[0] - 'A'));
        int sent = 0, answered = 0;
        for (int i = 0; i < opt_.pings; ++i) {
            bool got = false;
            for (int attempt = 0; attempt <= opt_.retries && !got; ++attempt) {
                got = one_ping(from, dst, ident, static_cast<uint16_t>(++sent));
            }
            answered += got ? 1 : 0;
        }
        std::printf("  --- %s ping statistics: %d transmitted, %d received, %d answered of %d ---\n\n",
                    dst.to_string().c_str(), sent, answered, answered, opt_.pings);
        pings_answered_ += answered;
        return answered == opt_.pings;
    }

    bool one_ping(Stack& from, Ipv4Address dst, uint16_t ident, uint16_t seq) {
        const Instant sent_at = net_.clock().now();
        if (auto r = from.icmp().send_ping(dst, ident, seq, kPingData); !r) {
            std::printf("  send_ping: %s\n", r.error().message().c_str());
            return false;
        }
        std::optional<EchoReply> reply;
        net_.run_for(kTimeout, [&] {
            while (auto r = from.icmp().pop_echo_reply()) {
                if (r->ident == ident && r->seq_no == seq && r->src == dst) reply = r;
            }
            return reply.has_value();
        });
        if (!reply) {
            std::printf("  request timeout for icmp_seq=%u\n", seq);
            return false;
        }
        std::printf("  %zu bytes from %s: icmp_seq=%u ttl=%u time=%s%s\n", reply->payload_len + size_t{8},
                    dst.to_string().c_str(), seq, reply->ttl, format_ms(reply->received_at - sent_at).c_str(),
                    reply->payload_ok ? "" : " (payload differs!)");
        return reply->payload_ok;
    }

    // `datagrams` UDP datagrams from client to an echo socket on server, each retried on a timeout.
    bool udp_series(const char* client_name, Stack& client, const char* server_name, Stack& server) {
        auto server_sock = server.udp().bind({Ipv4Address::any(), kEchoPort});
        auto client_sock = client.udp().bind({Ipv4Address::any(), 0});
        if (!server_sock || !client_sock) {
            std::printf("  bind failed\n");
            return false;
        }
        const UdpEndpoint to{server.address().address, kEchoPort};
        std::printf("[%s] UDP %s %s:%u -> %s %s:%u (echo)\n", now().c_str(), client_name,
                    client.address().address.to_string().c_str(), client.udp().local_endpoint(*client_sock)->port,
                    server_name, to.addr.to_string().c_str(), to.port);
        int echoed = 0;
        for (int k = 1; k <= opt_.datagrams; ++k) {
            std::string msg = "datagram " + std::to_string(k) + " from " + client_name;
            msg.resize(msg.size() + static_cast<size_t>(k) * 100, '.');
            echoed += exchange(client, *client_sock, server, *server_sock, to, msg, k) ? 1 : 0;
        }
        (void)client.udp().close(*client_sock);
        (void)server.udp().close(*server_sock);
        std::printf("  --- %d of %d datagrams echoed ---\n\n", echoed, opt_.datagrams);
        datagrams_echoed_ += echoed;
        return echoed == opt_.datagrams;
    }

    bool exchange(Stack& client, UdpSocketId csock, Stack& server, UdpSocketId ssock, UdpEndpoint to,
                  const std::string& msg, int k) {
        const auto bytes = std::as_bytes(std::span(msg));
        for (int attempt = 1; attempt <= opt_.retries + 1; ++attempt) {
            const Instant sent_at = net_.clock().now();
            if (auto r = client.udp().send_to(csock, to, bytes); !r) {
                std::printf("  send_to: %s\n", r.error().message().c_str());
                return false;
            }
            bool echoed = false;
            net_.run_for(kTimeout, [&] {
                serve_echo(server, ssock);
                std::array<std::byte, 2048> buf;
                while (auto r = client.udp().recv_from(csock, buf)) {
                    echoed |= r->from == to && r->len == bytes.size() &&
                              std::equal(bytes.begin(), bytes.end(), buf.begin());
                }
                return echoed;
            });
            if (echoed) {
                std::printf("  #%d: %zu bytes echoed in %s (attempt %d)\n", k, bytes.size(),
                            format_ms(net_.clock().now() - sent_at).c_str(), attempt);
                return true;
            }
            std::printf("  #%d: no echo within %s (attempt %d)\n", k, format_ms(kTimeout).c_str(), attempt);
        }
        return false;
    }

    static void serve_echo(Stack& server, UdpSocketId sock) {
        std::array<std::byte, 2048> buf;
        while (auto r = server.udp().recv_from(sock, buf)) {
            (void)server.udp().send_to(sock, r->from, std::span(buf).first(r->len));
        }
    }

    bool check_buffers() {
        const size_t a = net_.a().pool().in_use();
        const size_t b = net_.b().pool().in_use();
        if (a == 0 && b == 0) return true;
        std::printf("buffers still in use: A %zu, B %zu\n", a, b);
        return false;
    }

    LinkPair& net_;
    const DemoOptions& opt_;
    Instant start_;
    int pings_answered_ = 0;
    int datagrams_echoed_ = 0;
};

int run_demo(const DemoOptions& opt) {
    LinkPairConfig config;
    config.seed = opt.seed;
    config.faults.loss = opt.loss;
    config.faults.delay = Duration::from_us(opt.delay_us);
    config.pcap = opt.pcap;
    auto net = LinkPair::create(config);
    if (!net) {
        std::fprintf(stderr, "tachyon demo: %s\n", net.error().message().c_str());
        return 2;
    }
    return Demo(**net, opt).run();
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
    auto opt = std::make_shared<DemoOptions>();
    CLI::App* cmd = app.add_subcommand(
        "demo",
        "Two stacks (10.0.0.1/24, 10.0.0.2/24) on an in-memory link: ARP, pings and UDP both ways.\n"
        "Time is simulated: the run is instant and replays exactly from --seed.");
    add_seed_option(cmd, opt->seed);
    add_loss_option(cmd, opt->loss);
    add_pcap_option(cmd, opt->pcap);
    cmd->add_option("--delay-us", opt->delay_us, "one-way link delay in microseconds")
        ->check(CLI::Range(int64_t{0}, int64_t{1'000'000}))
        ->capture_default_str();
    cmd->add_option("--pings", opt->pings, "pings each way")->check(CLI::Range(0, 10'000))->capture_default_str();
    cmd->add_option("--datagrams", opt->datagrams, "UDP datagrams each way")
        ->check(CLI::Range(0, 13))
        ->capture_default_str();
    cmd->add_option("--retries", opt->retries, "retries per ping or datagram after a 1 s timeout")
        ->check(CLI::Range(0, 1000))
        ->capture_default_str();
    cmd->add_flag("--all-counters", opt->all_counters, "print every counter, not only the non-zero ones");
    cmd->callback([opt, &exit_code] { exit_code = run_demo(*opt); });
}

}  // namespace tachyon::apps
