// The `tachyon` subcommands. Each lives in its own cmd_<name>.cpp and registers itself on the app
// here; main() only parses and returns the exit code the chosen subcommand set.
#pragma once

#include <CLI/CLI.hpp>

namespace tachyon::apps {

// Registers `demo`: two stacks on the memory link, ARP, pings and UDP both ways.
void add_demo_command(CLI::App& app, int& exit_code);
// `echo server` / `echo client`: TCP and UDP echo.
void add_echo_command(CLI::App& app, int& exit_code);
// `httpd`: HTTP/1.1 file and /bytes/N server.
void add_httpd_command(CLI::App& app, int& exit_code);
// `perf server` / `perf client`: latency, throughput, message rate, connections per second.
void add_perf_command(CLI::App& app, int& exit_code);
// `ping`: ICMP echo with RTT statistics.
void add_ping_command(CLI::App& app, int& exit_code);
// `stat`: counters and connections of running Tachyon processes.
void add_stat_command(CLI::App& app, int& exit_code);

}  // namespace tachyon::apps
