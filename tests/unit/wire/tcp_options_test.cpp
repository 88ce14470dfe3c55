// TCP option parsing: every well-formed kind, the Linux layouts, and every malformed case.
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/wire/wire_test_util.hpp"

namespace tachyon::wire_test {
namespace {

// A segment from A to B with the given option bytes (a multiple of 4) and payload, checksummed.
Bytes segment_with_options(std::vector<uint8_t> options, uint8_t flags = tcp_flags::kAck,
                           std::string_view payload = "") {
    const size_t hlen = 20 + options.size();
    Bytes buf(hlen + payload.size());
    TcpSegment seg(buf);
    seg.set_src_port(1234);
    seg.set_dst_port(80);
    seg.set_seq_number(SeqNum(1000));
    seg.set_ack_number(SeqNum(2000));
    seg.set_header_len(hlen);
    seg.set_flags(flags);
    seg.set_window_len(1000);
    for (size_t i = 0; i < options.size(); ++i) buf[20 + i] = std::byte{options[i]};
    for (size_t i = 0; i < payload.size(); ++i) buf[hlen + i] = static_cast<std::byte>(payload[i]);
    seg.fill_checksum(kIpA, kIpB);
    return buf;
}

Parsed<TcpRepr> parse_options(std::vector<uint8_t> options, std::string_view payload = "") {
    static Bytes storage;  // keeps the payload span valid after return
    storage = segment_with_options(std::move(options), tcp_flags::kAck, payload);
    return TcpRepr::parse(TcpSegment(storage), kIpA, kIpB);
}

WireError option_error(std::vector<uint8_t> options) { return parse_options(std::move(options)).error(); }

TEST(TcpOptions, NoneAtAll) {
    auto r = parse_options({});
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->max_seg_size);
    EXPECT_FALSE(r->window_scale);
    EXPECT_FALSE(r->sack_permitted);
    EXPECT_FALSE(r->timestamp);
    EXPECT_EQ(r->sack_block_count, 0);
}

TEST(TcpOptions, LinuxSynLayout) {
    auto r = parse_options({2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->max_seg_size, 1460);
    EXPECT_TRUE(r->sack_permitted);
    EXPECT_EQ(r->timestamp, (TcpTimestamp{1, 2}));
    EXPECT_EQ(r->window_scale, 7);
}

TEST(TcpOptions, LinuxSynWithoutTimestamps) {
    auto r = parse_options({2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 0});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->max_seg_size, 1460);
    EXPECT_TRUE(r->sack_permitted);
    EXPECT_FALSE(r->timestamp);
    EXPECT_EQ(r->window_scale, 0);
}

TEST(TcpOptions, FourSackBlocks) {
    std::vector<uint8_t> o = {1, 1, 5, 34};
    for (uint8_t i = 0; i < 8; ++i) {
        for (uint8_t b : {uint8_t{0}, uint8_t{0}, uint8_t{i}, uint8_t{0x10}}) o.push_back(b);
    }
    auto r = parse_options(o);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->sack_block_count, 4);
    for (uint32_t i = 0; i < 4; ++i) {
        EXPECT_EQ(r->sack_blocks[i].left.raw(), (2 * i) << 8 | 0x10);
        EXPECT_EQ(r->sack_blocks[i].right.raw(), (2 * i + 1) << 8 | 0x10);
    }
}

TEST(TcpOptions, TimestampFastPathMatchesTheGeneralLoop) {
    // NOP NOP TS takes the fast path; TS NOP NOP the loop: same result.
    auto a = parse_options({1, 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04});
    auto b = parse_options({8, 10, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, 1, 1});
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(a->timestamp, (TcpTimestamp{0xdeadbeef, 0x01020304}));
    EXPECT_EQ(b->timestamp, a->timestamp);
}

TEST(TcpOptions, UnknownKindsAreSkippedByTheirLength) {
    // Kind 30 (MPTCP) with 6 bytes, kind 254 (experimental) with 2, then an MSS.
    auto r = parse_options({30, 6, 0xaa, 0xbb, 0xcc, 0xdd, 254, 2, 2, 4, 0x05, 0xb4});
    ASSERT_TRUE(r.ok()) << to_string(r.error());
    EXPECT_EQ(r->max_seg_size, 1460);
}

TEST(TcpOptions, EndOfListStopsParsing) {
    // Whatever follows EOL is padding, even if it would be malformed.
    auto r = parse_options({2, 4, 0x05, 0xb4, 0, 0, 0xff, 1});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->max_seg_size, 1460);
}

TEST(TcpOptions, WindowScaleAbove14IsClamped) {
    // RFC 7323 section 2.3: use 14 instead of a larger shift.
    for (uint8_t shift : {14, 15, 200, 255}) {
        auto r = parse_options({1, 3, 3, shift});
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r->window_scale, 14) << int{shift};
    }
    auto r = parse_options({1, 3, 3, 13});
    EXPECT_EQ(r->window_scale, 13);
}

TEST(TcpOptions, LengthZeroOrOne) {
    EXPECT_EQ(option_error({2, 0, 0, 0}), WireError::kBadOption);
    EXPECT_EQ(option_error({30, 0, 1, 1}), WireError::kBadOption);  // unknown kind: cannot skip
    EXPECT_EQ(option_error({8, 1, 1, 1}), WireError::kBadOption);
    EXPECT_EQ(option_error({30, 1, 1, 1}), WireError::kBadOption);
}

TEST(TcpOptions, OverlongPastTheHeader) {
    EXPECT_EQ(option_error({1, 1, 8, 10, 0, 0, 0, 0}), WireError::kBadOption);
    EXPECT_EQ(option_error({254, 12, 0, 0, 0, 0, 0, 0}), WireError::kBadOption);
    EXPECT_EQ(option_error({1, 5, 255, 0}), WireError::kBadOption);
}

TEST(TcpOptions, OptionPastTheDataOffset) {
    // The kind byte is the last byte of the header: its length would be payload.
    auto r = parse_options({1, 1, 1, 2}, "\x04\x05\xb4");
    EXPECT_EQ(r.error(), WireError::kBadOption);
    // The MSS value would lie in the payload.
    r = parse_options({1, 1, 2, 4}, "\x05\xb4");
    EXPECT_EQ(r.error(), WireError::kBadOption);
}

TEST(TcpOptions, KnownKindsWithTheWrongLength) {
    EXPECT_EQ(option_error({2, 3, 5, 1}), WireError::kBadOption);                                // MSS len 3
    EXPECT_EQ(option_error({2, 5, 5, 0xb4, 0, 1, 1, 1}), WireError::kBadOption);                // MSS len 5
    EXPECT_EQ(option_error({3, 4, 7, 0}), WireError::kBadOption);                                // WS len 4
    EXPECT_EQ(option_error({3, 2, 1, 1}), WireError::kBadOption);                                // WS len 2
    EXPECT_EQ(option_error({4, 3, 0, 1}), WireError::kBadOption);                                // SACKOK len 3
    EXPECT_EQ(option_error({5, 2, 1, 1}), WireError::kBadOption);                                // SACK, no block
    EXPECT_EQ(option_error({5, 3, 0, 1}), WireError::kBadOption);                                // SACK len 3
    EXPECT_EQ(option_error({1, 5, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0}), WireError::kBadOption);     // SACK len 11
    EXPECT_EQ(option_error({8, 9, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1}), WireError::kBadOption);      // TS len 9
    EXPECT_EQ(option_error({8, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), WireError::kBadOption);     // TS len 11
}

TEST(TcpOptions, MalformedOptionsAreRejectedEvenWithTrustedChecksums) {
    Bytes buf = segment_with_options({2, 3, 5, 1});
    EXPECT_EQ(TcpRepr::parse(TcpSegment(buf), kIpA, kIpB, ChecksumCheck::kTrusted).error(), WireError::kBadOption);
}

}  // namespace
}  // namespace tachyon::wire_test
