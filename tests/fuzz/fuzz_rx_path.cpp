// libFuzzer target fuzz_rx_path: see fuzz_rx_path_harness.hpp.
#include "tests/fuzz/fuzz_entry.hpp"
#include "tests/fuzz/fuzz_rx_path_harness.hpp"

TACHYON_FUZZ_ENTRY(tachyon::fuzz::fuzz_rx_path)
