#include "drivers/dpdk/eal.hpp"

#include <sched.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include "drivers/dpdk/eal_hint.hpp"
#include "drivers/dpdk/rte.hpp"

namespace tachyon {

namespace {

constexpr std::string_view kProgramName = "tachyon";

struct EalState {
    std::mutex mu;
    bool initialised = false;
    bool cleaned_up = false;
    std::optional<Error> failed;  // the first rte_eal_init error: DPDK keeps state from it
    std::vector<std::string> first_user_args;  // non-vdev args of the call that initialised EAL
    // rte_eal_init may keep pointers into argv (it permutes it and stores option values), so the
    // strings live as long as the process.
    std::vector<std::string> argv_storage;
    std::vector<char*> argv;
};

EalState& state() {
    static EalState s;
    return s;
}

bool is_option(std::string_view arg, std::string_view name) {
    return arg == name || (arg.size() > name.size() && arg.starts_with(name) &&
                           (arg[name.size()] == '=' || name.size() == 2));  // "-m512", "-l0"
}

bool has_option(std::span<const std::string> args, std::initializer_list<std::string_view> names) {
    for (const std::string& a : args) {
        for (std::string_view n : names) {
            if (is_option(a, n)) return true;
        }
    }
    return false;
}

struct SplitArgs {
    std::vector<std::string> vdevs;  // device argument strings: "net_tap0,iface=x"
    std::vector<std::string> others;
};

SplitArgs split_vdevs(std::span<const std::string> args) {
    SplitArgs out;
    constexpr std::string_view kVdev = "--vdev";
    for (size_t i = 0; i < args.size(); ++i) {
        std::string_view a = args[i];
        if (a == kVdev && i + 1 < args.size()) {
            out.vdevs.push_back(args[++i]);
        } else if (a.starts_with("--vdev=")) {
            out.vdevs.emplace_back(a.substr(kVdev.size() + 1));
        } else {
            out.others.emplace_back(a);
        }
    }
    return out;
}

// Hugepages are usable when some are free and hugetlbfs is mounted somewhere.
bool hugepages_available() {
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    long free_pages = 0;
    while (meminfo >> key) {
        if (key == "HugePages_Free:") {
            meminfo >> free_pages;
            break;
        }
    }
    if (free_pages <= 0) return false;
    std::ifstream mounts("/proc/mounts");
    std::string line;
    while (std::getline(mounts, line)) {
        if (line.find(" hugetlbfs ") != std::string::npos) return true;
    }
    return false;
}

// "0-1,4" for the CPUs this process may run on.
std::string allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return "0";
    std::string out;
    int cpu = 0;
    while (cpu < CPU_SETSIZE) {
        if (!CPU_ISSET(cpu, &set)) {
            ++cpu;
            continue;
        }
        int last = cpu;
        while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
        if (!out.empty()) out += ',';
        out += std::to_string(cpu);
        if (last > cpu) out += '-' + std::to_string(last);
        cpu = last + 1;
    }
    return out.empty() ? "0" : out;
}

// Runs f with EAL's log going into a buffer, then echoes the buffer to stderr (the user still sees
// EAL's messages) and returns it so that an error can quote it.
template <typename F>
std::string with_captured_log(F&& f) {
    char* buf = nullptr;
    size_t size = 0;
    FILE* mem = open_memstream(&buf, &size);
    if (mem != nullptr) rte_openlog_stream(mem);
    f();
    if (mem == nullptr) return {};
    rte_openlog_stream(nullptr);
    std::fclose(mem);
    std::string log(buf, size);
    std::free(buf);
    std::fputs(log.c_str(), stderr);
    return log;
}

Result<void> hotplug_vdevs(std::span<const std::string> vdevs) {
    for (const std::string& vdev : vdevs) {
        uint16_t port = 0;
        std::string name = vdev.substr(0, vdev.find(','));
        if (rte_eth_dev_get_port_by_name(name.c_str(), &port) == 0) continue;  // probed already
        int rc = 0;
        std::string log = with_captured_log([&] { rc = rte_dev_probe(vdev.c_str()); });
        if (rc < 0 && rc != -EEXIST) {
            return Result<void>::fail(-rc, "hot-plugging --vdev=" + vdev + " failed" +
                                               eal_error_detail(-rc, log, EalStep::kHotplug));
        }
    }
    return {};
}

Result<void> first_init(EalState& s, const EalOptions& options) {
    s.argv_storage.clear();
    s.argv_storage.emplace_back(kProgramName);
    for (std::string& a : eal_effective_args(options)) s.argv_storage.push_back(std::move(a));
    s.argv.clear();
    for (std::string& a : s.argv_storage) s.argv.push_back(a.data());
    s.argv.push_back(nullptr);

    int rc = 0;
    int err = 0;
    std::string log = with_captured_log([&] {
        rc = rte_eal_init(static_cast<int>(s.argv.size() - 1), s.argv.data());
        err = rte_errno;
    });
    if (rc < 0) {
        std::string cmd;
        for (size_t i = 1; i < s.argv_storage.size(); ++i) cmd += " " + s.argv_storage[i];
        s.failed = Error{err, "rte_eal_init(" + cmd.substr(cmd.empty() ? 0 : 1) + ") failed" +
                                  eal_error_detail(err, log, EalStep::kInit)};
        return *s.failed;
    }
    s.initialised = true;
    s.first_user_args = split_vdevs(options.args).others;
    return {};
}

}  // namespace

std::vector<std::string> eal_vdev_names(std::span<const std::string> args) {
    std::vector<std::string> names;
    for (const std::string& vdev : split_vdevs(args).vdevs) names.push_back(vdev.substr(0, vdev.find(',')));
    return names;
}

std::vector<std::string> eal_effective_args(const EalOptions& options) {
    std::vector<std::string> args = options.args;
    if (!options.defaults) return args;
    std::span<const std::string> user(options.args);

    bool no_huge = has_option(user, {"--no-huge"});
    if (!no_huge && !has_option(user, {"--huge-dir", "--socket-mem", "--legacy-mem"}) &&
        !hugepages_available()) {
        args.emplace_back("--no-huge");
        no_huge = true;
        if (!has_option(user, {"-m", "--socket-mem"})) {
            args.emplace_back("-m");
            args.emplace_back("1024");
        }
    }
    if (!has_option(user, {"--in-memory", "--file-prefix", "--no-shconf", "--proc-type"})) {
        args.emplace_back(no_huge ? "--no-shconf" : "--in-memory");
        // Processes without a --file-prefix of their own share the default runtime directory, and
        // telemetry's socket there: a second process blocks in connect() to the first one's socket
        // during rte_eal_init. Telemetry needs a unique --file-prefix (and --telemetry) to be useful.
        if (!has_option(user, {"--telemetry", "--no-telemetry"})) args.emplace_back("--no-telemetry");
    }
    bool names_pci = has_option(user, {"-a", "--allow", "-b", "--block", "--no-pci"});
    if (!split_vdevs(user).vdevs.empty() && !names_pci) args.emplace_back("--no-pci");
    if (!has_option(user, {"-l", "-c", "--lcores"})) args.emplace_back("--lcores=0@(" + allowed_cpus() + ")");
    return args;
}

Result<void> eal_init(const EalOptions& options) {
    EalState& s = state();
    std::lock_guard lock(s.mu);
    if (s.cleaned_up) {
        return Result<void>::fail(EALREADY, "EAL was cleaned up (eal_cleanup) and cannot be initialised "
                                            "again in this process");
    }
    if (s.failed) {
        // A second rte_eal_init in the same process trips over the first one's half-parsed options
        // ("Option --lcores is ignored, because (--lcores) is set!"), so report the cause instead.
        return Result<void>::fail(s.failed->code, "EAL failed earlier in this process and DPDK cannot retry it: " +
                                                      s.failed->detail);
    }
    if (!s.initialised) return first_init(s, options);

    SplitArgs split = split_vdevs(options.args);
    if (!split.others.empty() && split.others != s.first_user_args) {
        std::string first;
        for (const std::string& a : s.first_user_args) first += " " + a;
        return Result<void>::fail(EINVAL, "EAL is already initialised in this process with [" +
                                              first.substr(first.empty() ? 0 : 1) +
                                              "]; a later device can only add --vdev arguments");
    }
    return hotplug_vdevs(split.vdevs);
}

bool eal_initialised() {
    EalState& s = state();
    std::lock_guard lock(s.mu);
    return s.initialised && !s.cleaned_up;
}

void eal_cleanup() {
    EalState& s = state();
    std::lock_guard lock(s.mu);
    if (!s.initialised || s.cleaned_up) return;
    rte_eal_cleanup();
    s.cleaned_up = true;
}

}  // namespace tachyon
