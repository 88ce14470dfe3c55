// libFuzzer target fuzz_ipv4_fragments: see fuzz_ipv4_fragments_harness.hpp.
#include "tests/fuzz/fuzz_entry.hpp"
#include "tests/fuzz/fuzz_ipv4_fragments_harness.hpp"

TACHYON_FUZZ_ENTRY(tachyon::fuzz::fuzz_ipv4_fragments)
