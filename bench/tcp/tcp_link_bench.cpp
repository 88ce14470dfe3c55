// Two Stacks in one thread over the memory link (no faults), the whole path: TCP, IPv4,
// Ethernet, the link's queues, on the TSC clock.
//   BM_BulkTransfer: one connection sending as fast as the window allows, the receiver reading
//     everything; Gbit/s of payload and ns per 1448-byte segment (both stacks' work).
//   BM_PingPong64: a 64-byte message and a 64-byte reply (TCP_NODELAY), one round trip per
//     iteration.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "drivers/memory/memory_link.hpp"
#include "stack/stack.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {
namespace {

constexpr Ipv4Address kA = Ipv4Address::from_octets(10, 0, 0, 1);
constexpr Ipv4Address kB = Ipv4Address::from_octets(10, 0, 0, 2);

struct Pair {
    TscClock clock;
    MemoryLink link{link_config()};
    std::unique_ptr<Stack> a;
    std::unique_ptr<Stack> b;
    std::unique_ptr<TcpLayer> tcp_a;
    std::unique_ptr<TcpLayer> tcp_b;
    TcpHandle ca;
    TcpHandle cb;

    static MemoryLinkConfig link_config() {
        MemoryLinkConfig c;
        c.a.rx_queue_depth = 4096;
        c.b.rx_queue_depth = 4096;
        return c;
    }

    explicit Pair(const TcpConnConfig& conn) {
        StackConfig sa;
        sa.clock = &clock;
        sa.address = Ipv4Cidr{kA, 24};
        sa.pool_size = 8192;
        sa.tx_queue_len = 4096;
        StackConfig sb = sa;
        sb.address = Ipv4Cidr{kB, 24};
        sb.seed = 2;
        auto ra = Stack::create(link.a(), sa);
        auto rb = Stack::create(link.b(), sb);
        if (!ra.ok() || !rb.ok()) {
            std::fprintf(stderr, "stack setup: %s\n", (!ra.ok() ? ra.error() : rb.error()).message().c_str());
            std::abort();
        }
        a = std::move(ra.value());
        b = std::move(rb.value());
        TcpConfig tc;
        tc.max_connections = 4;
        tc.defaults = conn;
        tcp_a = std::make_unique<TcpLayer>(*a, tc);
        tcp_b = std::make_unique<TcpLayer>(*b, tc);
        a->set_protocol_handler(IpProtocol::kTcp, tcp_a.get());
        b->set_protocol_handler(IpProtocol::kTcp, tcp_b.get());
        auto l = tcp_b->listen({kB, 80}, 4);
        a->poll();
        ca = tcp_a->open({}, {kB, 80}).value();
        for (int i = 0; i < 100000 && !cb.valid(); ++i) {
            poll();
            if (auto r = tcp_b->accept(l.value()); r.ok()) cb = r.value();
        }
    }
    // Frames still queued in the link belong to the stacks' pools: drain them first.
    ~Pair() {
        a->set_protocol_handler(IpProtocol::kTcp, nullptr);
        b->set_protocol_handler(IpProtocol::kTcp, nullptr);
        tcp_a.reset();
        tcp_b.reset();
        for (int i = 0; i < 1000 && (a->pool().in_use() + b->pool().in_use()) > 0; ++i) poll();
        a.reset();
        b.reset();
    }
    void poll() {
        a->poll();
        b->poll();
    }
};

void BM_BulkTransfer(benchmark::State& state) {
    TcpConnConfig conn;
    conn.send_buffer = conn.receive_buffer = 1 << 20;
    Pair p(conn);
    std::vector<std::byte> chunk(64 * 1024, std::byte{0x5a});
    std::vector<std::byte> sink(256 * 1024);
    uint64_t received = 0;
    for (auto _ : state) {
        // One round: fill the send buffer, move the frames, read what arrived.
        while (p.tcp_a->send_space(p.ca) > 0) {
            if (!p.tcp_a->send(p.ca, chunk).ok()) break;
        }
        p.poll();
        for (;;) {
            auto r = p.tcp_b->receive(p.cb, sink);
            if (!r.ok() || r.value() == 0) break;
            received += r.value();
        }
    }
    state.SetBytesProcessed(static_cast<int64_t>(received));
    const double segments = static_cast<double>(received) / 1448.0;
    state.counters["Gbit/s"] = benchmark::Counter(static_cast<double>(received) * 8 / 1e9, benchmark::Counter::kIsRate);
    state.counters["ns/segment"] = benchmark::Counter(segments / 1e9, benchmark::Counter::kIsRate |
                                                                          benchmark::Counter::kInvert);
    state.counters["rto"] = static_cast<double>(p.tcp_a->counters().retransmit_timeouts);
}
BENCHMARK(BM_BulkTransfer)->MinTime(0.5);

void BM_PingPong64(benchmark::State& state) {
    TcpConnConfig conn;
    conn.nodelay = true;
    Pair p(conn);
    std::vector<std::byte> msg(64, std::byte{0x33});
    std::vector<std::byte> buf(4096);
    for (auto _ : state) {
        (void)p.tcp_a->send(p.ca, msg);
        size_t got = 0;
        while (got < 64) {
            p.poll();
            if (auto r = p.tcp_b->receive(p.cb, buf); r.ok()) got += r.value();
        }
        (void)p.tcp_b->send(p.cb, msg);
        got = 0;
        while (got < 64) {
            p.poll();
            if (auto r = p.tcp_a->receive(p.ca, buf); r.ok()) got += r.value();
        }
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_PingPong64)->MinTime(0.5);

}  // namespace
}  // namespace tachyon
