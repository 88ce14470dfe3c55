#include "stack/tcp/receive_buffer.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace tachyon {

void ReceiveBuffer::reset(size_t capacity) {
    drop_packets();
    ring_.reset(capacity);
    range_count_ = 0;
}

bool ReceiveBuffer::adopt(std::span<const std::byte> data, Packet& pkt) {
    assert(data.size() <= window());
    if (!ring_.empty() || range_count_ != 0 || data.empty() || ring_.pool() == nullptr) return false;
    const std::byte* const start = pkt.data();
    if (data.data() < start || data.data() + data.size() > start + pkt.size()) return false;
    if (!ring_.pool()->hold_packet()) return false;
    pkt.trim_front(static_cast<size_t>(data.data() - start));
    pkt.truncate(data.size());
    held_bytes_ += static_cast<uint32_t>(data.size());
    held_.push(std::move(pkt));
    return true;
}

// Drops n bytes (at most its size) from the first held packet; read to its end, the packet goes
// back to its owner.
void ReceiveBuffer::drop_held(size_t n) {
    const size_t size = held_.front().size();
    held_bytes_ -= static_cast<uint32_t>(n);
    if (n < size) {
        held_.trim_front(n);
        return;
    }
    held_.pop();
    ring_.pool()->release_packet();
}

void ReceiveBuffer::drop_packets() noexcept {
    while (!held_.empty()) drop_held(held_.front().size());
}

ReceiveBuffer::InsertResult ReceiveBuffer::insert(SeqNum rcv_nxt, SeqNum seq,
                                                  std::span<const std::byte> data) {
    assert(seq >= rcv_nxt);
    assert(static_cast<uint32_t>(seq - rcv_nxt) + data.size() <= window());
    InsertResult r;
    if (data.empty()) return r;
    const size_t offset = ring_.size() + static_cast<uint32_t>(seq - rcv_nxt);
    // Storage first: nothing is recorded for data that cannot be held.
    if (!ring_.reserve(offset + data.size())) {
        r.stored = false;
        r.no_memory = true;
        return r;
    }
    if (seq != rcv_nxt) {
        // Out of order: decide first whether the table can describe it, then copy.
        if (!add_range(seq, seq + static_cast<uint32_t>(data.size()))) {
            r.stored = false;
            ring_.trim();
            return r;
        }
        ring_.write_at(offset, data);
        return r;
    }
    ring_.write_at(offset, data);
    ring_.commit(data.size());
    r.advanced = static_cast<uint32_t>(data.size());
    r.advanced += absorb_ranges(rcv_nxt + r.advanced);
    return r;
}

// Merges [left, right) into the sorted table; false when it overlaps nothing and the table is full.
bool ReceiveBuffer::add_range(SeqNum left, SeqNum right) {
    size_t first = 0;  // first range that ends at or after left (overlapping or adjacent)
    while (first < range_count_ && ranges_[first].right < left) ++first;
    size_t last = first;  // one past the last range that starts at or before right
    while (last < range_count_ && ranges_[last].left <= right) ++last;
    if (first == last) {
        if (range_count_ == kMaxRanges) return false;
        std::copy_backward(ranges_.begin() + static_cast<ptrdiff_t>(first),
                           ranges_.begin() + static_cast<ptrdiff_t>(range_count_),
                           ranges_.begin() + static_cast<ptrdiff_t>(range_count_ + 1));
        ranges_[first] = {left, right};
        ++range_count_;
        return true;
    }
    Range merged{seq_min(left, ranges_[first].left), seq_max(right, ranges_[last - 1].right)};
    ranges_[first] = merged;
    std::copy(ranges_.begin() + static_cast<ptrdiff_t>(last),
              ranges_.begin() + static_cast<ptrdiff_t>(range_count_),
              ranges_.begin() + static_cast<ptrdiff_t>(first + 1));
    range_count_ -= last - first - 1;
    return true;
}

// After in-order data reached rcv_nxt, takes in every stored range that now touches it.
uint32_t ReceiveBuffer::absorb_ranges(SeqNum rcv_nxt) {
    uint32_t advanced = 0;
    size_t n = 0;
    SeqNum end = rcv_nxt;
    while (n < range_count_ && ranges_[n].left <= end) {
        if (ranges_[n].right > end) end = ranges_[n].right;
        ++n;
    }
    if (n == 0) return 0;
    advanced = static_cast<uint32_t>(end - rcv_nxt);
    ring_.commit(advanced);
    std::copy(ranges_.begin() + static_cast<ptrdiff_t>(n),
              ranges_.begin() + static_cast<ptrdiff_t>(range_count_), ranges_.begin());
    range_count_ -= n;
    return advanced;
}

size_t ReceiveBuffer::read(std::span<std::byte> dst) {
    size_t n = 0;
    while (!held_.empty() && n < dst.size()) {  // the packets' bytes come before the ring's
        const std::span<const std::byte> src = held_.front();
        const size_t k = std::min(dst.size() - n, src.size());
        std::memcpy(dst.data() + n, src.data(), k);
        n += k;
        drop_held(k);
    }
    const size_t m = std::min(dst.size() - n, ring_.size());
    ring_.copy_out(0, dst.subspan(n, m));
    ring_.consume(m);
    return n + m;
}

RingSpans<const std::byte> ReceiveBuffer::peek(size_t len) const {
    if (held_.empty()) return ring_.view(0, len);
    const std::span<const std::byte> front = held_.front();
    const size_t first = std::min(len, front.size());
    const std::span<const std::byte> second = held_.second();
    const std::span<const std::byte> rest =
        !second.empty() ? second.first(std::min(len - first, second.size()))
                        : ring_.view(0, std::min(len - first, ring_.size())).first;
    return {front.first(first), rest};
}

void ReceiveBuffer::consume(size_t n) {
    while (!held_.empty() && n > 0) {
        const size_t k = std::min(n, held_.front().size());
        drop_held(k);
        n -= k;
    }
    ring_.consume(n);
}

}  // namespace tachyon
