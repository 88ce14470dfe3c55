// Levelled logging that costs nothing when off.
//
//   TCY_LOG_WARN("dropped %zu frames on %s", n, name);
//
// Two gates, both ahead of the argument evaluation:
//  - a compile-time floor, TACHYON_LOG_MIN_LEVEL (0 trace, 1 debug, 2 info, 3 warn, 4 error, 5 off;
//    default 1 in debug builds, 2 with NDEBUG). Macros below the floor expand to a dead `if (false)`
//    branch: the format string is still checked, nothing is evaluated and no code is emitted.
//  - a runtime level (set_log_level, default info), read with one relaxed atomic load; when the
//    message is below it the arguments are not evaluated either.
// Messages are formatted printf-style (checked by the compiler's format attribute) into a stack
// buffer of kLogMaxMessage bytes, truncated beyond that, and handed to the sink: no allocation. The
// default sink writes "[level] message\n" to stderr with one write; set_log_sink() redirects
// (tests capture messages with it). The level and the sink may be changed from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <string_view>

#define TACHYON_LOG_LEVEL_TRACE 0
#define TACHYON_LOG_LEVEL_DEBUG 1
#define TACHYON_LOG_LEVEL_INFO 2
#define TACHYON_LOG_LEVEL_WARN 3
#define TACHYON_LOG_LEVEL_ERROR 4
#define TACHYON_LOG_LEVEL_OFF 5

#ifndef TACHYON_LOG_MIN_LEVEL
#ifdef NDEBUG
#define TACHYON_LOG_MIN_LEVEL TACHYON_LOG_LEVEL_INFO
#else
#define TACHYON_LOG_MIN_LEVEL TACHYON_LOG_LEVEL_DEBUG
#endif
#endif

namespace tachyon {

enum class LogLevel : int {
    kTrace = TACHYON_LOG_LEVEL_TRACE,
    kDebug = TACHYON_LOG_LEVEL_DEBUG,
    kInfo = TACHYON_LOG_LEVEL_INFO,
    kWarn = TACHYON_LOG_LEVEL_WARN,
    kError = TACHYON_LOG_LEVEL_ERROR,
    kOff = TACHYON_LOG_LEVEL_OFF,
};

inline constexpr size_t kLogMaxMessage = 512;  // bytes including the terminating NUL

// Receives each message that passes both gates, without a trailing newline.
using LogSink = void (*)(LogLevel level, const char* message);

void set_log_level(LogLevel level);
LogLevel log_level();
void set_log_sink(LogSink sink);  // nullptr restores the default stderr sink
void default_log_sink(LogLevel level, const char* message);

const char* log_level_name(LogLevel level);  // "trace", "debug", "info", "warn", "error", "off"
std::optional<LogLevel> parse_log_level(std::string_view name);  // the inverse; nullopt if unknown

namespace detail {
inline std::atomic<int> g_log_level{TACHYON_LOG_LEVEL_INFO};

inline bool log_enabled(LogLevel level) {
    return static_cast<int>(level) >= g_log_level.load(std::memory_order_relaxed);
}

// Formats and hands the message to the sink. Out of line: the call site stays small.
void log_write(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
// Never called: lets compiled-out macros keep their format checking.
inline void log_check_format(const char*, ...) __attribute__((format(printf, 1, 2)));
inline void log_check_format(const char*, ...) {}
}  // namespace detail

}  // namespace tachyon

#define TCY_LOG_AT_(level, ...)                                         \
    do {                                                                \
        if (::tachyon::detail::log_enabled(level)) {                    \
            ::tachyon::detail::log_write(level, __VA_ARGS__);           \
        }                                                               \
    } while (0)

#define TCY_LOG_OFF_(...)                                               \
    do {                                                                \
        if (false) ::tachyon::detail::log_check_format(__VA_ARGS__);    \
    } while (0)

#if TACHYON_LOG_MIN_LEVEL <= TACHYON_LOG_LEVEL_TRACE
#define TCY_LOG_TRACE(...) TCY_LOG_AT_(::tachyon::LogLevel::kTrace, __VA_ARGS__)
#else
#define TCY_LOG_TRACE(...) TCY_LOG_OFF_(__VA_ARGS__)
#endif

#if TACHYON_LOG_MIN_LEVEL <= TACHYON_LOG_LEVEL_DEBUG
#define TCY_LOG_DEBUG(...) TCY_LOG_AT_(::tachyon::LogLevel::kDebug, __VA_ARGS__)
#else
#define TCY_LOG_DEBUG(...) TCY_LOG_OFF_(__VA_ARGS__)
#endif

#if TACHYON_LOG_MIN_LEVEL <= TACHYON_LOG_LEVEL_INFO
#define TCY_LOG_INFO(...) TCY_LOG_AT_(::tachyon::LogLevel::kInfo, __VA_ARGS__)
#else
#define TCY_LOG_INFO(...) TCY_LOG_OFF_(__VA_ARGS__)
#endif

#if TACHYON_LOG_MIN_LEVEL <= TACHYON_LOG_LEVEL_WARN
#define TCY_LOG_WARN(...) TCY_LOG_AT_(::tachyon::LogLevel::kWarn, __VA_ARGS__)
#else
#define TCY_LOG_WARN(...) TCY_LOG_OFF_(__VA_ARGS__)
#endif

#if TACHYON_LOG_MIN_LEVEL <= TACHYON_LOG_LEVEL_ERROR
#define TCY_LOG_ERROR(...) TCY_LOG_AT_(::tachyon::LogLevel::kError, __VA_ARGS__)
#else
#define TCY_LOG_ERROR(...) TCY_LOG_OFF_(__VA_ARGS__)
#endif
