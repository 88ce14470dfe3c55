#include "drivers/af_packet/netdev.hpp"

#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "drivers/af_packet/unique_fd.hpp"

namespace tachyon {

namespace {

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() >= IFNAMSIZ) return false;
    return std::none_of(name.begin(), name.end(), [](char c) {
        return c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\0';
    });
}

ifreq make_ifreq(std::string_view name) {
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, name.data(), std::min(name.size(), sizeof(ifr.ifr_name) - 1));
    return ifr;
}

}  // namespace

std::string cat(std::initializer_list<std::string_view> parts) {
    size_t n = 0;
    for (auto p : parts) n += p.size();
    std::string s;
    s.reserve(n);
    for (auto p : parts) s.append(p);
    return s;
}

Result<NetInterface> lookup_interface(std::string_view name) {
    if (!valid_name(name)) {
        return Error{EINVAL, cat({"'", name,
                                  "' is not an interface name (1 to 15 characters without '/', ':' or "
                                  "spaces; list interfaces with `ip link show`)"})};
    }
    // Interface ioctls work on any socket; a datagram socket needs no privileges.
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return system_error(errno, "socket(AF_INET) for interface ioctls", name);

    NetInterface info;
    info.name = std::string(name);
    ifreq ifr = make_ifreq(name);
    if (::ioctl(fd.get(), SIOCGIFINDEX, &ifr) != 0) {
        int err = errno;
        if (err == ENODEV) {
            return Error{ENODEV, cat({"no network interface '", name,
                                      "' in this network namespace (list them with `ip link show`)"})};
        }
        return system_error(err, "ioctl(SIOCGIFINDEX)", name);
    }
    info.ifindex = ifr.ifr_ifindex;

    ifr = make_ifreq(name);
    if (::ioctl(fd.get(), SIOCGIFHWADDR, &ifr) != 0) return system_error(errno, "ioctl(SIOCGIFHWADDR)", name);
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
        return Error{EPROTONOSUPPORT, cat({"interface '", name, "' is not an Ethernet interface (ARPHRD ",
                                           std::to_string(ifr.ifr_hwaddr.sa_family), ")"})};
    }
    for (size_t i = 0; i < info.mac.octets.size(); ++i) {
        info.mac.octets[i] = static_cast<uint8_t>(ifr.ifr_hwaddr.sa_data[i]);
    }

    ifr = make_ifreq(name);
    if (::ioctl(fd.get(), SIOCGIFMTU, &ifr) != 0) return system_error(errno, "ioctl(SIOCGIFMTU)", name);
    info.mtu = static_cast<uint32_t>(ifr.ifr_mtu);
    return info;
}

bool interface_running(int fd, const std::string& name) {
    ifreq ifr = make_ifreq(name);
    if (::ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) return false;
    const auto flags = static_cast<unsigned>(ifr.ifr_flags);
    return (flags & IFF_UP) != 0 && (flags & IFF_RUNNING) != 0;
}

Error privilege_error(int code, std::string_view what, std::string_view capabilities) {
    std::string detail(what);
    if (code == EPERM || code == EACCES) {
        detail += " needs privileges: run as root or grant the program ";
        detail += capabilities;
        detail += " (e.g. `sudo setcap ";
        std::string caps(capabilities);
        std::replace(caps.begin(), caps.end(), ' ', ',');
        std::transform(caps.begin(), caps.end(), caps.begin(), [](char c) {
            return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        });
        detail += caps;
        detail += "+ep PROGRAM`)";
    }
    return Error{code, std::move(detail)};
}

Error system_error(int code, std::string_view what, std::string_view ifname) {
    std::string detail(what);
    detail += " on ";
    detail += ifname;
    return Error{code, std::move(detail)};
}

}  // namespace tachyon
