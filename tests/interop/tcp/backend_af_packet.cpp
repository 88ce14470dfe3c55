// The kernel-peer cases (kernel_cases.cpp) on the native AF_PACKET backend, bound to our end of a
// veth pair whose other end is in the kernel's namespace.
#include "drivers/af_packet/af_packet_device.hpp"
#include "tests/interop/tcp/environment.hpp"
#include "tests/interop/tcp/native_veth_device.hpp"

namespace tachyon::interop {

std::unique_ptr<Environment> make_environment(std::string& error) {
    return make_veth_environment(
        "af_packet",
        [](const std::string& iface) {
            AfPacketConfig c;
            c.interface = iface;
            return native_veth_device<AfPacketDevice>(open_af_packet_device(c));
        },
        error);
}

}  // namespace tachyon::interop
