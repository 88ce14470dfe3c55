// FixedRing<T>: a bounded FIFO over storage allocated once, for single-threaded queues (the memory
// link's RX queues, the fault injector's held frames, socket receive queues, echo replies). No
// atomics: lib/spsc_ring.hpp is the cross-thread ring. Push and pop are O(1) and never allocate.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <memory>
#include <span>
#include <utility>

namespace tachyon {

template <typename T>
class FixedRing {
public:
    FixedRing() = default;
    // At most kMaxCapacity slots, whatever a configuration asks for (the bound also lets the
    // compiler see that the array's size cannot overflow).
    static constexpr size_t kMaxCapacity = size_t{1} << 24;
    explicit FixedRing(size_t capacity)
        : capacity_(std::min(capacity, kMaxCapacity)), slots_(new T[capacity_]) {}
    FixedRing(const FixedRing&) = delete;
    FixedRing& operator=(const FixedRing&) = delete;
    FixedRing(FixedRing&&) noexcept = default;
    FixedRing& operator=(FixedRing&&) noexcept = default;

    size_t size() const { return size_; }
    size_t capacity() const { return capacity_; }
    size_t free() const { return capacity_ - size_; }
    bool empty() const { return size_ == 0; }
    bool full() const { return size_ == capacity_; }

    // False (and `value` untouched) when the ring is full.
    bool push_back(T&& value) {
        if (full()) return false;
        slots_[wrap(head_ + size_)] = std::move(value);
        ++size_;
        return true;
    }
    T pop_front() {
        assert(!empty());
        T v = std::move(slots_[head_]);
        slots_[head_] = T{};
        head_ = wrap(head_ + 1);
        --size_;
        return v;
    }

    // i-th element from the front.
    T& operator[](size_t i) {
        assert(i < size_);
        return slots_[wrap(head_ + i)];
    }
    const T& operator[](size_t i) const {
        assert(i < size_);
        return slots_[wrap(head_ + i)];
    }
    T& front() { return (*this)[0]; }
    const T& front() const { return (*this)[0]; }
    T& back() { return (*this)[size_ - 1]; }
    const T& back() const { return (*this)[size_ - 1]; }

    // The longest run of elements from the front that is contiguous in memory (at most `max`),
    // so that a burst can be handed to a device in place, without moving it out first.
    std::span<T> contiguous_front(size_t max) {
        size_t n = size_ < capacity_ - head_ ? size_ : capacity_ - head_;
        if (n > max) n = max;
        return {slots_.get() + head_, n};
    }
    // Removes the first n elements (whose contents the caller has moved out); resets their slots.
    void drop_front(size_t n) {
        assert(n <= size_);
        for (size_t i = 0; i < n; ++i) slots_[wrap(head_ + i)] = T{};
        head_ = wrap(head_ + n);
        size_ -= n;
    }
    void clear() { drop_front(size_); }

private:
    size_t wrap(size_t i) const { return i >= capacity_ ? i - capacity_ : i; }

    size_t capacity_ = 0;  // before slots_, which is sized from it
    std::unique_ptr<T[]> slots_;
    size_t head_ = 0;
    size_t size_ = 0;
};

}  // namespace tachyon
