#include "drivers/dpdk/unmap_guard.hpp"

#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <mutex>

namespace tachyon {

namespace {

struct Registry {
    std::mutex mu;  // watch, unwatch and the waits: never the fast path
    std::array<const BurstSection*, kMaxWatchedSections> sections{};
    std::atomic<size_t> watched{0};  // read without the lock by every munmap() call
    bool membarrier_tried = false;
    std::atomic<bool> membarrier{false};  // read by unmap_guard_stats() without the lock
    std::atomic<uint64_t> interrupt_unmaps{0};
    std::atomic<uint64_t> waits{0};
    std::atomic<uint64_t> timeouts{0};
};

Registry& registry() {
    static Registry r;
    return r;
}

// Once, with the first watched section: the waiting side's barrier needs the process registered.
void register_membarrier(Registry& r) {
    if (r.membarrier_tried) return;
    r.membarrier_tried = true;
    const long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    const bool ok = cmds >= 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0 &&
                    syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
    r.membarrier.store(ok, std::memory_order_relaxed);
    unmap_guard_detail::pollers_fence.store(!ok, std::memory_order_relaxed);
}

// After this, a poller that entered a burst before it is seen inside, and one that enters later
// sees every store this thread made before it (the PMD's cleared "connected" flag).
void order_against_pollers(const Registry& r) {
    if (r.membarrier.load(std::memory_order_relaxed)) {
        (void)syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
    } else {
        std::atomic_thread_fence(std::memory_order_seq_cst);  // the pollers fence too
    }
}

// True on the thread EAL names "eal-intr-thread".
bool on_eal_interrupt_thread() {
    char name[16] = {};  // PR_GET_NAME writes at most 16 bytes, NUL included
    return prctl(PR_GET_NAME, name, 0, 0, 0) == 0 && std::strcmp(name, "eal-intr-thread") == 0;
}

}  // namespace

bool watch_bursts(const BurstSection& section) {
    Registry& r = registry();
    std::lock_guard lock(r.mu);
    register_membarrier(r);
    for (const BurstSection*& slot : r.sections) {
        if (slot == nullptr) {
            slot = &section;
            r.watched.fetch_add(1, std::memory_order_relaxed);
            return true;
        }
    }
    return false;
}

void unwatch_bursts(const BurstSection& section) {
    Registry& r = registry();
    std::lock_guard lock(r.mu);
    for (const BurstSection*& slot : r.sections) {
        if (slot == &section) {
            slot = nullptr;
            r.watched.fetch_sub(1, std::memory_order_relaxed);
        }
    }
}

UnmapGuardStats unmap_guard_stats() {
    const Registry& r = registry();
    return {.watched = r.watched.load(std::memory_order_relaxed),
            .interrupt_unmaps = r.interrupt_unmaps.load(std::memory_order_relaxed),
            .waits = r.waits.load(std::memory_order_relaxed),
            .timeouts = r.timeouts.load(std::memory_order_relaxed),
            .membarrier = r.membarrier.load(std::memory_order_relaxed)};
}

bool wait_outside_bursts(std::chrono::nanoseconds bound) {
    Registry& r = registry();
    std::lock_guard lock(r.mu);  // a section cannot be unwatched (and destroyed) while we read it
    order_against_pollers(r);
    std::array<uint64_t, kMaxWatchedSections> seen{};
    bool any_inside = false;
    for (size_t i = 0; i < r.sections.size(); ++i) {
        if (r.sections[i] == nullptr) continue;
        seen[i] = r.sections[i]->count();
        any_inside = any_inside || (seen[i] & 1) != 0;
    }
    if (!any_inside) return true;
    r.waits.fetch_add(1, std::memory_order_relaxed);
    const auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
        bool inside = false;
        for (size_t i = 0; i < r.sections.size(); ++i) {
            inside = inside || ((seen[i] & 1) != 0 && r.sections[i]->count() == seen[i]);
        }
        if (!inside) return true;
        if (std::chrono::steady_clock::now() >= deadline) {
            r.timeouts.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        // Sleep, not spin: the poller may need this very CPU to finish its burst.
        const timespec pause{0, 20'000};
        nanosleep(&pause, nullptr);
    }
}

}  // namespace tachyon

// The interposition (unmap_guard.hpp). The executable's definition comes first in the global
// scope, so DPDK's libraries and plugins call this one; it ends in the system call, as libc's does.
extern "C" int munmap(void* addr, size_t len) noexcept {
    tachyon::Registry& r = tachyon::registry();
    if (r.watched.load(std::memory_order_relaxed) != 0 && tachyon::on_eal_interrupt_thread()) {
        r.interrupt_unmaps.fetch_add(1, std::memory_order_relaxed);
        (void)tachyon::wait_outside_bursts(tachyon::kUnmapWaitBound);
    }
    return static_cast<int>(syscall(SYS_munmap, addr, len));
}
