// The XDP program that steers an interface queue's frames into an AF_XDP socket, loaded without
// bpffs and without libxdp's multi-program dispatcher (both need a mounted bpffs to pin into).
//
// The program is five instructions, built in memory and loaded with bpf_prog_load():
//     return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
// Frames of queues without a socket in the map go on to the kernel stack (the XDP_PASS default
// action of bpf_redirect_map, Linux >= 5.3). It is attached through a BPF link (Linux >= 5.9):
// the link's file descriptor owns the attachment, so closing it, or the process dying, detaches the
// program; a crashed run leaves nothing attached behind.
#pragma once

#include <cstdint>
#include <string>

#include "drivers/af_packet/unique_fd.hpp"
#include "lib/result.hpp"

namespace tachyon {

enum class XdpAttachMode : uint8_t {
    kAuto,     // native (driver) mode, falling back to generic when the driver has no XDP support
    kNative,   // XDP_FLAGS_DRV_MODE only
    kGeneric,  // XDP_FLAGS_SKB_MODE only: works on every interface, at skb cost
};

class XskProgram {
public:
    // Creates the XSKMAP (keys 0..queue), loads the program and attaches it to `ifindex`.
    // Errors: EPERM (hint: root or CAP_BPF + CAP_NET_ADMIN), EBUSY (another XDP program is
    // attached; hint `ip link set dev IF xdp off`), EOPNOTSUPP (native mode unsupported).
    static Result<XskProgram> attach(const std::string& ifname, int ifindex, uint32_t queue, XdpAttachMode mode);

    // Points `queue` at the AF_XDP socket `xsk_fd`.
    Result<void> register_socket(uint32_t queue, int xsk_fd);

    bool native() const { return native_; }
    const std::string& ifname() const { return ifname_; }

    XskProgram(XskProgram&&) = default;
    XskProgram& operator=(XskProgram&&) = default;
    // Closing the link detaches the program; the program and map go when their last fd closes.
    ~XskProgram() = default;

private:
    XskProgram() = default;

    std::string ifname_;
    UniqueFd map_;
    UniqueFd prog_;
    UniqueFd link_;  // declared last: closed first, detaching before the program fd goes
    bool native_ = false;
};

}  // namespace tachyon
