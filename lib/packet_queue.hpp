// A first-in first-out queue of packets linked through PacketBuf::next, as Linux queues skbs on a
// socket: no storage of its own, so it holds any number of packets for one pointer. The list is
// circular and held by its tail (the tail's next is the head): push and pop are O(1) with a
// single word of state, which is what lets a connection slot afford it. Owns its packets.
#pragma once

#include <cassert>
#include <cstddef>
#include <span>

#include "lib/packet.hpp"

namespace tachyon {

class PacketQueue {
public:
    PacketQueue() = default;
    PacketQueue(const PacketQueue&) = delete;
    PacketQueue& operator=(const PacketQueue&) = delete;
    ~PacketQueue() { clear(); }

    bool empty() const { return tail_ == nullptr; }

    void push(Packet pkt) {
        assert(pkt);
        PacketBuf* b = pkt.into_raw();
        if (tail_ == nullptr) {
            b->next = b;
        } else {
            b->next = tail_->next;
            tail_->next = b;
        }
        tail_ = b;
    }

    // The first packet's data (the queue must not be empty).
    std::span<std::byte> front() const { return bytes_of(head()); }
    // The second packet's data; empty when there is none.
    std::span<std::byte> second() const {
        const PacketBuf* h = head();
        return h == tail_ ? std::span<std::byte>() : bytes_of(h->next);
    }
    // Drops n bytes from the front of the first packet (n < its size: pop() it otherwise).
    void trim_front(size_t n) {
        PacketBuf* h = head();
        assert(n < h->len);
        h->head += static_cast<uint32_t>(n);
        h->len -= static_cast<uint32_t>(n);
    }

    Packet pop() {
        PacketBuf* h = head();
        if (h == tail_) {
            tail_ = nullptr;
        } else {
            tail_->next = h->next;
        }
        h->next = nullptr;
        return Packet(h);
    }

    void clear() noexcept {
        while (!empty()) pop();  // each popped handle gives its buffer back
    }

private:
    PacketBuf* head() const {
        assert(tail_ != nullptr);
        return tail_->next;
    }
    static std::span<std::byte> bytes_of(const PacketBuf* b) { return {b->base + b->head, b->len}; }

    PacketBuf* tail_ = nullptr;
};

}  // namespace tachyon
