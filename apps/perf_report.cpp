// Results of `tachyon perf` as a table and as JSON.
#include <cinttypes>
#include <cmath>

#include "apps/perf_client.hpp"

namespace tachyon::apps::perf {

const char* test_name(Test t) {
    switch (t) {
        case Test::kLatency: return "latency";
        case Test::kThroughput: return "throughput";
        case Test::kRate: return "rate";
        case Test::kCps: return "cps";
    }
    return "?";
}

namespace {

double us(uint64_t ns) { return static_cast<double>(ns) / 1e3; }

// "rtt_p99.9_us" -> "rtt_p99_9_us": keys that every JSON consumer can use as identifiers.
std::string key_of(const char* k) {
    std::string s = k;
    for (char& c : s) c = c == '.' ? '_' : c;
    return s;
}

void add_percentiles(std::vector<Metric>& m, const Histogram& h, const std::string& prefix, const std::string& label,
                     double scale) {
    m.push_back({prefix + "_min_us", label + " min", us(h.min()) * scale, "us", false});
    for (double p : {50.0, 90.0, 99.0, 99.9}) {
        char key[32], name[48];
        std::snprintf(key, sizeof key, "%s_p%g_us", prefix.c_str(), p);
        std::snprintf(name, sizeof name, "%s p%g", label.c_str(), p);
        m.push_back({key_of(key), name, us(h.percentile(p)) * scale, "us", false});
    }
    m.push_back({prefix + "_max_us", label + " max", us(h.max()) * scale, "us", false});
    m.push_back({prefix + "_mean_us", label + " mean", h.mean() / 1e3 * scale, "us", false});
}

// The distribution as [percentile, ns] pairs (round trip; cps: connection time), for a CDF plot:
// every percent, and the tail down to 1 in 10^5, each within the histogram's 1/128.
void print_cdf(std::FILE* out, const Histogram& h) {
    static constexpr double kTail[] = {99.2, 99.4, 99.5, 99.6, 99.7, 99.8, 99.85, 99.9,
                                       99.93, 99.95, 99.97, 99.98, 99.99, 99.995, 99.999, 100};
    std::fprintf(out, ",\n   \"cdf_ns\": [[0, %" PRIu64 "]", h.percentile(0));
    for (int p = 1; p <= 99; ++p) std::fprintf(out, ", [%d, %" PRIu64 "]", p, h.percentile(p));
    for (double p : kTail) std::fprintf(out, ", [%g, %" PRIu64 "]", p, h.percentile(p));
    std::fprintf(out, "]");
}

}  // namespace

std::vector<Metric> metrics(const Outcome& o) {
    std::vector<Metric> m;
    const double secs = o.secs > 0 ? o.secs : 1;
    switch (o.test) {
        case Test::kLatency:
            m.push_back({"round_trips_per_s", "round trips/s", static_cast<double>(o.count) / secs, "1/s", true});
            add_percentiles(m, o.rtt, "rtt", "rtt", 1.0);
            for (double p : {50.0, 99.0, 99.9}) {
                char key[32], name[48];
                std::snprintf(key, sizeof key, "half_rtt_p%g_us", p);
                std::snprintf(name, sizeof name, "half rtt p%g", p);
                m.push_back({key_of(key), name, us(o.rtt.percentile(p)) / 2, "us", false});
            }
            break;
        case Test::kThroughput:
        case Test::kRate:
            m.push_back({"gbit_per_s", "throughput", static_cast<double>(o.bytes) * 8 / secs / 1e9, "Gbit/s", true});
            m.push_back({"messages_per_s", "messages/s", static_cast<double>(o.count) / secs, "1/s", true});
            break;
        case Test::kCps:
            m.push_back({"connections_per_s", "connections/s", static_cast<double>(o.count) / secs, "1/s", true});
            add_percentiles(m, o.rtt, "connection", "connection time", 1.0);
            break;
    }
    return m;
}

void print_table(std::FILE* out, const std::vector<Outcome>& outcomes) {
    if (outcomes.empty()) return;
    std::vector<std::vector<Metric>> cols;
    for (const Outcome& o : outcomes) cols.push_back(metrics(o));
    std::fprintf(out, "%-22s", "");
    for (const Outcome& o : outcomes) std::fprintf(out, " %16s", o.transport.c_str());
    if (outcomes.size() == 2) std::fprintf(out, " %10s", "speedup");
    std::fprintf(out, "\n%-22s", "count");
    for (const Outcome& o : outcomes) std::fprintf(out, " %16" PRIu64, o.count);
    std::fprintf(out, "\n%-22s", "seconds");
    for (const Outcome& o : outcomes) std::fprintf(out, " %16.3f", o.secs);
    std::fprintf(out, "\n");
    for (size_t r = 0; r < cols[0].size(); ++r) {
        const Metric& m = cols[0][r];
        std::fprintf(out, "%-22s", (m.name + " (" + m.unit + ")").c_str());
        for (const auto& c : cols) std::fprintf(out, " %16.3f", c[r].value);
        if (cols.size() == 2) {
            const double a = cols[0][r].value, b = cols[1][r].value;
            const double speedup = m.higher_is_better ? a / b : b / a;
            if (std::isfinite(speedup) && a > 0 && b > 0) {
                std::fprintf(out, " %9.2fx", speedup);
            }
        }
        std::fprintf(out, "\n");
    }
}

void print_json(std::FILE* out, const ClientConfig& cfg, const std::vector<Outcome>& outcomes) {
    std::fprintf(out, "{\"test\": \"%s\", \"server\": \"%s\", \"size\": %u, \"warmup_s\": %.3f, \"duration_s\": %.3f,\n",
                 test_name(cfg.test), cfg.server.to_string().c_str(), cfg.size, cfg.warmup.secs(), cfg.duration.secs());
    std::fprintf(out, " \"results\": [");
    std::vector<std::vector<Metric>> cols;
    for (size_t i = 0; i < outcomes.size(); ++i) {
        const Outcome& o = outcomes[i];
        cols.push_back(metrics(o));
        std::fprintf(out, "%s\n  {\"transport\": \"%s\", \"seconds\": %.6f, \"count\": %" PRIu64 ", \"bytes\": %" PRIu64,
                     i == 0 ? "" : ",", o.transport.c_str(), o.secs, o.count, o.bytes);
        for (const Metric& m : cols.back()) std::fprintf(out, ", \"%s\": %.6g", m.key.c_str(), m.value);
        if (o.test == Test::kLatency || o.test == Test::kCps) print_cdf(out, o.rtt);
        std::fprintf(out, "}");
    }
    std::fprintf(out, "]");
    if (cols.size() == 2) {
        std::fprintf(out, ",\n \"speedup\": {");
        for (size_t r = 0; r < cols[0].size(); ++r) {
            const double a = cols[0][r].value, b = cols[1][r].value;
            const double s = cols[0][r].higher_is_better ? a / b : b / a;
            std::fprintf(out, "%s\"%s\": %.6g", r == 0 ? "" : ", ", cols[0][r].key.c_str(),
                         std::isfinite(s) && a > 0 && b > 0 ? s : 0.0);
        }
        std::fprintf(out, "}");
    }
    std::fprintf(out, "}\n");
}

}  // namespace tachyon::apps::perf
