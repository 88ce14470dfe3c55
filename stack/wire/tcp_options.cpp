#include "stack/wire/tcp_options.hpp"

#include <algorithm>

#include "stack/wire/bytes.hpp"

namespace tachyon::wire {

namespace {
using namespace tcp_option;

constexpr uint8_t kLenMss = 4;
constexpr uint8_t kLenWindowScale = 3;
constexpr uint8_t kLenSackPermitted = 2;
constexpr uint8_t kLenSackBase = 2;
constexpr uint8_t kLenSackBlock = 8;
constexpr uint8_t kLenTimestamp = 10;

// The aligned 32-bit words Linux writes (include/net/tcp.h TCPOPT_* and tcp_options_write()).
constexpr uint32_t word(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return (uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | uint32_t{d};
}
constexpr uint32_t kNopNopTimestamp = word(kNop, kNop, kTimestamp, kLenTimestamp);
constexpr uint32_t kSackPermTimestamp = word(kSackPermitted, kLenSackPermitted, kTimestamp, kLenTimestamp);
constexpr uint32_t kNopNopSackPerm = word(kNop, kNop, kSackPermitted, kLenSackPermitted);

void read_timestamp(const std::byte* v, TcpRepr& r) { r.timestamp = TcpTimestamp{load_be32(v), load_be32(v + 4)}; }

// One option of a known kind with its value at v; len has been checked to lie within the options.
WireError parse_known(uint8_t kind, uint8_t len, const std::byte* v, TcpRepr& r) {
    switch (kind) {
        case kMaxSegSize:
            if (len != kLenMss) return WireError::kBadOption;
            r.max_seg_size = load_be16(v);
            break;
        case kWindowScale:
            if (len != kLenWindowScale) return WireError::kBadOption;
            r.window_scale = std::min(load_u8(v), kMaxWindowScale);  // RFC 7323 2.3
            break;
        case kSackPermitted:
            if (len != kLenSackPermitted) return WireError::kBadOption;
            r.sack_permitted = true;
            break;
        case kSack: {
            const size_t n = (len - kLenSackBase) / kLenSackBlock;
            if ((len - kLenSackBase) % kLenSackBlock != 0 || n == 0 || n > TcpRepr::kMaxSackBlocks) {
                return WireError::kBadOption;
            }
            for (size_t i = 0; i < n; ++i) {
                r.sack_blocks[i] = {SeqNum(load_be32(v + 8 * i)), SeqNum(load_be32(v + 8 * i + 4))};
            }
            r.sack_block_count = static_cast<uint8_t>(n);
            break;
        }
        case kTimestamp:
            if (len != kLenTimestamp) return WireError::kBadOption;
            read_timestamp(v, r);
            break;
        default:
            break;  // unknown kinds are skipped by their length (RFC 9293 3.2)
    }
    return WireError::kNone;
}
}  // namespace

WireError parse_tcp_options(std::span<const std::byte> options, TcpRepr& r) {
    const std::byte* const p = options.data();
    const size_t n = options.size();
    // Most segments of an established Linux connection carry exactly NOP NOP TS (like Linux's
    // tcp_fast_parse_options); the result is the same as the loop's.
    if (n == 12 && load_be32(p) == kNopNopTimestamp) {
        read_timestamp(p + 4, r);
        return WireError::kNone;
    }
    size_t i = 0;
    while (i < n) {
        const uint8_t kind = load_u8(p + i);
        if (kind == kEnd) break;
        if (kind == kNop) {
            ++i;
            continue;
        }
        if (n - i < 2) return WireError::kBadOption;  // the length byte lies past the header
        const uint8_t len = load_u8(p + i + 1);
        if (len < 2 || len > n - i) return WireError::kBadOption;
        if (const WireError e = parse_known(kind, len, p + i + 2, r); e != WireError::kNone) return e;
        i += len;
    }
    return WireError::kNone;
}

namespace {
size_t options_len_without_sack(const TcpRepr& r) {
    size_t len = 0;
    if (r.max_seg_size) len += 4;
    if (r.timestamp) {
        len += 12;  // with SACK-permitted folded into the timestamp's padding
    } else if (r.sack_permitted) {
        len += 4;
    }
    if (r.window_scale) len += 4;
    return len;
}
}  // namespace

size_t tcp_sack_blocks_emitted(const TcpRepr& r) {
    if (r.sack_block_count == 0) return 0;  // most segments: no room to work out
    const size_t used = options_len_without_sack(r) + 4;  // + NOP NOP kind len
    if (used >= kMaxOptionsLen) return 0;
    const size_t room = (kMaxOptionsLen - used) / kLenSackBlock;
    return std::min({size_t{r.sack_block_count}, TcpRepr::kMaxSackBlocks, room});
}

size_t tcp_options_len(const TcpRepr& r) {
    if (r.sack_block_count == 0) return options_len_without_sack(r);
    const size_t blocks = tcp_sack_blocks_emitted(r);
    return options_len_without_sack(r) + (blocks > 0 ? 4 + kLenSackBlock * blocks : 0);
}

void write_tcp_options(const TcpRepr& r, std::byte* p) {
    if (r.max_seg_size) {
        store_be32(p, word(kMaxSegSize, kLenMss, 0, 0) | *r.max_seg_size);
        p += 4;
    }
    if (r.timestamp) {
        store_be32(p, r.sack_permitted ? kSackPermTimestamp : kNopNopTimestamp);
        store_be32(p + 4, r.timestamp->tsval);
        store_be32(p + 8, r.timestamp->tsecr);
        p += 12;
    } else if (r.sack_permitted) {
        store_be32(p, kNopNopSackPerm);
        p += 4;
    }
    if (r.window_scale) {
        store_be32(p, word(kNop, kWindowScale, kLenWindowScale, *r.window_scale));
        p += 4;
    }
    if (const size_t blocks = tcp_sack_blocks_emitted(r); blocks > 0) {
        store_be32(p, word(kNop, kNop, kSack, static_cast<uint8_t>(kLenSackBase + kLenSackBlock * blocks)));
        p += 4;
        for (size_t i = 0; i < blocks; ++i) {
            store_be32(p, r.sack_blocks[i].left.raw());
            store_be32(p + 4, r.sack_blocks[i].right.raw());
            p += 8;
        }
    }
}

}  // namespace tachyon::wire
