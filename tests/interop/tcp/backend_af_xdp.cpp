// The kernel-peer cases (kernel_cases.cpp) on the native AF_XDP backend (copy mode on veth),
// bound to queue 0 of our end of a single-queue veth pair.
#include "drivers/af_xdp/af_xdp_device.hpp"
#include "tests/interop/tcp/environment.hpp"

namespace tachyon::interop {

std::unique_ptr<Environment> make_environment(std::string& error) {
    return make_veth_environment(
        "af_xdp",
        [](const std::string& iface) -> Result<VethDevice> {
            AfXdpConfig c;
            c.interface = iface;
            c.queue = 0;
            auto d = open_af_xdp_device(c);
            if (!d) return d.error();
            auto& dev = static_cast<AfXdpDevice&>(**d);
            VethDevice v;
            v.wait_fd = dev.fd();
            v.check_released = [&dev] {
                const size_t n = dev.pool().in_use();
                return n == 0 ? std::string() : std::to_string(n) + " RX buffers of the device's pool still in use";
            };
            v.device = std::move(*d);
            return v;
        },
        error);
}

}  // namespace tachyon::interop
