// The fuzz targets by name, for the libFuzzer entry points and the regression test that replays
// tests/fuzz/corpus/<name>/ and tests/fuzz/regressions/<name>/ through the same harnesses.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_arp_harness.hpp"
#include "tests/fuzz/fuzz_ipv4_fragments_harness.hpp"
#include "tests/fuzz/fuzz_rx_path_harness.hpp"
#include "tests/fuzz/fuzz_tcp_options_harness.hpp"

namespace tachyon::fuzz {

// Runs one input; returns the first invariant violated, or "".
using Harness = std::string (*)(std::span<const uint8_t>);

struct FuzzTarget {
    std::string_view name;
    Harness run;
};

inline constexpr FuzzTarget kFuzzTargets[] = {
    {"fuzz_rx_path", &fuzz_rx_path},
    {"fuzz_tcp_options", &fuzz_tcp_options},
    {"fuzz_ipv4_fragments", &fuzz_ipv4_fragments},
    {"fuzz_arp", &fuzz_arp},
};

}  // namespace tachyon::fuzz
