// What the receive side tells the peer: SACK blocks (RFC 2018 section 4) built from the
// out-of-order ranges of the receive buffer, the range holding the most recent segment first,
// then the ranges most recently reported, behind a D-SACK block for duplicate data (RFC 2883);
// and the window field, with receiver SWS avoidance
// (RFC 1122 4.2.3.3) and the rule that the right edge never moves left (RFC 9293 3.8.6.2.1).
#include <algorithm>

#include "stack/tcp/tcp_layer.hpp"

namespace tachyon {

namespace {

const ReceiveBuffer::Range* range_holding(const ReceiveBuffer& b, SeqNum s) {
    for (const ReceiveBuffer::Range& r : b.ranges()) {
        if (r.left <= s && s < r.right) return &r;
    }
    return nullptr;
}

}  // namespace

// A segment was stored out of order at seq: its range becomes the first block to report.
void TcpLayer::note_ooo_segment(TcpConnection& c, SeqNum seq) {
    const ReceiveBuffer::Range* mine = range_holding(c.rcv_buf, seq);
    std::array<SeqNum, 4> next{};
    uint8_t n = 0;
    next[n++] = seq;
    for (uint8_t i = 0; i < c.sack_recent_count && n < next.size(); ++i) {
        const ReceiveBuffer::Range* r = range_holding(c.rcv_buf, c.sack_recent[i]);
        if (r != nullptr && r != mine) next[n++] = c.sack_recent[i];
    }
    c.sack_recent = next;
    c.sack_recent_count = n;
}

// Option bytes the blocks take: two NOPs, kind, length and 8 per block (at most 3 beside
// timestamps, 4 without).
uint32_t TcpLayer::sack_option_len(const TcpConnection& c) const {
    if (!carries_sack_blocks(c)) return 0;
    const size_t blocks = c.rcv_buf.range_count() + (c.dsack_len != 0 ? 1 : 0);
    const size_t max_blocks = c.tcb.ts_ok ? 3 : 4;
    return static_cast<uint32_t>(4 + 8 * std::min(max_blocks, blocks));
}

// Fills r's SACK blocks, as many as fit in `room` option bytes; returns how many.
uint8_t TcpLayer::fill_sack_blocks(TcpConnection& c, TcpRepr& r, size_t room) {
    size_t max_blocks = c.tcb.ts_ok ? 3 : 4;
    max_blocks = room >= 12 ? std::min(max_blocks, (room - 4) / 8) : 0;
    uint8_t n = 0;
    // RFC 2883 4: the duplicate first, reported once; the ranges after it (one may hold it).
    if (c.dsack_len != 0 && n < max_blocks) {
        r.sack_blocks[n++] = TcpSackBlock{c.dsack_left, c.dsack_left + c.dsack_len};
        c.dsack_len = 0;
        ++counters_.dsacks_sent;
    }
    const uint8_t first_range = n;
    auto add = [&](const ReceiveBuffer::Range& range) {
        for (uint8_t i = first_range; i < n; ++i) {
            if (r.sack_blocks[i].left == range.left) return;
        }
        r.sack_blocks[n++] = TcpSackBlock{range.left, range.right};
    };
    for (uint8_t i = 0; i < c.sack_recent_count && n < max_blocks; ++i) {
        if (const ReceiveBuffer::Range* range = range_holding(c.rcv_buf, c.sack_recent[i])) add(*range);
    }
    // Ranges not reported recently, highest first.
    const auto ranges = c.rcv_buf.ranges();
    for (size_t i = ranges.size(); i > 0 && n < max_blocks; --i) add(ranges[i - 1]);
    r.sack_block_count = n;
    return n;
}

// The window field, and the bookkeeping of what it advertises.
uint16_t TcpLayer::window_field(TcpConnection& c, bool syn) {
    Tcb& tcb = c.tcb;
    const uint32_t free = c.rcv_buf.window();
    if (syn) {
        const auto field = static_cast<uint16_t>(std::min<uint32_t>(free, 0xffff));
        tcb.rcv_wnd = field;
        tcb.rcv_adv = tcb.rcv_nxt + tcb.rcv_wnd;
        return field;
    }
    const uint8_t ws = tcb.rcv_wscale;
    uint32_t field = std::min<uint32_t>(free >> ws, 0xffff);
    const int32_t previous = tcb.rcv_adv - tcb.rcv_nxt;
    // RFC 1122 4.2.3.3: the right edge moves right only by at least min(buffer / 2, MSS).
    const uint32_t threshold = std::min<uint32_t>(static_cast<uint32_t>(c.rcv_buf.capacity() / 2), tcb.rcv_mss);
    if (previous >= 0 && (field << ws) < static_cast<uint32_t>(previous) + threshold) {
        field = std::min<uint32_t>((static_cast<uint32_t>(previous) + (1u << ws) - 1) >> ws, 0xffff);
    }
    tcb.rcv_wnd = field << ws;
    tcb.rcv_adv = tcb.rcv_nxt + tcb.rcv_wnd;
    return static_cast<uint16_t>(field);
}

}  // namespace tachyon
