// A bounded lock-free single-producer single-consumer ring, for handing packets or commands between
// two threads (e.g. an application thread and the thread polling its stack).
//
// The capacity is given at construction and rounded up to a power of two (at least 1), so that
// free-running 64-bit indices map to slots with a mask and "full" is tail - head == capacity (no
// wasted slot). The producer's index and the consumer's index each live on their own cache-line
// pair together with that side's cached copy of the peer's index, so in steady state each side reads
// the peer's line only when its cached copy says the ring looks full (producer) or empty (consumer).
// Publication uses release stores and acquire loads: an element is fully constructed before the
// consumer can see it, and fully moved out and destroyed before the producer can reuse its slot.
//
// T needs only to be move-constructible (Packet works). Exactly one thread may call the push side
// and one thread the pop side; size()/empty() may be called from either and are a snapshot.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace tachyon {

template <typename T>
class SpscRing {
    static_assert(std::is_nothrow_move_constructible_v<T> && std::is_nothrow_destructible_v<T>,
                  "a slot must never be left half-moved");

public:
    explicit SpscRing(size_t capacity)
        : capacity_(std::bit_ceil(std::max<size_t>(capacity, 1))),
          mask_(capacity_ - 1),
          slots_(static_cast<std::byte*>(::operator new(capacity_ * sizeof(T), std::align_val_t(kStorageAlign)))) {}
    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;
    ~SpscRing() {
        // Both sides are quiescent by now: destroy what was pushed and never popped.
        const uint64_t tail = tail_.load(std::memory_order_acquire);
        for (uint64_t i = head_.load(std::memory_order_relaxed); i != tail; ++i) slot(i)->~T();
        ::operator delete(slots_, std::align_val_t(kStorageAlign));
    }

    // Producer side. Returns false (leaving the argument untouched) when the ring is full.
    template <typename... Args>
    bool try_emplace(Args&&... args) {
        const uint64_t tail = tail_.load(std::memory_order_relaxed);
        if (tail - cached_head_ == capacity_) {
            cached_head_ = head_.load(std::memory_order_acquire);
            if (tail - cached_head_ == capacity_) return false;
        }
        ::new (static_cast<void*>(slots_ + (tail & mask_) * sizeof(T))) T(std::forward<Args>(args)...);
        tail_.store(tail + 1, std::memory_order_release);
        return true;
    }
    bool try_push(T&& value) { return try_emplace(std::move(value)); }
    bool try_push(const T& value) { return try_emplace(value); }

    // Consumer side. The out-parameter form avoids the optional's extra move.
    bool try_pop(T& out) {
        const uint64_t head = head_.load(std::memory_order_relaxed);
        if (head == cached_tail_) {
            cached_tail_ = tail_.load(std::memory_order_acquire);
            if (head == cached_tail_) return false;
        }
        T* p = slot(head);
        out = std::move(*p);
        p->~T();
        head_.store(head + 1, std::memory_order_release);
        return true;
    }
    std::optional<T> try_pop() {
        const uint64_t head = head_.load(std::memory_order_relaxed);
        if (head == cached_tail_) {
            cached_tail_ = tail_.load(std::memory_order_acquire);
            if (head == cached_tail_) return std::nullopt;
        }
        T* p = slot(head);
        std::optional<T> out(std::move(*p));
        p->~T();
        head_.store(head + 1, std::memory_order_release);
        return out;
    }

    size_t size() const {
        // Head first: the tail read after it can only be larger, so the difference never underflows.
        const uint64_t head = head_.load(std::memory_order_acquire);
        const uint64_t tail = tail_.load(std::memory_order_acquire);
        return static_cast<size_t>(std::min<uint64_t>(tail - head, capacity_));
    }
    bool empty() const { return size() == 0; }
    size_t capacity() const { return capacity_; }

private:
    // Two lines, not one: Intel's adjacent-line prefetcher pulls cache lines in pairs.
    static constexpr size_t kAlign = 128;
    static constexpr size_t kStorageAlign = std::max(kAlign, alignof(T));

    T* slot(uint64_t i) const { return std::launder(reinterpret_cast<T*>(slots_ + (i & mask_) * sizeof(T))); }

    // Read-only after construction, shared by both sides.
    alignas(kAlign) const size_t capacity_;
    const uint64_t mask_;
    std::byte* const slots_;
    // Producer's line.
    alignas(kAlign) std::atomic<uint64_t> tail_{0};
    uint64_t cached_head_ = 0;
    // Consumer's line.
    alignas(kAlign) std::atomic<uint64_t> head_{0};
    uint64_t cached_tail_ = 0;
};

}  // namespace tachyon
