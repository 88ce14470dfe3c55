#include "lib/log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace tachyon {
namespace {

struct Captured {
    LogLevel level;
    std::string message;
};
std::vector<Captured> g_captured;

void capture(LogLevel level, const char* message) { g_captured.push_back({level, message}); }

class LogTest : public ::testing::Test {
protected:
    void SetUp() override {
        saved_ = log_level();
        g_captured.clear();
        set_log_sink(&capture);
    }
    void TearDown() override {
        set_log_sink(nullptr);
        set_log_level(saved_);
    }
    LogLevel saved_ = LogLevel::kInfo;
};

TEST_F(LogTest, SinkCapturesFormattedMessage) {
    set_log_level(LogLevel::kInfo);
    TCY_LOG_INFO("port %u: %s x%d", 80u, "open", 3);
    TCY_LOG_WARN("plain");
    TCY_LOG_ERROR("%05.1f%%", 2.5);
    ASSERT_EQ(g_captured.size(), 3u);
    EXPECT_EQ(g_captured[0].level, LogLevel::kInfo);
    EXPECT_EQ(g_captured[0].message, "port 80: open x3");
    EXPECT_EQ(g_captured[1].level, LogLevel::kWarn);
    EXPECT_EQ(g_captured[1].message, "plain");
    EXPECT_EQ(g_captured[2].level, LogLevel::kError);
    EXPECT_EQ(g_captured[2].message, "002.5%");
}

TEST_F(LogTest, OffDoesNotEvaluateArguments) {
    set_log_level(LogLevel::kOff);
    int evaluated = 0;
    TCY_LOG_ERROR("%d", ++evaluated);
    TCY_LOG_WARN("%d", ++evaluated);
    TCY_LOG_INFO("%d", ++evaluated);
    EXPECT_EQ(evaluated, 0);
    EXPECT_TRUE(g_captured.empty());
}

TEST_F(LogTest, BelowRuntimeLevelDoesNotEvaluateArguments) {
    set_log_level(LogLevel::kWarn);
    int evaluated = 0;
    TCY_LOG_INFO("%d", ++evaluated);
    TCY_LOG_DEBUG("%d", ++evaluated);
    EXPECT_EQ(evaluated, 0);
    TCY_LOG_WARN("%d", ++evaluated);
    EXPECT_EQ(evaluated, 1);
    ASSERT_EQ(g_captured.size(), 1u);
    EXPECT_EQ(g_captured[0].message, "1");
}

TEST_F(LogTest, CompileTimeFloor) {
    set_log_level(LogLevel::kTrace);
    int evaluated = 0;
    TCY_LOG_TRACE("%d", ++evaluated);
    TCY_LOG_DEBUG("%d", ++evaluated);
#if TACHYON_LOG_MIN_LEVEL <= TACHYON_LOG_LEVEL_TRACE
    constexpr int kExpect = 2;
#elif TACHYON_LOG_MIN_LEVEL <= TACHYON_LOG_LEVEL_DEBUG
    constexpr int kExpect = 1;
#else
    constexpr int kExpect = 0;
#endif
    EXPECT_EQ(evaluated, kExpect);
    EXPECT_EQ(g_captured.size(), static_cast<size_t>(kExpect));
#ifdef NDEBUG
    EXPECT_EQ(TACHYON_LOG_MIN_LEVEL, TACHYON_LOG_LEVEL_INFO);
#else
    EXPECT_EQ(TACHYON_LOG_MIN_LEVEL, TACHYON_LOG_LEVEL_DEBUG);
#endif
}

TEST_F(LogTest, LongMessagesAreTruncated) {
    const std::string big(2000, 'x');
    TCY_LOG_ERROR("%s", big.c_str());
    ASSERT_EQ(g_captured.size(), 1u);
    EXPECT_EQ(g_captured[0].message, std::string(kLogMaxMessage - 1, 'x'));
}

TEST_F(LogTest, LevelNames) {
    EXPECT_STREQ(log_level_name(LogLevel::kTrace), "trace");
    EXPECT_STREQ(log_level_name(LogLevel::kError), "error");
    EXPECT_STREQ(log_level_name(LogLevel::kOff), "off");
    EXPECT_EQ(parse_log_level("debug"), LogLevel::kDebug);
    EXPECT_EQ(parse_log_level("warning"), LogLevel::kWarn);
    EXPECT_EQ(parse_log_level("loud"), std::nullopt);
    set_log_level(LogLevel::kDebug);
    EXPECT_EQ(log_level(), LogLevel::kDebug);
}

TEST(LogDefaultSink, WritesLevelAndMessageToStderr) {
    std::FILE* tmp = std::tmpfile();
    ASSERT_NE(tmp, nullptr);
    std::fflush(stderr);
    const int saved = ::dup(STDERR_FILENO);
    ASSERT_GE(saved, 0);
    ASSERT_GE(::dup2(::fileno(tmp), STDERR_FILENO), 0);
    const LogLevel level = log_level();
    set_log_level(LogLevel::kInfo);
    TCY_LOG_WARN("disk %d%% full", 93);
    default_log_sink(LogLevel::kError, "direct");
    std::fflush(stderr);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    set_log_level(level);
    std::rewind(tmp);
    char buf[256] = {};
    const size_t n = std::fread(buf, 1, sizeof buf - 1, tmp);
    std::fclose(tmp);
    EXPECT_EQ(std::string(buf, n), "[warn] disk 93% full\n[error] direct\n");
}

}  // namespace
}  // namespace tachyon
