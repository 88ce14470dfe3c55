// BoundedFifo: a single-threaded FIFO of fixed capacity, allocated once: socket receive queues and the echo
// reply queue. (lib/spsc_ring.hpp is the cross-thread ring; this one needs no atomics.)
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

namespace tachyon {

template <typename T>
class BoundedFifo {
public:
    BoundedFifo() = default;
    explicit BoundedFifo(size_t capacity) : slots_(std::make_unique<T[]>(capacity)), capacity_(capacity) {}

    bool empty() const { return count_ == 0; }
    bool full() const { return count_ == capacity_; }
    size_t size() const { return count_; }
    size_t capacity() const { return capacity_; }

    // Moves v in and returns true; false (v untouched) when full.
    bool push(T& v) {
        if (full()) return false;
        slots_[(head_ + count_) % capacity_] = std::move(v);
        ++count_;
        return true;
    }
    T& front() { return slots_[head_]; }
    const T& front() const { return slots_[head_]; }
    T pop() {
        T v = std::move(slots_[head_]);
        slots_[head_] = T();
        head_ = (head_ + 1) % capacity_;
        --count_;
        return v;
    }
    void clear() {
        while (!empty()) (void)pop();
    }

private:
    std::unique_ptr<T[]> slots_;
    size_t capacity_ = 0;
    size_t head_ = 0;
    size_t count_ = 0;
};

}  // namespace tachyon
