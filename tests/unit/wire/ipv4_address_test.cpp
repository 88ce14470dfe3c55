// Ipv4Address and Ipv4Cidr: parsing, printing and subnet arithmetic.
#include <gtest/gtest.h>

#include "stack/wire/ipv4_address.hpp"

namespace tachyon {
namespace {

TEST(Ipv4Address, ParsesDottedQuads) {
    EXPECT_EQ(Ipv4Address::parse("10.0.0.1"), Ipv4Address{0x0a000001});
    EXPECT_EQ(Ipv4Address::parse("0.0.0.0"), Ipv4Address::any());
    EXPECT_EQ(Ipv4Address::parse("255.255.255.255"), Ipv4Address::broadcast());
    EXPECT_EQ(Ipv4Address::parse("192.168.100.254"), Ipv4Address::from_octets(192, 168, 100, 254));
}

TEST(Ipv4Address, RejectsEverythingElse) {
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", "1.2.3.4 ",
                            " 1.2.3.4", "1..2.3", "1.2.3.", ".1.2.3", "a.b.c.d", "1.2.3.-4", "1.2.3.+4", "1000.1.1.1",
                            "0x1.2.3.4", "1.2.3.4/24", "4294967297.0.0.0"}) {
        EXPECT_FALSE(Ipv4Address::parse(bad)) << '"' << bad << '"';
    }
}

TEST(Ipv4Address, PrintsDottedQuads) {
    EXPECT_EQ(Ipv4Address{0x0a000001}.to_string(), "10.0.0.1");
    EXPECT_EQ(Ipv4Address::broadcast().to_string(), "255.255.255.255");
    EXPECT_EQ(Ipv4Address::any().to_string(), "0.0.0.0");
    EXPECT_EQ(Ipv4Address::parse("172.16.5.4")->to_string(), "172.16.5.4");
}

TEST(Ipv4Address, Classes) {
    EXPECT_TRUE(Ipv4Address::any().is_unspecified());
    EXPECT_TRUE(Ipv4Address::broadcast().is_broadcast());
    EXPECT_TRUE(Ipv4Address::from_octets(224, 0, 0, 251).is_multicast());
    EXPECT_TRUE(Ipv4Address::from_octets(239, 255, 255, 250).is_multicast());
    EXPECT_FALSE(Ipv4Address::from_octets(240, 0, 0, 1).is_multicast());
    EXPECT_TRUE(Ipv4Address::from_octets(127, 0, 0, 1).is_loopback());
    EXPECT_TRUE(Ipv4Address::from_octets(10, 0, 0, 1) < Ipv4Address::from_octets(10, 0, 0, 2));
}

TEST(Ipv4Cidr, ParsesAndPrints) {
    auto c = Ipv4Cidr::parse("10.1.2.3/24");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->address, Ipv4Address::from_octets(10, 1, 2, 3));
    EXPECT_EQ(c->prefix_len, 24);
    EXPECT_EQ(c->to_string(), "10.1.2.3/24");
    EXPECT_EQ(Ipv4Cidr::parse("0.0.0.0/0")->prefix_len, 0);
    EXPECT_EQ(Ipv4Cidr::parse("1.2.3.4/32")->prefix_len, 32);
}

TEST(Ipv4Cidr, RejectsBadInputs) {
    for (const char* bad : {"1.2.3.4/33", "1.2.3.4", "1.2.3.4/", "1.2.3/8", "1.2.3.4/-1", "1.2.3.4/+1", "1.2.3.4/ 8",
                            "1.2.3.4/8 ", "1.2.3.4/8/8", "256.1.1.1/8", "/8", "1.2.3.4/100000000000"}) {
        EXPECT_FALSE(Ipv4Cidr::parse(bad)) << '"' << bad << '"';
    }
}

TEST(Ipv4Cidr, SubnetArithmetic) {
    const Ipv4Cidr c = *Ipv4Cidr::parse("192.168.1.77/24");
    EXPECT_EQ(c.netmask(), 0xffffff00u);
    EXPECT_TRUE(c.contains(Ipv4Address::from_octets(192, 168, 1, 1)));
    EXPECT_FALSE(c.contains(Ipv4Address::from_octets(192, 168, 2, 1)));
    EXPECT_EQ(c.subnet_broadcast(), Ipv4Address::from_octets(192, 168, 1, 255));
    const Ipv4Cidr all = *Ipv4Cidr::parse("0.0.0.0/0");
    EXPECT_EQ(all.netmask(), 0u);
    EXPECT_TRUE(all.contains(Ipv4Address::broadcast()));
    const Ipv4Cidr host = *Ipv4Cidr::parse("10.0.0.1/32");
    EXPECT_TRUE(host.contains(Ipv4Address::from_octets(10, 0, 0, 1)));
    EXPECT_FALSE(host.contains(Ipv4Address::from_octets(10, 0, 0, 2)));
    EXPECT_EQ(Ipv4Cidr::parse("10.0.0.0/31")->subnet_broadcast(), Ipv4Address::from_octets(10, 0, 0, 1));
}

}  // namespace
}  // namespace tachyon
