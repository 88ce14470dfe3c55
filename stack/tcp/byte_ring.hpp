// A fixed-capacity ring of bytes: a connection's send buffer, and the storage of its receive
// buffer. Allocated once when a connection is set up (kept across reuse of the slot when the size
// matches); copies in and out never allocate.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace tachyon {

class ByteRing {
public:
    // Empties the ring with room for capacity bytes; reallocates only when the capacity changes.
    void reset(size_t capacity);

    // Larger capacity keeping every byte at its offset (no-op when not larger).
    void grow(size_t capacity);

    size_t capacity() const { return capacity_; }
    size_t size() const { return size_; }
    size_t free() const { return capacity_ - size_; }
    bool empty() const { return size_ == 0; }

    // Appends up to free() bytes of src; returns how many.
    size_t push(std::span<const std::byte> src);
    // Writes src at offset bytes past the first byte, without changing size(): the receive side
    // places out-of-order data this way. offset + src.size() must not exceed capacity().
    void write_at(size_t offset, std::span<const std::byte> src);
    // Grows size() by n over bytes already written with write_at.
    void commit(size_t n) { size_ += n; }
    // Copies dst.size() bytes starting offset bytes past the first; offset + dst.size() <= size().
    void copy_out(size_t offset, std::span<std::byte> dst) const;
    // Drops n bytes from the front; n <= size().
    void consume(size_t n);

private:
    size_t wrap(size_t i) const { return i >= capacity_ ? i - capacity_ : i; }

    std::unique_ptr<std::byte[]> buf_;
    size_t capacity_ = 0;
    size_t head_ = 0;
    size_t size_ = 0;
};

}  // namespace tachyon
