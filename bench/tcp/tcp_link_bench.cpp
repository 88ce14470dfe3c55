// Two Stacks in one thread over the memory link (no faults), the whole path: TCP, IPv4,
// Ethernet, the link's queues, on the TSC clock (bench/tcp/fastpath_fixtures.hpp, shared with
// fastpath_driver for callgrind).
//   BM_BulkTransfer: one connection sending as fast as the window allows, the receiver reading
//     everything; Gbit/s of payload and ns per 1448-byte segment (both stacks' work).
//   BM_PingPong64: a 64-byte message and a 64-byte reply (TCP_NODELAY), one round trip per
//     iteration.
// Both with software checksums (offload:0) and with the link's virtual checksum offload
// (offload:1), which stands for what a NIC (or virtio) would take over.
#include <benchmark/benchmark.h>

#include "bench/tcp/fastpath_fixtures.hpp"

namespace tachyon {
namespace {

// Argument: 1 turns the link's checksum offload on (as a NIC's would take the checksums over).
void BM_BulkTransfer(benchmark::State& state) {
    bench::LinkPair p(bench::LinkPair::bulk_config(), state.range(0) != 0);
    uint64_t received = 0;
    for (auto _ : state) received += p.bulk_round();
    state.SetBytesProcessed(static_cast<int64_t>(received));
    const double segments = static_cast<double>(received) / 1448.0;
    state.counters["Gbit/s"] = benchmark::Counter(static_cast<double>(received) * 8 / 1e9, benchmark::Counter::kIsRate);
    state.counters["ns/segment"] = benchmark::Counter(segments / 1e9, benchmark::Counter::kIsRate |
                                                                          benchmark::Counter::kInvert);
    state.counters["rto"] = static_cast<double>(p.retransmit_timeouts());
}
BENCHMARK(BM_BulkTransfer)->ArgName("offload")->Arg(0)->Arg(1)->MinTime(0.5);

void BM_PingPong64(benchmark::State& state) {
    bench::LinkPair p(bench::LinkPair::ping_pong_config(), state.range(0) != 0);
    for (auto _ : state) p.ping_pong();
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_PingPong64)->ArgName("offload")->Arg(0)->Arg(1)->MinTime(0.5);

}  // namespace
}  // namespace tachyon
