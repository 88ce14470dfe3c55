// Opens the device a spec names, on whichever backend this build has, optionally wrapped in a
// pcap capture (drivers/decorators/pcap_writer.hpp): what `--device SPEC --pcap FILE` does in
// every tool.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "drivers/spec/device_spec.hpp"
#include "lib/device.hpp"
#include "lib/result.hpp"
#include "lib/time.hpp"

namespace tachyon {

struct OpenOptions {
    // Non-empty: record every frame in both directions to this pcap file.
    std::string pcap_path;
    // Timestamps for the capture; it must outlive the device. Null: a process-wide TscClock,
    // with the wall-clock offset applied so that tcpdump shows real times.
    const Clock* pcap_clock = nullptr;
    // The device links to a peer through memory on this host, which cannot corrupt a frame:
    // checksums are neither computed nor verified (DpdkConfig::trust_link, or the memory loopback's
    // checksum offload). For dpdk and memory devices only (EINVAL for the others): a kernel
    // interface's frames may come from anywhere.
    bool trust_link = false;
};

// Errors, each with a hint: EOPNOTSUPP for a backend this build lacks ("this build has no DPDK:
// install libdpdk-dev and reconfigure"), ENODEV for a missing interface, EPERM for missing
// privileges, ENOMEM for DPDK hugepage options without free hugepages, and whatever the backend
// reports (EAL's own message for DPDK).
Result<std::unique_ptr<Device>> open_device(const DeviceSpec& spec, const OpenOptions& options = {});

// parse_device_spec() then open_device().
Result<std::unique_ptr<Device>> open_device(std::string_view spec, const OpenOptions& options = {});

// Hugepages as DPDK sees them: free 2 MB/1 GB pages (HugePages_Free) and a mounted hugetlbfs.
struct HugepageState {
    long free_pages = 0;
    bool hugetlbfs_mounted = false;
};
HugepageState read_hugepage_state();  // /proc/meminfo and /proc/mounts

// ENOMEM with a hint when `eal_args` ask for hugepage memory (--socket-mem, --huge-dir,
// --legacy-mem, ... without --no-huge) and `state` has none to give. Without such options the DPDK
// backend falls back to --no-huge by itself (drivers/dpdk/eal.hpp), so nothing is missing.
Result<void> check_dpdk_hugepages(std::span<const std::string> eal_args, const HugepageState& state);

}  // namespace tachyon
