// The writing side of the peers' output protocol (child_process.hpp's JsonLine reads it): one flat
// JSON object per line on stdout, flushed at once so the test sees it while the peer keeps running,
// and the stop request the test sends (SIGTERM). For the peer programs the tests start
// (vhost_bridge.cpp; memif_peer.cpp has its own copy of these lines still).
#pragma once

#include <csignal>
#include <cstdio>
#include <string>

namespace tachyon::interop {

inline void emit_event(const std::string& json) {
    std::printf("%s\n", json.c_str());
    std::fflush(stdout);
}

// {"event": "error", "error": what}, with what JSON would need to escape blanked out.
inline void emit_error(const std::string& what) {
    std::string clean;
    for (char c : what) clean += (c == '"' || c == '\\' || c == '\n') ? ' ' : c;
    emit_event(R"({"event": "error", "error": ")" + clean + "\"}");
}

// Set by SIGTERM and SIGINT once stop_on_term() installed the handler.
inline volatile std::sig_atomic_t g_stop_requested = 0;

inline void stop_on_term() {
    auto on_term = [](int) { g_stop_requested = 1; };
    std::signal(SIGTERM, on_term);
    std::signal(SIGINT, on_term);
}

}  // namespace tachyon::interop
