#include "stack/tx_queue.hpp"

#include <algorithm>
#include <array>

namespace tachyon {

namespace {
size_t round_up_pow2(size_t n) {
    size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

// Between one burst and 2^24 frames, whatever the configuration asks for.
size_t bounded_capacity(size_t capacity) {
    return round_up_pow2(std::clamp(capacity, Device::kMaxBurst, size_t{1} << 24));
}
}  // namespace

TxQueue::TxQueue(size_t capacity)
    : mask_(bounded_capacity(capacity) - 1), slots_(std::make_unique<Packet[]>(mask_ + 1)) {}

bool TxQueue::push(Packet& pkt) {
    if (full()) return false;
    slots_[tail_ & mask_] = std::move(pkt);
    ++tail_;
    return true;
}

TxQueue::Flushed TxQueue::flush(Device& device) {
    Flushed out;
    while (head_ != tail_) {
        // A contiguous run of the ring, at most one burst.
        const size_t start = head_ & mask_;
        const size_t run = std::min({tail_ - head_, capacity() - start, Device::kMaxBurst});
        std::array<size_t, Device::kMaxBurst> sizes;  // the first `run` are set: no zeroing
        for (size_t i = 0; i < run; ++i) sizes[i] = slots_[start + i].size();
        const size_t taken = device.tx_burst({&slots_[start], run});
        for (size_t i = 0; i < taken; ++i) {
            out.bytes += sizes[i];
            // The device owns it now. It should have emptied the handle; forget the pointer
            // either way so that the buffer can never be released twice.
            (void)slots_[start + i].into_raw();
        }
        out.frames += taken;
        head_ += taken;
        if (taken < run) break;
    }
    return out;
}

size_t TxQueue::clear() {
    const size_t n = size();
    for (; head_ != tail_; ++head_) slots_[head_ & mask_].reset();
    return n;
}

}  // namespace tachyon
