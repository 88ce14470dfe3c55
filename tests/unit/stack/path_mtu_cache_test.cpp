// PathMtuCache: lowered only, forgotten after its lifetime, bounded (the entry closest to expiring
// gives way).
#include <gtest/gtest.h>

#include "stack/path_mtu_cache.hpp"

namespace tachyon {
namespace {

constexpr Ipv4Address kFar = Ipv4Address::from_octets(192, 0, 2, 1);
constexpr Ipv4Address kOther = Ipv4Address::from_octets(192, 0, 2, 2);
constexpr uint16_t kLink = 1500;

Instant at_s(int64_t s) { return Instant::from_ms(s * 1000); }

TEST(PathMtuCache, ALearntMtuHoldsForItsDestinationUntilItExpires) {
    PathMtuCache c;
    EXPECT_EQ(c.get(kFar, kLink, at_s(0)), kLink);
    c.lower(kFar, 1280, at_s(0));
    EXPECT_EQ(c.get(kFar, kLink, at_s(1)), 1280);
    EXPECT_EQ(c.get(kOther, kLink, at_s(1)), kLink);
    EXPECT_EQ(c.get(kFar, 1000, at_s(1)), 1000) << "never above the link's own";
    c.lower(kFar, 1400, at_s(2));  // larger: says nothing new
    EXPECT_EQ(c.get(kFar, kLink, at_s(2)), 1280);
    c.lower(kFar, 1000, at_s(3));
    EXPECT_EQ(c.get(kFar, kLink, at_s(3)), 1000);
    EXPECT_EQ(c.get(kFar, kLink, at_s(3) + PathMtuCache::kLifetime - Duration::from_ms(1)), 1000);
    EXPECT_EQ(c.get(kFar, kLink, at_s(3) + PathMtuCache::kLifetime), kLink);
    // An expired entry is learnt afresh, larger or not.
    c.lower(kFar, 1400, at_s(1000));
    EXPECT_EQ(c.get(kFar, kLink, at_s(1000)), 1400);
}

TEST(PathMtuCache, AFullTableGivesUpTheEntryClosestToExpiring) {
    PathMtuCache c;
    for (uint32_t i = 0; i < PathMtuCache::kEntries; ++i) {
        c.lower(Ipv4Address::from_octets(10, 0, 0, static_cast<uint8_t>(i)), 1000, at_s(10 + i));
    }
    c.lower(kFar, 1200, at_s(100));  // the oldest, 10.0.0.0, gives way
    EXPECT_EQ(c.get(kFar, kLink, at_s(100)), 1200);
    EXPECT_EQ(c.get(Ipv4Address::from_octets(10, 0, 0, 0), kLink, at_s(100)), kLink);
    EXPECT_EQ(c.get(Ipv4Address::from_octets(10, 0, 0, 1), kLink, at_s(100)), 1000);
    EXPECT_EQ(c.get(Ipv4Address::from_octets(10, 0, 0, 63), kLink, at_s(100)), 1000);
}

}  // namespace
}  // namespace tachyon
