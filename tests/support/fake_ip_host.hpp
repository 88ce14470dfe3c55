// A fake IpHost for transport tests: its own current time, a timer wheel, a packet pool and a seeded
// generator, and a capture of every segment the transport sends. Time only moves when the test
// says so; run_until() fires each timer at its exact deadline. Like a Stack's poll step,
// run_until() first ends the application's turn of the attached transport (end_turn()).
#pragma once

#include <deque>
#include <optional>

#include "lib/packet.hpp"
#include "lib/random.hpp"
#include "lib/time.hpp"
#include "lib/timer_wheel.hpp"
#include "stack/path_mtu_cache.hpp"
#include "stack/ip_host.hpp"

namespace tachyon::test {

struct SentPacket {
    Ipv4Repr ip;
    Packet pkt;
    Instant at;
};

class FakeIpHost final : public IpHost {
public:
    explicit FakeIpHost(Ipv4Address address, uint64_t seed = 1, size_t pool_size = 256,
                        Instant start = Instant::from_ns(0))
        : IpHost(now_), address_(address), now_(start), random_(seed), wheel_(start), pool_(pool_size) {}

    // IpHost.
    Random& random() override { return random_; }
    TimerWheel& timers() override { return wheel_; }
    Packet alloc_tx() override {
        if (fail_alloc_ > 0) {
            --fail_alloc_;
            return Packet();
        }
        return pool_.alloc();
    }
    void send_ipv4(Packet pkt, const Ipv4Repr& ip, RouteCache*) override {
        Ipv4Repr r = ip;
        r.payload_len = static_cast<uint16_t>(pkt.size());
        sent_.push_back({r, std::move(pkt), now()});
    }
    ChecksumMode l4_checksum_mode() const override { return checksum_mode_; }
    std::optional<Ipv4Address> source_for(Ipv4Address) const override { return address_; }
    bool is_local(Ipv4Address a) const override { return a == address_; }
    uint16_t mtu() const override { return mtu_; }
    uint16_t path_mtu(Ipv4Address dst) const override { return path_mtus_.get(dst, mtu_, now()); }
    void lower_path_mtu(Ipv4Address dst, uint16_t mtu) override { path_mtus_.lower(dst, mtu, now()); }
    uint8_t default_ttl() const override { return 64; }

    // Test controls.
    Ipv4Address address() const { return address_; }
    PacketPool& pool() { return pool_; }
    std::deque<SentPacket>& sent() { return sent_; }
    void set_mtu(uint16_t m) { mtu_ = m; }
    void set_checksum_mode(ChecksumMode m) { checksum_mode_ = m; }
    void fail_next_allocs(size_t n) { fail_alloc_ = n; }
    // The transport whose turn run_until() and end_turn() end (IpProtocolHandler::end_turn).
    void attach(IpProtocolHandler* transport) { transport_ = transport; }
    // The application's turn is over: what the transport owes by then goes out.
    void end_turn() {
        if (transport_ != nullptr) transport_->end_turn();
    }

    // Moves the clock to t, firing every timer due on the way at its own deadline.
    void run_until(Instant t) {
        end_turn();
        for (auto next = wheel_.next_deadline(); next && *next <= t; next = wheel_.next_deadline()) {
            if (*next > now_) now_ = *next;
            wheel_.advance(now_);
        }
        if (t > now_) now_ = t;
        wheel_.advance(now_);
    }
    void advance(Duration d) { run_until(now_ + d); }

private:
    Ipv4Address address_;
    Instant now_;
    Random random_;
    TimerWheel wheel_;
    PacketPool pool_;
    std::deque<SentPacket> sent_;
    ChecksumMode checksum_mode_ = ChecksumMode::kCompute;
    uint16_t mtu_ = 1500;
    PathMtuCache path_mtus_;
    size_t fail_alloc_ = 0;
    IpProtocolHandler* transport_ = nullptr;
};

}  // namespace tachyon::test
