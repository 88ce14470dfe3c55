// Native AF_XDP device (libxdp/libbpf, no DPDK): one XSK socket on one interface queue, with a
// UMEM shared with the kernel through fill/completion rings, and its own redirect program
// (xsk_program.hpp, loaded without bpffs).
//
// - Zero-copy where the driver supports it (XDP_ZEROCOPY), copy mode elsewhere (veth, most virtual
//   interfaces); the program is attached in native mode, or in generic (skb) mode when the driver
//   has no XDP support (XdpAttachMode).
// - RX: frames are copied from their UMEM frame into a packet from the device's own pool, and the
//   frame goes straight back to the fill ring. Wrapping the frame instead would let the stack hold
//   UMEM frames for as long as a TCP queue or an unread receive buffer keeps them, starving the
//   fill ring (and then the kernel drops) while the pool is the only budget the stack manages; the
//   copy costs ~20-100 ns per frame and keeps the fill ring full. No system call, except the
//   need-wakeup kick when the kernel ran out of fill entries.
// - TX: frames are copied into free UMEM TX frames, posted to the TX ring, and the kernel is kicked
//   with one sendto(MSG_DONTWAIT) per burst only when it asks for it (need-wakeup; in copy mode it
//   always does, as the kernel transmits from the system call). Sent frames come back through the
//   completion ring.
// - The same RX-queue caveat as any XDP socket: only frames the NIC steers to `queue` arrive.
//   A veth pair with more queues spreads frames by the sender's TX queue: create veths with
//   `numtxqueues 1 numrxqueues 1` or open one device per queue.
// - The interface's MAC is the stack's MAC (caps().mac); give the interface no IP address of its
//   own so that the kernel does not answer for the stack (frames of other queues still reach it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "drivers/af_xdp/xsk_program.hpp"
#include "lib/device.hpp"
#include "lib/packet.hpp"
#include "lib/result.hpp"

namespace tachyon {

enum class XskBindMode : uint8_t {
    kAuto,      // zero-copy if the driver supports it, copy otherwise
    kCopy,      // XDP_COPY
    kZeroCopy,  // XDP_ZEROCOPY: fail when the driver cannot
};

struct AfXdpConfig {
    std::string interface;
    uint32_t queue = 0;
    XdpAttachMode attach = XdpAttachMode::kAuto;
    XskBindMode bind = XskBindMode::kAuto;
    // Each ring (RX, TX, fill, completion) has ring_size entries (a power of two); the UMEM has
    // 2 * ring_size frames, half kept in the fill ring for RX, half for TX.
    uint32_t ring_size = 2048;
    uint32_t frame_size = 0;     // UMEM frame: 2048 or 4096; 0 picks the smallest that fits the MTU
    uint32_t pool_size = 2048;   // RX packet buffers the stack may hold at once
};

struct AfXdpStats {
    // From the kernel (XDP_STATISTICS).
    uint64_t rx_kernel_dropped = 0;
    uint64_t rx_ring_full = 0;        // frames dropped because our RX ring was full
    uint64_t rx_fill_ring_empty = 0;  // times the kernel found no fill entry
    uint64_t rx_invalid_descs = 0;
    uint64_t tx_invalid_descs = 0;
    // Ours.
    uint64_t rx_no_buffer = 0;    // bursts cut short by an empty pool (frames stay in the RX ring)
    uint64_t rx_wakeups = 0;      // recvfrom() kicks for the fill ring
    uint64_t tx_ring_full = 0;    // tx_burst calls that found no TX frame or ring slot
    uint64_t tx_bad_length = 0;   // shorter than an Ethernet header or longer than a frame: dropped
    uint64_t tx_kicks = 0;        // sendto() calls
    uint64_t tx_kick_errors = 0;  // ... that failed for a reason other than "try again"
};

class AfXdpDevice : public Device {
public:
    virtual AfXdpStats af_xdp_stats() const = 0;
    virtual int fd() const = 0;  // the XSK socket, for poll(POLLIN) while idle
    virtual bool zero_copy() const = 0;
    virtual bool native_xdp() const = 0;  // program attached in driver mode (else generic)
    virtual const PacketPool& pool() const = 0;
};

// Opens `config.interface` queue `config.queue`. Errors: ENODEV (no interface; hint `ip link
// show`), EPERM (needs root or CAP_NET_RAW + CAP_NET_ADMIN + CAP_BPF), EBUSY (another XDP program),
// EINVAL (bad sizes or no such queue), ENOMEM (UMEM over RLIMIT_MEMLOCK). The returned device is an
// AfXdpDevice; it detaches its program when destroyed. Packets from rx_burst must be released first.
Result<std::unique_ptr<Device>> open_af_xdp_device(const AfXdpConfig& config);

}  // namespace tachyon
