// `tachyon ping`: ICMP echo requests from the stack, with the per-reply lines and the summary of
// iputils ping (transmitted, received, loss, rtt min/avg/max/mdev). Exit status as ping's: 0 when
// replies came back, 1 when none did, 2 on an error.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "apps/commands.hpp"
#include "apps/net_host.hpp"

namespace tachyon::apps {
namespace {

struct PingOptions {
    NetOptions net;
    std::string dest;
    int count = 4;
    double interval = 1.0;
    int size = 56;
    double wait = 2.0;   // for the last reply after the last request
    bool quiet = false;
};

class Pinger {
public:
    Pinger(NetHost& host, const PingOptions& opt, Ipv4Address dst)
        : host_(host), opt_(opt), dst_(dst), ident_(static_cast<uint16_t>(getpid())), sent_at_(65536) {}

    int run() {
        std::printf("PING %s (%s) %d(%d) bytes of data.\n", dst_.to_string().c_str(), dst_.to_string().c_str(),
                    opt_.size, opt_.size + 28);
        std::fflush(stdout);
        start_ = host_.now();
        next_send_ = start_;
        const Duration interval = Duration::from_ns(static_cast<int64_t>(opt_.interval * 1e9));
        const Duration wait = Duration::from_ns(static_cast<int64_t>(opt_.wait * 1e9));
        int rc = -1;
        host_.run([&] {
            bool work = false;
            const Instant now = host_.now();
            if (more_to_send() && now >= next_send_) {
                if (!send_one(now)) {
                    rc = 2;
                    NetHost::request_stop();
                }
                next_send_ = next_send_ + interval;
                work = true;
            }
            while (auto r = host_.stack().icmp().pop_echo_reply()) {
                on_reply(*r);
                work = true;
            }
            if (!more_to_send() && (received_ == transmitted_ || now >= last_send_ + wait)) NetHost::request_stop();
            return work;
        });
        summary();
        if (rc >= 0) return rc;
        return received_ > 0 ? 0 : 1;
    }

private:
    bool more_to_send() const { return opt_.count == 0 || transmitted_ < static_cast<uint64_t>(opt_.count); }

    bool send_one(Instant now) {
        const auto seq = static_cast<uint16_t>(transmitted_ + 1);
        auto r = host_.stack().icmp().send_ping(dst_, ident_, seq, static_cast<size_t>(opt_.size));
        if (!r) {
            std::fprintf(stderr, "tachyon ping: cannot send to %s: %s\n", dst_.to_string().c_str(),
                         r.error().message().c_str());
            return false;
        }
        sent_at_[seq] = now.ns();
        if (answered_.size() > seq) answered_[seq] = false;  // the sequence numbers wrapped
        last_send_ = now;
        ++transmitted_;
        return true;
    }

    void on_reply(const EchoReply& r) {
        if (r.ident != ident_ || r.src != dst_ || sent_at_[r.seq_no] == 0) return;
        const int64_t rtt_ns = std::max<int64_t>(r.received_at.ns() - sent_at_[r.seq_no], 0);
        const bool dup = answered_.size() > r.seq_no && answered_[r.seq_no];
        if (answered_.size() <= r.seq_no) answered_.resize(size_t{r.seq_no} + 1, false);
        answered_[r.seq_no] = true;
        if (dup) {
            ++duplicates_;
        } else {
            ++received_;
            const double ms = static_cast<double>(rtt_ns) / 1e6;
            sum_ += ms;
            sum_sq_ += ms * ms;
            min_ = std::min(min_, ms);
            max_ = std::max(max_, ms);
        }
        if (!opt_.quiet) {
            std::printf("%u bytes from %s: icmp_seq=%u ttl=%u time=%.3f ms%s%s\n", r.payload_len + 8u,
                        r.src.to_string().c_str(), r.seq_no, r.ttl, static_cast<double>(rtt_ns) / 1e6,
                        dup ? " (DUP!)" : "", r.payload_ok ? "" : " (wrong data)");
            std::fflush(stdout);
        }
    }

    void summary() {
        const int64_t elapsed_ms = (last_send_ - start_).ms();
        const double loss =
            transmitted_ == 0 ? 0 : 100.0 * static_cast<double>(transmitted_ - received_) / static_cast<double>(transmitted_);
        std::printf("\n--- %s ping statistics ---\n", dst_.to_string().c_str());
        std::printf("%llu packets transmitted, %llu received, ", static_cast<unsigned long long>(transmitted_),
                    static_cast<unsigned long long>(received_));
        if (duplicates_ != 0) std::printf("+%llu duplicates, ", static_cast<unsigned long long>(duplicates_));
        std::printf("%g%% packet loss, time %lldms\n", loss, static_cast<long long>(elapsed_ms));
        if (received_ != 0) {
            const double n = static_cast<double>(received_);
            const double avg = sum_ / n;
            const double mdev = std::sqrt(std::max(sum_sq_ / n - avg * avg, 0.0));
            std::printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", min_, avg, max_, mdev);
        }
        std::fflush(stdout);
    }

    NetHost& host_;
    const PingOptions& opt_;
    Ipv4Address dst_;
    uint16_t ident_;
    std::vector<int64_t> sent_at_;  // by sequence number; 0: not sent
    std::vector<bool> answered_;
    Instant start_;
    Instant next_send_;
    Instant last_send_;
    uint64_t transmitted_ = 0;
    uint64_t received_ = 0;
    uint64_t duplicates_ = 0;
    double sum_ = 0, sum_sq_ = 0, min_ = 1e300, max_ = 0;
};

int run_ping(const PingOptions& opt) {
    const Ipv4Address dst = *Ipv4Address::parse(opt.dest);
    auto host = NetHost::open(opt.net, "ping");
    if (!host) return report_error("ping", host.error());
    return Pinger(**host, opt, dst).run();
}

}  // namespace

void add_ping_command(CLI::App& app, int& exit_code) {
    auto opt = std::make_shared<PingOptions>();
    CLI::App* cmd = app.add_subcommand("ping", "ICMP echo requests from the stack, with ping's RTT statistics.");
    add_net_options(cmd, opt->net);
    cmd->add_option("destination", opt->dest, "the address to ping")->required()->check(check_ipv4, "ADDR");
    cmd->add_option("-c,--count", opt->count, "stop after this many requests (0: until Ctrl-C)")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    cmd->add_option("-i,--interval", opt->interval, "seconds between requests")
        ->check(CLI::Range(0.0001, 3600.0))
        ->capture_default_str();
    cmd->add_option("-s,--size", opt->size, "payload bytes (in IP fragments above the MTU, as Linux's ping)")
        ->check(CLI::Range(0, 65507))
        ->capture_default_str();
    cmd->add_option("-W,--wait", opt->wait, "seconds to wait for replies after the last request")
        ->check(CLI::Range(0.0, 3600.0))
        ->capture_default_str();
    cmd->add_flag("-q,--quiet", opt->quiet, "only the summary");
    cmd->callback([opt, &exit_code] { exit_code = run_ping(*opt); });
}

}  // namespace tachyon::apps
