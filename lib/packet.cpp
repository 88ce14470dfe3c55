#include "lib/packet.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace tachyon {

namespace {
constexpr size_t kCacheLine = 64;
size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }
}  // namespace

PacketPool::PacketPool(size_t count, size_t buffer_size, size_t headroom)
    : buffer_size_(round_up(buffer_size, kCacheLine)), headroom_(std::min(headroom, buffer_size_)) {
    assert(headroom < buffer_size);  // release builds clamp it instead: never a head past the end
    storage_ = static_cast<std::byte*>(
        ::operator new(buffer_size_ * count, std::align_val_t(kCacheLine)));
    bufs_.resize(count);
    free_.reserve(count);
    // Hand out low addresses first: the free stack pops from the back.
    for (size_t i = count; i-- > 0;) {
        PacketBuf& b = bufs_[i];
        b.base = storage_ + i * buffer_size_;
        b.capacity = static_cast<uint32_t>(buffer_size_);
        b.owner = this;
        free_.push_back(&b);
    }
}

PacketPool::~PacketPool() {
    assert(in_use() == 0 && "a Packet outlived its pool");
    ::operator delete(storage_, std::align_val_t(kCacheLine));
}

}  // namespace tachyon
