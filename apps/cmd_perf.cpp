// `tachyon perf`: the benchmark tool. `perf server` answers Tachyon's client and Debian's sockperf
// client (ping-pong and throughput, TCP); `perf client` measures latency, throughput, message rate
// or connections per second over Tachyon (--dev) and, with --kernel, the very same test over the
// kernel's sockets, printed side by side (apps/perf_client.hpp).
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "apps/commands.hpp"
#include "apps/net_host.hpp"
#include "apps/perf_client.hpp"
#include "apps/perf_net.hpp"
#include "apps/perf_server.hpp"

namespace tachyon::apps {
namespace {

using perf::Test;

struct PerfServerOptions {
    NetOptions net;
    uint16_t port = perf::kDefaultPort;
    bool kernel = false;
    bool verbose = false;
};

struct PerfClientOptions {
    NetOptions net;
    std::string server;
    Test test = Test::kLatency;
    uint32_t size = 0;  // 0: the test's default
    double warmup = 1;
    double duration = 5;
    double timeout = 5;
    bool kernel = false;
    std::string kernel_server;
    bool json = false;
    bool no_progress = false;
    bool cps_reset = false;
    uint32_t connections = 1;
    double time_wait = 60;
    double time_wait_reuse_delay_ms = 1000;
    int max_connections = 16384;
    int max_time_wait = 16384;
    int kernel_mss = 0;
};

Duration seconds(double s) { return Duration::from_ns(static_cast<int64_t>(s * 1e9)); }

template <typename Net>
void report_server(perf::PerfServer<Net>& server) {
    const perf::ServerStats& s = server.stats();
    std::printf("perf server: %" PRIu64 " connections, %" PRIu64 " messages (%" PRIu64 " answered), %" PRIu64
                " bytes, %" PRIu64 " protocol errors\n",
                s.connections, s.messages, s.answered, s.bytes, s.protocol_errors);
}

int run_server(const PerfServerOptions& opt) {
    if (opt.kernel) {
        NetHost::install_signal_handlers();
        perf::KernelNet net(opt.net.idle);
        perf::PerfServer<perf::KernelNet> server(net, opt.verbose);
        if (auto r = server.listen(opt.port); !r) return report_error("perf server", r.error());
        std::printf("perf server: kernel sockets on 0.0.0.0:%u (%s)\n", opt.port,
                    opt.net.idle == IdleMode::kBusy ? "busy-poll" : "blocking");
        std::fflush(stdout);
        server.run();
        report_server(server);
        return 0;
    }
    auto host = NetHost::open(opt.net, "perf server");
    if (!host) return report_error("perf server", host.error());
    perf::TachyonNet net(**host);
    perf::PerfServer<perf::TachyonNet> server(net, opt.verbose);
    if (auto r = server.listen(opt.port); !r) return report_error("perf server", r.error());
    std::printf("perf server: tachyon on %s port %u\n", (*host)->stack().address().to_string().c_str(), opt.port);
    std::fflush(stdout);
    server.run();
    report_server(server);
    return 0;
}

int run_client(const PerfClientOptions& opt) {
    perf::ClientConfig cfg;
    cfg.test = opt.test;
    const HostPort server = *parse_host_port(opt.server, perf::kDefaultPort);
    cfg.server = {server.addr, server.port};
    cfg.size = opt.size != 0 ? opt.size : opt.test == Test::kThroughput ? 65536 : 64;
    if (cfg.size < perf::kHeaderLen || cfg.size > perf::kMaxMessage) {
        return report_error("perf client", Error{EINVAL, "--size " + std::to_string(cfg.size) + " is outside " +
                                                             std::to_string(perf::kHeaderLen) + ".." +
                                                             std::to_string(perf::kMaxMessage) +
                                                             " (a message holds the 14-byte header)"});
    }
    cfg.warmup = seconds(opt.warmup);
    cfg.duration = seconds(opt.duration);
    cfg.timeout = seconds(opt.timeout);
    cfg.cps_reset = opt.cps_reset;
    cfg.connections = opt.connections;
    cfg.progress = !opt.no_progress;

    std::vector<perf::Outcome> outcomes;
    // Kept until the end: the kernel run's server may sit on the far side of this device (the
    // kernel end of a TAP), whose address disappears with the device.
    std::unique_ptr<NetHost> host;
    if (!opt.net.dev.empty()) {
        HostConfig hc;
        hc.sockets.tcp.time_wait = seconds(opt.time_wait);
        hc.sockets.tcp.time_wait_reuse_delay = seconds(opt.time_wait_reuse_delay_ms / 1e3);
        if (opt.test == Test::kCps) {
            // Connections come and go, and each waits out TIME-WAIT as a record: small rings.
            hc.sockets.max_sockets = 1024;
            hc.sockets.tcp.max_connections = static_cast<size_t>(opt.max_connections);
            hc.sockets.tcp.max_time_wait = static_cast<size_t>(opt.max_time_wait);
            hc.sockets.tcp.defaults.send_buffer = 16 * 1024;
            hc.sockets.tcp.defaults.receive_buffer = 16 * 1024;
        }
        auto opened = NetHost::open(opt.net, "perf client", hc);
        if (!opened) return report_error("perf client", opened.error());
        host = std::move(opened.value());
        perf::TachyonNet net(*host);
        perf::PerfClient<perf::TachyonNet> client(net, cfg);
        if (!opt.json) {
            std::fprintf(stderr, "perf %s: tachyon %s -> %s, %u-byte messages, %.1f s warm-up, %.1f s\n",
                         perf::test_name(cfg.test), host->stack().address().to_string().c_str(),
                         cfg.server.to_string().c_str(), cfg.size, opt.warmup, opt.duration);
        }
        auto o = client.run();
        if (!o) return report_error("perf client", o.error()) - 1;
        outcomes.push_back(std::move(o.value()));
    }
    if (opt.kernel) {
        NetHost::install_signal_handlers();
        perf::ClientConfig kcfg = cfg;
        if (!opt.kernel_server.empty()) {
            const HostPort k = *parse_host_port(opt.kernel_server, perf::kDefaultPort);
            kcfg.server = {k.addr, k.port};
        }
        perf::KernelNet net(opt.net.idle);
        net.set_mss(opt.kernel_mss);
        perf::PerfClient<perf::KernelNet> client(net, kcfg);
        if (!opt.json) {
            std::fprintf(stderr, "perf %s: %s sockets -> %s, %u-byte messages, %.1f s warm-up, %.1f s\n",
                         perf::test_name(cfg.test), net.name(), kcfg.server.to_string().c_str(), cfg.size, opt.warmup,
                         opt.duration);
        }
        auto o = client.run();
        if (!o) return report_error("perf client", o.error()) - 1;
        outcomes.push_back(std::move(o.value()));
    }
    if (opt.json) {
        perf::print_json(stdout, cfg, outcomes);
    } else {
        perf::print_table(stdout, outcomes);
    }
    return 0;
}

}  // namespace

void add_perf_command(CLI::App& app, int& exit_code) {
    CLI::App* perf_cmd = app.add_subcommand(
        "perf", "Benchmarks: latency, throughput, message rate, connections per second; Tachyon and the kernel.");
    perf_cmd->require_subcommand(1);

    auto so = std::make_shared<PerfServerOptions>();
    CLI::App* server = perf_cmd->add_subcommand(
        "server",
        "Answer perf clients, and sockperf's (`sockperf ping-pong --tcp -i ADDR -p PORT`, `sockperf throughput\n"
        "--tcp ...`). With --kernel on the kernel's sockets (0.0.0.0), for the side-by-side figures.");
    add_net_options(server, so->net, {.require_dev = false});
    server->add_option("-p,--port", so->port, "TCP port")->capture_default_str();
    server->add_flag("--kernel", so->kernel, "use the kernel's sockets instead of a device")->excludes("--dev");
    server->add_flag("-v,--verbose", so->verbose, "a line per connection");
    server->callback([so, &exit_code, server] {
        if (!so->kernel && so->net.dev.empty()) {
            std::fprintf(stderr, "tachyon perf server: give --dev and --ip (Tachyon) or --kernel\n%s",
                         server->help().c_str());
            exit_code = 2;
            return;
        }
        exit_code = run_server(*so);
    });

    auto co = std::make_shared<PerfClientOptions>();
    CLI::App* client = perf_cmd->add_subcommand(
        "client",
        "Measure against a perf server over Tachyon (--dev) and/or the kernel (--kernel): both give one table\n"
        "with the speedup. Tests: latency (ping-pong), throughput (bulk), rate (small messages), cps\n"
        "(connect, one request, close). --json for machine-readable results.");
    add_net_options(client, co->net, {.require_dev = false});
    client->add_option("server", co->server, "ADDR[:PORT] of the perf server (port 11111 by default)")
        ->required()
        ->check(check_host_port, "ADDR[:PORT]");
    client
        ->add_option_function<std::string>(
            "-t,--test",
            [co](const std::string& v) {
                co->test = v == "throughput" ? Test::kThroughput
                           : v == "rate"     ? Test::kRate
                           : v == "cps"      ? Test::kCps
                                             : Test::kLatency;
            },
            "latency | throughput | rate | cps")
        ->check(check_one_of({"latency", "throughput", "rate", "cps"}), "TEST")
        ->default_str("latency");
    client->add_option("-s,--size", co->size,
                       "message bytes including the 14-byte header (default 64; throughput 65536)");
    client->add_option("--warmup", co->warmup, "seconds of warm-up, not measured")
        ->check(CLI::Range(0.0, 3600.0))
        ->capture_default_str();
    client->add_option("-D,--duration", co->duration, "seconds measured")
        ->check(CLI::Range(0.01, 86400.0))
        ->capture_default_str();
    client->add_option("--timeout", co->timeout, "seconds any single wait may take")
        ->check(CLI::Range(0.01, 3600.0))
        ->capture_default_str();
    client->add_flag("--kernel", co->kernel, "also (or only, without --dev) run the test over the kernel's sockets");
    client->add_option("--kernel-server", co->kernel_server, "ADDR[:PORT] for the kernel run (default: the server)")
        ->check(check_host_port, "ADDR[:PORT]")
        ->needs("--kernel");
    client->add_option("--kernel-mss", co->kernel_mss,
                       "kernel run: TCP_MAXSEG before connect (1460: a 1500-byte MTU's; default: loopback's 65483)")
        ->check(CLI::Range(88, 65495))
        ->needs("--kernel");
    client->add_flag("--json", co->json, "results as JSON on stdout (latency and cps add \"cdf_ns\": [percentile, ns] pairs)");
    client->add_flag("--no-progress", co->no_progress, "no progress line on stderr");
    client->add_flag("--cps-reset", co->cps_reset, "cps: close with RST (SO_LINGER 0) instead of FIN");
    client->add_option("-c,--connections", co->connections, "cps: connections in flight at once")
        ->check(CLI::Range(1, 512))
        ->capture_default_str();
    client->add_option("--time-wait", co->time_wait,
                       "seconds a closed connection stays in TIME-WAIT in Tachyon's table (RFC 9293: 2 MSL = 60)")
        ->check(CLI::Range(0.0, 240.0))
        ->capture_default_str();
    client->add_option("--time-wait-reuse-delay", co->time_wait_reuse_delay_ms,
                       "milliseconds before an active open may reuse a TIME-WAIT tuple (Linux tcp_tw_reuse_delay)")
        ->check(CLI::Range(1.0, 60000.0))
        ->capture_default_str();
    client->add_option("--max-connections", co->max_connections, "cps: Tachyon's TCP table size")
        ->check(CLI::Range(16, 1 << 20))
        ->capture_default_str();
    client->add_option("--max-time-wait", co->max_time_wait,
                       "cps: Tachyon's TIME-WAIT records, the oldest gives way beyond (Linux tcp_max_tw_buckets)")
        ->check(CLI::Range(16, 1 << 20))
        ->capture_default_str();
    client->callback([co, &exit_code, client] {
        if (!co->kernel && co->net.dev.empty()) {
            std::fprintf(stderr, "tachyon perf client: give --dev and --ip (Tachyon), --kernel, or both\n%s",
                         client->help().c_str());
            exit_code = 2;
            return;
        }
        exit_code = run_client(*co);
    });
}

}  // namespace tachyon::apps
