// SHA-256 (FIPS 180-4), incremental, for checking the bytes the interop transfers carry. The
// kernel peer (kernel_peer.py) hashes with Python's hashlib; agreeing digests check both ends.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace tachyon::interop {

class Sha256 {
public:
    Sha256();
    void update(std::span<const std::byte> data);
    // The digest as 64 lower-case hex digits. The object must not be updated afterwards.
    std::string hex_digest();

    static std::string hex_of(std::span<const std::byte> data);

private:
    void block(const uint8_t* p);

    std::array<uint32_t, 8> h_;
    std::array<uint8_t, 64> buf_{};
    size_t buffered_ = 0;
    uint64_t total_ = 0;  // bytes
};

}  // namespace tachyon::interop
