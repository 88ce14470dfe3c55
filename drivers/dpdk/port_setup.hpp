// Finding, configuring, starting and closing one DPDK port for a DpdkDevice.
#pragma once

#include <cstdint>
#include <string>

#include "drivers/dpdk/dpdk_device.hpp"
#include "lib/result.hpp"

namespace tachyon {

struct PortSetup {
    uint16_t port = 0;
    uint16_t rx_queue = 0;
    uint16_t tx_queue = 0;
    std::string port_name;
    std::string driver;
    bool is_vdev = false;
    rte_mempool* pool = nullptr;
    uint64_t owner_id = 0;
    DpdkOffloads offloads;
    DeviceCaps caps;
    bool trust_link = false;  // DpdkConfig::trust_link
};

// The port the config selects (see DpdkConfig::port_name); EAL must be initialised.
Result<uint16_t> find_port(const DpdkConfig& config);

// Takes ownership of the port, creates its mempool, configures queues and offloads from the PMD's
// capabilities and starts it. On failure everything done so far is undone.
Result<PortSetup> setup_port(uint16_t port, const DpdkConfig& config);

// Stops and closes the port (removing a vdev, so that the same vdev can be opened again), then frees
// the mempool unless packets from it are still held: those keep their memory, and it is reported.
void teardown_port(const PortSetup& setup);

// The mempool size for a config and the ring sizes the PMD accepted (DpdkConfig::mbufs).
uint32_t mempool_size(const DpdkConfig& config, uint32_t rx_descs, uint32_t tx_descs, uint32_t cache,
                      uint32_t lcores);

}  // namespace tachyon
