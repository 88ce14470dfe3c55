// Option and output helpers shared by the subcommands.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "lib/time.hpp"
#include "stack/counters.hpp"

namespace tachyon::apps {

// --seed: the seed for every random choice (stacks, fault injection); a run replays from it.
CLI::Option* add_seed_option(CLI::App* cmd, uint64_t& seed);
// --pcap FILE: capture the frames to a pcap file readable by tcpdump/Wireshark.
CLI::Option* add_pcap_option(CLI::App* cmd, std::string& path);
// --loss P: the probability in [0, 1] that a frame is dropped, per direction.
CLI::Option* add_loss_option(CLI::App* cmd, double& loss);

// Seconds with microsecond digits, for timestamps relative to `start`.
std::string format_time(Instant t, Instant start);
std::string format_ms(Duration d);

struct NamedCounters {
    std::string name;
    const StackCounters* counters;
};
// One row per counter, one column per stack; rows where every column is 0 are left out unless
// `all` is set.
void print_counters(std::FILE* out, const std::vector<NamedCounters>& columns, bool all);

}  // namespace tachyon::apps
