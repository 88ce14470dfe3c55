#include "drivers/dpdk/eal_hint.hpp"

#include <cerrno>

namespace tachyon {

namespace {

bool contains(std::string_view log, std::string_view what) { return log.find(what) != std::string_view::npos; }

std::string_view hint_for(int err, std::string_view log, EalStep step) {
    if (contains(log, "not compatible with --in-memory")) {
        return "--no-huge implies legacy memory, which DPDK rejects with --in-memory: use --no-shconf or a "
               "unique --file-prefix instead";
    }
    if (contains(log, "another primary process") || contains(log, "Cannot create lock")) {
        return "another DPDK process uses this runtime directory: give each process --in-memory (or "
               "--no-shconf with --no-huge) or a unique --file-prefix";
    }
    if (contains(log, "hugepage") || contains(log, "Cannot init memory") || err == ENOMEM) {
        return "no usable hugepages: pass --no-huge -m 1024, or reserve 2 MB pages (echo 512 > "
               "/proc/sys/vm/nr_hugepages) and mount hugetlbfs (mount -t hugetlbfs nodev /dev/hugepages)";
    }
    if (err == EACCES || err == EPERM || contains(log, "Permission denied")) {
        return "DPDK needs root, or CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK and CAP_SYS_ADMIN, and "
               "access to /dev/net/tun, /dev/vfio or /var/run/dpdk";
    }
    if (err == EALREADY) {
        return "EAL was already initialised, or its initialisation failed earlier in this process; DPDK "
               "allows one initialisation per process";
    }
    if (step == EalStep::kHotplug || contains(log, "failed to initialize") ||
        contains(log, "Driver cannot attach")) {
        return "a --vdev failed to probe: check the driver name and its arguments (e.g. "
               "--vdev=net_tap0,iface=tcy0), that the interface exists (net_af_packet, net_af_xdp) and "
               "is not taken, and the privileges";
    }
    if (err == EINVAL) return "invalid EAL arguments: see EAL's message above and `dpdk-testpmd --help`";
    return {};
}

}  // namespace

std::string_view last_log_line(std::string_view log) {
    // EAL ends a rejected command line with a generic line; the line before it says what was wrong.
    std::string_view fallback;
    while (!log.empty()) {
        while (!log.empty() && (log.back() == '\n' || log.back() == ' ')) log.remove_suffix(1);
        size_t nl = log.rfind('\n');
        std::string_view line = nl == std::string_view::npos ? log : log.substr(nl + 1);
        if (!contains(line, "Invalid 'command line' arguments")) return line;
        if (fallback.empty()) fallback = line;
        log = nl == std::string_view::npos ? std::string_view{} : log.substr(0, nl);
    }
    return fallback;
}

std::string eal_error_detail(int err, std::string_view log, EalStep step) {
    std::string out;
    std::string_view line = last_log_line(log);
    if (!line.empty()) {
        out += ": ";
        out += line;
    }
    std::string_view hint = hint_for(err, log, step);
    if (!hint.empty()) {
        out += "; hint: ";
        out += hint;
    }
    return out;
}

}  // namespace tachyon
