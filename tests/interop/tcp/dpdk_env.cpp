#include "tests/interop/tcp/dpdk_env.hpp"

#include <time.h>

#include <chrono>

namespace tachyon::interop {

Result<std::unique_ptr<DpdkDevice>> open_dpdk_port(const std::string& vdev_args, bool trust_link) {
    DpdkConfig c;
    c.trust_link = trust_link;
    c.eal_args = {"--no-huge", "-m", "512", "--vdev=" + vdev_args};
    c.port_name = vdev_args.substr(0, vdev_args.find(','));
    c.rx_ring = 512;
    c.tx_ring = 512;
    // The stack holds few mbufs at once (it copies received payload into its byte rings, and
    // builds each TX frame just before sending it): a smaller pool keeps per-test ports cheap.
    c.in_flight = 2048;
    return DpdkDevice::open(c);
}

std::string dpdk_mbufs_back(DpdkDevice& dev, size_t baseline) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (;;) {
        dev.reclaim_tx();
        const size_t n = dev.mbufs_in_use();
        if (n <= baseline) return {};
        if (std::chrono::steady_clock::now() >= end) {
            return std::to_string(n) + " mbufs of " + dev.mempool_name() + " in use, " + std::to_string(baseline) +
                   " when the port was opened";
        }
        timespec ts{0, 1'000'000};
        nanosleep(&ts, nullptr);
    }
}

}  // namespace tachyon::interop
