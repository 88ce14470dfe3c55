// A ring of bytes with a fixed logical capacity: a connection's send buffer, and the storage of its
// receive buffer. The storage behind it is taken lazily, only as large as the bytes held need (a
// power of two from a BufferPool, doubled as they grow, never past the capacity), and given back
// as soon as the ring holds nothing, so an idle connection costs no buffer memory. When it is
// needed again the ring starts at the size its last busy period reached, so a steady stream does
// not regrow (and recopy) every time it drains. Copies in and out never allocate; growing takes a
// block from the pool (no allocation in a steady state) and moves the held bytes once.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>

#include "stack/tcp/buffer_pool.hpp"

namespace tachyon {

// Bytes of a ring in place (zero-copy access): at most two pieces, the second one non-empty only
// when they wrap past the end of the storage.
template <typename Byte>
struct RingSpans {
    std::span<Byte> first;
    std::span<Byte> second;
    size_t size() const { return first.size() + second.size(); }
    bool empty() const { return first.empty() && second.empty(); }
};

class ByteRing {
public:
    // The smallest block a ring takes (about one full-sized segment), unless its capacity is less.
    static constexpr size_t kMinBlock = 2048;

    ByteRing() = default;
    explicit ByteRing(BufferPool* pool) : pool_(pool) {}
    ByteRing(const ByteRing&) = delete;
    ByteRing& operator=(const ByteRing&) = delete;
    ByteRing(ByteRing&& other) noexcept;
    ByteRing& operator=(ByteRing&& other) noexcept;
    ~ByteRing() { drop_storage(); }

    // Where storage comes from (nullptr: the allocator). Only while no storage is held.
    void set_pool(BufferPool* pool);
    BufferPool* pool() const { return pool_; }
    // Lingering: a ring that empties keeps its storage until its owner calls trim() (the TCP
    // layer does after TcpConfig::buffer_linger), so a stream of messages takes and gives back
    // no block per message. Off: the storage goes back as soon as nothing is held.
    void set_linger(bool on) { linger_ = on; }
    // Storage held with nothing in it (a lingering ring).
    bool idle_storage() const { return buf_ != nullptr && extent_ == 0; }

    // Empties the ring with room for capacity bytes; gives its storage back.
    void reset(size_t capacity);
    // Larger capacity keeping every byte at its offset (no-op when not larger).
    void grow(size_t capacity);

    size_t capacity() const { return capacity_; }
    size_t size() const { return size_; }
    size_t free() const { return capacity_ - size_; }
    bool empty() const { return size_ == 0; }
    // Bytes of storage held now (0 when empty): what this ring costs.
    size_t storage_bytes() const { return phys_; }

    // Appends up to free() bytes of src; returns how many (fewer when no memory could be had).
    size_t push(std::span<const std::byte> src);
    // Storage for offsets [0, end) past the first byte; end <= capacity(). False: no memory.
    bool reserve(size_t end) { return end <= phys_ || take_storage(end); }
    // Writes src at offset bytes past the first byte, without changing size(): the receive side
    // places out-of-order data this way. offset + src.size() <= capacity(). False (nothing
    // written) when no memory could be had.
    bool write_at(size_t offset, std::span<const std::byte> src);
    // Grows size() by n over bytes already written with write_at.
    void commit(size_t n);
    // Copies dst.size() bytes starting offset bytes past the first; offset + dst.size() <= size().
    void copy_out(size_t offset, std::span<std::byte> dst) const;
    // Drops n bytes from the front; n <= size(). Gives the storage back once nothing is held,
    // unless lingering.
    void consume(size_t n);
    // Gives the storage back if nothing is held (after a reserve() that was not used).
    void trim();

    // ---- Zero-copy access (the socket layer's recv_view and send_reserve) ----
    // The spans stay valid only while the storage stays put: until the ring grows (reserve,
    // push, write_at past the storage), empties (consume, reset, trim) or is moved.
    // The held bytes [offset, offset + len) in place; offset + len <= size().
    RingSpans<const std::byte> view(size_t offset, size_t len) const {
        if (len == 0) return {};
        const size_t start = wrap(head_ + offset);
        const size_t first = std::min(len, phys_ - start);
        return {{buf_ + start, first}, {buf_, len - first}};
    }
    // Storage for the len bytes after size() (len <= free()), writable in place; empty when no
    // memory could be had. Nothing is appended until commit_written().
    RingSpans<std::byte> prepare(size_t len) {
        if (len == 0 || !reserve(size_ + len)) return {};
        const size_t start = wrap(head_ + size_);
        const size_t first = std::min(len, phys_ - start);
        return {{buf_ + start, first}, {buf_, len - first}};
    }
    // Appends n bytes written through prepare()'s spans, which began at `at`. False (nothing
    // appended) when the storage moved or went back since, or n is more than it holds.
    bool commit_written(size_t n, const std::byte* at) {
        if (n == 0) {
            trim();
            return true;
        }
        if (buf_ == nullptr || size_ + n > phys_ || size_ + n > capacity_ || buf_ + wrap(head_ + size_) != at) {
            return false;
        }
        size_ += n;
        extent_ = std::max(extent_, size_);
        peak_ = std::max(peak_, static_cast<uint32_t>(extent_));
        return true;
    }

private:
    size_t wrap(size_t i) const { return i >= phys_ ? i - phys_ : i; }
    void copy_in(size_t offset, std::span<const std::byte> src);
    bool take_storage(size_t end);  // reserve() past the storage held
    void drop_storage();

    BufferPool* pool_ = nullptr;
    std::byte* buf_ = nullptr;
    size_t phys_ = 0;      // storage bytes (a block size), 0 when none
    size_t capacity_ = 0;  // logical: what free() is measured against
    size_t head_ = 0;
    size_t size_ = 0;
    size_t extent_ = 0;    // bytes written past head (>= size_: out-of-order data lies beyond)
    // 32 bits (capacities are a connection's buffer sizes, uint32_t): with linger_ the ring
    // stays at 72 bytes, and a connection slot at 1,536.
    uint32_t peak_ = 0;    // the largest extent_ of the current busy period
    uint32_t hint_ = 0;    // storage to start with next time: the last busy period's need
    bool linger_ = false;  // set_linger()
};

}  // namespace tachyon
