#include "tests/interop/drivers/netns_fixture.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>

#include <gtest/gtest.h>

#include <set>

#include "lib/checksum.hpp"

extern char** environ;

namespace tachyon::test {

namespace {

constexpr char kNetnsPrefix[] = "tcyns-";

std::atomic<unsigned> g_counter{0};

std::string ip_text(Ipv4 a) {
    return std::to_string(a[0]) + "." + std::to_string(a[1]) + "." + std::to_string(a[2]) + "." + std::to_string(a[3]);
}

int quiet(const std::vector<std::string>& argv) {
    std::string ignored;
    return run_command(argv, &ignored);
}

void write_file(const std::string& path, const std::string& value) {
    std::ofstream f(path);
    if (f) f << value;
}

// Namespaces named tcyns-<pid>-<n> whose process is gone were left by a crashed run. Deleting the
// namespace destroys the veth end inside it, and with it the whole pair.
void remove_stale_namespaces() {
    DIR* d = ::opendir("/run/netns");
    if (d == nullptr) return;
    std::vector<std::string> stale;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name.rfind(kNetnsPrefix, 0) != 0) continue;
        const std::string rest = name.substr(sizeof(kNetnsPrefix) - 1);
        const long pid = std::strtol(rest.c_str(), nullptr, 10);
        if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) stale.push_back(name);
    }
    ::closedir(d);
    for (const auto& name : stale) quiet({"ip", "netns", "del", name});
}

std::optional<EthernetAddress> read_mac(const std::string& text) {
    std::string t = text;
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
    return EthernetAddress::parse(t);
}

void put16(std::vector<std::byte>& b, size_t at, uint16_t v) {
    b[at] = std::byte(v >> 8);
    b[at + 1] = std::byte(v & 0xff);
}
uint16_t get16(std::span<const std::byte> b, size_t at) {
    return static_cast<uint16_t>((std::to_integer<unsigned>(b[at]) << 8) | std::to_integer<unsigned>(b[at + 1]));
}
void put_mac(std::vector<std::byte>& b, size_t at, const EthernetAddress& m) {
    for (size_t i = 0; i < 6; ++i) b[at + i] = std::byte(m.octets[i]);
}
EthernetAddress get_mac(std::span<const std::byte> b, size_t at) {
    EthernetAddress m;
    for (size_t i = 0; i < 6; ++i) m.octets[i] = std::to_integer<uint8_t>(b[at + i]);
    return m;
}
void put_ip(std::vector<std::byte>& b, size_t at, Ipv4 a) {
    for (size_t i = 0; i < 4; ++i) b[at + i] = std::byte(a[i]);
}
Ipv4 get_ip(std::span<const std::byte> b, size_t at) {
    Ipv4 a;
    for (size_t i = 0; i < 4; ++i) a[i] = std::to_integer<uint8_t>(b[at + i]);
    return a;
}

constexpr size_t kEth = 14;
constexpr uint16_t kEtherTypeArp = 0x0806;
constexpr uint16_t kEtherTypeIpv4 = 0x0800;

}  // namespace

int run_command(const std::vector<std::string>& argv, std::string* output) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    int pipefd[2] = {-1, -1};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (output != nullptr) {
        if (::pipe2(pipefd, O_CLOEXEC) != 0) return -1;
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], 2);
    }
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (output != nullptr) {
        ::close(pipefd[1]);
        if (rc == 0) {
            char buf[4096];
            ssize_t n;
            while ((n = ::read(pipefd[0], buf, sizeof(buf))) > 0) output->append(buf, static_cast<size_t>(n));
        }
        ::close(pipefd[0]);
    }
    if (rc != 0) return -1;
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::unique_ptr<VethNetns> VethNetns::create(std::string& error, const VethNetnsOptions& options) {
    remove_stale_namespaces();
    std::unique_ptr<VethNetns> v(new VethNetns());
    const unsigned n = g_counter++ % 1000;
    const auto pid = static_cast<unsigned>(::getpid());
    const std::string base = "tcy" + std::to_string(pid % 10000) + std::to_string(n);
    v->host_if_ = base + "a";
    v->peer_if_ = base + "b";
    v->netns_ = kNetnsPrefix + std::to_string(pid) + "-" + std::to_string(n);
    const auto subnet = static_cast<uint8_t>(1 + (pid + n) % 250);
    v->peer_ip_ = {10, 77, subnet, 1};
    v->local_ip_ = {10, 77, subnet, 2};

    // Names reused from a crashed run with the same pid (mod 10000).
    quiet({"ip", "link", "del", v->host_if_});
    quiet({"ip", "netns", "del", v->netns_});

    auto step = [&](const std::vector<std::string>& argv) {
        std::string out;
        if (run_command(argv, &out) == 0) return true;
        error = "`";
        for (const auto& a : argv) error += a + " ";
        error += "` failed: " + out;
        return false;
    };
    if (!step({"ip", "netns", "add", v->netns_})) return nullptr;
    v->netns_created_ = true;
    // One queue each way: AF_XDP binds one RX queue, and veth picks the RX queue from the
    // sender's TX queue.
    if (!step({"ip", "link", "add", v->host_if_, "numtxqueues", "1", "numrxqueues", "1", "type", "veth", "peer", "name",
               v->peer_if_, "numtxqueues", "1", "numrxqueues", "1"})) {
        return nullptr;
    }
    v->link_created_ = true;
    // No IPv6 on either end: no router solicitations or MLD reports in the tests' RX.
    write_file("/proc/sys/net/ipv6/conf/" + v->host_if_ + "/disable_ipv6", "1");
    // Frames for local_ip() reach our kernel too (the host end has no address): never forward them.
    write_file("/proc/sys/net/ipv4/conf/" + v->host_if_ + "/forwarding", "0");
    if (!step({"ip", "link", "set", v->peer_if_, "netns", v->netns_})) return nullptr;
    quiet({"ip", "netns", "exec", v->netns_, "sysctl", "-qw", "net.ipv6.conf." + v->peer_if_ + ".disable_ipv6=1"});
    if (!step({"ip", "-n", v->netns_, "addr", "add", v->peer_ip_text() + "/24", "dev", v->peer_if_})) return nullptr;
    if (options.plain_peer &&
        !step({"ip", "netns", "exec", v->netns_, "ethtool", "-K", v->peer_if_, "tso", "off", "gso", "off", "tx", "off"})) {
        return nullptr;
    }

    std::ifstream host_addr("/sys/class/net/" + v->host_if_ + "/address");
    std::string text;
    std::getline(host_addr, text);
    auto host_mac = read_mac(text);
    std::string peer_text;
    if (!host_mac || v->exec({"cat", "/sys/class/net/" + v->peer_if_ + "/address"}, &peer_text) != 0) {
        error = "cannot read the veth MAC addresses";
        return nullptr;
    }
    auto peer_mac = read_mac(peer_text);
    if (!peer_mac) {
        error = "cannot parse the peer MAC '" + peer_text + "'";
        return nullptr;
    }
    v->host_mac_ = *host_mac;
    v->peer_mac_ = *peer_mac;
    if (options.static_neighbor &&
        !step({"ip", "-n", v->netns_, "neigh", "replace", v->local_ip_text(), "lladdr", v->host_mac_.to_string(), "dev",
               v->peer_if_, "nud", "permanent"})) {
        return nullptr;
    }
    if (!step({"ip", "-n", v->netns_, "link", "set", v->peer_if_, "up"})) return nullptr;
    if (!step({"ip", "link", "set", v->host_if_, "up"})) return nullptr;
    // Carrier-on activates the real qdisc (noqueue) asynchronously, from the linkwatch worker;
    // until then both ends have noop_qdisc, which drops whatever the kernel sends. The same work
    // sets operstate UP, so wait for that on both ends.
    if (!v->wait_operstate_up()) {
        error = "the veth pair did not come up (operstate) within 5 s";
        return nullptr;
    }
    return v;
}

VethNetns::~VethNetns() {
    // Deleting either end removes the pair; deleting the namespace would too, but asynchronously.
    if (link_created_) quiet({"ip", "link", "del", host_if_});
    if (netns_created_) quiet({"ip", "netns", "del", netns_});
}

std::string VethNetns::peer_ip_text() const { return ip_text(peer_ip_); }
std::string VethNetns::local_ip_text() const { return ip_text(local_ip_); }

int VethNetns::exec(const std::vector<std::string>& argv, std::string* output) const {
    std::vector<std::string> full = {"ip", "netns", "exec", netns_};
    full.insert(full.end(), argv.begin(), argv.end());
    return run_command(full, output);
}

bool VethNetns::set_host_link(bool up) const {
    if (quiet({"ip", "link", "set", host_if_, up ? "up" : "down"}) != 0) return false;
    return !up || wait_operstate_up();
}

bool VethNetns::wait_operstate_up() const {
    const auto end = Clock::now() + kDeadline;
    while (Clock::now() < end) {
        std::string host;
        std::ifstream f("/sys/class/net/" + host_if_ + "/operstate");
        std::getline(f, host);
        std::string peer;
        exec({"cat", "/sys/class/net/" + peer_if_ + "/operstate"}, &peer);
        if (host == "up" && peer.rfind("up", 0) == 0) return true;
        timespec ts{0, 5'000'000};  // polling a condition the kernel sets from a worker
        ::nanosleep(&ts, nullptr);
    }
    return false;
}

// ---- frames ----

std::vector<std::byte> arp_request(const EthernetAddress& src_mac, Ipv4 src_ip, Ipv4 target_ip) {
    std::vector<std::byte> b(kEth + 28);
    put_mac(b, 0, EthernetAddress::broadcast());
    put_mac(b, 6, src_mac);
    put16(b, 12, kEtherTypeArp);
    put16(b, 14, 1);       // hardware type: Ethernet
    put16(b, 16, 0x0800);  // protocol type: IPv4
    b[18] = std::byte{6};
    b[19] = std::byte{4};
    put16(b, 20, 1);  // request
    put_mac(b, 22, src_mac);
    put_ip(b, 28, src_ip);
    put_mac(b, 32, EthernetAddress{});
    put_ip(b, 38, target_ip);
    return b;
}

std::vector<std::byte> icmp_echo_request(const EthernetAddress& src_mac, const EthernetAddress& dst_mac, Ipv4 src_ip,
                                         Ipv4 dst_ip, uint16_t id, uint16_t seq, std::span<const std::byte> payload) {
    const size_t icmp_len = 8 + payload.size();
    const size_t ip_len = 20 + icmp_len;
    std::vector<std::byte> b(kEth + ip_len);
    put_mac(b, 0, dst_mac);
    put_mac(b, 6, src_mac);
    put16(b, 12, kEtherTypeIpv4);
    b[14] = std::byte{0x45};
    put16(b, 16, static_cast<uint16_t>(ip_len));
    put16(b, 18, seq);       // identification
    put16(b, 20, 0x4000);    // DF
    b[22] = std::byte{64};   // TTL
    b[23] = std::byte{1};    // ICMP
    put_ip(b, 26, src_ip);
    put_ip(b, 30, dst_ip);
    put16(b, 24, internet_checksum(std::span<const std::byte>(b).subspan(kEth, 20)));
    b[34] = std::byte{8};  // echo request
    put16(b, 38, id);
    put16(b, 40, seq);
    std::copy(payload.begin(), payload.end(), b.begin() + 42);
    put16(b, 36, internet_checksum(std::span<const std::byte>(b).subspan(34, icmp_len)));
    return b;
}

std::optional<ArpView> parse_arp(std::span<const std::byte> f) {
    if (f.size() < kEth + 28 || get16(f, 12) != kEtherTypeArp) return std::nullopt;
    if (get16(f, 14) != 1 || get16(f, 16) != 0x0800 || f[18] != std::byte{6} || f[19] != std::byte{4}) return std::nullopt;
    ArpView a;
    a.eth_dst = get_mac(f, 0);
    a.eth_src = get_mac(f, 6);
    a.operation = get16(f, 20);
    a.sender_mac = get_mac(f, 22);
    a.sender_ip = get_ip(f, 28);
    a.target_mac = get_mac(f, 32);
    a.target_ip = get_ip(f, 38);
    return a;
}

std::optional<IcmpEchoView> parse_icmp_echo(std::span<const std::byte> f) {
    if (f.size() < kEth + 20 + 8 || get16(f, 12) != kEtherTypeIpv4) return std::nullopt;
    const size_t ihl = (std::to_integer<size_t>(f[14]) & 0xf) * 4;
    const size_t total = get16(f, 16);
    if (ihl < 20 || total < ihl + 8 || kEth + total > f.size() || f[23] != std::byte{1}) return std::nullopt;
    const auto icmp = f.subspan(kEth + ihl, total - ihl);
    const uint8_t type = std::to_integer<uint8_t>(icmp[0]);
    if (type != 0 && type != 8) return std::nullopt;
    IcmpEchoView v;
    v.eth_dst = get_mac(f, 0);
    v.eth_src = get_mac(f, 6);
    v.type = type;
    v.src = get_ip(f, 26);
    v.dst = get_ip(f, 30);
    v.ip_checksum_ok = internet_checksum(f.subspan(kEth, ihl)) == 0;
    v.icmp_checksum_ok = internet_checksum(icmp) == 0;
    v.id = get16(icmp, 4);
    v.seq = get16(icmp, 6);
    v.payload.assign(icmp.begin() + 8, icmp.end());
    return v;
}

std::optional<std::vector<std::byte>> udp_payload(std::span<const std::byte> f, uint16_t dst_port) {
    if (f.size() < kEth + 20 + 8 || get16(f, 12) != kEtherTypeIpv4 || f[23] != std::byte{17}) return std::nullopt;
    const size_t ihl = (std::to_integer<size_t>(f[14]) & 0xf) * 4;
    if (ihl < 20 || f.size() < kEth + ihl + 8) return std::nullopt;
    const auto udp = f.subspan(kEth + ihl);
    const size_t len = get16(udp, 4);
    if (get16(udp, 2) != dst_port || len < 8 || len > udp.size()) return std::nullopt;
    return std::vector<std::byte>(udp.begin() + 8, udp.begin() + static_cast<std::ptrdiff_t>(len));
}

std::vector<std::byte> pattern_payload(size_t len, uint8_t seed) {
    std::vector<std::byte> p(len);
    for (size_t i = 0; i < len; ++i) p[i] = std::byte(static_cast<uint8_t>(seed + i * 7));
    return p;
}

Packet make_packet(PacketPool& pool, std::span<const std::byte> bytes) {
    Packet p = pool.alloc();
    if (!p) return p;
    std::byte* d = p.append(bytes.size());
    if (d == nullptr) return Packet();
    std::copy(bytes.begin(), bytes.end(), d);
    return p;
}

// ---- loops ----

void wait_readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    (void)::poll(&p, 1, 1);
}

std::pair<int, std::string> run_unprivileged(const std::function<std::pair<int, std::string>()>& open) {
    int fds[2];
    if (::pipe(fds) != 0) return {-1, "pipe failed"};
    const pid_t pid = ::fork();
    if (pid < 0) return {-1, "fork failed"};
    if (pid == 0) {
        ::close(fds[0]);
        int code = -2;
        std::string msg = "could not drop privileges";
        if (::setresgid(65534, 65534, 65534) == 0 && ::setresuid(65534, 65534, 65534) == 0) {
            std::tie(code, msg) = open();
        }
        const std::string out = std::to_string(code) + "\n" + msg;
        (void)!::write(fds[1], out.data(), out.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string out;
    char buf[1024];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    ::waitpid(pid, nullptr, 0);
    const size_t nl = out.find('\n');
    if (nl == std::string::npos) return {-3, out};
    return {std::stoi(out.substr(0, nl)), out.substr(nl + 1)};
}

bool receive_until(Device& dev, int fd, const std::function<bool(const Packet&)>& on_frame,
                   std::chrono::milliseconds deadline) {
    const auto end = Clock::now() + deadline;
    std::array<Packet, Device::kMaxBurst> burst;
    while (Clock::now() < end) {
        const size_t n = dev.rx_burst(burst);
        bool done = false;
        for (size_t i = 0; i < n; ++i) {
            if (!done) done = on_frame(burst[i]);
            burst[i].reset();
        }
        if (done) return true;
        if (n == 0) wait_readable(fd);
    }
    return false;
}

size_t transmit_all(Device& dev, std::span<Packet> pkts, std::chrono::milliseconds deadline) {
    const auto end = Clock::now() + deadline;
    size_t sent = 0;
    while (sent < pkts.size()) {
        sent += dev.tx_burst(pkts.subspan(sent));
        if (sent < pkts.size()) {
            if (Clock::now() >= end) break;
            // The TX ring is full until the kernel has sent earlier frames: give it a moment.
            timespec ts{0, 50'000};
            ::nanosleep(&ts, nullptr);
        }
    }
    return sent;
}

// ---- scenarios ----

namespace {

constexpr uint16_t kEchoId = 0x7c01;

std::vector<std::byte> echo_to_peer(const VethNetns& net, uint16_t seq, size_t payload_len) {
    const auto payload = pattern_payload(payload_len, static_cast<uint8_t>(seq));
    return icmp_echo_request(net.host_mac(), net.peer_mac(), net.local_ip(), net.peer_ip(), kEchoId, seq, payload);
}

// The reply to echo_to_peer(seq), checked field by field; false for any other frame.
bool is_reply_to(const VethNetns& net, const Packet& p, uint16_t seq, size_t payload_len) {
    auto e = parse_icmp_echo(p.bytes());
    if (!e || e->type != 0 || e->id != kEchoId || e->seq != seq) return false;
    EXPECT_EQ(e->eth_src, net.peer_mac());
    EXPECT_EQ(e->eth_dst, net.host_mac());
    EXPECT_EQ(e->src, net.peer_ip());
    EXPECT_EQ(e->dst, net.local_ip());
    EXPECT_TRUE(e->ip_checksum_ok);
    EXPECT_TRUE(e->icmp_checksum_ok);
    EXPECT_EQ(e->payload, pattern_payload(payload_len, static_cast<uint8_t>(seq)));
    return true;
}

}  // namespace

void expect_arp_reply(DeviceUnderTest& t) {
    std::array<Packet, 1> out{make_packet(t.tx_pool, arp_request(t.net.host_mac(), t.net.local_ip(), t.net.peer_ip()))};
    ASSERT_TRUE(out[0]);
    ASSERT_EQ(transmit_all(t.dev, out), 1u);
    EXPECT_EQ(t.tx_pool.in_use(), 0u) << "tx_burst must release what it took";
    std::optional<ArpView> reply;
    const bool got = receive_until(t.dev, t.fd, [&](const Packet& p) {
        auto a = parse_arp(p.bytes());
        if (!a || a->operation != 2 || a->sender_ip != t.net.peer_ip()) return false;
        reply = a;
        return true;
    });
    ASSERT_TRUE(got) << "no ARP reply from " << t.net.peer_ip_text();
    EXPECT_EQ(reply->eth_src, t.net.peer_mac());
    EXPECT_EQ(reply->eth_dst, t.net.host_mac());
    EXPECT_EQ(reply->sender_mac, t.net.peer_mac());
    EXPECT_EQ(reply->target_mac, t.net.host_mac());
    EXPECT_EQ(reply->target_ip, t.net.local_ip());
}

void expect_echo_reply(DeviceUnderTest& t, uint16_t seq, size_t payload_len) {
    std::array<Packet, 1> out{make_packet(t.tx_pool, echo_to_peer(t.net, seq, payload_len))};
    ASSERT_TRUE(out[0]);
    ASSERT_EQ(transmit_all(t.dev, out), 1u);
    EXPECT_EQ(t.tx_pool.in_use(), 0u);
    EXPECT_TRUE(receive_until(t.dev, t.fd, [&](const Packet& p) { return is_reply_to(t.net, p, seq, payload_len); }))
        << "no echo reply for seq " << seq;
}

void expect_burst_echoes(DeviceUnderTest& t, uint16_t first_seq) {
    constexpr size_t kLen = 100;
    std::array<Packet, Device::kMaxBurst> out;
    for (size_t i = 0; i < out.size(); ++i) {
        out[i] = make_packet(t.tx_pool, echo_to_peer(t.net, static_cast<uint16_t>(first_seq + i), kLen));
        ASSERT_TRUE(out[i]);
    }
    EXPECT_EQ(t.dev.tx_burst(out), out.size()) << "an idle device takes a whole burst";
    EXPECT_EQ(transmit_all(t.dev, out), out.size());  // no-op unless the first call fell short
    EXPECT_EQ(t.tx_pool.in_use(), 0u);
    std::set<uint16_t> seen;
    const bool all = receive_until(t.dev, t.fd, [&](const Packet& p) {
        for (size_t i = 0; i < out.size(); ++i) {
            const auto seq = static_cast<uint16_t>(first_seq + i);
            if (is_reply_to(t.net, p, seq, kLen)) seen.insert(seq);
        }
        return seen.size() == out.size();
    });
    EXPECT_TRUE(all) << "got " << seen.size() << " of " << out.size() << " replies";
}

void expect_many_echoes(DeviceUnderTest& t, size_t count) {
    constexpr size_t kLen = 56;
    uint16_t seq = 1000;
    size_t answered = 0;
    while (answered < count) {
        const size_t n = std::min(count - answered, Device::kMaxBurst);
        std::array<Packet, Device::kMaxBurst> out;
        for (size_t i = 0; i < n; ++i) out[i] = make_packet(t.tx_pool, echo_to_peer(t.net, static_cast<uint16_t>(seq + i), kLen));
        ASSERT_EQ(transmit_all(t.dev, std::span(out).first(n)), n);
        std::set<uint16_t> seen;
        const bool all = receive_until(t.dev, t.fd, [&](const Packet& p) {
            for (size_t i = 0; i < n; ++i) {
                if (is_reply_to(t.net, p, static_cast<uint16_t>(seq + i), kLen)) seen.insert(static_cast<uint16_t>(seq + i));
            }
            return seen.size() == n;
        });
        ASSERT_TRUE(all) << "burst at seq " << seq << ": " << seen.size() << " of " << n << " replies";
        answered += n;
        seq = static_cast<uint16_t>(seq + n);
    }
    EXPECT_EQ(t.tx_pool.in_use(), 0u);
}

void expect_kernel_flood(DeviceUnderTest& t, size_t count) {
    constexpr uint16_t kPort = 9;  // discard
    const std::string script =
        "import socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "for i in range(" + std::to_string(count) + "):\n"
        "    s.sendto(i.to_bytes(4, 'big') + b'tachyon-flood', ('" + t.net.local_ip_text() + "', " + std::to_string(kPort) + "))\n";
    std::string out;
    const std::string python = ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    ASSERT_EQ(t.net.exec({python, "-c", script}, &out), 0) << out;
    std::set<uint32_t> seen;
    const bool all = receive_until(t.dev, t.fd, [&](const Packet& p) {
        auto payload = udp_payload(p.bytes(), kPort);
        if (!payload || payload->size() != 4 + 13) return false;
        uint32_t i = 0;
        for (size_t k = 0; k < 4; ++k) i = (i << 8) | std::to_integer<uint32_t>((*payload)[k]);
        seen.insert(i);
        return seen.size() == count;
    });
    EXPECT_TRUE(all) << "received " << seen.size() << " of " << count << " datagrams";
}

void expect_own_frames_not_received(DeviceUnderTest& t) {
    const EthernetAddress absent{{0x02, 0x00, 0x00, 0x00, 0x00, 0x99}};
    std::array<Packet, Device::kMaxBurst> out;
    for (auto& p : out) {
        p = make_packet(t.tx_pool, icmp_echo_request(t.net.host_mac(), absent, t.net.local_ip(), {10, 77, 0, 99}, kEchoId, 1, {}));
    }
    ASSERT_EQ(transmit_all(t.dev, out), out.size());
    std::array<Packet, 1> echo{make_packet(t.tx_pool, echo_to_peer(t.net, 4242, 8))};
    ASSERT_EQ(transmit_all(t.dev, echo), 1u);
    size_t own = 0;
    // The frames to the absent station went out before the echo, so any copy of them would be
    // in the ring before the echo's reply.
    EXPECT_TRUE(receive_until(t.dev, t.fd, [&](const Packet& p) {
        if (p.size() >= 12 && get_mac(p.bytes(), 6) == t.net.host_mac()) ++own;
        return is_reply_to(t.net, p, 4242, 8);
    }));
    EXPECT_EQ(own, 0u);
}

}  // namespace tachyon::test
