// The munmap guard (drivers/dpdk/unmap_guard.hpp) without DPDK: a thread named as EAL's interrupt
// thread unmaps memory while a watched section is inside a burst. The munmap() called here is the
// guard's, as it is for DPDK's plugins (the executable defines and exports it).
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <thread>
#include <vector>

#include "drivers/dpdk/unmap_guard.hpp"

namespace tachyon {
namespace {

// A page of our own, holding `value` in its first byte.
std::byte* map_page(std::byte value) {
    void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    static_cast<std::byte*>(p)[0] = value;
    return static_cast<std::byte*>(p);
}

// mincore() fails with ENOMEM on an address no mapping covers.
bool is_mapped(std::byte* page) {
    unsigned char resident = 0;
    return mincore(page, 4096, &resident) == 0 || errno != ENOMEM;
}

// Unmaps `page` on a new thread named `thread_name`; done is set when munmap() has returned.
std::thread unmap_on_thread(const char* thread_name, std::byte* page, std::atomic<bool>& done) {
    return std::thread([thread_name, page, &done] {
        prctl(PR_SET_NAME, thread_name, 0, 0, 0);
        EXPECT_EQ(munmap(page, 4096), 0);
        done.store(true);
    });
}

// Unmaps a page of its own on a thread named `thread_name`; the page is gone when the thread ends.
void expect_unmap_completes(const char* thread_name) {
    std::byte* page = map_page(std::byte{1});
    ASSERT_NE(page, nullptr);
    std::atomic<bool> done{false};
    unmap_on_thread(thread_name, page, done).join();
    EXPECT_TRUE(done.load());
    EXPECT_FALSE(is_mapped(page));
}

// A section watched for the test's length.
struct Watched {
    BurstSection section;
    Watched() { EXPECT_TRUE(watch_bursts(section)); }
    ~Watched() { unwatch_bursts(section); }
};

TEST(UnmapGuard, AnUnmapOnEalsInterruptThreadWaitsForTheBurstInFlight) {
    std::byte* page = map_page(std::byte{42});
    ASSERT_NE(page, nullptr);
    Watched poller;
    const UnmapGuardStats before = unmap_guard_stats();
    EXPECT_EQ(before.watched, 1u);
    poller.section.enter();
    std::atomic<bool> unmapped{false};
    std::thread intr = unmap_on_thread("eal-intr-thread", page, unmapped);
    // The interrupt thread has found the burst and waits (counted before it starts waiting), or,
    // without the guard, has unmapped the page.
    while (unmap_guard_stats().waits == before.waits && !unmapped.load()) std::this_thread::yield();
    ASSERT_FALSE(unmapped.load());
    EXPECT_TRUE(is_mapped(page));
    EXPECT_EQ(page[0], std::byte{42});  // without the guard this read would fault
    poller.section.leave();
    intr.join();
    EXPECT_TRUE(unmapped.load());
    EXPECT_FALSE(is_mapped(page));
    EXPECT_EQ(unmap_guard_stats().waits, before.waits + 1);
    EXPECT_EQ(unmap_guard_stats().timeouts, before.timeouts);
}

TEST(UnmapGuard, OtherThreadsAndPollersBetweenBurstsDoNotWait) {
    Watched poller;
    const UnmapGuardStats before = unmap_guard_stats();
    // Between bursts: the interrupt thread unmaps at once.
    expect_unmap_completes("eal-intr-thread");
    // Inside a burst, any other thread unmaps at once too: the join returns with the burst open.
    poller.section.enter();
    expect_unmap_completes("worker");
    poller.section.leave();
    EXPECT_EQ(unmap_guard_stats().waits, before.waits);
}

TEST(UnmapGuard, APollerStoppedInsideABurstHoldsTheWaitOnlyUntilTheBound) {
    Watched poller;
    const UnmapGuardStats before = unmap_guard_stats();
    poller.section.enter();  // and never leaves while the wait runs: it is this thread
    EXPECT_FALSE(wait_outside_bursts(std::chrono::milliseconds(2)));
    poller.section.leave();
    EXPECT_TRUE(wait_outside_bursts(std::chrono::milliseconds(2)));
    EXPECT_EQ(unmap_guard_stats().waits, before.waits + 1);
    EXPECT_EQ(unmap_guard_stats().timeouts, before.timeouts + 1);
}

TEST(UnmapGuard, TheWaitingSideOrdersThePollersWithMembarrier) {
    Watched poller;  // the first watch registers the process
    // Linux >= 4.14 has MEMBARRIER_CMD_PRIVATE_EXPEDITED; without it the pollers would fence.
    EXPECT_TRUE(unmap_guard_stats().membarrier);
}

TEST(UnmapGuard, WatchesAtMostItsCapacityAndForgetsUnwatchedSections) {
    const size_t before = unmap_guard_stats().watched;
    std::vector<BurstSection> sections(kMaxWatchedSections + 1);
    size_t accepted = 0;
    for (const BurstSection& s : sections) accepted += watch_bursts(s) ? 1 : 0;
    EXPECT_EQ(accepted, kMaxWatchedSections - before);
    EXPECT_EQ(unmap_guard_stats().watched, kMaxWatchedSections);
    for (const BurstSection& s : sections) unwatch_bursts(s);
    EXPECT_EQ(unmap_guard_stats().watched, before);
}

}  // namespace
}  // namespace tachyon
