// The memory behind a TCP layer's connection buffers (send and receive rings, send records): blocks
// of power-of-two sizes handed out when a connection has something to hold and given back when
// it empties, so that memory follows what is in use rather than max_connections x buffer sizes
// (Linux charges skbs to tcp_mem the same way). Freed blocks wait on a free list per size class
// for reuse, up to cache_bytes in all: a steady state takes and gives blocks without touching the
// allocator. The blocks in use are bounded by limit_bytes (Linux's tcp_mem hard limit); a request
// past it, or one the allocator refuses, fails and is counted: the caller then drops or defers.
// It also bounds the received packets the connections keep instead of copying their payload
// into a ring (ReceiveBuffer::adopt): those buffers belong to a driver's RX pool, which must keep
// enough to receive into. Single-threaded, like the layer that owns it.
#pragma once

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>

namespace tachyon {

class BufferPool {
public:
    static constexpr size_t kMinShift = 6;   // 64 bytes: room for the free-list link
    static constexpr size_t kMaxShift = 31;  // 2 GiB, past any buffer a socket option allows
    static constexpr size_t kAlign = 64;     // a cache line

    struct Stats {
        size_t in_use_bytes = 0;    // blocks out with a connection
        size_t cached_bytes = 0;    // blocks on the free lists
        size_t peak_in_use_bytes = 0;
        uint64_t takes = 0;
        uint64_t heap_allocs = 0;   // takes the free lists could not serve
        uint64_t heap_frees = 0;    // gives past the cache bound (and trim())
        uint64_t failures = 0;      // takes refused: over limit_bytes, or the allocator said no
        size_t packets_held = 0;        // received packets kept for their payload now
        uint64_t packets_adopted = 0;   // ... ever (segments read in place, not copied)
        uint64_t packets_refused = 0;   // ... that were copied because packet_limit were held
    };

    explicit BufferPool(size_t cache_bytes = size_t{16} << 20, size_t limit_bytes = SIZE_MAX,
                        size_t packet_limit = 0);
    BufferPool(const BufferPool&) = delete;
    BufferPool& operator=(const BufferPool&) = delete;
    ~BufferPool();

    // The block size that serves `want` bytes: a power of two, at least 64.
    static size_t block_size(size_t want);

    // A block of exactly `size` bytes (a block_size() value), 64-byte aligned; nullptr when it
    // would pass the limit or the allocator has no memory (counted in failures).
    std::byte* take(size_t size);
    // Returns a block taken with the same size.
    void give(std::byte* block, size_t size) noexcept;
    // Frees every cached block (memory measurements, memory pressure).
    void trim() noexcept;

    // A received packet may be kept (false: packet_limit are held; copy its payload instead).
    bool hold_packet() {
        if (stats_.packets_held >= packet_limit_) {
            ++stats_.packets_refused;
            return false;
        }
        ++stats_.packets_held;
        ++stats_.packets_adopted;
        return true;
    }
    void release_packet() noexcept {
        assert(stats_.packets_held > 0);
        --stats_.packets_held;
    }

    const Stats& stats() const { return stats_; }
    size_t limit_bytes() const { return limit_bytes_; }
    void set_limit_bytes(size_t limit) { limit_bytes_ = limit; }

    // Without a pool (a ring standing alone): straight from and back to the allocator.
    static std::byte* heap_take(size_t size) noexcept;
    static void heap_give(std::byte* block, size_t size) noexcept;

private:
    struct FreeBlock {
        FreeBlock* next;
    };
    static size_t class_of(size_t size);

    std::array<FreeBlock*, kMaxShift - kMinShift + 1> free_{};
    size_t cache_bytes_;
    size_t limit_bytes_;
    size_t packet_limit_;
    Stats stats_;
};

// Takes from pool, or from the allocator when pool is null.
inline std::byte* take_block(BufferPool* pool, size_t size) {
    return pool != nullptr ? pool->take(size) : BufferPool::heap_take(size);
}
inline void give_block(BufferPool* pool, std::byte* block, size_t size) noexcept {
    if (pool != nullptr) {
        pool->give(block, size);
    } else {
        BufferPool::heap_give(block, size);
    }
}

}  // namespace tachyon
