// libFuzzer target fuzz_arp: see fuzz_arp_harness.hpp.
#include "tests/fuzz/fuzz_entry.hpp"
#include "tests/fuzz/fuzz_arp_harness.hpp"

TACHYON_FUZZ_ENTRY(tachyon::fuzz::fuzz_arp)
