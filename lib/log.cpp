#include "lib/log.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace tachyon {

namespace {

std::atomic<LogSink> g_sink{&default_log_sink};

constexpr const char* kLevelNames[] = {"trace", "debug", "info", "warn", "error", "off"};

}  // namespace

void set_log_level(LogLevel level) { detail::g_log_level.store(static_cast<int>(level), std::memory_order_relaxed); }

LogLevel log_level() { return static_cast<LogLevel>(detail::g_log_level.load(std::memory_order_relaxed)); }

void set_log_sink(LogSink sink) {
    g_sink.store(sink != nullptr ? sink : &default_log_sink, std::memory_order_release);
}

const char* log_level_name(LogLevel level) {
    const int i = static_cast<int>(level);
    return i >= 0 && i <= static_cast<int>(LogLevel::kOff) ? kLevelNames[i] : "?";
}

std::optional<LogLevel> parse_log_level(std::string_view name) {
    for (int i = 0; i <= static_cast<int>(LogLevel::kOff); ++i) {
        if (name == kLevelNames[i]) return static_cast<LogLevel>(i);
    }
    if (name == "warning") return LogLevel::kWarn;
    return std::nullopt;
}

void default_log_sink(LogLevel level, const char* message) {
    // One fwrite of the whole line so that lines from different threads do not interleave.
    char line[kLogMaxMessage + 16];
    const int n = std::snprintf(line, sizeof line, "[%s] %s\n", log_level_name(level), message);
    if (n <= 0) return;
    const size_t len = static_cast<size_t>(n) < sizeof line ? static_cast<size_t>(n) : sizeof line - 1;
    if (len == sizeof line - 1) line[len - 1] = '\n';  // truncated: keep the line ending
    std::fwrite(line, 1, len, stderr);
}

namespace detail {

void log_write(LogLevel level, const char* fmt, ...) {
    char message[kLogMaxMessage];
    va_list args;
    va_start(args, fmt);
    const int n = std::vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    if (n < 0) return;
    g_sink.load(std::memory_order_acquire)(level, message);
}

}  // namespace detail

}  // namespace tachyon
