// `tachyon echo server` answers every TCP byte stream and UDP datagram with the same bytes (RFC
// 862), many connections on one thread through the Poller, with back-pressure: while a
// connection's echo cannot be sent, it is not read. `tachyon echo client` sends numbered messages
// and checks that each comes back intact, with round-trip times.
#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "apps/commands.hpp"
#include "apps/conn_slots.hpp"
#include "apps/net_host.hpp"
#include "stack/socket/poller.hpp"

namespace tachyon::apps {
namespace {

constexpr uint16_t kEchoPort = 7;
constexpr size_t kChunk = 64 * 1024;

struct EchoServerOptions {
    NetOptions net;
    uint16_t port = kEchoPort;
    bool tcp_only = false;
    bool udp_only = false;
    bool verbose = false;
};

struct EchoClientOptions {
    NetOptions net;
    std::string server;
    bool udp = false;
    int count = 10;
    int size = 1000;
    double timeout = 2.0;
    bool quiet = false;
};

class EchoServer {
public:
    EchoServer(NetHost& host, const EchoServerOptions& opt) : host_(host), opt_(opt), poller_(host.sockets()) {}

    int run() {
        std::string protos;
        if (!opt_.udp_only) {
            auto l = host_.tcp_listen(opt_.port);
            if (!l) return report_error("echo server", l.error());
            listener_ = std::move(l.value());
            (void)poller_.add(listener_, EPOLLIN, kListenerTag);
            protos = "tcp";
        }
        if (!opt_.tcp_only) {
            auto u = host_.udp_bind(opt_.port);
            if (!u) return report_error("echo server", u.error());
            udp_ = std::move(u.value());
            (void)poller_.add(udp_, EPOLLIN, kUdpTag);
            protos += protos.empty() ? "udp" : "+udp";
        }
        std::printf("echo server: %s on %s port %u\n", protos.c_str(), host_.stack().address().to_string().c_str(),
                    opt_.port);
        std::fflush(stdout);
        std::array<PollEvent, 64> events;
        host_.run([&] {
            auto n = poller_.wait(events, Duration::zero());
            if (!n) return false;
            for (size_t i = 0; i < *n; ++i) dispatch(events[i]);
            return *n != 0;
        });
        std::printf("echo server: %" PRIu64 " connections, %" PRIu64 " bytes and %" PRIu64 " datagrams echoed\n",
                    accepted_, tcp_bytes_, datagrams_);
        return 0;
    }

private:
    static constexpr uint64_t kListenerTag = UINT64_MAX;
    static constexpr uint64_t kUdpTag = UINT64_MAX - 1;

    struct Conn {
        Socket sock;
        std::vector<std::byte> buf;
        size_t off = 0;  // pending echo: buf[off, len)
        size_t len = 0;
        bool peer_done = false;  // FIN received: close once the pending echo is out
    };

    void dispatch(const PollEvent& ev) {
        if (ev.data == kListenerTag) return accept_batch();
        if (ev.data == kUdpTag) return echo_datagrams();
        Conn* found = conns_.find(ev.data);
        if (found == nullptr) return;  // closed earlier in this batch
        Conn& c = *found;
        if ((ev.events & EPOLLOUT) != 0) flush(c, ev.data);
        if (conns_.find(ev.data) != nullptr && (ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) != 0) read(c, ev.data);
    }

    void accept_batch() {
        for (size_t i = 0; i < kAcceptBatch; ++i) {
            auto a = listener_.try_accept();
            if (!a) return;
            const size_t slot = conns_.take();
            auto c = std::make_unique<Conn>();
            c->sock = std::move(a->socket);
            c->sock.settimeout(Duration::zero());
            (void)c->sock.try_setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);  // an echo is due at once
            c->buf.resize(kChunk);
            if (!poller_.add(c->sock, EPOLLIN | EPOLLRDHUP, slot)) {
                conns_.release(slot);
                continue;
            }
            host_.track(c->sock);
            ++accepted_;
            if (opt_.verbose) std::printf("connection from %s\n", a->peer.to_string().c_str());
            conns_.put(slot, std::move(c));
        }
    }

    void read(Conn& c, size_t slot) {
        while (c.len == 0 && !c.peer_done) {
            auto r = c.sock.recv(c.buf);
            if (!r) {
                if (r.code() != EAGAIN) close(slot);
                return;
            }
            if (*r == 0) {
                c.peer_done = true;
                break;
            }
            c.off = 0;
            c.len = *r;
            flush(c, slot);
            if (conns_.find(slot) == nullptr) return;
        }
        if (c.peer_done && c.len == 0) close(slot);
    }

    // Sends the pending echo; waits for EPOLLOUT (and stops reading) while some is left.
    void flush(Conn& c, size_t slot) {
        while (c.off < c.len) {
            auto r = c.sock.send(std::span(c.buf).subspan(c.off, c.len - c.off));
            if (!r) {
                if (r.code() != EAGAIN) return close(slot);
                break;
            }
            c.off += *r;
            tcp_bytes_ += *r;
        }
        const bool pending = c.off < c.len;
        if (!pending) c.off = c.len = 0;
        (void)poller_.modify(c.sock, pending ? EPOLLOUT : EPOLLIN | EPOLLRDHUP, slot);
        if (!pending && c.peer_done) close(slot);
    }

    void close(size_t slot) {
        if (opt_.verbose) std::printf("connection closed\n");
        conns_.release(slot);  // closes the socket, which leaves the poller
    }

    void echo_datagrams() {
        std::array<std::byte, 65536> buf;
        for (;;) {
            auto r = udp_.recvfrom(buf);
            if (!r || !r->from) return;
            if (udp_.sendto(std::span(buf).first(r->len), *r->from)) ++datagrams_;
        }
    }

    NetHost& host_;
    const EchoServerOptions& opt_;
    Poller poller_;
    Socket listener_;
    Socket udp_;
    ConnSlots<Conn> conns_;
    uint64_t accepted_ = 0;
    uint64_t tcp_bytes_ = 0;
    uint64_t datagrams_ = 0;
};

// Message k: its number, then bytes that depend on k and the position.
std::vector<std::byte> make_message(int k, size_t size) {
    std::vector<std::byte> m(size);
    for (size_t i = 0; i < size; ++i) m[i] = static_cast<std::byte>((i * 31 + static_cast<size_t>(k) * 7) & 0xff);
    for (size_t i = 0; i < std::min<size_t>(size, 4); ++i) m[i] = static_cast<std::byte>(static_cast<unsigned>(k) >> (8 * i));
    return m;
}

class EchoClient {
public:
    EchoClient(NetHost& host, const EchoClientOptions& opt, HostPort to)
        : host_(host), opt_(opt), to_{to.addr, to.port} {}

    int run() {
        const Duration timeout = Duration::from_ns(static_cast<int64_t>(opt_.timeout * 1e9));
        Socket s;
        if (opt_.udp) {
            auto u = host_.udp_bind(0);
            if (!u) return report_error("echo client", u.error());
            s = std::move(u.value());
            s.settimeout(timeout);
        } else {
            auto c = host_.tcp_connect(to_, timeout);
            if (!c) return report_error("echo client", c.error());
            s = std::move(c.value());
        }
        const auto local = s.try_getsockname();
        std::printf("echo client: %s %s -> %s, %d messages of %d bytes\n", opt_.udp ? "udp" : "tcp",
                    local ? local->to_string().c_str() : "?", to_.to_string().c_str(), opt_.count, opt_.size);
        std::vector<std::byte> back(static_cast<size_t>(opt_.size));
        int good = 0;
        double min = 1e300, max = 0, sum = 0;
        for (int k = 1; k <= opt_.count && !NetHost::stop_requested(); ++k) {
            const auto msg = make_message(k, static_cast<size_t>(opt_.size));
            const Instant t0 = host_.now();
            const bool ok = opt_.udp ? exchange_udp(s, msg, back) : exchange_tcp(s, msg, back);
            const double ms = static_cast<double>((host_.now() - t0).ns()) / 1e6;
            if (ok) {
                ++good;
                min = std::min(min, ms);
                max = std::max(max, ms);
                sum += ms;
            }
            if (!opt_.quiet || !ok) {
                std::printf("  #%d: %s in %.3f ms\n", k, ok ? "echoed intact" : "NOT echoed intact", ms);
            }
            if (!ok && !opt_.udp) break;  // a stream out of step stays out of step
        }
        if (!opt_.udp) {
            (void)s.try_shutdown(SHUT_WR);
            std::array<std::byte, 256> rest;
            auto r = s.recv(rest);  // the server's FIN: a clean close on both sides
            if (!r || *r != 0) std::printf("  the server did not close cleanly\n");
        }
        std::printf("%d of %d messages echoed intact", good, opt_.count);
        if (good != 0) std::printf(", rtt min/avg/max = %.3f/%.3f/%.3f ms", min, sum / good, max);
        std::printf("\n");
        return good == opt_.count ? 0 : 1;
    }

private:
    bool exchange_tcp(Socket& s, const std::vector<std::byte>& msg, std::vector<std::byte>& back) {
        if (auto r = s.sendall(msg); !r) {
            std::printf("  send: %s\n", r.error().message().c_str());
            return false;
        }
        size_t got = 0;
        while (got < back.size()) {
            auto r = s.recv(std::span(back).subspan(got));
            if (!r || *r == 0) {
                std::printf("  recv: %s\n", r ? "the server closed" : r.error().message().c_str());
                return false;
            }
            got += *r;
        }
        return back == msg;
    }

    bool exchange_udp(Socket& s, const std::vector<std::byte>& msg, std::vector<std::byte>& back) {
        if (auto r = s.sendto(msg, to_); !r) {
            std::printf("  sendto: %s\n", r.error().message().c_str());
            return false;
        }
        for (;;) {
            auto r = s.recvfrom(back);
            if (!r) return false;  // the timeout: lost
            if (r->from && *r->from == to_) return r->len == msg.size() && back == msg;
        }
    }

    NetHost& host_;
    const EchoClientOptions& opt_;
    SocketAddress to_;
};

int run_server(const EchoServerOptions& opt) {
    auto host = NetHost::open(opt.net, "echo server");
    if (!host) return report_error("echo server", host.error());
    return EchoServer(**host, opt).run();
}

int run_client(const EchoClientOptions& opt) {
    const HostPort to = *parse_host_port(opt.server, kEchoPort);
    if (opt.udp && opt.size > 65507) {
        return report_error("echo client", Error{EMSGSIZE, "--size " + std::to_string(opt.size) +
                                                               " does not fit a UDP datagram (at most 65507)"});
    }
    auto host = NetHost::open(opt.net, "echo client");
    if (!host) return report_error("echo client", host.error());
    return EchoClient(**host, opt, to).run();
}

}  // namespace

void add_echo_command(CLI::App& app, int& exit_code) {
    CLI::App* echo = app.add_subcommand("echo", "Echo server and client (RFC 862) over TCP and UDP.");
    echo->require_subcommand(1);

    auto so = std::make_shared<EchoServerOptions>();
    CLI::App* server = echo->add_subcommand("server", "Echo every TCP stream and UDP datagram on a port.");
    add_net_options(server, so->net);
    server->add_option("-p,--port", so->port, "port for TCP and UDP")->capture_default_str();
    auto* t = server->add_flag("--tcp", so->tcp_only, "TCP only");
    server->add_flag("--udp", so->udp_only, "UDP only")->excludes(t);
    server->add_flag("-v,--verbose", so->verbose, "a line per connection");
    server->callback([so, &exit_code] { exit_code = run_server(*so); });

    auto co = std::make_shared<EchoClientOptions>();
    CLI::App* client = echo->add_subcommand("client", "Send messages to an echo server and check what comes back.");
    add_net_options(client, co->net);
    client->add_option("server", co->server, "ADDR[:PORT] of the echo server (port 7 by default)")
        ->required()
        ->check(check_host_port, "ADDR[:PORT]");
    client->add_flag("--udp", co->udp, "datagrams instead of a TCP connection");
    client->add_option("-n,--count", co->count, "messages")->check(CLI::Range(1, 10'000'000))->capture_default_str();
    client->add_option("-s,--size", co->size, "bytes per message (UDP: at most 65507, in IP fragments above 1472)")
        ->check(CLI::Range(1, 1 << 20))
        ->capture_default_str();
    client->add_option("--timeout", co->timeout, "seconds to wait for the connection and each echo")
        ->check(CLI::Range(0.001, 3600.0))
        ->capture_default_str();
    client->add_flag("-q,--quiet", co->quiet, "only failures and the summary");
    client->callback([co, &exit_code] { exit_code = run_client(*co); });
}

}  // namespace tachyon::apps
