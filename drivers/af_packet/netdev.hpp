// Setup-time queries about a Linux network interface (index, MAC, MTU, link flags), shared by the
// native AF_PACKET and AF_XDP drivers, and the errors (with a hint how to fix them) both report.
// Nothing here is on the fast path: each call is an ioctl.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "lib/ethernet_address.hpp"
#include "lib/result.hpp"

namespace tachyon {

// Joins the pieces into one string. Error messages use it rather than operator+ chains that start
// with a literal, which trip GCC 12's -Wrestrict false positive (PR 105329) at -O2 and above.
std::string cat(std::initializer_list<std::string_view> parts);

struct NetInterface {
    std::string name;
    int ifindex = 0;
    EthernetAddress mac;
    uint32_t mtu = 0;  // largest IP packet, as `ip link` shows it
};

// Looks `name` up. ENODEV when there is no such interface (hint: `ip link show`), EINVAL for a
// name no interface can have (empty, longer than IFNAMSIZ - 1, or with '/', ':' or spaces).
Result<NetInterface> lookup_interface(std::string_view name);

// Whether the interface is administratively up and has carrier (IFF_UP and IFF_RUNNING); false
// when it is gone. `fd` is any socket (ioctls on interfaces work on every socket family).
bool interface_running(int fd, const std::string& name);

// The error for a failed privileged call (`what`, e.g. "socket(AF_PACKET)"): EPERM/EACCES get the
// hint to run as root or grant the capabilities; other codes just name the call.
Error privilege_error(int code, std::string_view what, std::string_view capabilities);

// An errno-style error naming the failed call: "<what> on <ifname>".
Error system_error(int code, std::string_view what, std::string_view ifname);

}  // namespace tachyon
