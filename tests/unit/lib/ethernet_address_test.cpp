#include "lib/ethernet_address.hpp"

#include <gtest/gtest.h>

namespace tachyon {
namespace {

TEST(EthernetAddress, ParseAndFormatRoundTrip) {
    const auto a = EthernetAddress::parse("02:00:5e:10:aB:Ff");
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->octets, (std::array<uint8_t, 6>{0x02, 0x00, 0x5e, 0x10, 0xab, 0xff}));
    EXPECT_EQ(a->to_string(), "02:00:5e:10:ab:ff");
    EXPECT_EQ(EthernetAddress::parse(a->to_string()), a);
    EXPECT_EQ(EthernetAddress{}.to_string(), "00:00:00:00:00:00");
    EXPECT_EQ(EthernetAddress::broadcast().to_string(), "ff:ff:ff:ff:ff:ff");
}

TEST(EthernetAddress, RejectsBadInput) {
    for (const char* bad : {"", "02:00:00:00:00", "02:00:00:00:00:0", "02:00:00:00:00:001",
                            "02:00:00:00:00:01:", "02-00-00-00-00-01", "02:00:00:00:00:0g",
                            "2:00:00:00:00:001", "02:00:00:00:00:01 ", " 02:00:00:00:00:01",
                            "0x:00:00:00:00:01", "02:00:00:00:00::1", "02:00:00:00:00:-1"}) {
        EXPECT_FALSE(EthernetAddress::parse(bad).has_value()) << '"' << bad << '"';
    }
}

TEST(EthernetAddress, Classification) {
    const auto uni = *EthernetAddress::parse("02:00:00:00:00:01");
    const auto multi = *EthernetAddress::parse("01:00:5e:00:00:01");
    EXPECT_TRUE(uni.is_unicast());
    EXPECT_FALSE(uni.is_multicast());
    EXPECT_FALSE(uni.is_broadcast());
    EXPECT_TRUE(multi.is_multicast());
    EXPECT_FALSE(multi.is_broadcast());
    EXPECT_TRUE(EthernetAddress::broadcast().is_broadcast());
    EXPECT_TRUE(EthernetAddress::broadcast().is_multicast());
    EXPECT_TRUE(EthernetAddress{}.is_zero());
    EXPECT_FALSE(uni.is_zero());
    EXPECT_NE(uni, multi);
}

}  // namespace
}  // namespace tachyon
