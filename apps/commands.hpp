// The `tachyon` subcommands. Each lives in its own cmd_<name>.cpp and registers itself on the app
// here; main() only parses and returns the exit code the chosen subcommand set.
#pragma once

#include <CLI/CLI.hpp>

namespace tachyon::apps {

// Registers `demo`: two stacks on the memory link, ARP, pings and UDP both ways.
void add_demo_command(CLI::App& app, int& exit_code);

}  // namespace tachyon::apps
