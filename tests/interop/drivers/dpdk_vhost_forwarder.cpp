#include "tests/interop/drivers/dpdk_vhost_forwarder.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <thread>

#include "drivers/dpdk/mbuf_packet.hpp"

namespace tachyon::test {

namespace {

constexpr size_t kEthLen = 14;
constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr auto kMinIdle = std::chrono::microseconds(20);
constexpr auto kMaxIdle = std::chrono::milliseconds(1);

bool file_exists(const std::string& path) {
    struct stat s{};
    return ::stat(path.c_str(), &s) == 0;
}

}  // namespace

Result<VhostTapPorts> open_vhost_tap_ports(const std::string& socket_path, const std::string& tap_iface) {
    DpdkConfig vc;
    vc.eal_args = {"--vdev=net_vhost0,iface=" + socket_path + ",queues=1", "--vdev=net_tap0,iface=" + tap_iface};
    vc.port_name = "net_vhost0";
    VhostTapPorts p;
    auto vhost = DpdkDevice::open(vc);
    if (!vhost) return vhost.error();
    p.vhost = std::move(*vhost);
    DpdkConfig tc;
    tc.eal_args = vc.eal_args;
    tc.port_name = "net_tap0";
    auto tap = DpdkDevice::open(tc);
    if (!tap) return tap.error();
    p.tap = std::move(*tap);
    // net_vhost listens once its port started; the guest must not look for the socket earlier.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!file_exists(socket_path)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return Error{ENOENT, "net_vhost0 did not create " + socket_path};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return p;
}

void complete_guest_checksum(Packet& p) {
    rte_mbuf* m = mbuf_of(p);
    if (m == nullptr || (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_NONE) return;
    const auto b = p.bytes();
    if (b.size() < kEthLen + 20) return;
    const auto type = static_cast<uint16_t>(std::to_integer<unsigned>(b[12]) << 8 | std::to_integer<unsigned>(b[13]));
    const unsigned version_ihl = std::to_integer<unsigned>(b[kEthLen]);
    if (type != kEtherIpv4 || (version_ihl >> 4) != 4) return;
    const uint8_t proto = std::to_integer<uint8_t>(b[kEthLen + 9]);
    if (proto == kProtoTcp) p.meta().tx_flags = PacketMeta::kTxTcpCsum;
    if (proto == kProtoUdp) p.meta().tx_flags = PacketMeta::kTxUdpCsum;
    p.meta().l2_len = kEthLen;
    p.meta().l3_len = static_cast<uint16_t>((version_ihl & 0xf) * 4);
}

size_t VhostTapForwarder::from_guest() {
    Packet burst[Device::kMaxBurst];
    const size_t n = vhost_.rx_burst(burst);
    size_t kept = 0;
    for (size_t i = 0; i < n; ++i) {
        if (inspect_ && !inspect_(burst[i])) {
            burst[i].reset();
            ++stats_.consumed;
            continue;
        }
        complete_guest_checksum(burst[i]);
        if (kept != i) burst[kept] = std::move(burst[i]);
        ++kept;
    }
    const size_t sent = tap_.tx_burst(std::span(burst, kept));
    stats_.to_tap += sent;
    stats_.dropped_to_tap += kept - sent;  // what the TAP refused is freed with `burst`, as a switch drops it
    return n;
}

size_t VhostTapForwarder::to_guest() {
    Packet burst[Device::kMaxBurst];
    const size_t n = tap_.rx_burst(burst);
    const size_t sent = vhost_.tx_burst(std::span(burst, n));
    stats_.to_guest += sent;
    stats_.dropped_to_guest += n - sent;
    return n;
}

size_t VhostTapForwarder::step() { return from_guest() + to_guest(); }

void VhostTapForwarder::run(const std::function<bool()>& stop) {
    std::chrono::microseconds idle = kMinIdle;
    while (!stop()) {
        if (step() > 0) {
            idle = kMinIdle;
            continue;
        }
        std::this_thread::sleep_for(idle);
        idle = std::min<std::chrono::microseconds>(idle * 2, kMaxIdle);
    }
}

}  // namespace tachyon::test
