// TCP micro-benchmarks on fake IP hosts (no device, no Ethernet/IP): the cost of the TCP layer
// alone.
//   BM_HandshakeAndClose: open, three-way handshake, accept, close from both sides, TIME-WAIT
//     expiry (the timer wheel included) between two layers in one thread.
//   BM_ReceiveInOrderSegment: one in-order 1448-byte data segment into an established
//     connection, with its ACK generated and emitted and the data read by the application
//     (checksum trusted as with a device's RX offload; the segment copy into a packet included;
//     bench/tcp/fastpath_fixtures.hpp, shared with fastpath_driver for callgrind).
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "bench/tcp/fastpath_fixtures.hpp"
#include "stack/tcp/tcp_layer.hpp"
#include "tests/support/fake_ip_host.hpp"

namespace tachyon {
namespace {

using bench::kA;
using bench::kB;
using bench::shuttle;

void BM_HandshakeAndClose(benchmark::State& state) {
    test::FakeIpHost ha(kA, 1, 64);
    test::FakeIpHost hb(kB, 2, 64);
    TcpConfig cfg;
    cfg.max_connections = 64;
    cfg.defaults.send_buffer = 16 * 1024;
    cfg.defaults.receive_buffer = 16 * 1024;
    TcpLayer a(ha, cfg);
    TcpLayer b(hb, cfg);
    ha.attach(&a);
    hb.attach(&b);
    auto l = b.listen({kB, 80}, 16);
    uint16_t port = 10000;
    for (auto _ : state) {
        auto c = a.open({kA, port}, {kB, 80});
        port = static_cast<uint16_t>(port == 60000 ? 10000 : port + 1);
        shuttle(ha, b);  // SYN
        shuttle(hb, a);  // SYN,ACK
        shuttle(ha, b);  // ACK
        auto s = b.accept(l.value());
        (void)a.close(c.value());
        shuttle(ha, b);  // FIN
        shuttle(hb, a);  // ACK
        (void)b.close(s.value());
        shuttle(hb, a);  // FIN
        shuttle(ha, b);  // ACK
        ha.advance(Duration::from_secs(61));  // TIME-WAIT ends
        hb.advance(Duration::from_secs(61));
        benchmark::DoNotOptimize(a.connections_in_use());
    }
    state.counters["conn/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HandshakeAndClose);

void BM_ReceiveInOrderSegment(benchmark::State& state) {
    bench::RxAckFixture f;
    for (auto _ : state) benchmark::DoNotOptimize(f.step());
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 1448);
}
BENCHMARK(BM_ReceiveInOrderSegment);

void BM_ReceiveInOrderSegmentInPlace(benchmark::State& state) {
    bench::RxAckFixture f;
    for (auto _ : state) benchmark::DoNotOptimize(f.step_in_place());
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 1448);
}
BENCHMARK(BM_ReceiveInOrderSegmentInPlace);

}  // namespace
}  // namespace tachyon

BENCHMARK_MAIN();
