#include "apps/net_host.hpp"

#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sched.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <ctime>
#include <random>

#include "drivers/spec/device_spec.hpp"
#include "drivers/spec/open_device.hpp"
#include "stack/socket/tcp_info.hpp"

namespace tachyon::apps {

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);  // async-signal-safe

void on_signal(int) { g_stop.store(true, std::memory_order_relaxed); }

constexpr Duration kPublishInterval = Duration::from_ms(100);

int64_t unix_now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// A DPDK net_tap vdev creates a kernel interface; if one of that name exists already (another
// Tachyon process, or a leftover), the PMD fails with a bare "cannot attach". Say why instead.
std::string tap_interface(const DeviceSpec& spec);

Result<void> check_tap_interface(const DeviceSpec& spec) {
    const std::string name = tap_interface(spec);
    if (!name.empty() && if_nametoindex(name.c_str()) != 0) {
        return Result<void>::fail(
            EADDRINUSE, "interface '" + name + "' exists already: another process (a running tachyon?) holds it, "
                            "or it is a leftover (hint: `ip link show " + name + "`; pick another iface= or "
                            "`ip link delete " + name + "`)");
    }
    return {};
}

// The interface name a DPDK net_tap vdev creates (iface=NAME), or "" for another spec.
std::string tap_interface(const DeviceSpec& spec) {
    const auto* d = std::get_if<DpdkSpec>(&spec.backend);
    if (d == nullptr) return {};
    for (const std::string& a : d->eal_args) {
        const size_t iface = a.find("iface=");
        if (a.find("net_tap") == std::string::npos || iface == std::string::npos) continue;
        std::string name = a.substr(iface + 6);
        return name.substr(0, name.find(','));
    }
    return {};
}

// net_tap gives the kernel interface the port's own MAC, so the kernel would see its own address
// as the source of every frame from us, and our stack counts the kernel's ARP packets as
// conflicts. Give the kernel end a MAC of its own (ours with the last bit flipped, locally
// administered), as two ends of a wire have. Best effort: a failure leaves it as it is.
void give_tap_its_own_mac(const std::string& iface, const EthernetAddress& ours) {
    if (iface.empty() || iface.size() >= IFNAMSIZ) return;
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    ifreq req{};
    std::memcpy(req.ifr_name, iface.c_str(), iface.size());
    if (ioctl(fd, SIOCGIFHWADDR, &req) == 0 && std::memcmp(req.ifr_hwaddr.sa_data, ours.octets.data(), 6) == 0) {
        EthernetAddress theirs = ours;
        theirs.octets[0] = static_cast<uint8_t>((theirs.octets[0] | 0x02) & ~0x01);
        theirs.octets[5] ^= 0x01;
        std::memcpy(req.ifr_hwaddr.sa_data, theirs.octets.data(), 6);
        req.ifr_hwaddr.sa_family = ARPHRD_ETHER;
        if (ioctl(fd, SIOCSIFHWADDR, &req) != 0) {
            std::fprintf(stderr, "warning: cannot give %s a MAC of its own: %s\n", iface.c_str(), std::strerror(errno));
        }
    }
    ::close(fd);
}

// Whether the effective capability set holds `cap` (/proc/self/status CapEff).
bool has_capability(int cap) {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    if (f == nullptr) return true;  // cannot tell: let the device say
    char line[256];
    unsigned long long caps = ~0ULL;
    while (std::fgets(line, sizeof line, f) != nullptr) {
        if (std::sscanf(line, "CapEff: %llx", &caps) == 1) break;
    }
    std::fclose(f);
    return (caps >> cap & 1) != 0;
}

// DPDK's vdevs that make or use kernel interfaces (net_tap, net_af_packet, net_af_xdp) fail
// without privileges deep inside EAL with a message that does not say so; say it first.
Result<void> check_dpdk_privileges(const DeviceSpec& spec) {
    const auto* d = std::get_if<DpdkSpec>(&spec.backend);
    if (d == nullptr || geteuid() == 0) return {};
    constexpr int kCapNetAdmin = 12;
    constexpr int kCapNetRaw = 13;
    for (const std::string& a : d->eal_args) {
        const bool tap = a.find("net_tap") != std::string::npos;
        const bool raw = a.find("net_af_packet") != std::string::npos || a.find("net_af_xdp") != std::string::npos;
        if ((tap && !has_capability(kCapNetAdmin)) || (raw && !has_capability(kCapNetRaw))) {
            return Result<void>::fail(
                EPERM, "the DPDK device '" + a + "' needs privileges: run as root (sudo), or grant the program " +
                           (tap ? "CAP_NET_ADMIN" : "CAP_NET_RAW") + " (e.g. `sudo setcap cap_net_admin,cap_net_raw+ep PROGRAM`)");
        }
    }
    return {};
}

std::string allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return "?";
    std::string s;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
        if (!CPU_ISSET(c, &set)) continue;
        if (!s.empty()) s += ',';
        s += std::to_string(c);
    }
    return s;
}

Result<void> pin_to_core(int core) {
    const std::string allowed = allowed_cpus();
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        const int e = errno;
        return Result<void>::fail(e, "cannot pin the thread to CPU " + std::to_string(core) +
                                         " (hint: this process may run on CPUs " + allowed + ")");
    }
    return {};
}

void copy_name(char* dst, size_t len, const std::string& src) {
    const size_t n = std::min(len - 1, src.size());
    std::memcpy(dst, src.data(), n);
    dst[n] = '\0';
}

}  // namespace

int report_error(const std::string& tool, const Error& e) {
    std::fprintf(stderr, "tachyon %s: %s\n", tool.c_str(), e.message().c_str());
    return 2;
}

bool NetHost::stop_requested() { return g_stop.load(std::memory_order_relaxed); }
void NetHost::request_stop() { g_stop.store(true, std::memory_order_relaxed); }

void NetHost::install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = static_cast<int>(SA_RESETHAND);  // a second Ctrl-C ends the process at once
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);  // kernel sockets (perf --kernel) report EPIPE instead
}

NetHost::NetHost(const NetOptions& options, const std::string& tool)
    : options_(options), tool_(tool), idler_(options.idle) {}

Result<std::unique_ptr<NetHost>> NetHost::open(const NetOptions& options, const std::string& tool,
                                               const HostConfig& config) {
    install_signal_handlers();
    std::unique_ptr<NetHost> h(new NetHost(options, tool));
    // Everything that can be checked before a device exists is checked first, so that a bad
    // option never leaves a device behind.
    if (const auto gw = options.gateway_address()) {
        const Ipv4Cidr net = options.cidr();
        if (!net.contains(*gw) || *gw == net.address) {
            return Error{EINVAL, "--gw " + gw->to_string() + " is not another address in the --ip subnet " +
                                     net.to_string() + " (hint: the router's address on that subnet)"};
        }
    }
    auto spec = parse_device_spec(options.dev);
    if (!spec) return spec.error();
    if (auto r = check_dpdk_privileges(*spec); !r) return r.error();
    if (auto r = check_tap_interface(*spec); !r) return r.error();
    OpenOptions oo;
    oo.pcap_path = options.pcap;
    oo.trust_link = options.trust_link;
    auto dev = open_device(*spec, oo);
    if (!dev) return dev.error();
    h->device_ = std::move(dev.value());
    if (const std::string tap = tap_interface(*spec); !tap.empty()) {
        give_tap_its_own_mac(tap, options.mac_address().value_or(h->device_->caps().mac));
    }
    // After the device: DPDK's EAL sets the thread's affinity while it initialises.
    if (options.core >= 0) {
        if (auto r = pin_to_core(options.core); !r) return r.error();
    }
    StackConfig sc;
    sc.clock = &h->clock_;
    sc.address = options.cidr();
    sc.gateway = options.gateway_address();
    sc.mac = options.mac_address();
    sc.pool_size = config.pool_size;
    // The stack's one seeded generator (ISNs, ephemeral ports): a fresh seed per run here; tests
    // that need replays inject theirs through the library, not the tool.
    sc.seed = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}() ^
              static_cast<uint64_t>(unix_now_ns());
    auto stack = Stack::create(*h->device_, sc);
    if (!stack) return stack.error();
    h->stack_ = std::move(stack.value());
    h->sockets_ = std::make_unique<SocketLayer>(*h->stack_, config.sockets);
    h->sockets_->set_idle_hook([raw = h.get()](const IdleWait& w) { raw->idle_hook(w); });
    if (options.publish) {
        auto p = StatPublisher::create();
        if (!p) {
            std::fprintf(stderr, "tachyon %s: warning: %s\n", tool.c_str(), p.error().message().c_str());
        } else {
            h->publisher_ = std::move(p.value());
        }
    }
    h->tracked_.reserve(config.sockets.max_sockets);
    h->started_ = h->clock_.now();
    h->started_unix_ns_ = unix_now_ns();
    h->next_publish_ = h->started_;
    h->stack_->start();
    return h;
}

NetHost::~NetHost() {
    if (stack_ && options_.stats) print_stats(stdout);
    publisher_.reset();
    if (sockets_) {
        sockets_.reset();  // aborts what is still open
        for (int i = 0; i < 4; ++i) stack_->poll();  // lets the resets out
    }
    // Every buffer must be back once the sockets are gone: a leak shows here.
    if (stack_ && options_.stats) {
        std::printf("buffers in use after shutdown: %zu of %zu\n", stack_->pool().in_use(), stack_->pool().capacity());
        std::fflush(stdout);
    }
    stack_.reset();
    device_.reset();
}

void NetHost::idle_hook(const IdleWait&) {
    const StackCounters& c = stack_->counters();
    const uint64_t activity = c.rx_frames + c.tx_frames;
    if (activity != last_activity_) {
        last_activity_ = activity;
        idler_.reset();
    }
    if (stack_->now() >= next_publish_) publish();
    idler_.idle();
}

namespace {

Error socket_error(const std::string& what, SocketAddress at, int code) {
    std::string d = what + " " + at.to_string();
    switch (code) {
        case EADDRINUSE:
            d += ": the port is in use in this stack (hint: another --port)";
            break;
        case ECONNREFUSED:
            d += ": refused (hint: is a server listening on that port?)";
            break;
        case EAGAIN:
        case ETIMEDOUT:
            code = ETIMEDOUT;
            d += ": no answer (hint: check the address, the route (--gw) and that the peer is up; `tachyon ping` "
                 "tests the path)";
            break;
        case ENETUNREACH:
        case EHOSTUNREACH:
            d += ": no route (hint: an address in the --ip subnet, or a --gw)";
            break;
        default:
            break;
    }
    return Error{code, std::move(d)};
}

}  // namespace

Result<Socket> NetHost::tcp_listen(uint16_t port, int backlog) {
    const SocketAddress at{Ipv4Address::any(), port};
    auto s = sockets_->try_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    if (!s) return socket_error("cannot open a TCP socket for", at, s.code());
    (void)s->try_setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    if (auto r = s->try_bind(at); !r) return socket_error("cannot bind", at, r.code());
    if (auto r = s->try_listen(backlog); !r) return socket_error("cannot listen on", at, r.code());
    track(*s);
    return std::move(s).value();
}

Result<Socket> NetHost::udp_bind(uint16_t port) {
    const SocketAddress at{Ipv4Address::any(), port};
    auto s = sockets_->try_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
    if (!s) return socket_error("cannot open a UDP socket for", at, s.code());
    if (auto r = s->try_bind(at); !r) return socket_error("cannot bind", at, r.code());
    track(*s);
    return std::move(s).value();
}

Result<Socket> NetHost::tcp_connect(SocketAddress to, Duration timeout) {
    auto s = sockets_->try_socket(AF_INET, SOCK_STREAM);
    if (!s) return socket_error("cannot open a TCP socket for", to, s.code());
    s->settimeout(timeout);
    const int e = s->connect_ex(to);
    if (e != 0 && !(e == EINPROGRESS && timeout == Duration::zero())) return socket_error("cannot connect to", to, e);
    track(*s);
    return std::move(s).value();
}

void NetHost::track(const Socket& s) {
    if (tracked_.size() < tracked_.capacity()) tracked_.push_back(s.id());
}

void NetHost::snapshot(StatSnapshot& s) {
    s = StatSnapshot{};
    s.pid = static_cast<int32_t>(getpid());
    s.interval_ms = static_cast<uint32_t>(kPublishInterval.ms());
    copy_name(s.tool, sizeof s.tool, tool_);
    copy_name(s.device, sizeof s.device, device_->name());
    s.address = stack_->address().address.value;
    s.prefix_len = stack_->address().prefix_len;
    std::memcpy(s.mac, stack_->mac().octets.data(), 6);
    s.started_unix_ns = started_unix_ns_;
    s.taken_unix_ns = started_unix_ns_ + (clock_.now() - started_).ns();
    s.snapshots = ++snapshots_;
    s.stack = stack_->counters();
    s.tcp = sockets_->tcp().counters();
    s.device_stats = device_->stats();
    s.pool_in_use = stack_->pool().in_use();
    s.pool_capacity = stack_->pool().capacity();
    s.tcp_connections = sockets_->tcp().connections_in_use();
    s.tcp_time_wait = sockets_->tcp().time_wait_records();
    s.open_sockets = sockets_->open_sockets();
    // Forget closed sockets, then describe the rest.
    std::erase_if(tracked_, [&](SocketId id) { return !sockets_->is_open(id); });
    for (SocketId id : tracked_) {
        if (s.connection_count == StatSnapshot::kMaxConnections) {
            ++s.connections_omitted;
            continue;
        }
        StatConnection& c = s.connections[s.connection_count++];
        const auto type = sockets_->type(id);
        const bool tcp = !type || *type == SOCK_STREAM;
        c.proto = tcp ? kProtoTcp : kProtoUdp;
        if (auto a = sockets_->getsockname(id)) {
            c.local_addr = a->addr.value;
            c.local_port = a->port;
        }
        if (auto a = sockets_->getpeername(id)) {
            c.remote_addr = a->addr.value;
            c.remote_port = a->port;
        }
        if (!tcp) {
            c.state = kStateUnconn;
            continue;
        }
        const auto info = sockets_->tcp_info(id);
        if (!info) continue;
        c.state = info->state == TcpState::kListen ? kStateListen : static_cast<uint8_t>(info->state);
        c.retransmits = info->retransmits;
        c.rx_queue = info->bytes_readable;
        c.tx_queue = info->bytes_unsent + info->bytes_in_flight;
        c.rtt_us = static_cast<uint32_t>(info->rtt.us());
        c.rttvar_us = static_cast<uint32_t>(info->rttvar.us());
        c.rto_ms = static_cast<uint32_t>(info->rto.ms());
        c.snd_mss = info->snd_mss;
        c.snd_wnd = info->snd_wnd;
        c.rcv_wnd = info->rcv_wnd;
        c.cwnd = info->snd_cwnd;
    }
}

void NetHost::publish() {
    next_publish_ = stack_->now() + kPublishInterval;
    if (!publisher_) return;
    if (!scratch_) scratch_ = std::make_unique<StatSnapshot>();  // ~30 KiB: not on the stack
    snapshot(*scratch_);
    publisher_->publish(*scratch_);
}

void NetHost::print_stats(std::FILE* out) {
    auto s = std::make_unique<StatSnapshot>();
    snapshot(*s);
    std::fprintf(out, "\n");
    print_counters(out, *s, false);
    if (s->connection_count != 0) {
        std::fprintf(out, "Connections:\n");
        print_connections(out, *s);
    }
    std::fflush(out);
}

}  // namespace tachyon::apps
