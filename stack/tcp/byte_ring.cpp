#include "stack/tcp/byte_ring.hpp"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <utility>

namespace tachyon {

ByteRing::ByteRing(ByteRing&& other) noexcept { *this = std::move(other); }

ByteRing& ByteRing::operator=(ByteRing&& other) noexcept {
    if (this == &other) return *this;
    drop_storage();
    pool_ = other.pool_;
    buf_ = std::exchange(other.buf_, nullptr);
    phys_ = std::exchange(other.phys_, 0);
    capacity_ = other.capacity_;
    head_ = std::exchange(other.head_, 0);
    size_ = std::exchange(other.size_, 0);
    extent_ = std::exchange(other.extent_, 0);
    peak_ = std::exchange(other.peak_, 0);
    hint_ = other.hint_;
    linger_ = other.linger_;
    return *this;
}

void ByteRing::set_pool(BufferPool* pool) {
    assert(buf_ == nullptr);
    pool_ = pool;
}

void ByteRing::reset(size_t capacity) {
    assert(capacity <= UINT32_MAX);  // peak_ and hint_ are 32 bits
    drop_storage();
    capacity_ = capacity;
    head_ = size_ = extent_ = peak_ = hint_ = 0;
}

// The storage keeps every byte at its offset; a later reserve() grows it to the new limit.
void ByteRing::grow(size_t capacity) {
    assert(capacity <= UINT32_MAX);
    capacity_ = std::max(capacity_, capacity);
}

void ByteRing::drop_storage() {
    if (buf_ == nullptr) return;
    give_block(pool_, buf_, phys_);
    buf_ = nullptr;
    phys_ = 0;
    head_ = 0;
    hint_ = peak_;
    peak_ = 0;
}

bool ByteRing::take_storage(size_t end) {
    assert(end <= capacity_);
    // The first block is the last busy period's size (no regrowth for a steady stream), else one
    // segment's worth; never more than the capacity needs. (block_size() is monotonic, so the
    // cap applies before it: one call instead of two.)
    const size_t start = buf_ == nullptr ? std::max<size_t>(hint_, std::min(kMinBlock, capacity_)) : phys_ * 2;
    const size_t size = BufferPool::block_size(std::min(std::max(end, start), capacity_));
    std::byte* next = take_block(pool_, size);
    if (next == nullptr) return false;
    if (buf_ != nullptr) {
        // Every byte written so far (out-of-order ones included) moves in logical order.
        const size_t first = std::min(extent_, phys_ - head_);
        std::memcpy(next, buf_ + head_, first);
        std::memcpy(next + first, buf_, extent_ - first);
        give_block(pool_, buf_, phys_);
    }
    buf_ = next;
    phys_ = size;
    head_ = 0;
    return true;
}

void ByteRing::copy_in(size_t offset, std::span<const std::byte> src) {
    const size_t start = wrap(head_ + offset);
    const size_t first = std::min(src.size(), phys_ - start);
    std::memcpy(buf_ + start, src.data(), first);
    if (first < src.size()) std::memcpy(buf_, src.data() + first, src.size() - first);
    extent_ = std::max(extent_, offset + src.size());
    peak_ = std::max(peak_, static_cast<uint32_t>(extent_));
}

size_t ByteRing::push(std::span<const std::byte> src) {
    size_t n = std::min(src.size(), free());
    if (n == 0) return 0;
    if (!reserve(size_ + n)) n = phys_ > size_ ? std::min(n, phys_ - size_) : 0;
    if (n == 0) return 0;
    copy_in(size_, src.first(n));
    size_ += n;
    return n;
}

bool ByteRing::write_at(size_t offset, std::span<const std::byte> src) {
    assert(offset + src.size() <= capacity_);
    if (src.empty()) return true;
    if (!reserve(offset + src.size())) return false;
    copy_in(offset, src);
    return true;
}

void ByteRing::commit(size_t n) {
    size_ += n;
    assert(size_ <= extent_);
}

void ByteRing::copy_out(size_t offset, std::span<std::byte> dst) const {
    assert(offset + dst.size() <= size_);
    if (dst.empty()) return;
    const size_t start = wrap(head_ + offset);
    const size_t first = std::min(dst.size(), phys_ - start);
    std::memcpy(dst.data(), buf_ + start, first);
    if (first < dst.size()) std::memcpy(dst.data() + first, buf_, dst.size() - first);
}

void ByteRing::consume(size_t n) {
    assert(n <= size_);
    if (n == 0) return;
    head_ = wrap(head_ + n);
    size_ -= n;
    extent_ -= n;  // head_ is not rewound while anything is held: out-of-order bytes lie beyond
    if (extent_ != 0) return;
    if (linger_) {
        head_ = 0;  // empty: the next bytes start at the front, in one piece
    } else {
        drop_storage();
    }
}

void ByteRing::trim() {
    if (extent_ == 0) drop_storage();
}

}  // namespace tachyon
