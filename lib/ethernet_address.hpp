// A 48-bit IEEE 802 MAC address. Kept in lib/ because a Device reports its own.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tachyon {

struct EthernetAddress {
    std::array<uint8_t, 6> octets{};

    static constexpr EthernetAddress broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
    bool is_broadcast() const { return *this == broadcast(); }
    bool is_multicast() const { return (octets[0] & 0x01) != 0; }
    bool is_unicast() const { return !is_multicast(); }
    bool is_zero() const { return *this == EthernetAddress{}; }

    // "02:00:00:00:00:01"; nullopt for anything else.
    static std::optional<EthernetAddress> parse(std::string_view text);
    std::string to_string() const;

    friend bool operator==(const EthernetAddress&, const EthernetAddress&) = default;
};

}  // namespace tachyon
