#include "drivers/af_xdp/af_xdp_device.hpp"

#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <xdp/xsk.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "drivers/af_packet/netdev.hpp"
#include "drivers/af_packet/unique_fd.hpp"

namespace tachyon {

namespace {

constexpr uint32_t kMinRing = 64;
constexpr uint32_t kMaxRing = 1u << 16;
constexpr uint32_t kMaxPoolSize = 1u << 20;
constexpr uint32_t kEthernetMaxOverhead = 14 + 4;  // header + one 802.1Q tag
constexpr uint32_t kEthernetHeaderLen = 14;
constexpr char kCapabilities[] = "CAP_NET_RAW CAP_NET_ADMIN CAP_BPF";

// Anonymous memory for the UMEM, page aligned (which aligned-mode UMEM requires).
class Area {
public:
    Area() = default;
    Area(const Area&) = delete;
    Area& operator=(const Area&) = delete;
    ~Area() {
        if (p_ != nullptr) ::munmap(p_, len_);
    }
    bool map(size_t len) {
        void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (p == MAP_FAILED) return false;
        p_ = p;
        len_ = len;
        return true;
    }
    std::byte* data() const { return static_cast<std::byte*>(p_); }
    size_t size() const { return len_; }

private:
    void* p_ = nullptr;
    size_t len_ = 0;
};

Result<void> check_config(const AfXdpConfig& c) {
    auto bad = [](const std::string& what) { return Result<void>::fail(EINVAL, what); };
    if (c.ring_size < kMinRing || c.ring_size > kMaxRing || !std::has_single_bit(c.ring_size)) {
        return bad(cat({"ring_size must be a power of two in ", std::to_string(kMinRing), "..", std::to_string(kMaxRing)}));
    }
    if (c.frame_size != 0 && c.frame_size != 2048 && c.frame_size != 4096) return bad("frame_size must be 0 (auto), 2048 or 4096");
    if (c.pool_size == 0 || c.pool_size > kMaxPoolSize) return bad(cat({"pool_size must be 1..", std::to_string(kMaxPoolSize)}));
    return {};
}

// Frames land XDP_PACKET_HEADROOM into their UMEM frame, in copy and zero-copy mode alike.
Result<uint32_t> pick_frame_size(const AfXdpConfig& c, uint32_t mtu) {
    const uint32_t need = XDP_PACKET_HEADROOM + mtu + kEthernetMaxOverhead;
    const uint32_t size = c.frame_size != 0 ? c.frame_size : (need <= 2048 ? 2048u : 4096u);
    if (need > size) {
        return Error{EINVAL, cat({"MTU ", std::to_string(mtu), " does not fit AF_XDP frames of ", std::to_string(size),
                                  " bytes (at most ", std::to_string(4096 - XDP_PACKET_HEADROOM - kEthernetMaxOverhead),
                                  " with frame_size 4096; lower it with `ip link set dev IF mtu N`)"})};
    }
    return size;
}

Error socket_error(int err, const AfXdpConfig& c) {
    if (err == EPERM || err == EACCES) return privilege_error(err, "creating an AF_XDP socket", kCapabilities);
    if (err == EINVAL) {
        return Error{EINVAL, cat({"binding an AF_XDP socket to ", c.interface, " queue ", std::to_string(c.queue),
                                  " failed: does the queue exist? (see /sys/class/net/", c.interface,
                                  "/queues or `ethtool -l ", c.interface, "`)"})};
    }
    if (err == EOPNOTSUPP && c.bind == XskBindMode::kZeroCopy) {
        return Error{EOPNOTSUPP, cat({c.interface, " has no AF_XDP zero-copy support: use copy mode"})};
    }
    if (err == EBUSY) return Error{EBUSY, cat({c.interface, " queue ", std::to_string(c.queue), " already has an AF_XDP socket"})};
    return system_error(err, "creating the AF_XDP socket", c.interface);
}

class AfXdpDeviceImpl final : public AfXdpDevice {
public:
    static Result<std::unique_ptr<Device>> open(const AfXdpConfig& c, NetInterface iface, uint32_t frame_size);

    ~AfXdpDeviceImpl() override {
        if (xsk_ != nullptr) xsk_socket__delete(xsk_);  // also leaves the XSKMAP
        if (umem_ != nullptr) xsk_umem__delete(umem_);
        // Then program_ (closing the link detaches the program) and area_ go, in member order.
    }

    size_t rx_burst(std::span<Packet> out) override;
    size_t tx_burst(std::span<Packet> pkts) override;

    DeviceCaps caps() const override {
        DeviceCaps c;
        c.mac = iface_.mac;
        c.mtu = static_cast<uint16_t>(std::min<uint32_t>(iface_.mtu, UINT16_MAX));
        return c;  // no checksum offloads through AF_XDP (no metadata on this kernel ABI)
    }
    // AF_XDP sockets answer no interface ioctls (sock_no_ioctl), hence a datagram socket of its own.
    bool link_up() const override { return interface_running(control_.get(), iface_.name); }
    DeviceStats stats() const override;
    std::string name() const override { return cat({"af_xdp:", iface_.name, ":", std::to_string(queue_)}); }

    AfXdpStats af_xdp_stats() const override;
    int fd() const override { return xsk_socket__fd(xsk_); }
    bool zero_copy() const override { return zero_copy_; }
    bool native_xdp() const override { return program_->native(); }
    const PacketPool& pool() const override { return pool_; }

private:
    AfXdpDeviceImpl(const AfXdpConfig& c, NetInterface iface, uint32_t frame_size)
        : iface_(std::move(iface)),
          queue_(c.queue),
          ring_size_(c.ring_size),
          frame_size_(frame_size),
          max_tx_frame_(std::min(frame_size - XDP_PACKET_HEADROOM, iface_.mtu + kEthernetMaxOverhead)),
          pool_(c.pool_size, std::max(PacketPool::kDefaultBufferSize,
                                      PacketPool::kDefaultHeadroom + iface_.mtu + kEthernetMaxOverhead)) {}

    Result<void> setup(const AfXdpConfig& c);
    void fill_frames(std::span<const uint64_t> addrs);
    void reclaim_completions();
    void kick();

    NetInterface iface_;
    uint32_t queue_;
    uint32_t ring_size_;
    uint32_t frame_size_;
    uint32_t max_tx_frame_;
    PacketPool pool_;
    UniqueFd control_;
    Area area_;
    std::optional<XskProgram> program_;
    xsk_umem* umem_ = nullptr;
    xsk_socket* xsk_ = nullptr;
    xsk_ring_prod fill_{};
    xsk_ring_cons comp_{};
    xsk_ring_cons rx_{};
    xsk_ring_prod tx_{};
    bool zero_copy_ = false;
    bool kick_pending_ = false;
    bool queue_busy_ = false;  // setup() failed because the queue still had a socket bound
    std::vector<uint64_t> tx_free_;  // UMEM TX frames not in the kernel; capacity reserved at setup
    std::vector<uint64_t> recycle_;  // RX frames on their way back to the fill ring
    DeviceStats stats_;
    AfXdpStats extra_;
};

Result<std::unique_ptr<Device>> AfXdpDeviceImpl::open(const AfXdpConfig& c, NetInterface iface, uint32_t frame_size) {
    // A socket closed a moment ago (by us, or by a process that died) keeps its queue until the
    // kernel's deferred pool release runs, and binding meanwhile fails with EBUSY. Our program
    // attached, so no live socket of another process holds the queue (its program would have made
    // the attach fail): wait for the release, a few milliseconds at most, by starting over.
    constexpr int kAttempts = 50;
    constexpr timespec kPause{0, 2'000'000};
    for (int attempt = 1;; ++attempt) {
        std::unique_ptr<AfXdpDeviceImpl> dev(new AfXdpDeviceImpl(c, iface, frame_size));
        // On failure the destructor releases whatever setup() got as far as creating.
        auto r = dev->setup(c);
        if (r) return std::unique_ptr<Device>(std::move(dev));
        if (!dev->queue_busy_ || attempt == kAttempts) return r.error();
        dev.reset();
        ::nanosleep(&kPause, nullptr);
    }
}

Result<void> AfXdpDeviceImpl::setup(const AfXdpConfig& c) {
    const uint32_t frames = 2 * ring_size_;
    control_.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!control_.valid()) return system_error(errno, "socket(AF_INET) for interface ioctls", c.interface);
    if (!area_.map(static_cast<size_t>(frames) * frame_size_)) return system_error(errno, "mmap of the UMEM", c.interface);

    xsk_umem_config ucfg{};
    ucfg.fill_size = ring_size_;
    ucfg.comp_size = ring_size_;
    ucfg.frame_size = frame_size_;
    ucfg.frame_headroom = 0;
    if (int r = xsk_umem__create(&umem_, area_.data(), area_.size(), &fill_, &comp_, &ucfg); r != 0) {
        umem_ = nullptr;
        const int err = -r;
        if (err == ENOMEM || err == ENOBUFS) {
            return Error{err, cat({"registering a ", std::to_string(area_.size() >> 20),
                                   " MiB UMEM failed: raise the locked-memory limit (`ulimit -l`) or lower ring_size"})};
        }
        return privilege_error(err, "registering the AF_XDP UMEM", kCapabilities);
    }

    auto program = XskProgram::attach(c.interface, iface_.ifindex, c.queue, c.attach);
    if (!program) return program.error();
    program_.emplace(std::move(program.value()));

    xsk_socket_config scfg{};
    scfg.rx_size = ring_size_;
    scfg.tx_size = ring_size_;
    scfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;  // our own program, no bpffs
    scfg.xdp_flags = program_->native() ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
    uint16_t bind = XDP_USE_NEED_WAKEUP;
    if (c.bind == XskBindMode::kCopy || !program_->native()) bind |= XDP_COPY;  // generic XDP is copy only
    if (c.bind == XskBindMode::kZeroCopy) bind |= XDP_ZEROCOPY;
    scfg.bind_flags = bind;
    if (int r = xsk_socket__create(&xsk_, c.interface.c_str(), c.queue, umem_, &rx_, &tx_, &scfg); r != 0) {
        xsk_ = nullptr;
        queue_busy_ = r == -EBUSY;
        return socket_error(-r, c);
    }
    if (auto r = program_->register_socket(c.queue, xsk_socket__fd(xsk_)); !r) return r;

    xdp_options opts{};
    socklen_t len = sizeof(opts);
    if (::getsockopt(fd(), SOL_XDP, XDP_OPTIONS, &opts, &len) == 0) {
        zero_copy_ = (opts.flags & XDP_OPTIONS_ZEROCOPY) != 0;
    }

    // Frames [0, ring) start in the fill ring for RX; frames [ring, 2 ring) are for TX.
    recycle_.reserve(ring_size_);
    tx_free_.reserve(ring_size_);
    for (uint32_t i = 0; i < ring_size_; ++i) recycle_.push_back(static_cast<uint64_t>(i) * frame_size_);
    fill_frames(recycle_);
    recycle_.clear();
    for (uint32_t i = ring_size_; i < frames; ++i) tx_free_.push_back(static_cast<uint64_t>(i) * frame_size_);
    return {};
}

// The fill ring has room for every RX frame, so the reservation always succeeds.
void AfXdpDeviceImpl::fill_frames(std::span<const uint64_t> addrs) {
    if (addrs.empty()) return;
    uint32_t idx = 0;
    const auto n = static_cast<uint32_t>(addrs.size());
    if (xsk_ring_prod__reserve(&fill_, n, &idx) != n) return;  // unreachable: see above
    for (uint32_t i = 0; i < n; ++i) *xsk_ring_prod__fill_addr(&fill_, idx + i) = addrs[i];
    xsk_ring_prod__submit(&fill_, n);
}

size_t AfXdpDeviceImpl::rx_burst(std::span<Packet> out) {
    if (kick_pending_) kick();
    uint32_t idx = 0;
    const uint32_t avail = xsk_ring_cons__peek(&rx_, static_cast<uint32_t>(out.size()), &idx);
    if (avail == 0) {
        // Zero-copy drivers stop when the fill ring ran dry and wait for a wakeup; copy mode never sets it.
        if (xsk_ring_prod__needs_wakeup(&fill_)) {
            ++extra_.rx_wakeups;
            (void)::recvfrom(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
        }
        return 0;
    }
    size_t n = 0;
    uint32_t done = 0;
    for (; done < avail; ++done) {
        const xdp_desc* d = xsk_ring_cons__rx_desc(&rx_, idx + done);
        Packet p = pool_.alloc();
        if (!p) {
            ++extra_.rx_no_buffer;
            break;  // the rest stay in the RX ring for a later burst
        }
        if (std::byte* dst = p.append(d->len); dst != nullptr) {
            std::memcpy(dst, area_.data() + d->addr, d->len);
            stats_.rx_bytes += d->len;
            ++stats_.rx_packets;
            out[n++] = std::move(p);
        } else {
            ++stats_.rx_dropped;  // larger than a pool buffer: not possible with buffers sized from the MTU
        }
        recycle_.push_back(d->addr & ~static_cast<uint64_t>(frame_size_ - 1));  // back to the frame start
    }
    if (done < avail) xsk_ring_cons__cancel(&rx_, avail - done);
    xsk_ring_cons__release(&rx_, done);
    fill_frames(recycle_);
    recycle_.clear();
    return n;
}

void AfXdpDeviceImpl::reclaim_completions() {
    uint32_t idx = 0;
    const uint32_t n = xsk_ring_cons__peek(&comp_, ring_size_, &idx);
    for (uint32_t i = 0; i < n; ++i) tx_free_.push_back(*xsk_ring_cons__comp_addr(&comp_, idx + i));
    if (n > 0) xsk_ring_cons__release(&comp_, n);
}

size_t AfXdpDeviceImpl::tx_burst(std::span<Packet> pkts) {
    reclaim_completions();
    size_t taken = 0;
    uint32_t posted = 0;
    for (; taken < pkts.size(); ++taken) {
        Packet& p = pkts[taken];
        if (!p || p.size() < kEthernetHeaderLen || p.size() > max_tx_frame_) {
            ++extra_.tx_bad_length;
            ++stats_.tx_dropped;
            p.reset();
            continue;
        }
        uint32_t idx = 0;
        if (tx_free_.empty() || xsk_ring_prod__reserve(&tx_, 1, &idx) != 1) {
            ++extra_.tx_ring_full;
            break;
        }
        const uint64_t addr = tx_free_.back();
        tx_free_.pop_back();
        std::memcpy(area_.data() + addr, p.data(), p.size());
        xdp_desc* d = xsk_ring_prod__tx_desc(&tx_, idx);
        d->addr = addr;
        d->len = static_cast<uint32_t>(p.size());
        d->options = 0;
        ++posted;
        ++stats_.tx_packets;
        stats_.tx_bytes += p.size();
        p.reset();
    }
    if (posted > 0) xsk_ring_prod__submit(&tx_, posted);
    if (posted > 0 || kick_pending_) {
        if (xsk_ring_prod__needs_wakeup(&tx_)) {
            kick();
        } else {
            kick_pending_ = false;
        }
    }
    return taken;
}

void AfXdpDeviceImpl::kick() {
    ++extra_.tx_kicks;
    if (::sendto(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, 0) >= 0) {
        kick_pending_ = false;
        return;
    }
    const int err = errno;
    // EAGAIN: the kernel sends a bounded batch per call and more descriptors wait; EBUSY/ENOBUFS:
    // the driver's queue is busy; ENETDOWN: the link is down. All are retried by the next burst.
    kick_pending_ = err == EAGAIN || err == EBUSY || err == ENOBUFS || err == ENETDOWN;
    if (err != EAGAIN) ++extra_.tx_kick_errors;
}

DeviceStats AfXdpDeviceImpl::stats() const {
    DeviceStats s = stats_;
    const AfXdpStats x = af_xdp_stats();
    s.rx_dropped += x.rx_kernel_dropped + x.rx_ring_full + x.rx_invalid_descs;
    return s;
}

AfXdpStats AfXdpDeviceImpl::af_xdp_stats() const {
    AfXdpStats s = extra_;
    xdp_statistics k{};
    socklen_t len = sizeof(k);
    if (::getsockopt(fd(), SOL_XDP, XDP_STATISTICS, &k, &len) == 0) {
        s.rx_kernel_dropped = k.rx_dropped;
        s.rx_ring_full = k.rx_ring_full;
        s.rx_fill_ring_empty = k.rx_fill_ring_empty_descs;
        s.rx_invalid_descs = k.rx_invalid_descs;
        s.tx_invalid_descs = k.tx_invalid_descs;
    }
    return s;
}

}  // namespace

Result<std::unique_ptr<Device>> open_af_xdp_device(const AfXdpConfig& config) {
    if (auto r = check_config(config); !r) return r.error();
    auto iface = lookup_interface(config.interface);
    if (!iface) return iface.error();
    auto frame_size = pick_frame_size(config, iface->mtu);
    if (!frame_size) return frame_size.error();
    return AfXdpDeviceImpl::open(config, std::move(iface.value()), frame_size.value());
}

}  // namespace tachyon
