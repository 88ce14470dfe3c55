// How emit() fills a checksum field: computed in software, or left to the device's TX offload
// (for TCP/UDP the pseudo-header sum is stored, as DPDK's offload expects).
#pragma once

#include <cstdint>

namespace tachyon {

enum class ChecksumMode : uint8_t {
    kCompute,  // compute the full checksum in software
    kOffload,  // the device computes it (IPv4: field zeroed; TCP/UDP: pseudo-header sum stored)
};

// On parse: verify the checksum, or trust the device that already verified it.
enum class ChecksumCheck : uint8_t { kVerify, kTrusted };

}  // namespace tachyon
