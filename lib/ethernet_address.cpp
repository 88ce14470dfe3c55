#include "lib/ethernet_address.hpp"

#include <cstdio>

namespace tachyon {

namespace {
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::optional<EthernetAddress> EthernetAddress::parse(std::string_view text) {
    if (text.size() != 17) return std::nullopt;
    EthernetAddress a;
    for (size_t i = 0; i < 6; ++i) {
        const int hi = hex_value(text[i * 3]);
        const int lo = hex_value(text[i * 3 + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        if (i < 5 && text[i * 3 + 2] != ':') return std::nullopt;
        a.octets[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    return a;
}

std::string EthernetAddress::to_string() const {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", octets[0], octets[1], octets[2],
                  octets[3], octets[4], octets[5]);
    return buf;
}

}  // namespace tachyon
