// Keeps EAL's interrupt thread from unmapping a port's memory under a burst in flight.
//
// net_memif handles its peer's departure in EAL's interrupt thread ("eal-intr-thread"): it clears
// the port's "connected" flag and then unmaps the shared regions (memif_disconnect ->
// memif_free_regions), without waiting for a burst on the polling thread that had already passed
// its check of that flag. The burst then reads unmapped memory and the process dies (README,
// "Departures and known gaps"). The PMD has no hook between the two steps, so unmap_guard.cpp
// interposes munmap(): the executable exports its definition (meson adds
// -Wl,--export-dynamic-symbol=munmap), and the PMDs, which EAL loads as plugins, bind to it. On
// EAL's interrupt thread it first waits until every watched port that is inside a burst has left
// it; a burst that begins later finds the flag cleared and touches nothing. Every other caller goes
// straight to the system call.
//
// The polling side costs two plain stores per burst (BurstSection). The order between a poller's
// "inside" store and its read of the PMD's flag, against the interrupt thread's clearing of the
// flag and its read of the poller's state, comes from membarrier(2) on the waiting side, as in
// liburcu's "memb" flavour, so the fast path has no fence. Where membarrier is missing the pollers
// fence instead (a full fence per burst; reported by unmap_guard_stats()).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tachyon {

namespace unmap_guard_detail {
// Set when membarrier(2) could not be registered: the pollers then order their own accesses.
inline std::atomic<bool> pollers_fence{false};
}  // namespace unmap_guard_detail

// One polling thread's bursts on one port. Only that thread calls enter() and leave().
class BurstSection {
public:
    void enter() {
        count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        if (unmap_guard_detail::pollers_fence.load(std::memory_order_relaxed)) [[unlikely]] {
            std::atomic_thread_fence(std::memory_order_seq_cst);
        } else {
            std::atomic_signal_fence(std::memory_order_seq_cst);  // the compiler keeps the store first
        }
    }
    void leave() { count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }
    // Odd while inside a burst; moves on every enter() and leave().
    uint64_t count() const { return count_.load(std::memory_order_acquire); }

private:
    std::atomic<uint64_t> count_{0};
};

// Sections the interposed munmap() waits for, at most kMaxWatchedSections at a time. watch()
// returns false when the table is full (that port then runs unguarded, as before this guard).
inline constexpr size_t kMaxWatchedSections = 64;
bool watch_bursts(const BurstSection& section);
void unwatch_bursts(const BurstSection& section);

struct UnmapGuardStats {
    size_t watched = 0;     // sections watched now
    uint64_t interrupt_unmaps = 0;  // munmap calls on EAL's interrupt thread while any was watched
    uint64_t waits = 0;     // munmap calls on the interrupt thread that found a burst in flight
    uint64_t timeouts = 0;  // of those, the ones that gave up after the bound and unmapped anyway
    bool membarrier = false;  // the waiting side orders the pollers (else the pollers fence)
};
// Lock-free: readable while a wait is in progress.
UnmapGuardStats unmap_guard_stats();

// Waits until each watched section that is inside a burst now has left that burst, at most
// `bound` (a burst lasts microseconds; a poller stopped inside one must not hold the interrupt
// thread for ever). Returns false if the bound passed first. The interposed munmap() calls it on
// EAL's interrupt thread with kUnmapWaitBound; tests call it directly.
inline constexpr std::chrono::seconds kUnmapWaitBound{1};
bool wait_outside_bursts(std::chrono::nanoseconds bound);

}  // namespace tachyon
