// `tachyon httpd`: an HTTP/1.1 server on the userspace stack: files from a directory and the
// generated /bytes/N endpoint (apps/byte_pattern.hpp), keep-alive and pipelining, for curl, wrk
// and ab (apps/httpd_server.hpp).
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>

#include "apps/commands.hpp"
#include "apps/httpd_server.hpp"

namespace tachyon::apps {
namespace {

struct HttpdOptions {
    NetOptions net;
    uint16_t port = 80;
    std::string root = ".";
    double keepalive = 30;
    bool log = false;
    int max_connections = 1024;
    double time_wait = 60;
};

int run_httpd(const HttpdOptions& opt) {
    auto root = ContentRoot::open(opt.root);
    if (!root) return report_error("httpd", root.error());
    HostConfig hc;
    hc.sockets.max_sockets = static_cast<size_t>(opt.max_connections) + 1;
    // A connection the server closes (HTTP/1.0, Connection: close) keeps its slot until its FIN is
    // acknowledged (room for as many of those as open connections), then waits out TIME-WAIT as
    // a compact record (TcpConfig::max_time_wait: as many as slots).
    hc.sockets.tcp.max_connections = static_cast<size_t>(opt.max_connections) * 2;
    hc.sockets.tcp.time_wait = Duration::from_ns(static_cast<int64_t>(opt.time_wait * 1e9));
    auto host = NetHost::open(opt.net, "httpd", hc);
    if (!host) return report_error("httpd", host.error());
    HttpdConfig config;
    config.keepalive_timeout = Duration::from_ns(static_cast<int64_t>(opt.keepalive * 1e9));
    config.access_log = opt.log;
    HttpServer server(**host, **root, config);
    if (auto r = server.listen(opt.port); !r) return report_error("httpd", r.error());
    std::printf("httpd: serving %s on http://%s:%u/ (and /bytes/N)\n", opt.root.c_str(),
                (*host)->stack().address().address.to_string().c_str(), opt.port);
    std::fflush(stdout);
    (*host)->run([&] { return server.step(); });
    const HttpdStats& s = server.stats();
    std::printf("httpd: %" PRIu64 " connections, %" PRIu64 " requests (2xx %" PRIu64 ", 3xx %" PRIu64 ", 4xx %" PRIu64
                ", 5xx %" PRIu64 "), %" PRIu64 " body bytes, %" PRIu64 " timeouts, %" PRIu64 " aborted\n",
                s.connections, s.requests, s.status_2xx, s.status_3xx, s.status_4xx, s.status_5xx, s.body_bytes,
                s.timeouts, s.aborted);
    std::fflush(stdout);
    return 0;
}

}  // namespace

void add_httpd_command(CLI::App& app, int& exit_code) {
    auto opt = std::make_shared<HttpdOptions>();
    CLI::App* cmd = app.add_subcommand(
        "httpd",
        "HTTP/1.1 server (keep-alive, pipelining, GET and HEAD): files from --root, and /bytes/N, N bytes of a\n"
        "deterministic pattern (64-byte lines: the offset in 16 hex digits, then\n"
        "\" tachyon bytes 0123456789abcdefghijklmnopqrstuv\\n\"). Runs until SIGINT/SIGTERM.");
    add_net_options(cmd, opt->net);
    cmd->add_option("-p,--port", opt->port, "TCP port")->capture_default_str();
    cmd->add_option("-r,--root", opt->root, "directory to serve")->capture_default_str();
    cmd->add_option("--keepalive-timeout", opt->keepalive, "seconds an idle persistent connection stays open")
        ->check(CLI::Range(0.1, 86400.0))
        ->capture_default_str();
    cmd->add_option("--max-connections", opt->max_connections, "connections open at once")
        ->check(CLI::Range(1, 60000))
        ->capture_default_str();
    cmd->add_option("--time-wait", opt->time_wait,
                    "seconds a connection the server closed stays in TIME-WAIT, as a compact record (RFC 9293: "
                    "2 MSL = 60; at most twice --max-connections of them, the oldest gives way)")
        ->check(CLI::Range(0.0, 240.0))
        ->capture_default_str();
    cmd->add_flag("--log", opt->log, "a line per request on stdout");
    cmd->callback([opt, &exit_code] { exit_code = run_httpd(*opt); });
}

}  // namespace tachyon::apps
