// The kernel-peer cases (kernel_cases.cpp) on the native AF_PACKET backend, bound to our end of a
// veth pair whose other end is in the kernel's namespace.
#include "drivers/af_packet/af_packet_device.hpp"
#include "tests/interop/tcp/environment.hpp"

namespace tachyon::interop {

std::unique_ptr<Environment> make_environment(std::string& error) {
    return make_veth_environment(
        "af_packet",
        [](const std::string& iface) -> Result<VethDevice> {
            AfPacketConfig c;
            c.interface = iface;
            auto d = open_af_packet_device(c);
            if (!d) return d.error();
            auto& dev = static_cast<AfPacketDevice&>(**d);
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
