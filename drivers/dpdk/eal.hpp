// DPDK's Environment Abstraction Layer: process-wide, initialised at most once per process.
//
// The first eal_init() call initialises EAL from its arguments. Later calls (a second device spec in
// the same program) may only add virtual devices: every --vdev that is not probed yet is hot-plugged
// with rte_dev_probe(); any other option must equal the first call's, since EAL cannot be
// reconfigured. rte_eal_cleanup() is optional at process end (the OS reclaims memory, TAP and memif
// devices die with the process); eal_cleanup() calls it for programs that want it (see the caveat
// below), and after it EAL cannot be initialised again in this process.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/result.hpp"

namespace tachyon {

struct EalOptions {
    // Arguments as DPDK users write them, without the program name ("--vdev=net_tap0,iface=tcy0").
    std::vector<std::string> args;
    // Adds what a vdev user on a small or shared machine needs unless the args already say otherwise:
    //  - --no-huge -m 1024 when the system has no free hugepages;
    //  - a private runtime configuration so that several DPDK processes coexist: --in-memory, or
    //    --no-shconf with --no-huge (DPDK 22.11 rejects --in-memory together with --no-huge), and
    //    --no-telemetry (its socket in the shared runtime directory blocks a second process's
    //    rte_eal_init); give a unique --file-prefix and --telemetry to use dpdk-telemetry.py;
    //  - --no-pci when the args name vdevs and no PCI device (so EAL does not grab NICs by surprise);
    //  - --lcores=0@(<allowed cpus>): one EAL lcore that floats over the CPUs the process may use,
    //    instead of pinning the calling thread to CPU 0 and starting a sleeping worker per core.
    bool defaults = true;
};

// The argument list eal_init() passes to rte_eal_init (without the program name).
std::vector<std::string> eal_effective_args(const EalOptions& options);

// Initialises EAL, or hot-plugs the options' new vdevs into the running EAL. Errors carry EAL's own
// message and a hint (missing hugepages, missing privileges, a clashing --file-prefix, ...).
Result<void> eal_init(const EalOptions& options);

bool eal_initialised();

// Device names of the --vdev arguments in order ("net_tap0" for "--vdev=net_tap0,iface=x").
std::vector<std::string> eal_vdev_names(std::span<const std::string> args);

// Releases EAL's resources (rte_eal_cleanup); call only after every DPDK device is closed. Optional,
// and not used by Tachyon's tools and tests: in DPDK 22.11 rte_eal_cleanup unmaps memory while EAL's
// interrupt thread keeps running and may still walk interrupt sources there (seen crashing in
// rte_intr_fd_get after net_memif devices). Process exit reclaims everything anyway.
void eal_cleanup();

}  // namespace tachyon
