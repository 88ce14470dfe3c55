// An IPv4 address held in host byte order, and an address with its prefix length (a subnet).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tachyon {

struct Ipv4Address {
    uint32_t value = 0;  // host byte order: 10.0.0.1 is 0x0a000001

    static constexpr Ipv4Address any() { return {0}; }
    static constexpr Ipv4Address broadcast() { return {0xffffffff}; }
    static constexpr Ipv4Address from_octets(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
        return {(uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | uint32_t{d}};
    }
    bool is_unspecified() const { return value == 0; }
    bool is_broadcast() const { return value == 0xffffffff; }
    bool is_multicast() const { return (value >> 28) == 0xe; }
    bool is_loopback() const { return (value >> 24) == 127; }

    // Dotted quad "10.0.0.1"; nullopt for anything else.
    static std::optional<Ipv4Address> parse(std::string_view text);
    std::string to_string() const;

    constexpr auto operator<=>(const Ipv4Address&) const = default;
};

struct Ipv4Cidr {
    Ipv4Address address;
    uint8_t prefix_len = 32;

    // "10.0.0.1/24"; nullopt for anything else (prefix 0..32).
    static std::optional<Ipv4Cidr> parse(std::string_view text);
    uint32_t netmask() const { return prefix_len == 0 ? 0 : ~uint32_t{0} << (32 - prefix_len); }
    bool contains(Ipv4Address a) const { return (a.value & netmask()) == (address.value & netmask()); }
    Ipv4Address subnet_broadcast() const { return {address.value | ~netmask()}; }
    std::string to_string() const;

    constexpr bool operator==(const Ipv4Cidr&) const = default;
};

}  // namespace tachyon
