#include "apps/options.hpp"

#include <cinttypes>

namespace tachyon::apps {

CLI::Option* add_seed_option(CLI::App* cmd, uint64_t& seed) {
    return cmd->add_option("--seed", seed, "seed for every random choice; a run replays from its seed")
        ->capture_default_str();
}

CLI::Option* add_pcap_option(CLI::App* cmd, std::string& path) {
    return cmd->add_option("--pcap", path, "capture the frames to this pcap file (tcpdump, Wireshark)");
}

CLI::Option* add_loss_option(CLI::App* cmd, double& loss) {
    return cmd->add_option("--loss", loss, "probability that a frame is lost, per direction")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
}

std::string format_time(Instant t, Instant start) {
    const int64_t us = (t - start).us();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%" PRId64 ".%06" PRId64, us / 1'000'000, us % 1'000'000);
    return buf;
}

std::string format_ms(Duration d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f ms", static_cast<double>(d.ns()) / 1e6);
    return buf;
}

void print_counters(std::FILE* out, const std::vector<NamedCounters>& columns, bool all) {
    std::vector<std::vector<uint64_t>> values(columns.size());
    std::vector<const char*> names;
    for (size_t c = 0; c < columns.size(); ++c) {
        columns[c].counters->for_each([&](const char* name, uint64_t v) {
            if (c == 0) names.push_back(name);
            values[c].push_back(v);
        });
    }
    std::fprintf(out, "  %-28s", "counter");
    for (const NamedCounters& col : columns) std::fprintf(out, " %12s", col.name.c_str());
    std::fprintf(out, "\n");
    for (size_t r = 0; r < names.size(); ++r) {
        bool any = all;
        for (const auto& v : values) any |= v[r] != 0;
        if (!any) continue;
        std::fprintf(out, "  %-28s", names[r]);
        for (const auto& v : values) std::fprintf(out, " %12" PRIu64, v[r]);
        std::fprintf(out, "\n");
    }
}

}  // namespace tachyon::apps
