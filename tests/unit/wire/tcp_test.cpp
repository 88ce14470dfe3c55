// TCP flags, the Linux option layouts emit() writes, checksum offload, payload placement, and a
// random round trip (emit then parse gives back the same TcpRepr).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "lib/checksum.hpp"
#include "lib/random.hpp"
#include "stack/wire/bytes.hpp"
#include "tests/unit/wire/wire_test_util.hpp"

namespace tachyon::wire_test {
namespace {

Bytes segment_with_flags(uint8_t flags) {
    Bytes buf(20);
    TcpSegment seg(buf);
    seg.set_src_port(1);
    seg.set_dst_port(2);
    seg.set_seq_number(SeqNum(100));
    seg.set_ack_number(SeqNum(200));
    seg.set_header_len(20);
    seg.set_flags(flags);
    seg.set_urgent_pointer(7);
    seg.fill_checksum(kIpA, kIpB);
    return buf;
}

Parsed<TcpRepr> parse_flags(uint8_t flags) {
    static Bytes storage;
    storage = segment_with_flags(flags);
    return TcpRepr::parse(TcpSegment(storage), kIpA, kIpB);
}

TEST(TcpFlags, SynWithFinOrRstIsRejected) {
    using namespace tcp_flags;
    EXPECT_EQ(parse_flags(kSyn | kFin).error(), WireError::kBadFlags);
    EXPECT_EQ(parse_flags(kSyn | kRst).error(), WireError::kBadFlags);
    EXPECT_EQ(parse_flags(kSyn | kFin | kRst | kAck).error(), WireError::kBadFlags);
    EXPECT_EQ(parse_flags(kSyn | kRst | kAck).error(), WireError::kBadFlags);
}

TEST(TcpFlags, FinWithRstIsRst) {
    using namespace tcp_flags;
    auto r = parse_flags(kFin | kRst);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->control, TcpControl::kRst);
    EXPECT_FALSE(r->ack_number);
    r = parse_flags(kFin | kRst | kAck);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->control, TcpControl::kRst);
    EXPECT_EQ(r->ack_number, SeqNum(200));
}

TEST(TcpFlags, EachControlAndTheOtherBits) {
    using namespace tcp_flags;
    EXPECT_EQ(parse_flags(0)->control, TcpControl::kNone);
    EXPECT_EQ(parse_flags(kSyn)->control, TcpControl::kSyn);
    EXPECT_EQ(parse_flags(kSyn | kAck)->control, TcpControl::kSyn);
    EXPECT_EQ(parse_flags(kFin | kAck)->control, TcpControl::kFin);
    EXPECT_EQ(parse_flags(kRst)->control, TcpControl::kRst);
    auto r = parse_flags(kPsh | kAck | kUrg | kEce | kCwr);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->psh && r->urg && r->ece && r->cwr);
    EXPECT_EQ(r->urgent_pointer, 7);
    EXPECT_EQ(r->flags(), kPsh | kAck | kUrg | kEce | kCwr);
}

TEST(TcpFlags, AckNumberPresentIffAckBit) {
    auto r = parse_flags(tcp_flags::kSyn);  // the ack field holds 200 but the bit is clear
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->ack_number);
    r = parse_flags(tcp_flags::kAck);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->ack_number);
    EXPECT_EQ(r->ack_number->raw(), 200u);
}

TEST(TcpFlags, UrgentPointerKeptOnlyWithUrg) {
    auto r = parse_flags(tcp_flags::kAck);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->urg);
    EXPECT_EQ(r->urgent_pointer, 0);
}

TEST(TcpFlags, ReprFlagsAndSegmentLength) {
    TcpRepr t;
    t.control = TcpControl::kFin;
    t.ack_number = SeqNum(1);
    t.psh = true;
    EXPECT_EQ(t.flags(), tcp_flags::kFin | tcp_flags::kAck | tcp_flags::kPsh);
    const Bytes data = to_bytes("abc");
    t.payload = data;
    EXPECT_EQ(t.segment_len(), 4u);
    t.control = TcpControl::kRst;
    EXPECT_EQ(t.segment_len(), 3u);
}

TEST(TcpView, HeaderChecks) {
    Bytes buf = segment_with_flags(tcp_flags::kAck);
    for (uint8_t offset = 0; offset < 5; ++offset) {
        buf[12] = std::byte{static_cast<uint8_t>(offset << 4)};
        EXPECT_EQ(TcpSegment(buf).check(), WireError::kBadHeaderLength) << int{offset};
    }
    buf[12] = std::byte{0x60};  // 24 bytes of header in a 20-byte buffer
    EXPECT_EQ(TcpSegment(buf).check(), WireError::kBadHeaderLength);
    buf[12] = std::byte{0x50};
    EXPECT_EQ(TcpSegment(buf).check(), WireError::kNone);
}

// The option bytes emit() writes for r (after the 20-byte fixed header).
std::string emitted_options(const TcpRepr& r) {
    Bytes buf(r.buffer_len());
    TcpSegment seg(buf);
    r.emit(seg, kIpA, kIpB);
    EXPECT_EQ(seg.header_len(), r.header_len());
    return hex(std::span(buf).subspan(20, r.header_len() - 20));
}

TcpRepr syn() {
    TcpRepr t;
    t.control = TcpControl::kSyn;
    t.max_seg_size = 1460;
    return t;
}

TEST(TcpEmit, LinuxSynLayouts) {
    TcpRepr t = syn();
    t.sack_permitted = true;
    t.timestamp = TcpTimestamp{0x11223344, 0};
    t.window_scale = 7;
    // mss, sackOK, TS, nop, wscale (tcp_options_write() with OPTION_TS | OPTION_SACK_ADVERTISE)
    EXPECT_EQ(emitted_options(t), hex(to_bytes({2, 4, 5, 0xb4, 4, 2, 8, 10, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0,
                                                1, 3, 3, 7})));
    t.timestamp.reset();
    // mss, nop, nop, sackOK, nop, wscale
    EXPECT_EQ(emitted_options(t), hex(to_bytes({2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7})));
    t.sack_permitted = false;
    // mss, nop, wscale
    EXPECT_EQ(emitted_options(t), hex(to_bytes({2, 4, 5, 0xb4, 1, 3, 3, 7})));
    t.window_scale.reset();
    t.timestamp = TcpTimestamp{1, 2};
    // mss, nop, nop, TS
    EXPECT_EQ(emitted_options(t), hex(to_bytes({2, 4, 5, 0xb4, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2})));
    t.sack_permitted = true;
    // mss, sackOK, TS
    EXPECT_EQ(emitted_options(t), hex(to_bytes({2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2})));
    t.timestamp.reset();
    t.sack_permitted = false;
    EXPECT_EQ(emitted_options(t), hex(to_bytes({2, 4, 5, 0xb4})));
    t.max_seg_size.reset();
    EXPECT_EQ(t.header_len(), 20u);
    EXPECT_EQ(emitted_options(t), "");
}

TEST(TcpEmit, DataSegmentLayouts) {
    TcpRepr t;
    t.ack_number = SeqNum(1);
    t.timestamp = TcpTimestamp{5, 6};
    EXPECT_EQ(emitted_options(t), hex(to_bytes({1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6})));
    t.sack_blocks[0] = {SeqNum(0x100), SeqNum(0x200)};
    t.sack_block_count = 1;
    EXPECT_EQ(emitted_options(t), hex(to_bytes({1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6, 1, 1, 5, 10, 0, 0, 1, 0, 0,
                                                0, 2, 0})));
    t.timestamp.reset();
    EXPECT_EQ(emitted_options(t), hex(to_bytes({1, 1, 5, 10, 0, 0, 1, 0, 0, 0, 2, 0})));
}

TEST(TcpEmit, SackBlocksAreTrimmedToTheOptionSpace) {
    TcpRepr t;
    t.ack_number = SeqNum(1);
    for (uint32_t i = 0; i < 4; ++i) t.sack_blocks[i] = {SeqNum(100 * i), SeqNum(100 * i + 50)};
    t.sack_block_count = 4;
    EXPECT_EQ(t.header_len(), 20u + 4 + 32);  // four fit without timestamps
    t.timestamp = TcpTimestamp{1, 2};
    EXPECT_EQ(t.header_len(), 60u);  // 12 + 4 + 3 * 8 = 40: three fit beside timestamps (as Linux)
    Bytes buf(t.buffer_len());
    TcpSegment seg(buf);
    t.emit(seg, kIpA, kIpB);
    auto r = TcpRepr::parse(seg, kIpA, kIpB);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->sack_block_count, 3);
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(r->sack_blocks[i], t.sack_blocks[i]);
    // A SYN carrying everything leaves room for two.
    t.control = TcpControl::kSyn;
    t.max_seg_size = 1460;
    t.window_scale = 7;
    EXPECT_EQ(t.header_len(), 20u + 4 + 12 + 4 + 4 + 16);
    // An out-of-range count is treated as the maximum.
    t.sack_block_count = 200;
    EXPECT_EQ(t.header_len(), 20u + 4 + 12 + 4 + 4 + 16);
}

TEST(TcpEmit, OffloadStoresThePseudoHeaderSum) {
    TcpRepr t;
    t.src_port = 40000;
    t.dst_port = 80;
    t.seq_number = SeqNum(77);
    t.ack_number = SeqNum(88);
    t.timestamp = TcpTimestamp{1, 2};
    const Bytes data = to_bytes("some payload bytes");
    t.payload = data;
    Bytes soft(t.buffer_len());
    TcpSegment soft_seg(soft);
    t.emit(soft_seg, kIpA, kIpB, ChecksumMode::kCompute);
    Bytes hard(t.buffer_len());
    TcpSegment hard_seg(hard);
    t.emit(hard_seg, kIpA, kIpB, ChecksumMode::kOffload);

    const uint16_t phdr = wire::fold_sum(pseudo_header_sum(kIpA, kIpB, 6, static_cast<uint16_t>(hard.size())));
    EXPECT_EQ(hard_seg.checksum(), phdr);
    EXPECT_EQ(hard_seg.checksum(), 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6 + 50);  // rte_ipv4_phdr_cksum()
    // What the NIC then does: checksum the segment as it stands and store the result.
    hard_seg.set_checksum(internet_checksum(hard));
    EXPECT_EQ(hex(hard), hex(soft));
    EXPECT_TRUE(hard_seg.verify_checksum(kIpA, kIpB));
}

TEST(TcpEmit, PayloadAlreadyInPlaceIsNotCopied) {
    TcpRepr t;
    t.ack_number = SeqNum(1);
    t.timestamp = TcpTimestamp{1, 2};
    Bytes buf(t.header_len() + 100);
    for (size_t i = 0; i < 100; ++i) buf[t.header_len() + i] = std::byte{static_cast<uint8_t>(i)};
    t.payload = std::span(buf).subspan(t.header_len());
    TcpSegment seg(buf);
    t.emit(seg, kIpA, kIpB);
    auto r = TcpRepr::parse(seg, kIpA, kIpB);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->payload.size(), 100u);
    for (size_t i = 0; i < 100; ++i) EXPECT_EQ(r->payload[i], std::byte{static_cast<uint8_t>(i)});
}

TEST(TcpEmit, PayloadOverlappingTheHeaderIsMoved) {
    // The caller wrote the payload at the start of the buffer; emit must move it before writing the
    // header over it.
    TcpRepr t;
    t.ack_number = SeqNum(1);
    t.timestamp = TcpTimestamp{1, 2};
    Bytes buf(t.header_len() + 100);
    for (size_t i = 0; i < 100; ++i) buf[i] = std::byte{static_cast<uint8_t>(i + 1)};
    t.payload = std::span(buf).first(100);
    TcpSegment seg(buf);
    t.emit(seg, kIpA, kIpB);
    auto r = TcpRepr::parse(seg, kIpA, kIpB);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->payload.size(), 100u);
    for (size_t i = 0; i < 100; ++i) EXPECT_EQ(r->payload[i], std::byte{static_cast<uint8_t>(i + 1)}) << i;
}

TEST(TcpEmit, ChecksumCoversOnlyTheSegmentInALargerBuffer) {
    TcpRepr t;
    t.ack_number = SeqNum(1);
    const Bytes data = to_bytes("xyz");
    t.payload = data;
    Bytes buf(t.buffer_len() + 17, std::byte{0x5a});  // e.g. a whole TX buffer
    TcpSegment seg(buf);
    t.emit(seg, kIpA, kIpB);
    Bytes exact(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(t.buffer_len()));
    EXPECT_TRUE(TcpSegment(exact).verify_checksum(kIpA, kIpB));
}

// Property: any TcpRepr within the option space survives emit then parse unchanged.
TcpRepr random_repr(Random& rng, std::span<const std::byte> payload_pool) {
    TcpRepr t;
    t.src_port = static_cast<uint16_t>(rng.next_u32());
    t.dst_port = static_cast<uint16_t>(rng.next_u32());
    t.control = static_cast<TcpControl>(rng.below(4));
    t.psh = rng.chance(0.5);
    t.ece = rng.chance(0.2);
    t.cwr = rng.chance(0.2);
    t.urg = rng.chance(0.1);
    if (t.urg) t.urgent_pointer = static_cast<uint16_t>(rng.next_u32());
    t.seq_number = SeqNum(rng.next_u32());
    if (rng.chance(0.8)) t.ack_number = SeqNum(rng.next_u32());
    t.window_len = static_cast<uint16_t>(rng.next_u32());
    if (rng.chance(0.5)) t.max_seg_size = static_cast<uint16_t>(rng.next_u32());
    if (rng.chance(0.5)) t.window_scale = static_cast<uint8_t>(rng.below(15));
    t.sack_permitted = rng.chance(0.5);
    if (rng.chance(0.5)) t.timestamp = TcpTimestamp{rng.next_u32(), rng.next_u32()};
    const size_t other = (t.max_seg_size ? 4 : 0) + (t.timestamp ? 12 : t.sack_permitted ? 4 : 0) +
                         (t.window_scale ? 4 : 0);
    const size_t room = (40 - other - 4) / 8;
    t.sack_block_count = static_cast<uint8_t>(rng.below(std::min<size_t>(room, 4) + 1));
    for (size_t i = 0; i < t.sack_block_count; ++i) {
        t.sack_blocks[i] = {SeqNum(rng.next_u32()), SeqNum(rng.next_u32())};
    }
    t.payload = payload_pool.first(rng.below(payload_pool.size() + 1));
    return t;
}

void expect_same(const TcpRepr& a, const TcpRepr& b) {
    EXPECT_EQ(a.src_port, b.src_port);
    EXPECT_EQ(a.dst_port, b.dst_port);
    EXPECT_EQ(a.control, b.control);
    EXPECT_EQ(a.psh, b.psh);
    EXPECT_EQ(a.ece, b.ece);
    EXPECT_EQ(a.cwr, b.cwr);
    EXPECT_EQ(a.urg, b.urg);
    EXPECT_EQ(a.urgent_pointer, b.urgent_pointer);
    EXPECT_EQ(a.seq_number, b.seq_number);
    EXPECT_EQ(a.ack_number, b.ack_number);
    EXPECT_EQ(a.window_len, b.window_len);
    EXPECT_EQ(a.max_seg_size, b.max_seg_size);
    EXPECT_EQ(a.window_scale, b.window_scale);
    EXPECT_EQ(a.sack_permitted, b.sack_permitted);
    EXPECT_EQ(a.timestamp, b.timestamp);
    ASSERT_EQ(a.sack_block_count, b.sack_block_count);
    for (size_t i = 0; i < a.sack_block_count; ++i) EXPECT_EQ(a.sack_blocks[i], b.sack_blocks[i]);
    EXPECT_TRUE(std::ranges::equal(a.payload, b.payload));
}

TEST(TcpRoundTrip, RandomReprsSurviveEmitAndParse) {
    constexpr uint64_t kSeed = 0x7ac4'0e1e;
    Random rng(kSeed);
    Bytes pool(300);
    for (auto& b : pool) b = std::byte{static_cast<uint8_t>(rng.next_u32())};
    for (int i = 0; i < 20000; ++i) {
        const TcpRepr t = random_repr(rng, pool);
        Bytes buf(t.buffer_len());
        TcpSegment seg(buf);
        t.emit(seg, kIpA, kIpB, ChecksumMode::kCompute);
        ASSERT_EQ(seg.check(), WireError::kNone);
        ASSERT_EQ(seg.header_len(), t.header_len());
        ASSERT_EQ(seg.header_len() % 4, 0u);
        auto r = TcpRepr::parse(seg, kIpA, kIpB);
        ASSERT_TRUE(r.ok()) << "seed " << kSeed << " iteration " << i << ": " << to_string(r.error());
        expect_same(*r, t);
        if (testing::Test::HasFailure()) {
            ADD_FAILURE() << "seed " << kSeed << " iteration " << i;
            return;
        }
    }
}

// TcpPlainHeader, the per-segment builder, writes what TcpRepr::emit writes for the same fields.
TEST(TcpPlainHeader, WritesTheBytesTcpReprWrites) {
    Random rng(0x91a1);
    Bytes pool(1500);
    for (auto& b : pool) b = std::byte{static_cast<uint8_t>(rng.next_u32())};
    for (int i = 0; i < 5000; ++i) {
        TcpPlainHeader h;
        h.src_port = static_cast<uint16_t>(rng.next_u32());
        h.dst_port = static_cast<uint16_t>(rng.next_u32());
        h.seq_number = SeqNum(rng.next_u32());
        h.ack_number = SeqNum(rng.next_u32());
        h.flags = static_cast<uint8_t>(tcp_flags::kAck | (rng.below(2) ? tcp_flags::kPsh : 0) |
                                       (rng.below(4) == 0 ? tcp_flags::kFin : 0));
        h.window_len = static_cast<uint16_t>(rng.next_u32());
        if (rng.below(2)) h.timestamp = TcpTimestamp{rng.next_u32(), rng.next_u32()};
        const size_t len = rng.below(2) ? rng.below(pool.size() + 1) : rng.below(8);
        const std::span<const std::byte> payload = std::span(pool).first(len);

        TcpRepr r;
        r.src_port = h.src_port;
        r.dst_port = h.dst_port;
        r.seq_number = h.seq_number;
        r.ack_number = h.ack_number;
        r.psh = (h.flags & tcp_flags::kPsh) != 0;
        if (h.flags & tcp_flags::kFin) r.control = TcpControl::kFin;
        r.window_len = h.window_len;
        r.timestamp = h.timestamp;
        r.payload = payload;
        Bytes want(r.buffer_len());
        TcpSegment want_seg(want);
        r.emit(want_seg, kIpA, kIpB, ChecksumMode::kCompute);

        Bytes got(h.header_len() + len);
        std::copy(payload.begin(), payload.end(), got.begin() + static_cast<ptrdiff_t>(h.header_len()));
        h.emit(got.data(), len, kIpA, kIpB, ChecksumMode::kCompute);
        ASSERT_EQ(hex(got), hex(want)) << "iteration " << i << ", payload " << len;
    }
}

}  // namespace
}  // namespace tachyon::wire_test
