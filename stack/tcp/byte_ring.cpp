#include "stack/tcp/byte_ring.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace tachyon {

void ByteRing::reset(size_t capacity) {
    if (capacity != capacity_ || !buf_) {
        buf_ = std::make_unique_for_overwrite<std::byte[]>(capacity == 0 ? 1 : capacity);
        capacity_ = capacity;
    }
    head_ = 0;
    size_ = 0;
}

// Copies the whole old ring in logical order (bytes past size() included: the receive side keeps
// out-of-order data there) into a larger one. A setup-time operation (socket options).
void ByteRing::grow(size_t capacity) {
    if (capacity <= capacity_) return;
    auto next = std::make_unique_for_overwrite<std::byte[]>(capacity);
    const size_t first = capacity_ - head_;
    std::memcpy(next.get(), buf_.get() + head_, first);
    std::memcpy(next.get() + first, buf_.get(), head_);
    buf_ = std::move(next);
    capacity_ = capacity;
    head_ = 0;
}

size_t ByteRing::push(std::span<const std::byte> src) {
    const size_t n = std::min(src.size(), free());
    write_at(size_, src.first(n));
    size_ += n;
    return n;
}

void ByteRing::write_at(size_t offset, std::span<const std::byte> src) {
    assert(offset + src.size() <= capacity_);
    if (src.empty()) return;
    const size_t start = wrap(head_ + offset);
    const size_t first = std::min(src.size(), capacity_ - start);
    std::memcpy(buf_.get() + start, src.data(), first);
    if (first < src.size()) std::memcpy(buf_.get(), src.data() + first, src.size() - first);
}

void ByteRing::copy_out(size_t offset, std::span<std::byte> dst) const {
    assert(offset + dst.size() <= size_);
    if (dst.empty()) return;
    const size_t start = wrap(head_ + offset);
    const size_t first = std::min(dst.size(), capacity_ - start);
    std::memcpy(dst.data(), buf_.get() + start, first);
    if (first < dst.size()) std::memcpy(dst.data() + first, buf_.get(), dst.size() - first);
}

void ByteRing::consume(size_t n) {
    assert(n <= size_);
    head_ = wrap(head_ + n);
    size_ -= n;  // head_ is not rewound when empty: write_at may hold bytes past size()
}

}  // namespace tachyon
