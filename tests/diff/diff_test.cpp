// Differential tests: every scenario runs on Linux kernel sockets over loopback and on Tachyon
// over the memory link; the two traces (return values, errno, bytes, addresses, poller events,
// step by step) must be equal. Tachyon must also give back every packet buffer afterwards.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "tests/diff/kernel_net.hpp"
#include "tests/diff/scenarios.hpp"
#include "tests/diff/tachyon_net.hpp"

namespace tachyon::diff {
namespace {

void run_both(const Scenario& sc) {
    std::string linux_trace;
    {
        KernelNet kernel;
        Script s(kernel);
        const auto start = std::chrono::steady_clock::now();
        sc.run(s);
        linux_trace = s.text();
        // TACHYON_DIFF_TRACE=1 prints the Linux trace and its wall time.
        if (std::getenv("TACHYON_DIFF_TRACE") != nullptr) {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
            std::cout << linux_trace << "(" << ms.count() << " ms on Linux)\n";
        }
    }
    TachyonNet tachyon;
    Script s(tachyon);
    sc.run(s);
    EXPECT_EQ(s.text(), linux_trace) << "left: Tachyon, right: Linux";
    EXPECT_EQ(tachyon.drain(), 0u) << "packet buffers still in use";
}

class Differential : public ::testing::TestWithParam<Scenario> {};

TEST_P(Differential, SameAsLinux) { run_both(GetParam()); }

class KnownDivergence : public ::testing::TestWithParam<Scenario> {};

TEST_P(KnownDivergence, DISABLED_SameAsLinux) { run_both(GetParam()); }
// The list may be empty (every divergence fixed): that is not an error.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(KnownDivergence);

INSTANTIATE_TEST_SUITE_P(Scenarios, Differential, ::testing::ValuesIn(scenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& info) { return std::string(info.param.name); });
INSTANTIATE_TEST_SUITE_P(TcpLayer, KnownDivergence, ::testing::ValuesIn(known_divergences()),
                         [](const ::testing::TestParamInfo<Scenario>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tachyon::diff
