// A fixed number of fast-path operations for `valgrind --tool=callgrind` (bench/callgrind.sh):
//
//   fastpath_driver rx_ack|rx_ack_inplace|idle_poll|pingpong|bulk|connect[_offload] ITERATIONS
//
// Setup (connection establishment, warm-up) happens outside measured(), and callgrind is told to
// count only inside it (--collect-atstart=no --toggle-collect='*measured*'), so the instruction
// count divided by the operations printed is the cost of one operation, the same on every run.
// Run natively it prints ns per operation as well (wall clock, for orientation only: bench_tcp is
// the timing reference). Operations: rx_ack one in-order segment received + ACKed + read;
// rx_ack_inplace the same with the segment already in its buffer and read in place;
// pingpong one 64-byte round trip; bulk one 1448-byte segment delivered (both stacks' work);
// connect one short connection (connect, 64-byte request and answer, close; both stacks' work);
// idle_poll one poll step of a stack with an established connection and nothing to do (what a
// busy-polling application spends between packets);
// *_offload the same with the memory link's virtual checksum offload.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench/tcp/fastpath_fixtures.hpp"

namespace tachyon::bench {
namespace {

enum class Scenario { kRxAck, kRxAckInPlace, kIdlePoll, kPingPong, kBulk, kConnect };

// Returns the operations done (segments for bulk).
[[gnu::noinline]] uint64_t measured(Scenario s, RxAckFixture* rx, LinkPair* link, uint64_t iterations) {
    uint64_t ops = 0;
    switch (s) {
        case Scenario::kRxAck:
            for (uint64_t i = 0; i < iterations; ++i) ops += rx->step() / 1448;
            break;
        case Scenario::kRxAckInPlace:
            for (uint64_t i = 0; i < iterations; ++i) ops += rx->step_in_place() / 1448;
            break;
        case Scenario::kIdlePoll:
            for (uint64_t i = 0; i < iterations; ++i) link->poll();
            ops = 2 * iterations;  // one step of each stack
            break;
        case Scenario::kPingPong:
            for (uint64_t i = 0; i < iterations; ++i) link->ping_pong();
            ops = iterations;
            break;
        case Scenario::kConnect:
            for (uint64_t i = 0; i < iterations; ++i) link->connect_round();
            ops = iterations;
            break;
        case Scenario::kBulk: {
            uint64_t bytes = 0;
            for (uint64_t i = 0; i < iterations; ++i) bytes += link->bulk_round();
            ops = bytes / 1448;
            break;
        }
    }
    return ops;
}

int run(Scenario s, bool offload, uint64_t iterations) {
    std::unique_ptr<RxAckFixture> rx;
    std::unique_ptr<LinkPair> link;
    if (s == Scenario::kRxAck || s == Scenario::kRxAckInPlace) {
        rx = std::make_unique<RxAckFixture>();
        for (int i = 0; i < 100; ++i) (void)rx->step();
    } else {
        // connect: room for the TIME-WAIT connections, as `tachyon perf` clients have.
        link = std::make_unique<LinkPair>(s == Scenario::kBulk ? LinkPair::bulk_config() : LinkPair::ping_pong_config(),
                                          offload, s == Scenario::kConnect ? 32768 : 4);
        for (int i = 0; i < 100; ++i) {
            switch (s) {
                case Scenario::kBulk: (void)link->bulk_round(); break;
                case Scenario::kConnect: link->connect_round(); break;
                default: link->ping_pong(); break;
            }
        }
    }
    const uint64_t segments_before = link ? link->segments_sent() : 0;
    const auto t0 = std::chrono::steady_clock::now();
    const uint64_t ops = measured(s, rx.get(), link.get(), iterations);
    const auto t1 = std::chrono::steady_clock::now();
    if (link && ops != 0) {
        std::printf("segments/operation %.2f\n",
                    static_cast<double>(link->segments_sent() - segments_before) / static_cast<double>(ops));
    }
    const double ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    std::printf("operations %" PRIu64 "\n", ops);
    std::printf("ns/operation %.1f\n", ops != 0 ? ns / static_cast<double>(ops) : 0.0);
    return ops != 0 ? 0 : 1;
}

}  // namespace
}  // namespace tachyon::bench

int main(int argc, char** argv) {
    using tachyon::bench::Scenario;
    if (argc != 3) {
        std::fprintf(stderr, "usage: fastpath_driver rx_ack|rx_ack_inplace|idle_poll|pingpong|bulk|connect[_offload] ITERATIONS\n");
        return 2;
    }
    Scenario s;
    const std::string name = argv[1];
    const bool offload = name.ends_with("_offload");
    const std::string base = offload ? name.substr(0, name.size() - 8) : name;
    if (base == "rx_ack" && !offload) {
        s = Scenario::kRxAck;
    } else if (base == "rx_ack_inplace" && !offload) {
        s = Scenario::kRxAckInPlace;
    } else if (base == "idle_poll" && !offload) {
        s = Scenario::kIdlePoll;
    } else if (base == "pingpong") {
        s = Scenario::kPingPong;
    } else if (base == "bulk") {
        s = Scenario::kBulk;
    } else if (base == "connect") {
        s = Scenario::kConnect;
    } else {
        std::fprintf(stderr, "fastpath_driver: unknown scenario %s (rx_ack, rx_ack_inplace, idle_poll, pingpong, bulk, connect, each but the first three also _offload)\n",
                     argv[1]);
        return 2;
    }
    const long long n = std::atoll(argv[2]);
    if (n <= 0) {
        std::fprintf(stderr, "fastpath_driver: ITERATIONS must be positive\n");
        return 2;
    }
    return tachyon::bench::run(s, offload, static_cast<uint64_t>(n));
}
