// The client tests of `tachyon perf`, written once over either network (apps/perf_net.hpp):
//   latency     ping-pong: one message out, the same message back, one at a time; every round
//               trip after the warm-up goes into the histogram (lib/histogram.hpp)
//   throughput  one connection streams messages as fast as it can; the last one asks for an
//               answer, so the time runs until the server has everything (bulk Gbit/s)
//   rate        the same with small messages: messages per second
//   cps         connections per second: connect, one ping-pong message, close; again, with
//               `connections` of them in flight at once (1: one after another), as a web load
//               generator's concurrency
// A progress line goes to stderr once a second on runs longer than two seconds.
#pragma once

#include <unistd.h>

#include <array>
#include <cinttypes>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "apps/net_host.hpp"
#include "apps/perf_protocol.hpp"
#include "lib/histogram.hpp"
#include "lib/result.hpp"
#include "stack/socket/poller.hpp"

namespace tachyon::apps::perf {

enum class Test { kLatency, kThroughput, kRate, kCps };
const char* test_name(Test t);

struct ClientConfig {
    Test test = Test::kLatency;
    SocketAddress server;
    uint32_t size = 64;        // message bytes, header included
    Duration warmup = Duration::from_secs(1);
    Duration duration = Duration::from_secs(5);
    Duration timeout = Duration::from_secs(5);  // any single wait
    bool cps_reset = false;    // cps: close with RST instead of FIN
    uint32_t connections = 1;  // cps: connections in flight at once
    bool progress = true;
};

struct Outcome {
    std::string transport;
    Test test = Test::kLatency;
    uint32_t size = 0;
    double secs = 0;          // measured time (after the warm-up)
    uint64_t count = 0;       // round trips, messages, connections
    uint64_t bytes = 0;       // throughput/rate: payload bytes sent, headers included
    Histogram rtt;            // latency (round trip, ns); cps: connection time (ns)
};

// The rows a result is printed and compared with: name, value, unit, whether higher is better.
struct Metric {
    std::string key;   // JSON name, e.g. "rtt_p50_us"
    std::string name;  // table label
    double value;
    std::string unit;
    bool higher_is_better;
};
std::vector<Metric> metrics(const Outcome& o);

// Side-by-side table (one column per outcome; with two, the second's value over the first's as
// a speedup, "how many times better the first is").
void print_table(std::FILE* out, const std::vector<Outcome>& outcomes);
void print_json(std::FILE* out, const ClientConfig& config, const std::vector<Outcome>& outcomes);

class Progress {
public:
    Progress(bool enabled, Instant start, Duration total)
        : enabled_(enabled && total > Duration::from_secs(2)), start_(start), next_(start + Duration::from_secs(1)),
          total_(total), tty_(isatty(STDERR_FILENO) != 0) {}
    template <typename Text>
    void tick(Instant now, Text&& text) {
        if (!enabled_ || now < next_) return;
        next_ = now + Duration::from_secs(1);
        std::fprintf(stderr, "%s  %4.1f/%.0f s  %s%s", tty_ ? "\r" : "", (now - start_).secs(), total_.secs(),
                     text().c_str(), tty_ ? "   " : "\n");
        std::fflush(stderr);
        printed_ = true;
    }
    ~Progress() {
        if (printed_ && tty_) std::fprintf(stderr, "\n");
    }

private:
    bool enabled_;
    Instant start_;
    Instant next_;
    Duration total_;
    bool tty_;
    bool printed_ = false;
};

template <typename Net>
class PerfClient {
public:
    PerfClient(Net& net, const ClientConfig& config) : net_(net), cfg_(config) {}

    Result<Outcome> run() {
        switch (cfg_.test) {
            case Test::kLatency: return latency();
            case Test::kThroughput:
            case Test::kRate: return stream();
            case Test::kCps: return cps();
        }
        return Result<Outcome>::fail(EINVAL);
    }

private:
    using Sock = typename Net::Sock;

    Outcome outcome() const {
        Outcome o;
        o.transport = net_.name();
        o.test = cfg_.test;
        o.size = cfg_.size;
        return o;
    }

    Error failure(const std::string& what, int code) const {
        return Error{code, std::string(net_.name()) + ": " + what + " (" + test_name(cfg_.test) + " test, server " +
                               cfg_.server.to_string() + ")"};
    }

    Result<void> send_all(Sock& s, std::span<const std::byte> data) {
        const Instant limit = net_.now() + cfg_.timeout;
        size_t done = 0;
        while (done < data.size()) {
            auto r = net_.send(s, data.subspan(done));
            if (r) {
                done += *r;
                continue;
            }
            if (r.code() != EAGAIN) return failure("send failed", r.code());
            if (net_.now() > limit) return failure("send timed out", ETIMEDOUT);
            net_.turn(false);
        }
        return {};
    }

    Result<void> recv_all(Sock& s, std::span<std::byte> out) {
        const Instant limit = net_.now() + cfg_.timeout;
        size_t done = 0;
        while (done < out.size()) {
            auto r = net_.recv(s, out.subspan(done));
            if (r) {
                if (*r == 0) return failure("the server closed the connection", ECONNRESET);
                done += *r;
                continue;
            }
            if (r.code() != EAGAIN) return failure("receive failed", r.code());
            if (net_.now() > limit) return failure("no answer from the server", ETIMEDOUT);
            net_.turn(false);
        }
        return {};
    }

    void make_message(std::vector<std::byte>& msg, uint64_t seq, uint16_t flags) const {
        encode(Header{seq, flags, static_cast<uint32_t>(msg.size())}, msg);
    }

    // One message out, its answer back, checked.
    Result<void> exchange(Sock& s, std::vector<std::byte>& msg, std::vector<std::byte>& back, uint64_t seq) {
        make_message(msg, seq, kFlagClient | kFlagPong);
        if (auto r = send_all(s, msg); !r) return r;
        if (auto r = recv_all(s, back); !r) return r;
        const Header h = decode(back);
        if (h.seq != seq || h.length != msg.size() || (h.flags & kFlagClient) != 0) {
            return failure("the answer does not match the message (seq " + std::to_string(h.seq) + ", length " +
                               std::to_string(h.length) + ")",
                           EPROTO);
        }
        return {};
    }

    std::vector<std::byte> payload() const {
        std::vector<std::byte> m(cfg_.size);
        for (size_t i = kHeaderLen; i < m.size(); ++i) m[i] = static_cast<std::byte>(i * 7);
        return m;
    }

    Result<Outcome> latency() {
        auto c = net_.connect(cfg_.server, cfg_.timeout);
        if (!c) return c.error();
        Sock s = std::move(c.value());
        std::vector<std::byte> msg = payload(), back(cfg_.size);
        Outcome o = outcome();
        uint64_t seq = 0;
        const Instant warm_end = net_.now() + cfg_.warmup;
        while (net_.now() < warm_end) {
            if (auto r = exchange(s, msg, back, ++seq); !r) return r.error();
        }
        const Instant start = net_.now();
        const Instant end = start + cfg_.duration;
        Progress progress(cfg_.progress, start, cfg_.duration);
        Instant now = start;
        while (now < end) {
            const Instant t0 = net_.now();
            if (auto r = exchange(s, msg, back, ++seq); !r) return r.error();
            now = net_.now();
            o.rtt.record(static_cast<uint64_t>((now - t0).ns()));
            progress.tick(now, [&] {
                char b[96];
                std::snprintf(b, sizeof b, "%" PRIu64 " round trips, rtt p50 %.2f us", o.rtt.count(),
                              static_cast<double>(o.rtt.percentile(50)) / 1e3);
                return std::string(b);
            });
        }
        o.secs = (now - start).secs();
        o.count = o.rtt.count();
        net_.close(s, false);
        return o;
    }

    Result<Outcome> stream() {
        auto c = net_.connect(cfg_.server, cfg_.timeout);
        if (!c) return c.error();
        Sock s = std::move(c.value());
        std::vector<std::byte> msg = payload(), back(cfg_.size);
        Outcome o = outcome();
        uint64_t seq = 0;
        // Warm-up: stream, then make sure the server has it all before the clock starts.
        if (auto r = stream_for(s, msg, cfg_.warmup, seq, nullptr); !r) return r.error();
        if (auto r = exchange(s, msg, back, ++seq); !r) return r.error();
        const Instant start = net_.now();
        if (auto r = stream_for(s, msg, cfg_.duration, seq, &o); !r) return r.error();
        if (auto r = exchange(s, msg, back, ++seq); !r) return r.error();  // everything arrived
        o.count += 1;
        o.bytes += msg.size();
        o.secs = (net_.now() - start).secs();
        net_.close(s, false);
        return o;
    }

    // Sends messages without asking for answers for `d`; partial sends continue where they stopped.
    Result<void> stream_for(Sock& s, std::vector<std::byte>& msg, Duration d, uint64_t& seq, Outcome* o) {
        const Instant start = net_.now();
        const Instant end = start + d;
        Progress progress(o != nullptr && cfg_.progress, start, d);
        size_t off = 0;
        Instant stalled_since = start;
        for (Instant now = start; now < end || off != 0; now = net_.now()) {
            if (off == 0) make_message(msg, ++seq, kFlagClient);
            auto r = net_.send(s, std::span(msg).subspan(off));
            if (!r) {
                if (r.code() != EAGAIN) return failure("send failed", r.code());
                if (now - stalled_since > cfg_.timeout) return failure("the server stopped reading", ETIMEDOUT);
                net_.turn(false);
                continue;
            }
            stalled_since = now;
            off += *r;
            if (off == msg.size()) {
                off = 0;
                if (o != nullptr) {
                    ++o->count;
                    o->bytes += msg.size();
                }
            }
            if (o != nullptr) {
                progress.tick(now, [&] {
                    char b[96];
                    std::snprintf(b, sizeof b, "%.3f Gbit/s, %.0f messages/s",
                                  static_cast<double>(o->bytes) * 8 / (now - start).secs() / 1e9,
                                  static_cast<double>(o->count) / (now - start).secs());
                    return std::string(b);
                });
            }
        }
        return {};
    }

    // One cps connection in flight: connecting, then waiting for its answer.
    struct Flight {
        std::optional<Sock> sock;
        Instant t0;
        uint64_t seq = 0;
        size_t got = 0;
        bool connected = false;
    };

    Result<void> cps_start(Flight& f, size_t tag, uint64_t seq) {
        f.t0 = net_.now();
        f.seq = seq;
        f.got = 0;
        f.connected = false;
        auto c = net_.connect_start(cfg_.server);
        if (!c) return c.error();
        f.sock.emplace(std::move(c.value()));
        if (auto r = net_.watch(*f.sock, EPOLLOUT, tag); !r) return failure("cannot watch a connection", r.code());
        return {};
    }

    // Moves f on after a readiness event; true once its answer is in and it is closed.
    Result<bool> cps_step(Flight& f, size_t tag, uint32_t events, std::vector<std::byte>& msg, std::span<std::byte> back) {
        if (!f.connected) {
            if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return false;
            if (const int err = net_.connect_error(*f.sock); err != 0) return failure("cannot connect", err);
            if ((events & EPOLLOUT) == 0) return false;
            f.connected = true;
            make_message(msg, f.seq, kFlagClient | kFlagPong);
            // A new connection's send buffer takes a small message whole.
            auto sent = net_.send(*f.sock, msg);
            if (!sent || *sent != msg.size()) return failure("send failed", sent ? EAGAIN : sent.code());
            if (auto r = net_.watch(*f.sock, EPOLLIN, tag); !r) return failure("cannot watch a connection", r.code());
        }
        auto r = net_.recv(*f.sock, back.subspan(f.got));
        if (!r) {
            if (r.code() == EAGAIN) return false;
            return failure("receive failed", r.code());
        }
        if (*r == 0) return failure("the server closed the connection", ECONNRESET);
        f.got += *r;
        if (f.got < back.size()) return false;
        const Header h = decode(back);
        if (h.seq != f.seq || h.length != msg.size() || (h.flags & kFlagClient) != 0) {
            return failure("the answer does not match the message (seq " + std::to_string(h.seq) + ")", EPROTO);
        }
        net_.close(*f.sock, cfg_.cps_reset);
        f.sock.reset();
        return true;
    }

    // cfg_.connections connections in flight; each one done starts the next in its place. A
    // connection counts when it started after the warm-up and ended before the end.
    Result<Outcome> cps() {
        const size_t n = std::max<uint32_t>(cfg_.connections, 1);
        std::vector<std::byte> msg = payload();
        std::vector<std::byte> backs(n * cfg_.size);
        std::vector<Flight> flights(n);
        Outcome o = outcome();
        uint64_t seq = 0;
        for (size_t i = 0; i < n; ++i) {
            if (auto r = cps_start(flights[i], i, ++seq); !r) return r.error();
        }
        const Instant start = net_.now() + cfg_.warmup;
        const Instant end = start + cfg_.duration;
        Progress progress(cfg_.progress, start, cfg_.duration);
        std::array<PollEvent, 64> events;
        Instant now = net_.now();
        Instant next_deadline_check = now + Duration::from_ms(100);
        while (now < end) {
            const size_t ready = net_.wait(events);
            now = net_.now();
            for (size_t e = 0; e < ready; ++e) {
                const size_t i = events[e].data;
                if (i >= n || !flights[i].sock) continue;
                Flight& f = flights[i];
                auto done = cps_step(f, i, events[e].events, msg, std::span(backs).subspan(i * cfg_.size, cfg_.size));
                if (!done) return done.error();
                if (!*done) continue;
                if (f.t0 >= start) o.rtt.record(static_cast<uint64_t>((now - f.t0).ns()));
                if (auto r = cps_start(f, i, ++seq); !r) return r.error();
            }
            if (now >= next_deadline_check) {
                next_deadline_check = now + Duration::from_ms(100);
                for (const Flight& f : flights) {
                    if (now - f.t0 > cfg_.timeout) return failure("a connection did not finish", ETIMEDOUT);
                }
            }
            if (now >= start) {
                progress.tick(now, [&] {
                    char b[64];
                    std::snprintf(b, sizeof b, "%.0f connections/s", static_cast<double>(o.rtt.count()) / (now - start).secs());
                    return std::string(b);
                });
            }
            net_.turn(ready != 0);
        }
        for (Flight& f : flights) {
            if (f.sock) net_.close(*f.sock, true);
        }
        o.secs = (now - start).secs();
        o.count = o.rtt.count();
        return o;
    }

    Net& net_;
    const ClientConfig& cfg_;
};

}  // namespace tachyon::apps::perf
