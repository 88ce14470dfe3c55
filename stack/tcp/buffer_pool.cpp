#include "stack/tcp/buffer_pool.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <new>

namespace tachyon {

BufferPool::BufferPool(size_t cache_bytes, size_t limit_bytes, size_t packet_limit)
    : cache_bytes_(cache_bytes), limit_bytes_(limit_bytes), packet_limit_(packet_limit) {}

BufferPool::~BufferPool() {
    assert(stats_.in_use_bytes == 0 && "a connection buffer outlived its pool");
    assert(stats_.packets_held == 0 && "a received packet outlived its pool");
    trim();
}

size_t BufferPool::block_size(size_t want) {
    return std::bit_ceil(std::max(want, size_t{1} << kMinShift));
}

size_t BufferPool::class_of(size_t size) {
    return static_cast<size_t>(std::bit_width(size) - 1) - kMinShift;
}

std::byte* BufferPool::heap_take(size_t size) noexcept {
    return static_cast<std::byte*>(::operator new(size, std::align_val_t{kAlign}, std::nothrow));
}

void BufferPool::heap_give(std::byte* block, size_t /*size*/) noexcept {
    ::operator delete(block, std::align_val_t{kAlign});
}

std::byte* BufferPool::take(size_t size) {
    assert(size == block_size(size) && size <= (size_t{1} << kMaxShift));
    if (size > limit_bytes_ || stats_.in_use_bytes > limit_bytes_ - size) {
        ++stats_.failures;
        return nullptr;
    }
    const size_t k = class_of(size);
    std::byte* block = nullptr;
    if (FreeBlock* f = free_[k]) {
        free_[k] = f->next;
        stats_.cached_bytes -= size;
        block = reinterpret_cast<std::byte*>(f);
    } else {
        block = heap_take(size);
        if (block == nullptr) {
            ++stats_.failures;
            return nullptr;
        }
        ++stats_.heap_allocs;
    }
    ++stats_.takes;
    stats_.in_use_bytes += size;
    stats_.peak_in_use_bytes = std::max(stats_.peak_in_use_bytes, stats_.in_use_bytes);
    return block;
}

void BufferPool::give(std::byte* block, size_t size) noexcept {
    assert(block != nullptr && size == block_size(size) && stats_.in_use_bytes >= size);
    stats_.in_use_bytes -= size;
    if (stats_.cached_bytes + size > cache_bytes_) {
        ++stats_.heap_frees;
        heap_give(block, size);
        return;
    }
    const size_t k = class_of(size);
    auto* f = ::new (static_cast<void*>(block)) FreeBlock{free_[k]};
    free_[k] = f;
    stats_.cached_bytes += size;
}

void BufferPool::trim() noexcept {
    for (size_t k = 0; k < free_.size(); ++k) {
        const size_t size = size_t{1} << (k + kMinShift);
        while (FreeBlock* f = free_[k]) {
            free_[k] = f->next;
            stats_.cached_bytes -= size;
            ++stats_.heap_frees;
            heap_give(reinterpret_cast<std::byte*>(f), size);
        }
    }
}

}  // namespace tachyon
