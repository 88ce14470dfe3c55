#include "drivers/decorators/fault_injector.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <memory>
#include <set>
#include <vector>

#include "drivers/memory/memory_link.hpp"
#include "tests/unit/drivers/test_util.hpp"

namespace tachyon {
namespace {

using test::bytes_of;
using test::frame_bytes;
using test::frame_id;
using test::make_frame;
using test::RecordingDevice;

// Advances `clock` event by event (to each next_release()) up to `until`, flushing at each event,
// then to `until`; with nullopt, until nothing is held. Bounded, so that a broken injector fails the
// test instead of hanging it.
void test_run_until(FaultInjector& fi, ManualClock& clock, std::optional<Instant> until) {
    for (int guard = 0; guard < 100'000; ++guard) {
        const std::optional<Instant> next = fi.next_release();
        if (!next || (until && *next > *until)) {
            if (until) clock.set(std::max(clock.now(), *until));
            return;
        }
        clock.set(std::max(clock.now(), *next));
        fi.flush();
    }
    ADD_FAILURE() << "the injector did not drain";
}

class FaultInjectorTest : public ::testing::Test {
protected:
    void TearDown() override {
        EXPECT_EQ(pool_.in_use(), 0u);
        EXPECT_EQ(copies_.in_use(), 0u);
    }

    // Sends frames with ids [first, first + n) in one call; expects all to be taken.
    void send(FaultInjector& fi, uint32_t first, size_t n, size_t len = 64) {
        std::vector<Packet> burst;
        for (size_t i = 0; i < n; ++i) {
            burst.push_back(make_frame(pool_, first + static_cast<uint32_t>(i), len));
        }
        ASSERT_EQ(fi.tx_burst(burst), n);
    }

    void run_until(FaultInjector& fi, Instant t) { test_run_until(fi, clock_, t); }
    void run_until_idle(FaultInjector& fi) { test_run_until(fi, clock_, std::nullopt); }

    ManualClock clock_;
    PacketPool pool_{1024};
    PacketPool copies_{64};
    RecordingDevice sink_{clock_};
};

// One run of 10,000 frames with 10% loss: the ids that came out, and the stats.
struct LossRun {
    std::vector<uint32_t> ids;
    FaultStats stats;
};

LossRun run_loss(uint64_t seed) {
    ManualClock clock;
    PacketPool pool(64);
    RecordingDevice sink(clock);
    FaultInjectorConfig cfg;
    cfg.tx.seed = seed;
    cfg.tx.loss = 0.1;
    FaultInjector fi(sink, clock, nullptr, cfg);
    for (uint32_t i = 0; i < 10'000; i += 25) {
        std::array<Packet, 25> burst;
        for (uint32_t k = 0; k < 25; ++k) burst[k] = make_frame(pool, i + k);
        EXPECT_EQ(fi.tx_burst(burst), 25u);
        clock.advance(Duration::from_us(1));
    }
    EXPECT_EQ(pool.in_use(), 0u);
    return {sink.ids(), fi.fault_stats()};
}

TEST_F(FaultInjectorTest, LossRateIsBinomialAndReproducibleFromTheSeed) {
    const LossRun a = run_loss(42);
    const uint64_t frames = a.stats.frames;
    ASSERT_EQ(frames, 10'000u);
    // Binomial(n, 0.1): mean n/10, sd ~30; five standard deviations either way.
    const double mean = static_cast<double>(frames) * 0.1;
    const double sd = std::sqrt(static_cast<double>(frames) * 0.1 * 0.9);
    EXPECT_GT(static_cast<double>(a.stats.lost), mean - 5 * sd);
    EXPECT_LT(static_cast<double>(a.stats.lost), mean + 5 * sd);
    EXPECT_EQ(a.ids.size() + a.stats.lost, frames);
    EXPECT_EQ(a.stats.released, a.ids.size());

    const LossRun again = run_loss(42);
    EXPECT_EQ(again.ids, a.ids) << "same seed, same frames lost";
    EXPECT_EQ(again.stats, a.stats);

    const LossRun other = run_loss(43);
    EXPECT_NE(other.ids, a.ids) << "another seed loses other frames";
}

TEST_F(FaultInjectorTest, NoFaultsPassesFramesThroughImmediately) {
    FaultInjector fi(sink_, clock_, &copies_, {});
    send(fi, 0, 5);
    EXPECT_EQ(sink_.ids(), (std::vector<uint32_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(fi.held(), 0u);
    EXPECT_FALSE(fi.next_release());
    EXPECT_EQ(fi.fault_stats().released, 5u);
    EXPECT_EQ(fi.fault_stats().delayed, 0u);
    EXPECT_EQ(fi.name(), "fault:recorder");
}

TEST_F(FaultInjectorTest, DuplicationDeliversTwoIdenticalFrames) {
    FaultInjectorConfig cfg;
    cfg.tx.duplicate = 1.0;
    FaultInjector fi(sink_, clock_, &copies_, cfg);
    send(fi, 7, 1, 300);
    ASSERT_EQ(sink_.records.size(), 2u);
    EXPECT_EQ(sink_.records[0].bytes, frame_bytes(7, 300));
    EXPECT_EQ(sink_.records[1].bytes, frame_bytes(7, 300));
    EXPECT_EQ(fi.fault_stats().duplicated, 1u);
    EXPECT_EQ(fi.fault_stats().released, 2u);
}

TEST_F(FaultInjectorTest, DuplicateWithoutBufferIsCountedAndOriginalStillGoes) {
    PacketPool tiny(1);
    Packet hog = tiny.alloc();
    FaultInjectorConfig cfg;
    cfg.tx.duplicate = 1.0;
    FaultInjector fi(sink_, clock_, &tiny, cfg);
    send(fi, 1, 1);
    EXPECT_EQ(sink_.ids(), (std::vector<uint32_t>{1}));
    EXPECT_EQ(fi.fault_stats().duplicated, 0u);
    EXPECT_EQ(fi.fault_stats().duplicate_failed, 1u);
    hog.reset();
    EXPECT_EQ(tiny.in_use(), 0u);
}

TEST_F(FaultInjectorTest, CorruptionFlipsExactlyOneBit) {
    FaultInjectorConfig cfg;
    cfg.tx.corrupt = 1.0;
    FaultInjector fi(sink_, clock_, &copies_, cfg);
    constexpr size_t kFrames = 200;
    constexpr size_t kLen = 100;
    for (uint32_t i = 0; i < kFrames; ++i) send(fi, i, 1, kLen);
    ASSERT_EQ(sink_.records.size(), kFrames);
    std::set<size_t> positions;
    for (uint32_t i = 0; i < kFrames; ++i) {
        const std::vector<std::byte> want = frame_bytes(i, kLen);
        const std::vector<std::byte>& got = sink_.records[i].bytes;
        ASSERT_EQ(got.size(), kLen);
        int flipped = 0;
        for (size_t k = 0; k < kLen; ++k) {
            const auto diff = static_cast<unsigned>(got[k] ^ want[k]);
            flipped += std::popcount(diff);
            if (diff != 0) positions.insert(k);
        }
        EXPECT_EQ(flipped, 1) << "frame " << i;
    }
    EXPECT_GT(positions.size(), 50u) << "the corrupted byte is random";
    EXPECT_EQ(fi.fault_stats().corrupted, kFrames);
}

// A device's checksum verdict described the frame before the flip: a corrupted frame loses it, so
// the stack verifies it in software; an untouched frame keeps it.
TEST_F(FaultInjectorTest, CorruptionClearsTheDevicesChecksumVerdict) {
    FaultInjectorConfig cfg;
    cfg.tx.corrupt = 0.5;
    FaultInjector fi(sink_, clock_, &copies_, cfg);
    constexpr uint8_t kGood = PacketMeta::kRxIpCsumGood | PacketMeta::kRxL4CsumGood;
    for (uint32_t i = 0; i < 100; ++i) {
        Packet p = make_frame(pool_, i, 64);
        p.meta().rx_flags = kGood;
        Packet burst[1] = {std::move(p)};
        ASSERT_EQ(fi.tx_burst(burst), 1u);
    }
    ASSERT_EQ(sink_.records.size(), 100u);
    size_t corrupted = 0;
    for (uint32_t i = 0; i < 100; ++i) {  // in order: no reordering configured
        const auto& r = sink_.records[i];
        const bool changed = r.bytes != frame_bytes(i, 64);
        corrupted += changed ? 1 : 0;
        EXPECT_EQ(r.rx_flags, changed ? 0 : kGood) << "frame " << i;
    }
    EXPECT_EQ(corrupted, fi.fault_stats().corrupted);
    EXPECT_GT(corrupted, 0u);
    EXPECT_LT(corrupted, 100u);
}

TEST_F(FaultInjectorTest, DelayReleasesExactlyAtTheDeadline) {
    FaultInjectorConfig cfg;
    cfg.tx.delay = Duration::from_ms(5);
    FaultInjector fi(sink_, clock_, &copies_, cfg);
    clock_.set(Instant::from_ms(10));
    send(fi, 1, 1);
    EXPECT_TRUE(sink_.records.empty());
    ASSERT_EQ(fi.next_release(), Instant::from_ms(15));
    clock_.set(Instant::from_ms(15) - Duration::from_ns(1));
    EXPECT_EQ(fi.flush(), 0u);
    EXPECT_TRUE(sink_.records.empty());
    clock_.set(Instant::from_ms(15));
    EXPECT_EQ(fi.flush(), 1u);
    ASSERT_EQ(sink_.records.size(), 1u);
    EXPECT_EQ(sink_.records[0].at, Instant::from_ms(15));
    EXPECT_EQ(sink_.records[0].bytes, frame_bytes(1));
    EXPECT_FALSE(fi.next_release());
    EXPECT_EQ(fi.fault_stats().delayed, 1u);
}

TEST_F(FaultInjectorTest, DueFramesAlsoGoOutOnRxBurstAndLaterTxBurst) {
    FaultInjectorConfig cfg;
    cfg.tx.delay = Duration::from_ms(1);
    FaultInjector fi(sink_, clock_, &copies_, cfg);
    send(fi, 1, 1);
    clock_.advance(Duration::from_ms(1));
    std::array<Packet, 4> in;
    EXPECT_EQ(fi.rx_burst(in), 0u);
    EXPECT_EQ(sink_.ids(), (std::vector<uint32_t>{1}));
    send(fi, 2, 1);
    clock_.advance(Duration::from_ms(1));
    send(fi, 3, 1);
    EXPECT_EQ(sink_.ids(), (std::vector<uint32_t>{1, 2}));
    run_until_idle(fi);
    EXPECT_EQ(sink_.ids(), (std::vector<uint32_t>{1, 2, 3}));
}

TEST_F(FaultInjectorTest, JitterStaysInRangeAndNeverReorders) {
    FaultInjectorConfig cfg;
    cfg.tx.delay = Duration::from_ms(2);
    cfg.tx.jitter = Duration::from_ms(1);
    FaultInjector fi(sink_, clock_, &copies_, cfg);
    std::vector<Instant> sent;
    for (uint32_t i = 0; i < 200; ++i) {
        // Flushing at every event records each frame at its exact due time.
        run_until(fi, Instant::from_ns(int64_t{i} * 100'000));
        sent.push_back(clock_.now());
        send(fi, i, 1);
    }
    run_until_idle(fi);
    ASSERT_EQ(sink_.records.size(), 200u);
    std::set<int64_t> delays;
    for (uint32_t i = 0; i < 200; ++i) {
        EXPECT_EQ(sink_.records[i].id, i);
        const Duration d = sink_.records[i].at - sent[i];
        EXPECT_GE(d, Duration::from_ms(2));
        // Jitter is at most 1 ms, but holding order can add the predecessor's lateness.
        EXPECT_LE(d, Duration::from_ms(3));
        delays.insert(d.ns());
    }
    EXPECT_GT(delays.size(), 100u) << "the jitter varies";
}

TEST_F(FaultInjectorTest, RateLimitSpacesFramesBySerialisationTime) {
    FaultInjectorConfig cfg;
    cfg.tx.rate_bps = 12'000'000;  // 1500 B = 12,000 bits = exactly 1 ms
    FaultInjector fi(sink_, clock_, &copies_, cfg);
    send(fi, 0, 10, 1500);
    EXPECT_TRUE(sink_.records.empty()) << "the first frame is due when its last bit is out";
    EXPECT_EQ(fi.next_release(), Instant::from_ms(1));
    run_until_idle(fi);
    ASSERT_EQ(sink_.records.size(), 10u);
    for (uint32_t i = 0; i < 10; ++i) {
        EXPECT_EQ(sink_.records[i].id, i);
        EXPECT_EQ(sink_.records[i].at, Instant::from_ms(i + 1)) << "frame " << i;
    }
    EXPECT_EQ(fi.fault_stats().delayed, 10u);
    EXPECT_EQ(fi.fault_stats().rate_dropped, 0u);
}

TEST_F(FaultInjectorTest, RateLimitAddsDelayAfterSerialisation) {
    FaultInjectorConfig cfg;
    cfg.tx.rate_bps = 12'000'000;
    cfg.tx.delay = Duration::from_ms(10);
    FaultInjector fi(sink_, clock_, &copies_, cfg);
    send(fi, 0, 2, 1500);
    clock_.set(Instant::from_ms(1));
    send(fi, 2, 1, 750);  // queued behind frame 1, which finishes at 2 ms; then 0.5 ms
    run_until_idle(fi);
    ASSERT_EQ(sink_.records.size(), 3u);
    EXPECT_EQ(sink_.records[0].at, Instant::from_ms(11));
    EXPECT_EQ(sink_.records[1].at, Instant::from_ms(12));
    EXPECT_EQ(sink_.records[2].at, Instant::from_ns(12'500'000));
}

TEST_F(FaultInjectorTest, RateLimitQueueOverflowIsACountedDrop) {
    FaultInjectorConfig cfg;
    cfg.tx.rate_bps = 12'000'000;
    cfg.tx.rate_queue_frames = 4;
    FaultInjector fi(sink_, clock_, &copies_, cfg);
    send(fi, 0, 10, 1500);
    EXPECT_EQ(fi.fault_stats().rate_dropped, 6u);
    EXPECT_EQ(pool_.in_use(), 4u);
    // Once the first frame has left the bottleneck there is room for one more.
    clock_.set(Instant::from_ms(1));
    send(fi, 10, 2, 1500);
    EXPECT_EQ(fi.fault_stats().rate_dropped, 7u);
    run_until_idle(fi);
    ASSERT_EQ(sink_.ids(), (std::vector<uint32_t>{0, 1, 2, 3, 10}));
    EXPECT_EQ(sink_.records.back().at, Instant::from_ms(5));
}

TEST_F(FaultInjectorTest, ReorderSwapsFrames) {
    FaultInjectorConfig cfg;
    cfg.tx.reorder = 1.0;  // every frame wants holding; one is held at a time
    FaultInjector fi(sink_, clock_, &copies_, cfg);
    for (uint32_t i = 1; i <= 4; ++i) send(fi, i, 1);
    EXPECT_EQ(sink_.ids(), (std::vector<uint32_t>{2, 1, 4, 3}));
    EXPECT_EQ(fi.fault_stats().reordered, 2u);
    EXPECT_EQ(fi.held(), 0u);
}

TEST_F(FaultInjectorTest, ReorderGapHoldsBehindSeveralFrames) {
    FaultInjectorConfig cfg;
    cfg.tx.reorder = 1.0;
    cfg.tx.reorder_gap = 3;
    FaultInjector fi(sink_, clock_, &copies_, cfg);
    send(fi, 1, 5);
    EXPECT_EQ(sink_.ids(), (std::vector<uint32_t>{2, 3, 4, 1}));
    EXPECT_EQ(fi.held(), 1u) << "frame 5 is held now";
    run_until_idle(fi);
    EXPECT_EQ(sink_.ids(), (std::vector<uint32_t>{2, 3, 4, 1, 5}));
}

TEST_F(FaultInjectorTest, ReorderHeldFrameIsReleasedAfterMaxHold) {
    FaultInjectorConfig cfg;
    cfg.tx.reorder = 1.0;
    cfg.tx.reorder_max_hold = Duration::from_ms(2);
    FaultInjector fi(sink_, clock_, &copies_, cfg);
    send(fi, 1, 1);
    EXPECT_TRUE(sink_.records.empty());
    EXPECT_EQ(fi.next_release(), Instant::from_ms(2));
    clock_.set(Instant::from_ms(2) - Duration::from_ns(1));
    EXPECT_EQ(fi.flush(), 0u);
    clock_.set(Instant::from_ms(2));
    EXPECT_EQ(fi.flush(), 1u);
    EXPECT_EQ(sink_.ids(), (std::vector<uint32_t>{1}));
    EXPECT_EQ(fi.fault_stats().reorder_timeouts, 1u);
    EXPECT_FALSE(fi.next_release());
}

TEST_F(FaultInjectorTest, NextReleaseTracksTheEarliestEvent) {
    FaultInjectorConfig cfg;
    cfg.tx.delay = Duration::from_ms(3);
    FaultInjector fi(sink_, clock_, &copies_, cfg);
    EXPECT_FALSE(fi.next_release());
    send(fi, 1, 1);
    clock_.set(Instant::from_ms(1));
    send(fi, 2, 1);
    EXPECT_EQ(fi.next_release(), Instant::from_ms(3));
    clock_.set(Instant::from_ms(3));
    fi.flush();
    EXPECT_EQ(fi.next_release(), Instant::from_ms(4));
    clock_.set(Instant::from_ms(4));
    fi.flush();
    EXPECT_FALSE(fi.next_release());
    EXPECT_EQ(sink_.ids(), (std::vector<uint32_t>{1, 2}));
}

TEST_F(FaultInjectorTest, InnerBackpressureKeepsFramesHeldAndInOrder) {
    FaultInjectorConfig cfg;
    cfg.tx.hold_queue_frames = 4;
    FaultInjector fi(sink_, clock_, &copies_, cfg);
    sink_.accept_per_call = 0;
    std::array<Packet, 4> burst;
    for (uint32_t i = 0; i < 4; ++i) burst[i] = make_frame(pool_, i);
    // Room for 4 held frames and a frame may add 3 at worst: two are taken, two stay with us.
    ASSERT_EQ(fi.tx_burst(burst), 2u);
    EXPECT_TRUE(burst[2]);
    EXPECT_TRUE(burst[3]);
    EXPECT_EQ(fi.fault_stats().refused, 2u);
    EXPECT_EQ(fi.next_release(), Instant::from_ns(0)) << "due, the inner device refused it";
    sink_.accept_per_call = 1;
    EXPECT_EQ(fi.flush(), 1u);
    EXPECT_EQ(fi.tx_burst(std::span<Packet>(burst).subspan(2)), 2u);
    sink_.accept_per_call = SIZE_MAX;
    fi.flush();
    EXPECT_EQ(sink_.ids(), (std::vector<uint32_t>{0, 1, 2, 3}));
}

TEST_F(FaultInjectorTest, HeldFramesAreReleasedOnDestruction) {
    {
        FaultInjectorConfig cfg;
        cfg.tx.delay = Duration::from_secs(1);
        cfg.tx.duplicate = 1.0;
        FaultInjector fi(sink_, clock_, &copies_, cfg);
        send(fi, 0, 8);
        EXPECT_EQ(fi.held(), 16u);
        EXPECT_EQ(copies_.in_use(), 8u);
    }
    EXPECT_TRUE(sink_.records.empty());
}

// All faults at once, 2000 frames 50 us apart. `event_driven` also flushes at every next_release()
// between the sends (so the sink records the exact due times); otherwise due frames only go out
// when the next frame is sent.
std::vector<test::RecordingDevice::Record> run_all_faults(uint64_t seed, bool event_driven) {
    ManualClock clock;
    PacketPool pool(512);
    PacketPool copies(256);
    RecordingDevice sink(clock);
    FaultInjectorConfig cfg;
    cfg.tx = {.seed = seed, .loss = 0.05, .duplicate = 0.05, .corrupt = 0.05, .reorder = 0.1,
              .delay = Duration::from_us(300), .jitter = Duration::from_us(200),
              .rate_bps = 100'000'000, .rate_queue_frames = 64};
    {
        FaultInjector fi(sink, clock, &copies, cfg);
        for (uint32_t i = 0; i < 2000; ++i) {
            const Instant send_at = Instant::from_ns(int64_t{i} * 50'000);
            if (event_driven) test_run_until(fi, clock, send_at - Duration::from_ns(1));
            clock.set(send_at);
            std::array<Packet, 1> one{make_frame(pool, i, 64 + (i * 37) % 1400)};
            EXPECT_EQ(fi.tx_burst(one), 1u);
        }
        test_run_until(fi, clock, std::nullopt);
        EXPECT_GT(fi.fault_stats().lost, 0u);
        EXPECT_GT(fi.fault_stats().duplicated, 0u);
        EXPECT_GT(fi.fault_stats().corrupted, 0u);
        EXPECT_GT(fi.fault_stats().reordered, 0u);
        EXPECT_GT(fi.fault_stats().rate_dropped, 0u);
    }
    EXPECT_EQ(pool.in_use(), 0u);
    EXPECT_EQ(copies.in_use(), 0u);
    return sink.records;
}

TEST_F(FaultInjectorTest, AllFaultsAreDeterministicForASeed) {
    const auto a = run_all_faults(7, false);
    const auto b = run_all_faults(7, false);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].at, b[i].at);
        EXPECT_EQ(a[i].bytes, b[i].bytes);
    }
    // Polled at every event instead: the same frames in the same order, each no later.
    const auto e = run_all_faults(7, true);
    ASSERT_EQ(e.size(), a.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(e[i].bytes, a[i].bytes);
        EXPECT_LE(e[i].at, a[i].at);
    }
    const auto c = run_all_faults(8, false);
    bool differs = c.size() != a.size();
    for (size_t i = 0; !differs && i < a.size(); ++i) differs = a[i].bytes != c[i].bytes;
    EXPECT_TRUE(differs);
}

TEST_F(FaultInjectorTest, RxFaultsApplyToReceivedFrames) {
    MemoryLink link;
    FaultInjectorConfig cfg;
    cfg.rx = FaultConfig{.seed = 3, .delay = Duration::from_ms(2)};
    cfg.rx->loss = 0.5;
    FaultInjector fi(link.b(), clock_, &copies_, cfg);
    for (uint32_t i = 0; i < 64; i += 32) {
        std::array<Packet, 32> burst;
        for (uint32_t k = 0; k < 32; ++k) burst[k] = make_frame(pool_, i + k);
        ASSERT_EQ(link.a().tx_burst(burst), 32u);
    }
    std::array<Packet, 32> in;
    EXPECT_EQ(fi.rx_burst(in), 0u) << "delayed";
    EXPECT_EQ(fi.rx_burst(in), 0u);
    EXPECT_EQ(link.b().rx_queued(), 0u) << "both bursts pulled into the injector";
    clock_.set(Instant::from_ms(2));
    std::vector<uint32_t> ids;
    size_t n = 0;
    while ((n = fi.rx_burst(in)) > 0) {
        for (size_t i = 0; i < n; ++i) ids.push_back(frame_id(in[i]));
        for (Packet& p : in) p.reset();
    }
    const FaultStats rx = fi.rx_fault_stats();
    EXPECT_EQ(rx.frames, 64u);
    EXPECT_GT(rx.lost, 16u);
    EXPECT_LT(rx.lost, 48u);
    EXPECT_EQ(ids.size() + rx.lost, 64u);
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    EXPECT_EQ(fi.fault_stats().frames, 0u) << "TX untouched";
}

TEST_F(FaultInjectorTest, OwnsTheInnerDeviceAndComposesWithTheMemoryLink) {
    // The owning form, around a small device forwarding to one endpoint of a memory link.
    MemoryLink link;
    struct Forward final : Device {
        explicit Forward(Device& d) : d_(d) {}
        size_t rx_burst(std::span<Packet> out) override { return d_.rx_burst(out); }
        size_t tx_burst(std::span<Packet> p) override { return d_.tx_burst(p); }
        DeviceCaps caps() const override { return d_.caps(); }
        std::string name() const override { return d_.name(); }
        Device& d_;
    };
    FaultInjectorConfig cfg;
    cfg.tx.delay = Duration::from_us(10);
    FaultInjector fi(std::make_unique<Forward>(link.a()), clock_, &copies_, cfg);
    EXPECT_EQ(fi.caps().mac, link.a().caps().mac);
    send(fi, 5, 1, 128);
    std::array<Packet, 2> in;
    EXPECT_EQ(link.b().rx_burst(in), 0u);
    clock_.advance(Duration::from_us(10));
    fi.flush();
    ASSERT_EQ(link.b().rx_burst(in), 1u);
    EXPECT_EQ(bytes_of(in[0]), frame_bytes(5, 128));
}

}  // namespace
}  // namespace tachyon
