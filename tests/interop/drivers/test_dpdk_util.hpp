// Helpers for the DPDK interop tests: hand-built frames (so these tests depend on nothing above
// drivers/), shell commands with checked results, a private network namespace, and bounded polling
// with an idle back-off (the test machine has two shared cores).
#pragma once

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "drivers/dpdk/dpdk_device.hpp"
#include "lib/checksum.hpp"
#include "lib/ethernet_address.hpp"
#include "lib/packet.hpp"

namespace tachyon::dpdk_test {

using Bytes = std::vector<std::byte>;
using Clock = std::chrono::steady_clock;

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherArp = 0x0806;
constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr size_t kEthLen = 14;
constexpr size_t kIpLen = 20;

// ---- shell -------------------------------------------------------------------------------------

inline int run(const std::string& cmd) {
    int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

inline std::string output_of(const std::string& cmd) {
    std::string out;
    FILE* f = popen(cmd.c_str(), "r");
    if (f == nullptr) return out;
    char buf[512];
    while (std::fgets(buf, sizeof(buf), f) != nullptr) out += buf;
    pclose(f);
    return out;
}

// Moves this process (before any thread exists: call it before EAL is initialised) into a network
// namespace of its own, so TAP/veth devices, addresses and kernel counters are private to the test and
// vanish with it.
inline bool enter_private_netns() {
    if (unshare(CLONE_NEWNET) != 0) return false;
    return run("ip link set lo up") == 0;
}

// A counter from /proc/net/snmp ("Ip", "InHdrErrors"); per network namespace.
inline long snmp_counter(const std::string& group, const std::string& name) {
    std::ifstream f("/proc/net/snmp");
    std::string header, values;
    while (std::getline(f, header) && std::getline(f, values)) {
        std::istringstream h(header), v(values);
        std::string hk, vk;
        h >> hk;
        v >> vk;
        if (hk != group + ":") continue;
        std::string key;
        long value = 0;
        while (h >> key && v >> value) {
            if (key == name) return value;
        }
    }
    return -1;
}

// ---- bytes -------------------------------------------------------------------------------------

inline void put16(std::byte* p, uint16_t v) {
    p[0] = std::byte(v >> 8);
    p[1] = std::byte(v & 0xff);
}
inline void put32(std::byte* p, uint32_t v) {
    put16(p, static_cast<uint16_t>(v >> 16));
    put16(p + 2, static_cast<uint16_t>(v));
}
inline uint16_t get16(const std::byte* p) {
    return static_cast<uint16_t>(std::to_integer<unsigned>(p[0]) << 8 | std::to_integer<unsigned>(p[1]));
}
inline uint32_t get32(const std::byte* p) { return uint32_t{get16(p)} << 16 | get16(p + 2); }

// IPv4 addresses in host order: ip4(10, 78, 0, 1).
constexpr uint32_t ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) { return a << 24 | b << 16 | c << 8 | d; }

inline Bytes pattern(size_t n, uint8_t seed) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = std::byte(static_cast<uint8_t>(seed + i * 7));
    return b;
}

// ---- frames ------------------------------------------------------------------------------------

inline Bytes ethernet(EthernetAddress dst, EthernetAddress src, uint16_t type, std::span<const std::byte> payload) {
    Bytes f(kEthLen + payload.size());
    std::memcpy(f.data(), dst.octets.data(), 6);
    std::memcpy(f.data() + 6, src.octets.data(), 6);
    put16(f.data() + 12, type);
    std::memcpy(f.data() + kEthLen, payload.data(), payload.size());
    return f;
}

inline Bytes arp(uint16_t op, EthernetAddress sha, uint32_t spa, EthernetAddress tha, uint32_t tpa) {
    Bytes a(28);
    put16(&a[0], 1);       // Ethernet
    put16(&a[2], 0x0800);  // IPv4
    a[4] = std::byte(6);
    a[5] = std::byte(4);
    put16(&a[6], op);
    std::memcpy(&a[8], sha.octets.data(), 6);
    put32(&a[14], spa);
    std::memcpy(&a[18], tha.octets.data(), 6);
    put32(&a[24], tpa);
    return a;
}

inline Bytes arp_request(EthernetAddress mac, uint32_t ip, uint32_t target) {
    return ethernet(EthernetAddress::broadcast(), mac, kEtherArp, arp(1, mac, ip, EthernetAddress{}, target));
}

// An IPv4 header + payload; the header checksum is filled in unless told otherwise.
inline Bytes ipv4(uint32_t src, uint32_t dst, uint8_t proto, std::span<const std::byte> payload, bool checksum = true,
                  uint16_t id = 0x1234) {
    Bytes p(kIpLen + payload.size());
    p[0] = std::byte(0x45);
    put16(&p[2], static_cast<uint16_t>(p.size()));
    put16(&p[4], id);
    put16(&p[6], 0x4000);  // DF
    p[8] = std::byte(64);
    p[9] = std::byte(proto);
    put32(&p[12], src);
    put32(&p[16], dst);
    if (checksum) put16(&p[10], internet_checksum({p.data(), kIpLen}));
    std::memcpy(p.data() + kIpLen, payload.data(), payload.size());
    return p;
}

inline Bytes icmp_echo(uint8_t type, uint16_t id, uint16_t seq, std::span<const std::byte> data) {
    Bytes m(8 + data.size());
    m[0] = std::byte(type);
    put16(&m[4], id);
    put16(&m[6], seq);
    std::memcpy(m.data() + 8, data.data(), data.size());
    put16(&m[2], internet_checksum(m));
    return m;
}

// The folded (not complemented) pseudo-header sum, as DPDK wants it in the L4 checksum field for
// TX checksum offload (rte_ipv4_phdr_cksum).
inline uint16_t pseudo_header_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t l4_len) {
    std::byte ph[12] = {};
    put32(ph, src);
    put32(ph + 4, dst);
    ph[9] = std::byte(proto);
    put16(ph + 10, static_cast<uint16_t>(l4_len));
    return static_cast<uint16_t>(~checksum_finish(checksum_partial(ph)));
}

enum class L4Csum { kFull, kPseudoOnly, kBroken };

inline void finish_l4(Bytes& seg, size_t field, uint32_t src, uint32_t dst, uint8_t proto, L4Csum mode) {
    put16(&seg[field], 0);
    uint16_t ph = pseudo_header_sum(src, dst, proto, seg.size());
    if (mode == L4Csum::kPseudoOnly) {
        put16(&seg[field], ph);
        return;
    }
    put16(&seg[field], checksum_finish(checksum_partial(seg, ph)));
    if (mode == L4Csum::kBroken) put16(&seg[field], static_cast<uint16_t>(get16(&seg[field]) ^ 0x5a5a));
}

inline Bytes udp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, std::span<const std::byte> data,
                 L4Csum mode = L4Csum::kFull) {
    Bytes u(8 + data.size());
    put16(&u[0], sport);
    put16(&u[2], dport);
    put16(&u[4], static_cast<uint16_t>(u.size()));
    std::memcpy(u.data() + 8, data.data(), data.size());
    finish_l4(u, 6, src, dst, kProtoUdp, mode);
    return u;
}

inline Bytes tcp_syn(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq,
                     L4Csum mode = L4Csum::kFull) {
    Bytes t(20);
    put16(&t[0], sport);
    put16(&t[2], dport);
    put32(&t[4], seq);
    t[12] = std::byte(5 << 4);
    t[13] = std::byte(0x02);  // SYN
    put16(&t[14], 64240);
    finish_l4(t, 16, src, dst, kProtoTcp, mode);
    return t;
}

// ---- parsing received frames --------------------------------------------------------------------

struct Frame {
    std::span<const std::byte> bytes;
    uint16_t type() const { return bytes.size() >= kEthLen ? get16(&bytes[12]) : 0; }
    EthernetAddress src() const {
        EthernetAddress a;
        std::memcpy(a.octets.data(), &bytes[6], 6);
        return a;
    }
    EthernetAddress dst() const {
        EthernetAddress a;
        std::memcpy(a.octets.data(), &bytes[0], 6);
        return a;
    }
    bool is_ipv4() const { return type() == kEtherIpv4 && bytes.size() >= kEthLen + kIpLen; }
    std::span<const std::byte> ip() const { return bytes.subspan(kEthLen); }
    uint8_t ip_proto() const { return std::to_integer<uint8_t>(ip()[9]); }
    uint32_t ip_src() const { return get32(&ip()[12]); }
    uint32_t ip_dst() const { return get32(&ip()[16]); }
    size_t ip_header_len() const { return (std::to_integer<size_t>(ip()[0]) & 0xf) * 4; }
    std::span<const std::byte> l4() const {
        size_t total = get16(&ip()[2]);
        return ip().subspan(ip_header_len(), total - ip_header_len());
    }
};

inline bool is_arp_reply_from(const Frame& f, uint32_t ip, EthernetAddress to) {
    if (f.type() != kEtherArp || f.bytes.size() < kEthLen + 28) return false;
    auto a = f.bytes.subspan(kEthLen);
    EthernetAddress tha;
    std::memcpy(tha.octets.data(), &a[18], 6);
    return get16(&a[6]) == 2 && get32(&a[14]) == ip && tha == to;
}

inline bool is_icmp_echo_reply(const Frame& f, uint32_t from, uint16_t id, uint16_t seq,
                               std::span<const std::byte> data) {
    if (!f.is_ipv4() || f.ip_proto() != kProtoIcmp || f.ip_src() != from) return false;
    auto m = f.l4();
    return m.size() == 8 + data.size() && std::to_integer<int>(m[0]) == 0 && get16(&m[4]) == id &&
           get16(&m[6]) == seq && std::memcmp(m.data() + 8, data.data(), data.size()) == 0 &&
           internet_checksum(m) == 0;
}

// ---- devices -------------------------------------------------------------------------------------

// Copies bytes into a packet from the device's own buffers (zero-copy TX path).
inline Packet device_packet(Device& dev, std::span<const std::byte> bytes) {
    Packet p = dev.alloc_tx();
    if (!p) return p;
    std::byte* d = p.append(bytes.size());
    if (d == nullptr) return Packet();
    std::memcpy(d, bytes.data(), bytes.size());
    return p;
}

// Copies bytes into a packet from a stack-style pool (a foreign buffer the driver must copy).
inline Packet pool_packet(PacketPool& pool, std::span<const std::byte> bytes) {
    Packet p = pool.alloc();
    if (!p) return p;
    std::memcpy(p.append(bytes.size()), bytes.data(), bytes.size());
    return p;
}

inline bool send_one(Device& dev, Packet p) {
    Packet burst[1] = {std::move(p)};
    return dev.tx_burst(burst) == 1;
}

// Receives until `match` accepts a packet (it may keep it by moving it out) or the deadline passes;
// other packets are released. Sleeps briefly between empty polls so as not to hold a core.
inline bool receive_until(Device& dev, std::chrono::milliseconds timeout, const std::function<bool(Packet&)>& match) {
    const auto deadline = Clock::now() + timeout;
    Packet burst[Device::kMaxBurst];
    while (Clock::now() < deadline) {
        size_t n = dev.rx_burst(burst);
        bool found = false;
        for (size_t i = 0; i < n; ++i) {
            if (!found && match(burst[i])) found = true;
            burst[i].reset();
        }
        if (found) return true;
        if (n == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return false;
}

// Polls a condition with the same back-off; for kernel-side effects (counters, interfaces).
inline bool eventually(std::chrono::milliseconds timeout, const std::function<bool()>& cond) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (cond()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return cond();
}

// The kernel interface's MAC, asked through a socket of this process's namespace (/sys may show
// another namespace).
inline EthernetAddress mac_of_iface(const std::string& iface) {
    EthernetAddress mac;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return mac;
    ifreq ifr{};
    std::snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface.c_str());
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0) std::memcpy(mac.octets.data(), ifr.ifr_hwaddr.sa_data, 6);
    close(fd);
    return mac;
}

// Closes a device and reports whether its mempool went away: teardown frees the mempool only when
// every mbuf came back (ring buffers released by the PMD, no Packet still held).
inline bool close_and_check_mempool_freed(DpdkDevice*& dev) {
    if (dev == nullptr) return true;
    std::string pool = dev->mempool_name();
    delete dev;
    dev = nullptr;
    return !mempool_exists(pool);
}

inline bool iface_exists(const std::string& iface) { return if_nametoindex(iface.c_str()) != 0; }

}  // namespace tachyon::dpdk_test
