#include "drivers/af_packet/af_packet_device.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <utility>

#include "drivers/af_packet/netdev.hpp"
#include "drivers/af_packet/tpacket_ring.hpp"
#include "drivers/af_packet/unique_fd.hpp"

namespace tachyon {

namespace {

constexpr uint32_t kMaxRingFrames = 1u << 18;
constexpr uint32_t kMaxPoolSize = 1u << 20;
constexpr uint32_t kMaxBlockSize = 1u << 22;  // the kernel allocates a block as one page order
constexpr uint32_t kMinSlotSize = 2048;
constexpr uint32_t kEthernetMaxOverhead = 14 + 4;  // header + one 802.1Q tag
constexpr char kCapabilities[] = "CAP_NET_RAW";

// The mapping of both rings (RX first, then TX, as the kernel lays them out).
class Mapping {
public:
    Mapping(void* p, size_t len) : p_(p), len_(len) {}
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    Mapping(Mapping&& o) noexcept : p_(std::exchange(o.p_, nullptr)), len_(o.len_) {}
    ~Mapping() {
        if (p_ != nullptr) ::munmap(p_, len_);
    }
    std::byte* data() const { return static_cast<std::byte*>(p_); }

private:
    void* p_;
    size_t len_;
};

struct Geometry {
    RingGeometry rx;
    RingGeometry tx;
    size_t max_tx_frame = 0;
};

uint32_t page_size() { return static_cast<uint32_t>(::sysconf(_SC_PAGESIZE)); }

uint32_t round_up(uint32_t n, uint32_t a) { return (n + a - 1) / a * a; }

RingGeometry frame_ring(uint32_t slot, uint32_t frames) {
    const uint32_t block = std::max(page_size(), slot);
    const uint32_t per_block = block / slot;
    return {.frame_size = slot, .block_size = block, .block_count = (frames + per_block - 1) / per_block};
}

Result<Geometry> plan_rings(const AfPacketConfig& c, uint32_t mtu) {
    const bool v3 = c.version == TpacketVersion::kV3;
    const size_t hdrlen = v3 ? TPACKET3_HDRLEN : TPACKET2_HDRLEN;
    // The kernel puts the frame at TPACKET_ALIGN(hdrlen + 16) - 14 (tpacket_rcv's macoff), so a
    // slot must hold that much plus a full frame.
    const size_t need = tpacket_align(hdrlen + 16) + mtu + kEthernetMaxOverhead;
    if (need > kMaxBlockSize) return Error{EINVAL, cat({"MTU ", std::to_string(mtu), " is too large for a TPACKET ring"})};
    const uint32_t slot = std::max(kMinSlotSize, std::bit_ceil(static_cast<uint32_t>(need)));

    Geometry g;
    g.tx = frame_ring(slot, c.tx_frames);
    if (v3) {
        const uint32_t block = std::max(slot, round_up(c.v3_block_size, page_size()));
        const uint64_t bytes = static_cast<uint64_t>(c.rx_frames) * slot;
        g.rx = {.frame_size = slot,
                .block_size = block,
                .block_count = static_cast<uint32_t>(std::max<uint64_t>(2, (bytes + block - 1) / block))};
        g.max_tx_frame = slot - tpacket_align(sizeof(tpacket3_hdr));
    } else {
        g.rx = frame_ring(slot, c.rx_frames);
        g.max_tx_frame = slot - tpacket_align(sizeof(tpacket2_hdr));
    }
    g.max_tx_frame = std::min<size_t>(g.max_tx_frame, mtu + kEthernetMaxOverhead);
    return g;
}

Result<void> check_config(const AfPacketConfig& c) {
    auto bad = [](const std::string& what) { return Result<void>::fail(EINVAL, what); };
    if (c.rx_frames == 0 || c.rx_frames > kMaxRingFrames) return bad(cat({"rx_frames must be 1..", std::to_string(kMaxRingFrames)}));
    if (c.tx_frames == 0 || c.tx_frames > kMaxRingFrames) return bad(cat({"tx_frames must be 1..", std::to_string(kMaxRingFrames)}));
    if (c.pool_size == 0 || c.pool_size > kMaxPoolSize) return bad(cat({"pool_size must be 1..", std::to_string(kMaxPoolSize)}));
    if (c.version == TpacketVersion::kV3 && (c.v3_block_size == 0 || c.v3_block_size > kMaxBlockSize)) {
        return bad(cat({"v3_block_size must be 1..", std::to_string(kMaxBlockSize)}));
    }
    return {};
}

Result<void> set_int_option(int fd, int option, int value, const char* name, const std::string& ifname) {
    if (::setsockopt(fd, SOL_PACKET, option, &value, sizeof(value)) != 0) {
        return system_error(errno, name, ifname);
    }
    return {};
}

Result<void> setup_rings(int fd, const AfPacketConfig& c, const Geometry& g, const std::string& ifname) {
    if (c.version == TpacketVersion::kV3) {
        tpacket_req3 rx{};
        rx.tp_block_size = g.rx.block_size;
        rx.tp_block_nr = g.rx.block_count;
        rx.tp_frame_size = g.rx.frame_size;
        rx.tp_frame_nr = g.rx.frame_count();
        rx.tp_retire_blk_tov = c.v3_block_timeout_ms;
        tpacket_req3 tx{};  // V3 TX uses fixed frames: no timeout, private area or features
        tx.tp_block_size = g.tx.block_size;
        tx.tp_block_nr = g.tx.block_count;
        tx.tp_frame_size = g.tx.frame_size;
        tx.tp_frame_nr = g.tx.frame_count();
        if (::setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &rx, sizeof(rx)) != 0) return system_error(errno, "setsockopt(PACKET_RX_RING)", ifname);
        if (::setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &tx, sizeof(tx)) != 0) return system_error(errno, "setsockopt(PACKET_TX_RING)", ifname);
        return {};
    }
    tpacket_req rx{g.rx.block_size, g.rx.block_count, g.rx.frame_size, g.rx.frame_count()};
    tpacket_req tx{g.tx.block_size, g.tx.block_count, g.tx.frame_size, g.tx.frame_count()};
    if (::setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &rx, sizeof(rx)) != 0) return system_error(errno, "setsockopt(PACKET_RX_RING)", ifname);
    if (::setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &tx, sizeof(tx)) != 0) return system_error(errno, "setsockopt(PACKET_TX_RING)", ifname);
    return {};
}

template <typename RxRing, typename TxHdr>
class AfPacketDeviceImpl final : public AfPacketDevice {
public:
    AfPacketDeviceImpl(const AfPacketConfig& c, NetInterface iface, UniqueFd fd, Mapping map, const Geometry& g)
        : iface_(std::move(iface)),
          fd_(std::move(fd)),
          map_(std::move(map)),
          pool_(c.pool_size, std::max(PacketPool::kDefaultBufferSize,
                                      PacketPool::kDefaultHeadroom + iface_.mtu + kEthernetMaxOverhead)),
          rx_(map_.data(), g.rx),
          tx_(map_.data() + g.rx.bytes(), g.tx),
          max_tx_frame_(g.max_tx_frame) {}

    size_t rx_burst(std::span<Packet> out) override { return rx_.receive(out, pool_, rx_counters_); }

    size_t tx_burst(std::span<Packet> pkts) override {
        size_t taken = 0;
        size_t queued = 0;
        for (; taken < pkts.size(); ++taken) {
            Packet& p = pkts[taken];
            if (!p || p.size() < ETH_HLEN || p.size() > max_tx_frame_) {
                ++extra_.tx_bad_length;
                ++tx_dropped_;
                p.reset();
                continue;
            }
            if (!tx_.put(p.bytes(), extra_.tx_wrong_format)) {
                ++extra_.tx_ring_full;
                break;
            }
            ++tx_packets_;
            tx_bytes_ += p.size();
            ++queued;
            p.reset();
        }
        if (queued > 0 || kick_pending_) kick();
        return taken;
    }

    DeviceCaps caps() const override {
        DeviceCaps c;
        c.mac = iface_.mac;
        c.mtu = static_cast<uint16_t>(std::min<uint32_t>(iface_.mtu, UINT16_MAX));
        // Checksums: AF_PACKET computes none on TX; on RX a verdict comes per frame when the kernel
        // has one (see copy_rx_frame), so the stack verifies the frames without one.
        return c;
    }

    bool link_up() const override { return interface_running(fd_.get(), iface_.name); }

    DeviceStats stats() const override {
        refresh_kernel_drops();
        DeviceStats s;
        s.rx_packets = rx_counters_.packets;
        s.rx_bytes = rx_counters_.bytes;
        s.rx_dropped = extra_.rx_kernel_drops + rx_counters_.truncated;
        s.tx_packets = tx_packets_;
        s.tx_bytes = tx_bytes_;
        s.tx_dropped = tx_dropped_;
        return s;
    }

    std::string name() const override { return cat({"af_packet:", iface_.name}); }

    AfPacketStats af_packet_stats() const override {
        refresh_kernel_drops();
        AfPacketStats s = extra_;
        s.rx_truncated = rx_counters_.truncated;
        s.rx_outgoing = rx_counters_.outgoing;
        s.rx_no_buffer = rx_counters_.no_buffer;
        return s;
    }
    int fd() const override { return fd_.get(); }
    TpacketVersion version() const override {
        return RxRing::kVersion == TPACKET_V3 ? TpacketVersion::kV3 : TpacketVersion::kV2;
    }
    const PacketPool& pool() const override { return pool_; }

private:
    void kick() {
        // Sends every slot marked SEND_REQUEST; MSG_DONTWAIT: do not wait for the slots to be freed.
        // One retry: after a link flap the socket holds a one-shot ENETDOWN report (sk_err) that
        // the first send after the link came back consumes and fails with.
        for (int attempt = 0; attempt < 2; ++attempt) {
            ++extra_.tx_kicks;
            if (::sendto(fd_.get(), nullptr, 0, MSG_DONTWAIT, nullptr, 0) >= 0) {
                kick_pending_ = false;
                return;
            }
            ++extra_.tx_kick_errors;
        }
        kick_pending_ = true;  // e.g. ENETDOWN while the link is down: the slots wait for the next kick
    }

    // PACKET_STATISTICS resets the kernel's counters on every read, so they are accumulated here.
    void refresh_kernel_drops() const {
        tpacket_stats_v3 st{};
        socklen_t len = sizeof(st);
        if (::getsockopt(fd_.get(), SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
            extra_.rx_kernel_drops += st.tp_drops;
        }
    }

    NetInterface iface_;
    UniqueFd fd_;
    Mapping map_;
    PacketPool pool_;
    RxRing rx_;
    TxRing<TxHdr> tx_;
    size_t max_tx_frame_;
    bool kick_pending_ = false;
    RxCounters rx_counters_;
    uint64_t tx_packets_ = 0;
    uint64_t tx_bytes_ = 0;
    uint64_t tx_dropped_ = 0;
    mutable AfPacketStats extra_;
};

template <typename RxRing, typename TxHdr>
Result<std::unique_ptr<Device>> open_with(const AfPacketConfig& c, NetInterface iface, const Geometry& g) {
    const std::string& ifname = iface.name;
    // Protocol 0: the socket receives nothing until bind(), so no frame from another interface
    // slips into the ring while it is being set up.
    UniqueFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return privilege_error(errno, "socket(AF_PACKET)", kCapabilities);

    if (auto r = set_int_option(fd.get(), PACKET_VERSION, RxRing::kVersion, "setsockopt(PACKET_VERSION)", ifname); !r) return r.error();
    if (auto r = set_int_option(fd.get(), PACKET_QDISC_BYPASS, 1, "setsockopt(PACKET_QDISC_BYPASS)", ifname); !r) return r.error();
    if (auto r = set_int_option(fd.get(), PACKET_LOSS, 1, "setsockopt(PACKET_LOSS)", ifname); !r) return r.error();
    // Linux >= 4.20; older kernels loop our frames back and copy_rx_frame skips them by pkttype.
    (void)set_int_option(fd.get(), PACKET_IGNORE_OUTGOING, 1, "setsockopt(PACKET_IGNORE_OUTGOING)", ifname);

    if (auto r = setup_rings(fd.get(), c, g, ifname); !r) {
        Error e = r.error();
        if (e.code == ENOMEM) e.detail += " (rings too large: lower rx_frames/tx_frames)";
        return e;
    }
    const size_t bytes = g.rx.bytes() + g.tx.bytes();
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd.get(), 0);
    if (p == MAP_FAILED) return system_error(errno, "mmap of the TPACKET rings", ifname);
    Mapping map(p, bytes);

    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = iface.ifindex;
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
        const int err = errno;
        if (err == ENODEV) return Error{ENODEV, cat({"interface '", ifname, "' went away (check `ip link show`)"})};
        return system_error(err, "bind(AF_PACKET)", ifname);
    }
    return std::unique_ptr<Device>(new AfPacketDeviceImpl<RxRing, TxHdr>(c, std::move(iface), std::move(fd), std::move(map), g));
}

}  // namespace

Result<std::unique_ptr<Device>> open_af_packet_device(const AfPacketConfig& config) {
    if (auto r = check_config(config); !r) return r.error();
    auto iface = lookup_interface(config.interface);
    if (!iface) return iface.error();
    auto geometry = plan_rings(config, iface->mtu);
    if (!geometry) return geometry.error();
    if (config.version == TpacketVersion::kV3) {
        return open_with<RxRingV3, tpacket3_hdr>(config, std::move(iface.value()), geometry.value());
    }
    return open_with<RxRingV2, tpacket2_hdr>(config, std::move(iface.value()), geometry.value());
}

}  // namespace tachyon
