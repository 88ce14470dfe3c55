#include "drivers/spec/open_device.hpp"

#include <cerrno>
#include <fstream>

#include "drivers/af_packet/af_packet_device.hpp"
#include "drivers/decorators/pcap_writer.hpp"
#include "drivers/spec/memory_loopback.hpp"
#include "tachyon_config.hpp"
#if TACHYON_HAVE_DPDK
#include "drivers/dpdk/dpdk_device.hpp"
#endif
#if TACHYON_HAVE_AF_XDP
#include "drivers/af_xdp/af_xdp_device.hpp"
#endif

namespace tachyon {

namespace {

// EAL options that make DPDK take its memory from hugepages.
constexpr std::string_view kHugepageOptions[] = {"--socket-mem", "--socket-limit", "--huge-dir",
                                                 "--legacy-mem", "--huge-unlink", "--match-allocations"};

bool is_option(std::string_view arg, std::string_view option) {
    return arg == option || (arg.starts_with(option) && arg.size() > option.size() && arg[option.size()] == '=');
}

Result<std::unique_ptr<Device>> open_dpdk(const DpdkSpec& spec, bool trust_link) {
#if TACHYON_HAVE_DPDK
    if (auto r = check_dpdk_hugepages(spec.eal_args, read_hugepage_state()); !r) return r.error();
    DpdkConfig c;
    c.eal_args = spec.eal_args;  // EAL defaults for vdevs (--no-huge, --in-memory, --no-pci ...): eal.hpp
    c.trust_link = trust_link;
    return open_dpdk_device(c);
#else
    (void)spec;
    (void)trust_link;
    return Error{EOPNOTSUPP,
                 "this build has no DPDK backend: install DPDK's development files (libdpdk-dev, found through "
                 "`pkg-config libdpdk`) and reconfigure (`meson setup --reconfigure BUILD -Ddpdk=enabled`)"};
#endif
}

Result<std::unique_ptr<Device>> open_af_xdp(const AfXdpSpec& spec) {
#if TACHYON_HAVE_AF_XDP
    AfXdpConfig c;
    c.interface = spec.interface;
    c.queue = spec.queue;
    return open_af_xdp_device(c);
#else
    (void)spec;
    return Error{EOPNOTSUPP,
                 "this build has no AF_XDP backend: install libxdp-dev and libbpf-dev and reconfigure "
                 "(`meson setup --reconfigure BUILD -Daf_xdp=enabled`); af_packet:<interface> works without them"};
#endif
}

Result<std::unique_ptr<Device>> open_backend(const DeviceSpec& spec, const OpenOptions& options) {
    if (const auto* d = std::get_if<DpdkSpec>(&spec.backend)) return open_dpdk(*d, options.trust_link);
    if (std::holds_alternative<MemorySpec>(spec.backend)) {
        return std::unique_ptr<Device>(std::make_unique<MemoryLoopback>(options.trust_link));
    }
    if (options.trust_link) {
        return Error{EINVAL, "a trusted link (no checksums) is for dpdk and memory devices only: frames on a kernel "
                             "interface may come from anywhere"};
    }
    if (const auto* x = std::get_if<AfXdpSpec>(&spec.backend)) return open_af_xdp(*x);
    AfPacketConfig c;
    c.interface = std::get<AfPacketSpec>(spec.backend).interface;
    return open_af_packet_device(c);
}

Result<std::unique_ptr<Device>> with_pcap(std::unique_ptr<Device> dev, const OpenOptions& options) {
    PcapOptions po;
    const Clock* clock = options.pcap_clock;
    if (clock == nullptr) {
        static const TscClock tsc;  // read-only after construction: shared by every capture
        clock = &tsc;
        po.epoch_offset = PcapWriter::wall_clock_offset(tsc);
    }
    auto w = PcapWriter::open(options.pcap_path, std::move(dev), *clock, po);
    if (!w) {
        Error e = w.error();
        std::string d = "cannot write the capture '";
        d += options.pcap_path;
        d += "'";
        if (!e.detail.empty()) {
            d += ": ";
            d += e.detail;
        }
        e.detail = std::move(d);
        return e;
    }
    return std::unique_ptr<Device>(std::move(w.value()));
}

}  // namespace

HugepageState read_hugepage_state() {
    HugepageState s;
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    while (meminfo >> key) {
        if (key == "HugePages_Free:") {
            meminfo >> s.free_pages;
            break;
        }
    }
    std::ifstream mounts("/proc/mounts");
    std::string line;
    while (std::getline(mounts, line)) {
        if (line.find(" hugetlbfs ") != std::string::npos) s.hugetlbfs_mounted = true;
    }
    return s;
}

Result<void> check_dpdk_hugepages(std::span<const std::string> eal_args, const HugepageState& state) {
    std::string_view asked;
    for (const std::string& a : eal_args) {
        if (is_option(a, "--no-huge")) return {};
        for (std::string_view o : kHugepageOptions) {
            if (asked.empty() && is_option(a, o)) asked = o;
        }
    }
    if (asked.empty() || (state.free_pages > 0 && state.hugetlbfs_mounted)) return {};
    std::string d = "the DPDK arguments ask for hugepage memory (";
    d += asked;
    d += ") but ";
    d += state.free_pages > 0 ? "no hugetlbfs is mounted" : "the system has no free hugepages";
    d += ": reserve some (`echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages`), mount hugetlbfs "
         "(`mount -t hugetlbfs nodev /dev/hugepages`), or leave out the hugepage options so that DPDK runs "
         "with --no-huge";
    return Result<void>::fail(ENOMEM, std::move(d));
}

Result<std::unique_ptr<Device>> open_device(const DeviceSpec& spec, const OpenOptions& options) {
    auto dev = open_backend(spec, options);
    if (!dev) {
        Error e = dev.error();
        std::string d = "cannot open device '";
        d += spec.to_string();
        d += "'";
        if (!e.detail.empty()) {
            d += ": ";
            d += e.detail;
        }
        e.detail = std::move(d);
        return e;
    }
    if (options.pcap_path.empty()) return dev;
    return with_pcap(std::move(dev.value()), options);
}

Result<std::unique_ptr<Device>> open_device(std::string_view spec, const OpenOptions& options) {
    auto parsed = parse_device_spec(spec);
    if (!parsed) return parsed.error();
    return open_device(parsed.value(), options);
}

}  // namespace tachyon
