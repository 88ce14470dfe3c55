// The kernel-peer cases (kernel_cases.cpp) on the native AF_XDP backend (copy mode on veth),
// bound to queue 0 of our end of a single-queue veth pair.
#include "drivers/af_xdp/af_xdp_device.hpp"
#include "tests/interop/tcp/environment.hpp"
#include "tests/interop/tcp/native_veth_device.hpp"

namespace tachyon::interop {

std::unique_ptr<Environment> make_environment(std::string& error) {
    return make_veth_environment(
        "af_xdp",
        [](const std::string& iface) {
            AfXdpConfig c;
            c.interface = iface;
            c.queue = 0;
            return native_veth_device<AfXdpDevice>(open_af_xdp_device(c));
        },
        error);
}

}  // namespace tachyon::interop
