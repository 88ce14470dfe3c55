#include "stack/tcp/isn.hpp"

#include <array>

namespace tachyon {

uint64_t IsnGenerator::hash(const TcpTuple& t, uint8_t domain) const {
    std::array<std::byte, 13> in{};
    auto put32 = [&](size_t at, uint32_t v) {
        for (size_t i = 0; i < 4; ++i) in[at + i] = static_cast<std::byte>(v >> (24 - 8 * i));
    };
    put32(0, t.local_addr.value);
    put32(4, t.remote_addr.value);
    put32(8, (uint32_t{t.local_port} << 16) | t.remote_port);
    in[12] = static_cast<std::byte>(domain);
    return siphash24(key_, in);
}

IsnGenerator::Offsets IsnGenerator::offsets(const TcpTuple& t) const {
    const uint64_t h = hash(t, 0);
    return {static_cast<uint32_t>(h), static_cast<uint32_t>(h >> 32)};
}

uint32_t IsnGenerator::port_offset(const TcpTuple& t) const {
    TcpTuple destination = t;
    destination.local_port = 0;
    return static_cast<uint32_t>(hash(destination, 2));
}

}  // namespace tachyon
