// Packet buffers: a move-only handle (Packet) to a buffer with headroom (PacketBuf), owned by a
// BufferOwner that takes it back when the handle is released: a PacketPool for the stack's own
// buffers, a driver for buffers it wraps (a DPDK mbuf, a UMEM frame) so RX needs no copy.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace tachyon {

// Offload metadata that travels with a packet between the stack and the device.
struct PacketMeta {
    enum RxFlag : uint8_t {
        kRxIpCsumGood = 1 << 0,  // the device verified the IPv4 header checksum
        kRxL4CsumGood = 1 << 1,  // the device verified the TCP/UDP checksum
        kRxIpCsumBad = 1 << 2,
        kRxL4CsumBad = 1 << 3,
    };
    enum TxFlag : uint8_t {
        kTxIpCsum = 1 << 0,   // the device must fill in the IPv4 header checksum
        kTxTcpCsum = 1 << 1,  // ... the TCP checksum (pseudo-header sum already in place)
        kTxUdpCsum = 1 << 2,  // ... the UDP checksum (pseudo-header sum already in place)
    };
    uint8_t rx_flags = 0;
    uint8_t tx_flags = 0;
    uint16_t l2_len = 0;  // header lengths, set by the stack when it asks for TX offloads
    uint16_t l3_len = 0;
};

class BufferOwner;

struct PacketBuf {
    std::byte* base = nullptr;  // start of the buffer
    uint32_t capacity = 0;      // bytes from base
    uint32_t head = 0;          // offset of the first data byte from base
    uint32_t len = 0;           // data bytes from head
    PacketMeta meta;
    BufferOwner* owner = nullptr;
    void* opaque = nullptr;  // owner's own handle (e.g. the rte_mbuf this buffer wraps)
    PacketBuf* next = nullptr;  // the next buffer of the PacketQueue holding this one; only it reads this
};

class BufferOwner {
public:
    virtual void release(PacketBuf* buf) noexcept = 0;

protected:
    ~BufferOwner() = default;
};

class Packet {
public:
    Packet() = default;
    explicit Packet(PacketBuf* buf) : buf_(buf) {}
    Packet(const Packet&) = delete;
    Packet& operator=(const Packet&) = delete;
    Packet(Packet&& o) noexcept : buf_(o.buf_) { o.buf_ = nullptr; }
    Packet& operator=(Packet&& o) noexcept {
        if (this != &o) {
            reset();
            buf_ = o.buf_;
            o.buf_ = nullptr;
        }
        return *this;
    }
    ~Packet() { reset(); }

    explicit operator bool() const { return buf_ != nullptr; }
    bool empty_handle() const { return buf_ == nullptr; }

    std::byte* data() const { return buf_->base + buf_->head; }
    size_t size() const { return buf_->len; }
    std::span<std::byte> bytes() const { return {data(), size()}; }
    size_t headroom() const { return buf_->head; }
    size_t tailroom() const { return buf_->capacity - buf_->head - buf_->len; }
    PacketMeta& meta() const { return buf_->meta; }

    // Grows the data at the front by n bytes (for a lower-layer header); nullptr if no headroom.
    std::byte* prepend(size_t n) {
        if (n > buf_->head) return nullptr;
        buf_->head -= static_cast<uint32_t>(n);
        buf_->len += static_cast<uint32_t>(n);
        return data();
    }
    // Grows the data at the back by n bytes; returns the first new byte, nullptr if no tailroom.
    std::byte* append(size_t n) {
        if (n > tailroom()) return nullptr;
        std::byte* p = data() + buf_->len;
        buf_->len += static_cast<uint32_t>(n);
        return p;
    }
    // Drops n bytes from the front (a parsed header); n must not exceed size().
    void trim_front(size_t n) {
        assert(n <= buf_->len);
        buf_->head += static_cast<uint32_t>(n);
        buf_->len -= static_cast<uint32_t>(n);
    }
    // Keeps only the first n bytes (e.g. dropping Ethernet padding); no-op when n >= size().
    void truncate(size_t n) {
        if (n < buf_->len) buf_->len = static_cast<uint32_t>(n);
    }

    // Hands the raw buffer to a driver that now owns it; the handle becomes empty.
    PacketBuf* into_raw() {
        PacketBuf* b = buf_;
        buf_ = nullptr;
        return b;
    }
    PacketBuf* raw() const { return buf_; }

    void reset() {
        if (buf_ != nullptr) {
            buf_->owner->release(buf_);
            buf_ = nullptr;
        }
    }

private:
    PacketBuf* buf_ = nullptr;
};

// A fixed set of equal buffers allocated once; alloc/free are O(1) pushes and pops of a free stack.
// Exhaustion returns an empty Packet and is counted, never fatal. Single-threaded, like its stack.
// The pool must outlive every Packet taken from it.
class PacketPool final : public BufferOwner {
public:
    static constexpr size_t kDefaultBufferSize = 2048 + 128;
    static constexpr size_t kDefaultHeadroom = 128;

    explicit PacketPool(size_t count, size_t buffer_size = kDefaultBufferSize,
                        size_t headroom = kDefaultHeadroom);
    PacketPool(const PacketPool&) = delete;
    PacketPool& operator=(const PacketPool&) = delete;
    ~PacketPool();

    // An empty-data packet with the pool's headroom; an empty handle when the pool is exhausted.
    Packet alloc() {
        if (free_.empty()) {
            ++alloc_failures_;
            return Packet();
        }
        PacketBuf* b = free_.back();
        free_.pop_back();
        b->head = static_cast<uint32_t>(headroom_);
        b->len = 0;
        b->meta = PacketMeta{};
        return Packet(b);
    }
    void release(PacketBuf* buf) noexcept override {
        assert(buf->owner == this);
        free_.push_back(buf);  // never reallocates: reserved to capacity in the constructor
    }

    size_t capacity() const { return bufs_.size(); }
    size_t in_use() const { return bufs_.size() - free_.size(); }
    size_t available() const { return free_.size(); }
    uint64_t alloc_failures() const { return alloc_failures_; }
    size_t buffer_size() const { return buffer_size_; }
    size_t headroom() const { return headroom_; }

private:
    size_t buffer_size_;
    size_t headroom_;
    std::byte* storage_ = nullptr;
    std::vector<PacketBuf> bufs_;
    std::vector<PacketBuf*> free_;
    uint64_t alloc_failures_ = 0;
};

}  // namespace tachyon
