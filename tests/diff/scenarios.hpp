// The differential scenarios (scenarios.cpp).
#pragma once

#include <vector>

#include "tests/diff/script.hpp"

namespace tachyon::diff {

struct Scenario {
    const char* name;
    void (*run)(Script& s);
};

const std::vector<Scenario>& scenarios();
// Scenarios where Tachyon still differs because of the TCP layer (see each one's comment); run
// with --gtest_also_run_disabled_tests.
const std::vector<Scenario>& known_divergences();

}  // namespace tachyon::diff
