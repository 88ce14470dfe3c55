// libFuzzer target fuzz_tcp_options: see fuzz_tcp_options_harness.hpp.
#include "tests/fuzz/fuzz_entry.hpp"
#include "tests/fuzz/fuzz_tcp_options_harness.hpp"

TACHYON_FUZZ_ENTRY(tachyon::fuzz::fuzz_tcp_options)
