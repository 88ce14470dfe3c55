// Device specs: the one string every tool and test takes to name a device (DESIGN.md), e.g.
//   dpdk:--vdev=net_tap0,iface=tcy0          any DPDK port; the rest is EAL arguments, split on spaces
//   dpdk:--vdev=net_memif0,role=server,socket=/tmp/m.sock
//   af_packet:veth0                          native AF_PACKET on an interface
//   af_xdp:veth0:0                           native AF_XDP on an interface queue (":0" may be left out)
//   memory                                   in-process loopback (tests)
// Parsing is pure syntax: a spec for a backend this build lacks still parses, and open_device()
// reports the missing backend.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lib/result.hpp"

namespace tachyon {

struct DpdkSpec {
    std::vector<std::string> eal_args;  // without the program name
    bool operator==(const DpdkSpec&) const = default;
};
struct AfPacketSpec {
    std::string interface;
    bool operator==(const AfPacketSpec&) const = default;
};
struct AfXdpSpec {
    std::string interface;
    uint32_t queue = 0;
    bool operator==(const AfXdpSpec&) const = default;
};
struct MemorySpec {
    bool operator==(const MemorySpec&) const = default;
};

struct DeviceSpec {
    std::variant<DpdkSpec, AfPacketSpec, AfXdpSpec, MemorySpec> backend;

    std::string_view backend_name() const;  // "dpdk", "af_packet", "af_xdp", "memory"
    std::string to_string() const;          // canonical spec text; parses back to an equal spec
    bool operator==(const DeviceSpec&) const = default;
};

// The valid forms, one per line, for error messages and --help texts.
extern const char* const kDeviceSpecForms;

// EINVAL with a message that names the problem and lists the valid forms: empty spec, unknown
// backend (with a "did you mean" for near misses such as "af-packet"), missing or extra fields, an
// interface name no interface can have, a queue that is not a number.
Result<DeviceSpec> parse_device_spec(std::string_view text);

}  // namespace tachyon
