// Frames waiting for the device: a bounded ring flushed with tx_burst. Whatever the device does not
// take stays queued (in order) for the next flush; a push onto a full ring fails and the caller
// drops and counts the frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "lib/device.hpp"
#include "lib/packet.hpp"

namespace tachyon {

class TxQueue {
public:
    explicit TxQueue(size_t capacity);  // rounded up to a power of two, at least kMaxBurst

    // Appends pkt (moved from) and returns true, or leaves pkt untouched and returns false if full.
    bool push(Packet& pkt);
    struct Flushed {
        size_t frames = 0;
        size_t bytes = 0;
    };
    // Offers queued frames to the device in bursts until it takes fewer than offered.
    Flushed flush(Device& device);

    size_t size() const { return tail_ - head_; }
    size_t capacity() const { return mask_ + 1; }
    bool full() const { return size() == capacity(); }
    // Drops every queued frame (releasing the buffers); returns how many.
    size_t clear();

private:
    size_t mask_ = 0;  // before slots_, which is sized from it
    std::unique_ptr<Packet[]> slots_;
    size_t head_ = 0;  // monotonically increasing; index = value & mask_
    size_t tail_ = 0;
};

}  // namespace tachyon
