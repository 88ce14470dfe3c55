// The VethDevice (environment.hpp) of a native kernel-socket backend, AF_PACKET or AF_XDP: the
// stack idles in poll() on the device's socket, and every RX buffer of the device's own pool must
// be back once the stack is gone.
#pragma once

#include <memory>
#include <string>

#include "lib/device.hpp"
#include "lib/result.hpp"
#include "tests/interop/tcp/environment.hpp"

namespace tachyon::interop {

// NativeDevice: the concrete type open_*_device() made (fd(), pool()).
template <typename NativeDevice>
Result<VethDevice> native_veth_device(Result<std::unique_ptr<Device>> opened) {
    if (!opened) return opened.error();
    auto& dev = static_cast<NativeDevice&>(**opened);
    VethDevice v;
    v.wait_fd = dev.fd();
    v.check_released = [&dev] {
        const size_t n = dev.pool().in_use();
        return n == 0 ? std::string() : std::to_string(n) + " RX buffers of the device's pool still in use";
    };
    v.device = std::move(*opened);
    return v;
}

}  // namespace tachyon::interop
