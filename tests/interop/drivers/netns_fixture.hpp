// Interop fixtures for the native drivers: a veth pair whose far end lives in a fresh network
// namespace with an IPv4 address, so that the Linux kernel there is the peer, plus frame builders
// and bounded receive loops the device tests share.
//
// Everything is RAII: the destructor (and a failed create()) deletes the veth pair and the
// namespace; create() also removes leftovers of crashed earlier runs (namespaces of dead pids,
// interfaces with the names it is about to use). Needs root and the `ip` tool.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lib/device.hpp"
#include "lib/ethernet_address.hpp"
#include "lib/packet.hpp"

namespace tachyon::test {

using Ipv4 = std::array<uint8_t, 4>;
using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kDeadline{5};  // bound of every wait on the kernel

// Runs argv (no shell) and returns its exit status (-1 when it could not run). Captures stdout
// and stderr together into `output` when given.
int run_command(const std::vector<std::string>& argv, std::string* output = nullptr);

struct VethNetnsOptions {
    // Turns TSO/GSO and TX checksum offload off on the namespace end, so that the kernel sends
    // wire-sized frames with complete checksums (see af_packet_device.hpp).
    bool plain_peer = true;
    // Adds a permanent neighbour entry for local_ip() -> host_mac() in the namespace, so the
    // kernel can answer without ARP-resolving us first.
    bool static_neighbor = true;
};

class VethNetns {
public:
    // nullptr with `error` set when a step failed (everything created so far is removed again).
    static std::unique_ptr<VethNetns> create(std::string& error, const VethNetnsOptions& options = {});
    VethNetns(const VethNetns&) = delete;
    VethNetns& operator=(const VethNetns&) = delete;
    ~VethNetns();

    const std::string& host_if() const { return host_if_; }  // in our namespace, no IP address
    const std::string& peer_if() const { return peer_if_; }  // in netns(), with peer_ip()/24
    const std::string& netns() const { return netns_; }
    Ipv4 peer_ip() const { return peer_ip_; }    // the kernel's address
    Ipv4 local_ip() const { return local_ip_; }  // the address the tests use as "us"
    std::string peer_ip_text() const;
    std::string local_ip_text() const;
    EthernetAddress host_mac() const { return host_mac_; }
    EthernetAddress peer_mac() const { return peer_mac_; }

    // Runs argv inside the namespace (`ip netns exec NS argv...`).
    int exec(const std::vector<std::string>& argv, std::string* output = nullptr) const;
    // Sets the host end up or down; up waits until both ends are operationally up.
    bool set_host_link(bool up) const;
    // Waits (up to kDeadline) until both ends report operstate "up".
    bool wait_operstate_up() const;

private:
    VethNetns() = default;
    std::string host_if_;
    std::string peer_if_;
    std::string netns_;
    bool netns_created_ = false;
    bool link_created_ = false;
    Ipv4 peer_ip_{};
    Ipv4 local_ip_{};
    EthernetAddress host_mac_;
    EthernetAddress peer_mac_;
};

// ---- frames (hand-built bytes, RFC 826 / RFC 791 / RFC 792) ----

std::vector<std::byte> arp_request(const EthernetAddress& src_mac, Ipv4 src_ip, Ipv4 target_ip);
std::vector<std::byte> icmp_echo_request(const EthernetAddress& src_mac, const EthernetAddress& dst_mac, Ipv4 src_ip,
                                         Ipv4 dst_ip, uint16_t id, uint16_t seq, std::span<const std::byte> payload);

struct ArpView {
    uint16_t operation = 0;
    EthernetAddress sender_mac;
    Ipv4 sender_ip{};
    EthernetAddress target_mac;
    Ipv4 target_ip{};
    EthernetAddress eth_src;
    EthernetAddress eth_dst;
};
std::optional<ArpView> parse_arp(std::span<const std::byte> frame);

struct IcmpEchoView {
    uint8_t type = 0;  // 0 reply, 8 request
    uint16_t id = 0;
    uint16_t seq = 0;
    Ipv4 src{};
    Ipv4 dst{};
    EthernetAddress eth_src;
    EthernetAddress eth_dst;
    bool ip_checksum_ok = false;
    bool icmp_checksum_ok = false;
    std::vector<std::byte> payload;
};
std::optional<IcmpEchoView> parse_icmp_echo(std::span<const std::byte> frame);

// Source UDP port and payload of an IPv4/UDP frame to `dst_port`; nullopt for anything else.
std::optional<std::vector<std::byte>> udp_payload(std::span<const std::byte> frame, uint16_t dst_port);

std::vector<std::byte> pattern_payload(size_t len, uint8_t seed);
Packet make_packet(PacketPool& pool, std::span<const std::byte> bytes);

// ---- bounded loops (real time: these tests talk to a real kernel) ----

// Polls `dev` until on_frame returns true or the deadline passes; between empty polls it waits
// in poll(fd, POLLIN) for at most 1 ms, so it does not hold a core. Each frame is released right
// after on_frame has seen it. Returns whether on_frame said done.
bool receive_until(Device& dev, int fd, const std::function<bool(const Packet&)>& on_frame,
                   std::chrono::milliseconds deadline = kDeadline);

// Hands every packet to tx_burst, retrying what it refuses until the deadline; returns how many
// it took.
size_t transmit_all(Device& dev, std::span<Packet> pkts, std::chrono::milliseconds deadline = kDeadline);

// Waits up to 1 ms for `fd` to become readable: the idle back-off between empty polls.
void wait_readable(int fd);

// Runs `open` in a forked child that dropped root (uid/gid 65534: no capabilities) and returns the
// error code (0 on success) and message it reported.
std::pair<int, std::string> run_unprivileged(const std::function<std::pair<int, std::string>()>& open);

// ---- scenarios shared by the AF_PACKET and AF_XDP tests (they report through gtest) ----

// A device under test on VethNetns::host_if(), with the pool the tests build TX frames in.
struct DeviceUnderTest {
    Device& dev;
    int fd;  // for poll() while idle
    const VethNetns& net;
    PacketPool& tx_pool;
};

// An ARP request for the peer's address gets the kernel's reply, addressed to us.
void expect_arp_reply(DeviceUnderTest& t);
// An ICMP echo request gets a reply with the same identifier, sequence and payload.
void expect_echo_reply(DeviceUnderTest& t, uint16_t seq, size_t payload_len);
// 32 echo requests in one tx_burst are all taken and all answered.
void expect_burst_echoes(DeviceUnderTest& t, uint16_t first_seq);
// `count` echo requests in bursts of 32, each burst's replies awaited: drives the rings round
// many times when they are small.
void expect_many_echoes(DeviceUnderTest& t, size_t count);
// The namespace's kernel sends `count` UDP datagrams (python3 there); all of them arrive. The
// device's RX ring must hold `count` frames, as they are sent before we read.
void expect_kernel_flood(DeviceUnderTest& t, size_t count);
// Frames we send are never received back: 32 frames to an absent station, then an echo whose reply
// ends the wait; nothing with our source MAC arrives meanwhile.
void expect_own_frames_not_received(DeviceUnderTest& t);

}  // namespace tachyon::test
