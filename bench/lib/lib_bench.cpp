// Micro-benchmarks of the lib/ fast paths. Run: bench_lib --benchmark_min_time=0.1
#include <benchmark/benchmark.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "lib/checksum.hpp"
#include "lib/histogram.hpp"
#include "lib/log.hpp"
#include "lib/packet.hpp"
#include "lib/random.hpp"
#include "lib/spsc_ring.hpp"
#include "lib/timer_wheel.hpp"

namespace tachyon {
namespace {

std::vector<std::byte> random_bytes(size_t n) {
    Random rng(1);
    std::vector<std::byte> v(n);
    for (auto& b : v) b = static_cast<std::byte>(rng.next_u32());
    return v;
}

void BM_ChecksumFast(benchmark::State& state) {
    const size_t len = static_cast<size_t>(state.range(0));
    const auto data = random_bytes(len + 1);
    const std::span<const std::byte> s(data.data() + 1, len);  // odd address, like after a 14-byte header
    for (auto _ : state) {
        benchmark::DoNotOptimize(s.data());
        benchmark::DoNotOptimize(internet_checksum(s));
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * len));
}
BENCHMARK(BM_ChecksumFast)->Arg(20)->Arg(64)->Arg(1460)->Arg(9000);

// Each implementation behind the automatic choice (args: impl, length).
void BM_ChecksumImpl(benchmark::State& state) {
    const auto impl = static_cast<ChecksumImpl>(state.range(0));
    if (!checksum_impl_available(impl)) {
        state.SkipWithError("not available on this CPU");
        return;
    }
    const size_t len = static_cast<size_t>(state.range(1));
    const auto data = random_bytes(len + 1);
    const std::span<const std::byte> s(data.data() + 1, len);
    for (auto _ : state) {
        benchmark::DoNotOptimize(s.data());
        benchmark::DoNotOptimize(checksum_partial_with(impl, s));
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * len));
}
BENCHMARK(BM_ChecksumImpl)
    ->ArgNames({"impl", "len"})
    ->ArgsProduct({{static_cast<int>(ChecksumImpl::kScalar), static_cast<int>(ChecksumImpl::kSse2),
                    static_cast<int>(ChecksumImpl::kAvx2)},
                   {1460}});

void BM_ChecksumReference(benchmark::State& state) {
    const size_t len = static_cast<size_t>(state.range(0));
    const auto data = random_bytes(len + 1);
    const std::span<const std::byte> s(data.data() + 1, len);
    for (auto _ : state) {
        benchmark::DoNotOptimize(s.data());
        benchmark::DoNotOptimize(internet_checksum_reference(s));
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * len));
}
BENCHMARK(BM_ChecksumReference)->Arg(20)->Arg(64)->Arg(1460)->Arg(9000);

void BM_PacketPoolAllocRelease(benchmark::State& state) {
    PacketPool pool(1024);
    for (auto _ : state) {
        Packet p = pool.alloc();
        benchmark::DoNotOptimize(p.raw());
    }
}
BENCHMARK(BM_PacketPoolAllocRelease);

void BM_PacketPoolBurst32(benchmark::State& state) {
    PacketPool pool(1024);
    Packet burst[32];
    for (auto _ : state) {
        for (Packet& p : burst) p = pool.alloc();
        benchmark::DoNotOptimize(burst[31].raw());
        for (Packet& p : burst) p.reset();
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 32));
}
BENCHMARK(BM_PacketPoolBurst32);

void noop_handler(Timer&, Instant) {}

// arm + cancel of one timer among many armed ones (a connection's RTO restarted on each ACK).
void BM_TimerArmCancel(benchmark::State& state) {
    const Instant start = Instant::from_ns(0);
    TimerWheel wheel(start);
    std::vector<std::unique_ptr<Timer>> background;
    Random rng(2);
    for (int i = 0; i < 10000; ++i) {
        background.push_back(std::make_unique<Timer>(&noop_handler));
        wheel.arm(*background.back(), start + Duration::from_ns(static_cast<int64_t>(rng.below(60'000'000'000ull))));
    }
    Timer t(&noop_handler);
    int64_t i = 0;
    for (auto _ : state) {
        wheel.arm(t, start + Duration::from_ms(200) + Duration::from_us(i++ & 1023));
        wheel.cancel(t);
    }
}
BENCHMARK(BM_TimerArmCancel);

// Re-arming an armed timer (the common RTO/delayed-ACK restart) without a cancel in between.
void BM_TimerRearm(benchmark::State& state) {
    const Instant start = Instant::from_ns(0);
    TimerWheel wheel(start);
    Timer t(&noop_handler);
    int64_t i = 0;
    for (auto _ : state) wheel.arm(t, start + Duration::from_ms(200) + Duration::from_us(i++ & 1023));
}
BENCHMARK(BM_TimerRearm);

// arm, then expire through advance(): each iteration moves the clock one tick and fires one timer.
void BM_TimerArmExpire(benchmark::State& state) {
    const Duration tick = Duration::from_us(100);
    Instant now = Instant::from_ns(0);
    TimerWheel wheel(now, tick);
    Timer t(&noop_handler);
    size_t fired = 0;
    for (auto _ : state) {
        wheel.arm(t, now + tick);
        now += tick;
        fired += wheel.advance(now);
    }
    if (fired != static_cast<size_t>(state.iterations())) state.SkipWithError("a timer did not fire");
}
BENCHMARK(BM_TimerArmExpire);

// Arm timers far ahead (seconds: upper levels, cascaded on the way), then expire them.
void BM_TimerArmExpireCascade(benchmark::State& state) {
    constexpr int kBatch = 1000;
    Instant now = Instant::from_ns(0);
    TimerWheel wheel(now);
    std::vector<std::unique_ptr<Timer>> timers;
    for (int i = 0; i < kBatch; ++i) timers.push_back(std::make_unique<Timer>(&noop_handler));
    Random rng(3);
    for (auto _ : state) {
        for (auto& t : timers) wheel.arm(*t, now + Duration::from_ns(static_cast<int64_t>(rng.below(5'000'000'000ull))));
        now += Duration::from_secs(5);
        benchmark::DoNotOptimize(wheel.advance(now));
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
}
BENCHMARK(BM_TimerArmExpireCascade);

// An advance() with nothing due: the per-poll cost of the timer check.
void BM_TimerAdvanceIdle(benchmark::State& state) {
    Instant now = Instant::from_ns(0);
    TimerWheel wheel(now);
    Timer t(&noop_handler);
    wheel.arm(t, now + Duration::from_secs(100));
    for (auto _ : state) {
        now += Duration::from_ns(500);
        benchmark::DoNotOptimize(wheel.advance(now));
    }
}
BENCHMARK(BM_TimerAdvanceIdle);

void BM_HistogramRecord(benchmark::State& state) {
    Histogram h;
    uint64_t v = 1;
    for (auto _ : state) {
        h.record(v);
        v = v * 6364136223846793005ull + 1442695040888963407ull;
        v >>= 40;
    }
    benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramRecord);

void BM_SpscRingPushPop(benchmark::State& state) {
    SpscRing<uint64_t> r(1024);
    uint64_t i = 0;
    for (auto _ : state) {
        r.try_push(i++);
        uint64_t out;
        benchmark::DoNotOptimize(r.try_pop(out));
    }
}
BENCHMARK(BM_SpscRingPushPop);

void BM_LogDisabled(benchmark::State& state) {
    const LogLevel saved = log_level();
    set_log_level(LogLevel::kOff);
    int x = 0;
    for (auto _ : state) {
        TCY_LOG_WARN("value %d", x++);
        benchmark::ClobberMemory();
    }
    set_log_level(saved);
}
BENCHMARK(BM_LogDisabled);

}  // namespace
}  // namespace tachyon

BENCHMARK_MAIN();
