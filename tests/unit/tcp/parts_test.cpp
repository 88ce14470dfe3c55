// The building blocks on their own: byte ring, reassembly ranges, the connection table's index,
// the TIME-WAIT records' table, the RFC 6298 estimator, SipHash and RFC 6528 ISNs.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>

#include "lib/packet.hpp"
#include "lib/random.hpp"
#include "stack/tcp/buffer_pool.hpp"
#include "stack/tcp/byte_ring.hpp"
#include "stack/tcp/connection_table.hpp"
#include "stack/tcp/isn.hpp"
#include "stack/tcp/receive_buffer.hpp"
#include "stack/tcp/rtt_estimator.hpp"
#include "stack/tcp/siphash.hpp"
#include "stack/tcp/time_wait_table.hpp"

namespace tachyon {
namespace {

std::span<const std::byte> b(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string read(ReceiveBuffer& r) {
    std::string out(r.readable(), '\0');
    r.read(std::as_writable_bytes(std::span(out)));
    return out;
}

TEST(ByteRing, WrapsAroundAndCopiesOutAtOffsets) {
    ByteRing r;
    r.reset(8);
    EXPECT_EQ(r.push(b("abcdef")), 6u);
    r.consume(4);
    EXPECT_EQ(r.push(b("ghijklmn")), 6u);  // only 6 fit
    std::string out(8, '\0');
    r.copy_out(0, std::as_writable_bytes(std::span(out)));
    EXPECT_EQ(out, "efghijkl");
    std::string mid(3, '\0');
    r.copy_out(3, std::as_writable_bytes(std::span(mid)));
    EXPECT_EQ(mid, "hij");
}

TEST(ReceiveBuffer, ReassemblesRangesAndMergesOverlaps) {
    ReceiveBuffer r;
    r.reset(64);
    const SeqNum base(4294967290u);  // across the 2^32 wrap
    EXPECT_EQ(r.insert(base, base + 10, b("KLM")).advanced, 0u);
    EXPECT_EQ(r.insert(base, base + 4, b("EFG")).advanced, 0u);
    EXPECT_EQ(r.insert(base, base + 6, b("GHIJK")).advanced, 0u);  // bridges both ranges
    EXPECT_EQ(r.range_count(), 1u);
    EXPECT_EQ(r.window(), 64u);
    auto res = r.insert(base, base, b("ABCD"));
    EXPECT_EQ(res.advanced, 13u);
    EXPECT_EQ(r.range_count(), 0u);
    EXPECT_EQ(read(r), "ABCDEFGHIJKLM");
}

TEST(ReceiveBuffer, RangeTableIsBounded) {
    ReceiveBuffer r;
    r.reset(256);
    const SeqNum base(0);
    for (uint32_t i = 0; i < ReceiveBuffer::kMaxRanges; ++i) {
        EXPECT_TRUE(r.insert(base, base + 2 + 3 * i, b("x")).stored);
    }
    EXPECT_FALSE(r.insert(base, base + 200, b("y")).stored);
    EXPECT_TRUE(r.insert(base, base + 3, b("x")).stored);  // adjacent to a range: merges
    EXPECT_EQ(r.insert(base, base, b("ab")).advanced, 4u);  // [0,2) + [2,4)
}

// A received packet whose payload (here after a 40-byte header) a ReceiveBuffer may keep.
Packet packet_with(PacketPool& pool, const std::string& header, const std::string& payload) {
    Packet p = pool.alloc();
    std::byte* at = p.append(header.size() + payload.size());
    std::memcpy(at, header.data(), header.size());
    std::memcpy(at + header.size(), payload.data(), payload.size());
    return p;
}

TEST(ReceiveBuffer, AnAdoptedPacketIsReadFirstAndCountsAgainstTheWindow) {
    PacketPool packets(4);
    BufferPool buffers(1 << 20, SIZE_MAX, 1);
    ReceiveBuffer r;
    r.set_pool(&buffers);
    r.reset(64);
    const SeqNum base(4294967290u);
    Packet p = packet_with(packets, std::string(40, 'h'), "ABCDEF");
    const std::span<const std::byte> payload = p.bytes().subspan(40);
    ASSERT_TRUE(r.adopt(payload, p));
    EXPECT_FALSE(p);  // taken: the buffer keeps the packet ...
    EXPECT_EQ(packets.in_use(), 1u);
    EXPECT_EQ(buffers.stats().packets_held, 1u);
    EXPECT_EQ(buffers.stats().in_use_bytes, 0u);  // ... and takes no ring storage
    EXPECT_EQ(r.readable(), 6u);
    EXPECT_EQ(r.window(), 58u);
    // Behind it: in-order bytes into the ring, out-of-order ones at their place in it.
    EXPECT_EQ(r.insert(base + 6, base + 9, b("JK")).advanced, 0u);
    EXPECT_EQ(r.insert(base + 6, base + 6, b("GHI")).advanced, 5u);
    EXPECT_EQ(r.readable(), 11u);
    EXPECT_EQ(r.window(), 53u);
    // Peeking shows the payload where it lies in the packet, then the ring.
    RingSpans<const std::byte> v = r.peek(11);
    EXPECT_EQ(v.first.data(), payload.data());
    EXPECT_EQ(v.first.size(), 6u);
    EXPECT_EQ(v.second.size(), 5u);
    r.consume(2);
    EXPECT_EQ(r.peek(1).first.data(), payload.data() + 2);
    std::string out(5, '\0');
    EXPECT_EQ(r.read(std::as_writable_bytes(std::span(out))), 5u);  // across the packet's end
    EXPECT_EQ(out, "CDEFG");
    EXPECT_EQ(packets.in_use(), 0u);  // read to its end: back to its pool
    EXPECT_EQ(buffers.stats().packets_held, 0u);
    EXPECT_EQ(read(r), "HIJK");
    EXPECT_EQ(r.window(), 64u);
}

// In-order packets adopted one behind another while the ring is empty are read (and peeked) in
// the order they came, across their ends, and before the ring's bytes.
TEST(ReceiveBuffer, PacketsAdoptedOneBehindAnotherAreReadInOrderBeforeTheRing) {
    PacketPool packets(4);
    BufferPool buffers(1 << 20, SIZE_MAX, 2);
    ReceiveBuffer r;
    r.set_pool(&buffers);
    r.reset(64);
    const SeqNum base(100);
    Packet p = packet_with(packets, "hdr", "abcd");
    Packet q = packet_with(packets, "hdr", "efg");
    Packet s = packet_with(packets, "hdr", "hij");
    const std::byte* const q_payload = q.data() + 3;
    ASSERT_TRUE(r.adopt(p.bytes().subspan(3), p));
    ASSERT_TRUE(r.adopt(q.bytes().subspan(3), q));
    EXPECT_EQ(buffers.stats().packets_held, 2u);
    EXPECT_EQ(buffers.stats().in_use_bytes, 0u);
    EXPECT_FALSE(r.adopt(s.bytes().subspan(3), s));  // the pool's limit: the caller copies it in
    EXPECT_EQ(r.insert(base + 7, base + 7, s.bytes().subspan(3)).advanced, 3u);
    EXPECT_EQ(r.readable(), 10u);
    EXPECT_EQ(r.window(), 54u);
    RingSpans<const std::byte> v = r.peek(10);  // both packets; the ring's bytes would be a third span
    EXPECT_EQ(v.first.size(), 4u);
    EXPECT_EQ(v.second.data(), q_payload);
    EXPECT_EQ(v.second.size(), 3u);
    std::string out(5, '\0');
    EXPECT_EQ(r.read(std::as_writable_bytes(std::span(out))), 5u);  // across the first packet's end
    EXPECT_EQ(out, "abcde");
    EXPECT_EQ(buffers.stats().packets_held, 1u);
    EXPECT_EQ(r.readable(), 5u);
    EXPECT_EQ(r.window(), 59u);
    v = r.peek(5);  // the last packet, then the ring
    EXPECT_EQ(v.first.data(), q_payload + 1);
    EXPECT_EQ(v.first.size(), 2u);
    EXPECT_EQ(v.second.size(), 3u);
    r.consume(3);  // across the last packet's end into the ring
    EXPECT_EQ(buffers.stats().packets_held, 0u);
    EXPECT_EQ(packets.in_use(), 1u);  // only s, still the caller's
    EXPECT_EQ(read(r), "ij");
    EXPECT_EQ(r.window(), 64u);
}

TEST(ReceiveBuffer, AdoptsOnlyWhileTheRingIsEmptyAndWithinThePoolsPacketLimit) {
    PacketPool packets(4);
    BufferPool buffers(1 << 20, SIZE_MAX, 1);
    ReceiveBuffer r;
    ReceiveBuffer other;
    for (ReceiveBuffer* x : {&r, &other}) {
        x->set_pool(&buffers);
        x->reset(64);
    }
    const SeqNum base(0);
    Packet p = packet_with(packets, "hdr", "abc");
    ASSERT_TRUE(r.adopt(p.bytes().subspan(3), p));
    Packet q = packet_with(packets, "hdr", "xyz");
    EXPECT_FALSE(other.adopt(q.bytes().subspan(3), q));  // one packet held already: the limit
    EXPECT_TRUE(q);
    EXPECT_EQ(buffers.stats().packets_refused, 1u);
    r.clear();  // a reset connection: the packet goes back
    EXPECT_EQ(packets.in_use(), 1u);
    EXPECT_EQ(buffers.stats().packets_held, 0u);
    EXPECT_EQ(r.insert(base, base, b("in")).advanced, 2u);
    EXPECT_FALSE(r.adopt(q.bytes().subspan(3), q));  // the ring holds bytes: data goes behind them
    r.reset(64);
    EXPECT_EQ(r.insert(base, base + 2, b("z")).advanced, 0u);
    EXPECT_FALSE(r.adopt(q.bytes().subspan(3), q));  // an out-of-order range is held
    r.reset(64);
    const std::string elsewhere = "xyz";
    EXPECT_FALSE(r.adopt(b(elsewhere), q));  // the bytes are not in the packet
    ReceiveBuffer no_pool;
    no_pool.reset(64);
    EXPECT_FALSE(no_pool.adopt(q.bytes().subspan(3), q));  // nothing bounds its packets
    EXPECT_TRUE(other.adopt(q.bytes().subspan(3), q));
    EXPECT_EQ(read(other), "xyz");
    EXPECT_EQ(packets.in_use(), 0u);
}

TEST(ConnectionTable, IndexMatchesAReferenceMapUnderChurn) {
    ConnectionTable t(64, 1, 2);
    std::map<uint32_t, TcpConnection*> ref;
    Random rng(3);
    for (int step = 0; step < 20000; ++step) {
        const uint32_t key = static_cast<uint32_t>(rng.below(200));
        const TcpTuple tuple{Ipv4Address{key * 7}, static_cast<uint16_t>(key), Ipv4Address{9},
                             static_cast<uint16_t>(key * 3)};
        auto it = ref.find(key);
        if (it != ref.end()) {
            ASSERT_EQ(t.find(tuple), it->second);
            t.erase(*it->second);
            t.release(*it->second);
            ref.erase(it);
            ASSERT_EQ(t.find(tuple), nullptr);
        } else if (TcpConnection* c = t.allocate()) {
            c->tuple = tuple;
            ASSERT_EQ(t.find(tuple), nullptr);
            t.insert(*c);
            ref[key] = c;
        }
        ASSERT_EQ(t.in_use(), ref.size());
    }
    for (auto& [k, c] : ref) {
        EXPECT_EQ(t.find(c->tuple), c);
        EXPECT_EQ(t.get(c->handle()), c);
    }
}

// Churn against a reference: lookups by tuple through the hash chains (8 chain heads for up to 8
// records of 200 tuples: chains of several), removal from the middle of a chain and of the age
// list, renewal, and the age order (oldest first) that expiry and eviction follow.
TEST(TimeWaitTable, MatchesAReferenceUnderChurnAndKeepsAgeOrder) {
    TimeWaitTable t(8, 1, 2);
    std::map<uint32_t, int64_t> ref;  // key -> "expiry" (a step counter, increasing)
    Random rng(5);
    auto tuple_of = [](uint32_t key) {
        return TcpTuple{Ipv4Address{key * 7}, static_cast<uint16_t>(key), Ipv4Address{9}, static_cast<uint16_t>(key * 3)};
    };
    for (int64_t step = 1; step <= 20000; ++step) {
        const uint32_t key = static_cast<uint32_t>(rng.below(200));
        const TcpTuple tuple = tuple_of(key);
        auto it = ref.find(key);
        TimeWaitRecord* r = t.find(tuple);
        ASSERT_EQ(r != nullptr, it != ref.end()) << step;
        if (r != nullptr && rng.below(2) == 0) {
            t.renew(*r, Instant::from_ns(step));
            it->second = step;
        } else if (r != nullptr) {
            t.remove(*r);
            ref.erase(it);
            ASSERT_EQ(t.find(tuple), nullptr);
        } else {
            if (t.full()) {  // the caller's eviction: the oldest goes
                TimeWaitRecord* oldest = t.oldest();
                const auto min = std::min_element(ref.begin(), ref.end(),
                                                  [](auto& a, auto& b) { return a.second < b.second; });
                ASSERT_EQ(oldest->tuple, tuple_of(min->first));
                ref.erase(min);
                t.remove(*oldest);
            }
            TimeWaitRecord rec;
            rec.tuple = tuple;
            rec.expires = Instant::from_ns(step);
            EXPECT_EQ(t.insert(rec).tuple, tuple);
            ref[key] = step;
        }
        ASSERT_EQ(t.size(), ref.size());
    }
    for (auto& [key, expires] : ref) {
        const TimeWaitRecord* r = t.find(tuple_of(key));
        ASSERT_NE(r, nullptr);
        EXPECT_EQ(r->expires, Instant::from_ns(expires));
    }
    // Draining from the oldest gives the records in expiry order.
    int64_t last = 0;
    while (TimeWaitRecord* r = t.oldest()) {
        EXPECT_GT(r->expires.ns(), last);
        last = r->expires.ns();
        t.remove(*r);
    }
    EXPECT_EQ(t.size(), 0u);
}

TEST(ConnectionTable, StaleHandlesAreRejected) {
    ConnectionTable t(2, 1, 2);
    TcpConnection* c = t.allocate();
    const TcpHandle h = c->handle();
    EXPECT_EQ(t.get(h), c);
    t.release(*c);
    EXPECT_EQ(t.get(h), nullptr);
    TcpConnection* d = t.allocate();
    EXPECT_EQ(d, c);  // the slot is reused ...
    EXPECT_EQ(t.get(h), nullptr);  // ... under a new generation
    EXPECT_NE(t.allocate(), nullptr);
    EXPECT_EQ(t.allocate(), nullptr);  // full
}

TEST(RttEstimator, Rfc6298Arithmetic) {
    RttEstimator e;
    e.configure(Duration::from_secs(1), Duration::from_ms(200), Duration::from_secs(60));
    EXPECT_EQ(e.rto(), Duration::from_secs(1));
    e.backoff();
    EXPECT_EQ(e.rto(), Duration::from_secs(2));
    e.sample(Duration::from_ms(400));  // 2.2: SRTT=R, RTTVAR=R/2; clears the backoff
    EXPECT_EQ(e.srtt(), Duration::from_ms(400));
    EXPECT_EQ(e.rttvar(), Duration::from_ms(200));
    EXPECT_EQ(e.rto(), Duration::from_ms(1200));
    e.sample(Duration::from_ms(200));  // 2.3: RTTVAR=3/4*200+1/4*200, SRTT=7/8*400+1/8*200
    EXPECT_EQ(e.rttvar(), Duration::from_ms(200));
    EXPECT_EQ(e.srtt(), Duration::from_ms(375));
    EXPECT_EQ(e.rto(), Duration::from_ms(1175));
    for (int i = 0; i < 10; ++i) e.backoff();
    EXPECT_EQ(e.rto(), Duration::from_secs(60));  // 2.5 maximum
}

TEST(SipHash, ReferenceVectors) {
    SipKey key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
    std::vector<std::byte> msg;
    EXPECT_EQ(siphash24(key, msg), 0x726fdb47dd0e0e31ull);
    for (int i = 0; i < 15; ++i) msg.push_back(static_cast<std::byte>(i));
    EXPECT_EQ(siphash24(key, msg), 0xa129ca6149be45e5ull);
}

TEST(Isn, Rfc6528ClockPlusKeyedHash) {
    Random rng(11);
    IsnGenerator g(rng);
    const TcpTuple t{Ipv4Address{1}, 2, Ipv4Address{3}, 4};
    const TcpTuple u{Ipv4Address{1}, 2, Ipv4Address{3}, 5};
    const Instant t0 = Instant::from_ms(12345);
    const uint32_t f = g.offsets(t).isn;
    // M advances once every 4 microseconds.
    EXPECT_EQ(IsnGenerator::isn(f, t0 + Duration::from_us(4)) - IsnGenerator::isn(f, t0), 1);
    EXPECT_EQ(IsnGenerator::isn(f, t0 + Duration::from_secs(1)) - IsnGenerator::isn(f, t0), 250000);
    EXPECT_EQ(g.offsets(t).isn, f);  // F is a function of the 4-tuple and the secret
    EXPECT_NE(g.offsets(u).isn, f);  // F differs per 4-tuple
    EXPECT_NE(g.offsets(t).ts, g.offsets(u).ts);  // and so does the TSval offset
    EXPECT_NE(g.offsets(t).ts, f);  // the two halves differ
    Random other(12);
    IsnGenerator h(other);
    EXPECT_NE(h.offsets(t).isn, f);  // and per secret
}

}  // namespace
}  // namespace tachyon
