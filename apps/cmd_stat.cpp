// `tachyon stat`: the counters and the connection table of running Tachyon processes, read from
// the snapshots they publish in /dev/shm (apps/stat_shm.hpp) without touching their fast path.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>

#include "apps/commands.hpp"
#include "apps/stat_shm.hpp"

namespace tachyon::apps {
namespace {

struct StatOptions {
    int pid = 0;
    bool json = false;
    bool all = false;
    bool counters_only = false;
    bool connections_only = false;
    std::string dir = "/dev/shm";
};

// 0: shown; 1: failed; -1 (only when listing every process): a file of another Tachyon build,
// skipped with a note, so that one foreign process does not hide the others.
int show(const StatOptions& opt, const std::string& path, bool listing = false) {
    auto snap = std::make_unique<StatSnapshot>();
    auto r = read_published(path);
    if (!r) {
        std::fprintf(stderr, "tachyon stat: %s%s\n", r.error().message().c_str(),
                     listing && r.error().code == EPROTO ? " (skipped)" : "");
        return listing && r.error().code == EPROTO ? -1 : 1;
    }
    *snap = r.value();
    if (opt.json) {
        print_json(stdout, *snap);
        return 0;
    }
    if (!opt.connections_only) print_counters(stdout, *snap, opt.all);
    if (!opt.counters_only) {
        if (!opt.connections_only) std::printf("Connections:\n");
        print_connections(stdout, *snap);
    }
    return 0;
}

int run_stat(const StatOptions& opt) {
    if (opt.pid != 0) {
        const std::string path = published_path(opt.pid, opt.dir);
        if (access(path.c_str(), R_OK) != 0) {
            std::fprintf(stderr,
                         "tachyon stat: process %d publishes no counters (%s missing; hint: is it a running "
                         "tachyon started without --no-stat-shm? `tachyon stat` without --pid lists them)\n",
                         opt.pid, path.c_str());
            return 1;
        }
        return show(opt, path);
    }
    const auto procs = list_published(opt.dir);
    if (procs.empty()) {
        std::fprintf(stderr,
                     "tachyon stat: no running Tachyon process publishes counters in %s (hint: start one, e.g. "
                     "`tachyon httpd --dev ... --ip ...`)\n",
                     opt.dir.c_str());
        return 1;
    }
    int rc = 0;
    size_t shown = 0;
    for (const PublishedProcess& p : procs) {
        if (shown != 0 && !opt.json) std::printf("\n");
        const int one = show(opt, p.path, true);
        if (one > 0) rc = 1;
        if (one == 0) ++shown;
    }
    return shown == 0 ? 1 : rc;
}

}  // namespace

void add_stat_command(CLI::App& app, int& exit_code) {
    auto opt = std::make_shared<StatOptions>();
    CLI::App* cmd = app.add_subcommand(
        "stat",
        "Counters (like netstat -s) and the connection table (like ss) of running Tachyon processes,\n"
        "read from the snapshot each publishes every 100 ms in /dev/shm/tachyon-<pid>.");
    cmd->add_option("-p,--pid", opt->pid, "only this process (default: every running one)")->check(CLI::PositiveNumber);
    cmd->add_flag("--json", opt->json, "one JSON object per process");
    cmd->add_flag("-a,--all", opt->all, "also the counters that are zero");
    auto* c = cmd->add_flag("-s,--counters", opt->counters_only, "only the counters");
    cmd->add_flag("-t,--connections", opt->connections_only, "only the connection table")->excludes(c);
    cmd->add_option("--dir", opt->dir, "where the snapshots are")->capture_default_str();
    cmd->callback([opt, &exit_code] { exit_code = run_stat(*opt); });
}

}  // namespace tachyon::apps
