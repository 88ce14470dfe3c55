// DPDK ports for the interop tests: one EAL per process (the first port initialises it, later
// ones are hot-plugged vdevs with names of their own), and the check that every mbuf a port lent
// the stack came back.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "drivers/dpdk/dpdk_device.hpp"
#include "lib/result.hpp"

namespace tachyon::interop {

// Opens the port of `vdev_args` ("net_tap3,iface=x") with EAL arguments --no-huge -m 512: the
// tests use no hugepages even where some are reserved (the virtio test's), so that they neither
// depend on nor take them. eal.hpp's defaults add --no-shconf, --no-telemetry, --no-pci and one
// floating lcore, which lets several DPDK processes (memif) coexist. Every port of a process must
// be opened with the same non-vdev arguments (EAL is initialised once).
// trust_link: DpdkConfig::trust_link.
Result<std::unique_ptr<DpdkDevice>> open_dpdk_port(const std::string& vdev_args, bool trust_link = false);

// "" once the port's mbufs in use are back to `baseline` (reaping TX completions; waits up to 2 s,
// as net_af_xdp returns sent mbufs only on completion), else a message.
std::string dpdk_mbufs_back(DpdkDevice& dev, size_t baseline);

}  // namespace tachyon::interop
