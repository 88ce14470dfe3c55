// A translation unit with its own compile-time floor: below it the macros compile to nothing, even
// with the runtime level at trace.
#define TACHYON_LOG_MIN_LEVEL 3  // warn
#include "lib/log.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tachyon {
namespace {

std::vector<std::string> g_lines;
void capture(LogLevel, const char* message) { g_lines.emplace_back(message); }

TEST(LogFloor, MacrosBelowFloorAreCompiledOut) {
    const LogLevel saved = log_level();
    set_log_sink(&capture);
    set_log_level(LogLevel::kTrace);
    int evaluated = 0;
    TCY_LOG_TRACE("%d", ++evaluated);
    TCY_LOG_DEBUG("%d", ++evaluated);
    TCY_LOG_INFO("%d", ++evaluated);
    TCY_LOG_WARN("%d", ++evaluated);
    TCY_LOG_ERROR("%d", ++evaluated);
    set_log_sink(nullptr);
    set_log_level(saved);
    EXPECT_EQ(evaluated, 2);
    EXPECT_EQ(g_lines, (std::vector<std::string>{"1", "2"}));
}

}  // namespace
}  // namespace tachyon
