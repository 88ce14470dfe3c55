// The kernel-peer cases (kernel_cases.cpp) on DPDK's kernel-attached PMDs, net_af_packet or
// net_af_xdp (TACHYON_PMD, chosen by meson), bound to our end of a veth pair whose other end is in
// the kernel's namespace. Each test hot-plugs a vdev of its own into this process's one EAL.
#include "tests/interop/tcp/dpdk_env.hpp"
#include "tests/interop/tcp/environment.hpp"

#ifndef TACHYON_PMD
#error "meson passes the PMD as TACHYON_PMD"
#endif

namespace tachyon::interop {

std::unique_ptr<Environment> make_environment(std::string& error) {
    static unsigned next = 0;
    const std::string pmd = TACHYON_PMD;
    const std::string vdev = pmd + std::to_string(next++);
    // net_af_xdp on veth: copy mode, one queue (the veth pair has one).
    const std::string extra = pmd == "net_af_xdp" ? ",start_queue=0,queue_count=1" : "";
    return make_veth_environment(
        "DPDK " + vdev,
        [&](const std::string& iface) -> Result<VethDevice> {
            auto d = open_dpdk_port(vdev + ",iface=" + iface + extra);
            if (!d) return d.error();
            DpdkDevice& dev = **d;
            const size_t baseline = dev.mbufs_in_use();
            VethDevice v;
            v.check_released = [&dev, baseline] { return dpdk_mbufs_back(dev, baseline); };
            v.device = std::move(*d);
            if (pmd == "net_af_packet") {
                // Seen in the capture: the echo of a datagram the kernel sent in fragments reaches
                // the PMD as one 9,028-byte frame, cut to its mbuf (the PMD's packet socket joins a
                // PACKET_FANOUT group with the defragment flag, so the kernel reassembles first).
                v.fragments_not_delivered = "DPDK net_af_packet receives IP fragments reassembled by the kernel, "
                                            "as one frame larger than its mbufs";
            }
            return v;
        },
        error);
}

}  // namespace tachyon::interop
