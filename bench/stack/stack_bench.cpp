// Two stacks in one thread over the memory link: ICMP echo and UDP round trips, in ns per round
// trip (DESIGN.md target for two stacks in one thread: under 400 ns for a 64-byte message).
#include <benchmark/benchmark.h>

#include <array>
#include <memory>

#include "drivers/memory/memory_link.hpp"
#include "lib/time.hpp"
#include "stack/stack.hpp"

namespace tachyon {
namespace {

class Pair {
public:
    Pair() {
        a_ = make(link_->a(), Ipv4Address::from_octets(10, 0, 0, 1), 1);
        b_ = make(link_->b(), Ipv4Address::from_octets(10, 0, 0, 2), 2);
        // Resolve both ways before timing.
        (void)a_->icmp().send_ping(b_->address().address, 1, 0, 0);
        for (int i = 0; i < 8; ++i) poll();
        (void)a_->icmp().pop_echo_reply();
        (void)b_->icmp().send_ping(a_->address().address, 1, 0, 0);
        for (int i = 0; i < 8; ++i) poll();
        (void)b_->icmp().pop_echo_reply();
    }
    ~Pair() {
        for (int i = 0; i < 8; ++i) poll();
        link_.reset();  // frames in flight go back to the stacks' pools before those go
    }
    void poll() {
        a_->poll();
        b_->poll();
    }
    Stack& a() { return *a_; }
    Stack& b() { return *b_; }

private:
    std::unique_ptr<Stack> make(Device& dev, Ipv4Address addr, uint64_t seed) {
        StackConfig c;
        c.clock = &clock_;
        c.address = Ipv4Cidr{addr, 24};
        c.seed = seed;
        c.pool_size = 256;
        return std::move(Stack::create(dev, c).value());
    }

    ManualClock clock_;
    std::unique_ptr<MemoryLink> link_ = std::make_unique<MemoryLink>();
    std::unique_ptr<Stack> a_;
    std::unique_ptr<Stack> b_;
};

void BM_IcmpEchoRoundTrip(benchmark::State& state) {
    Pair p;
    const Ipv4Address dst = p.b().address().address;
    const size_t len = static_cast<size_t>(state.range(0));
    uint16_t seq = 1;
    for (auto _ : state) {
        (void)p.a().icmp().send_ping(dst, 7, seq++, len);
        p.a().poll();  // request out
        p.b().poll();  // request in, reply out
        p.a().poll();  // reply in
        auto r = p.a().icmp().pop_echo_reply();
        benchmark::DoNotOptimize(r);
        if (!r) state.SkipWithError("no echo reply");
    }
}
BENCHMARK(BM_IcmpEchoRoundTrip)->Arg(56)->Arg(1400);

void BM_UdpRoundTrip(benchmark::State& state) {
    Pair p;
    auto sa = p.a().udp().bind({Ipv4Address::any(), 1000});
    auto sb = p.b().udp().bind({Ipv4Address::any(), 2000});
    const UdpEndpoint to_b{p.b().address().address, 2000};
    const UdpEndpoint to_a{p.a().address().address, 1000};
    std::array<std::byte, 2048> buf{};
    const size_t len = static_cast<size_t>(state.range(0));
    for (auto _ : state) {
        (void)p.a().udp().send_to(*sa, to_b, std::span(buf).first(len));
        p.a().poll();
        p.b().poll();
        auto got = p.b().udp().recv_from(*sb, buf);
        (void)p.b().udp().send_to(*sb, to_a, std::span(buf).first(len));
        p.b().poll();
        p.a().poll();
        auto back = p.a().udp().recv_from(*sa, buf);
        if (!got || !back) state.SkipWithError("datagram lost");
    }
    (void)p.a().udp().close(*sa);
    (void)p.b().udp().close(*sb);
}
BENCHMARK(BM_UdpRoundTrip)->Arg(64)->Arg(1400);

}  // namespace
}  // namespace tachyon

BENCHMARK_MAIN();
