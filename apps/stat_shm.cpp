#include "apps/stat_shm.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <ctime>
#include <string_view>

#include "stack/tcp/tcp_state.hpp"
#include "stack/wire/ipv4_address.hpp"

namespace tachyon::apps {

namespace {

constexpr uint64_t kMagic = 0x5441435953544154;  // "TATSYCAT": a Tachyon stat file
constexpr uint32_t kVersion = 4;  // 2: tcp_time_wait, 3: tcp_predicted_segments, 4: route_lookups
constexpr size_t kWords = sizeof(StatSnapshot) / sizeof(uint64_t);
static_assert(sizeof(StatSnapshot) % sizeof(uint64_t) == 0);
static_assert(std::is_trivially_copyable_v<StatSnapshot>);

struct ShmHeader {
    uint64_t magic;
    uint32_t version;
    uint32_t size;
    uint64_t seq;  // odd while the writer is in the middle of an update
};
constexpr size_t kFileLen = sizeof(ShmHeader) + sizeof(StatSnapshot);

uint64_t* words_of(void* map) { return reinterpret_cast<uint64_t*>(static_cast<std::byte*>(map) + sizeof(ShmHeader)); }

std::string errno_text(int e) { return std::strerror(e); }

}  // namespace

std::string published_path(pid_t pid, const std::string& dir) { return dir + "/tachyon-" + std::to_string(pid); }

Result<std::unique_ptr<StatPublisher>> StatPublisher::create(const std::string& dir) {
    const std::string path = published_path(getpid(), dir);
    const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        const int e = errno;
        return Error{e, "cannot create " + path + " for `tachyon stat`: " + errno_text(e) +
                            " (hint: is /dev/shm mounted? --no-stat-shm turns publishing off)"};
    }
    if (ftruncate(fd, static_cast<off_t>(kFileLen)) != 0) {
        const int e = errno;
        ::close(fd);
        ::unlink(path.c_str());
        return Error{e, "cannot size " + path + ": " + errno_text(e)};
    }
    void* map = mmap(nullptr, kFileLen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) {
        const int e = errno;
        ::unlink(path.c_str());
        return Error{e, "cannot map " + path + ": " + errno_text(e)};
    }
    auto* h = static_cast<ShmHeader*>(map);
    h->version = kVersion;
    h->size = sizeof(StatSnapshot);
    h->seq = 0;
    // The magic last: a reader that sees it sees the rest of the header.
    std::atomic_ref<uint64_t>(h->magic).store(kMagic, std::memory_order_release);
    return std::unique_ptr<StatPublisher>(new StatPublisher(path, map, kFileLen));
}

StatPublisher::~StatPublisher() {
    munmap(map_, len_);
    ::unlink(path_.c_str());
}

void StatPublisher::publish(const StatSnapshot& s) {
    auto* h = static_cast<ShmHeader*>(map_);
    std::atomic_ref<uint64_t> seq(h->seq);
    const uint64_t start = seq.load(std::memory_order_relaxed);
    seq.store(start + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    uint64_t* out = words_of(map_);
    const auto* in = reinterpret_cast<const std::byte*>(&s);
    for (size_t i = 0; i < kWords; ++i) {
        uint64_t w;
        std::memcpy(&w, in + i * sizeof w, sizeof w);
        std::atomic_ref<uint64_t>(out[i]).store(w, std::memory_order_relaxed);
    }
    seq.store(start + 2, std::memory_order_release);
}

std::vector<PublishedProcess> list_published(const std::string& dir) {
    std::vector<PublishedProcess> out;
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return out;
    while (const dirent* e = readdir(d)) {
        const std::string_view name = e->d_name;
        if (!name.starts_with("tachyon-")) continue;
        char* end = nullptr;
        const long pid = std::strtol(e->d_name + 8, &end, 10);
        if (end == nullptr || *end != '\0' || pid <= 0) continue;
        if (kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) continue;  // left by a dead process
        out.push_back({static_cast<pid_t>(pid), dir + "/" + std::string(name)});
    }
    closedir(d);
    return out;
}

Result<StatSnapshot> read_published(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int e = errno;
        return Error{e, "cannot open " + path + ": " + errno_text(e)};
    }
    struct stat st {};
    if (fstat(fd, &st) != 0 || static_cast<size_t>(st.st_size) < sizeof(ShmHeader)) {
        ::close(fd);
        return Error{EPROTO, path + " is not a Tachyon stat file"};
    }
    void* map = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) {
        const int e = errno;
        return Error{e, "cannot map " + path + ": " + errno_text(e)};
    }
    auto* h = static_cast<ShmHeader*>(map);
    const uint64_t magic = std::atomic_ref<uint64_t>(h->magic).load(std::memory_order_acquire);
    if (magic != kMagic || h->version != kVersion || h->size != sizeof(StatSnapshot) ||
        static_cast<size_t>(st.st_size) < kFileLen) {
        munmap(map, static_cast<size_t>(st.st_size));
        return Error{EPROTO, path + " was written by another Tachyon build (layout differs); use that build's "
                                    "`tachyon stat`"};
    }
    StatSnapshot snap;
    auto* out = reinterpret_cast<std::byte*>(&snap);
    uint64_t* in = words_of(map);
    std::atomic_ref<uint64_t> seq(h->seq);
    bool ok = false;
    for (int attempt = 0; attempt < 10'000 && !ok; ++attempt) {
        const uint64_t s1 = seq.load(std::memory_order_acquire);
        if (s1 == 0 || (s1 & 1) != 0) {  // nothing published yet, or an update in progress
            const timespec ts{0, 100'000};
            nanosleep(&ts, nullptr);
            continue;
        }
        for (size_t i = 0; i < kWords; ++i) {
            const uint64_t w = std::atomic_ref<uint64_t>(in[i]).load(std::memory_order_relaxed);
            std::memcpy(out + i * sizeof w, &w, sizeof w);
        }
        std::atomic_thread_fence(std::memory_order_acquire);
        ok = seq.load(std::memory_order_relaxed) == s1;
    }
    munmap(map, kFileLen);
    if (!ok) return Error{EAGAIN, "no consistent snapshot in " + path + " (the process has not published yet?)"};
    return snap;
}

namespace {

std::string address_text(uint32_t addr, uint16_t port, bool any_port_star) {
    std::string s = Ipv4Address{addr}.to_string();
    s += ':';
    s += any_port_star && port == 0 ? std::string("*") : std::to_string(port);
    return s;
}

std::string state_text(const StatConnection& c) {
    if (c.state == kStateListen) return "LISTEN";
    if (c.state == kStateUnconn) return "UNCONN";
    return std::string(to_string(static_cast<TcpState>(c.state)));
}

std::string mac_text(const uint8_t (&m)[6]) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return buf;
}

double uptime_secs(const StatSnapshot& s) { return static_cast<double>(s.taken_unix_ns - s.started_unix_ns) / 1e9; }

void print_header(std::FILE* out, const StatSnapshot& s) {
    std::fprintf(out, "tachyon %s, pid %d, device %s, %s/%u, mac %s, up %.1f s\n", s.tool, s.pid, s.device,
                 Ipv4Address{s.address}.to_string().c_str(), s.prefix_len, mac_text(s.mac).c_str(), uptime_secs(s));
}

}  // namespace

void print_counters(std::FILE* out, const StatSnapshot& s, bool all) {
    print_header(out, s);
    std::fprintf(out, "Stack:\n");
    s.stack.for_each_described([&](const char* name, const char* help, uint64_t v) {
        if (v != 0 || all) std::fprintf(out, "    %" PRIu64 " %s (%s)\n", v, help, name);
    });
    std::fprintf(out, "Tcp:\n");
    for_each_tcp_counter(s.tcp, [&](const char* name, uint64_t v) {
        if (v != 0 || all) std::fprintf(out, "    %" PRIu64 " %s\n", v, name);
    });
    std::fprintf(out, "    %" PRIu64 " connections in the TCP table, %" PRIu64 " in TIME-WAIT records\n",
                 s.tcp_connections, s.tcp_time_wait);
    std::fprintf(out, "Device:\n");
    const DeviceStats& d = s.device_stats;
    std::fprintf(out,
                 "    %" PRIu64 " packets received, %" PRIu64 " bytes\n    %" PRIu64 " packets sent, %" PRIu64
                 " bytes\n    %" PRIu64 " received packets dropped, %" PRIu64 " sent packets dropped\n",
                 d.rx_packets, d.rx_bytes, d.tx_packets, d.tx_bytes, d.rx_dropped, d.tx_dropped);
    std::fprintf(out, "Buffers:\n    %" PRIu64 " of %" PRIu64 " stack buffers in use, %" PRIu64 " sockets open\n",
                 s.pool_in_use, s.pool_capacity, s.open_sockets);
}

void print_connections(std::FILE* out, const StatSnapshot& s) {
    std::fprintf(out, "%-5s %-12s %8s %8s %-21s %-21s %s\n", "Netid", "State", "Recv-Q", "Send-Q",
                 "Local Address:Port", "Peer Address:Port", "Details");
    for (uint32_t i = 0; i < s.connection_count && i < StatSnapshot::kMaxConnections; ++i) {
        const StatConnection& c = s.connections[i];
        const bool tcp = c.proto == kProtoTcp;
        char details[160] = "";
        if (tcp && c.state != kStateListen) {
            std::snprintf(details, sizeof details, "rtt:%.3f/%.3f rto:%u mss:%u cwnd:%u snd_wnd:%u rcv_wnd:%u retrans:%u",
                          c.rtt_us / 1000.0, c.rttvar_us / 1000.0, c.rto_ms, c.snd_mss, c.cwnd, c.snd_wnd,
                          c.rcv_wnd, c.retransmits);
        }
        std::fprintf(out, "%-5s %-12s %8u %8u %-21s %-21s %s\n", tcp ? "tcp" : "udp", state_text(c).c_str(),
                     c.rx_queue, c.tx_queue, address_text(c.local_addr, c.local_port, false).c_str(),
                     address_text(c.remote_addr, c.remote_port, true).c_str(), details);
    }
    if (s.connections_omitted != 0) std::fprintf(out, "(%u more not shown)\n", s.connections_omitted);
}

void print_json(std::FILE* out, const StatSnapshot& s) {
    std::fprintf(out, "{\"pid\": %d, \"tool\": \"%s\", \"device\": \"%s\", \"address\": \"%s/%u\", \"mac\": \"%s\", ",
                 s.pid, s.tool, s.device, Ipv4Address{s.address}.to_string().c_str(), s.prefix_len,
                 mac_text(s.mac).c_str());
    std::fprintf(out, "\"uptime_s\": %.3f, \"snapshots\": %" PRIu64 ",\n \"stack\": {", uptime_secs(s), s.snapshots);
    const char* sep = "";
    s.stack.for_each([&](const char* name, uint64_t v) {
        std::fprintf(out, "%s\"%s\": %" PRIu64, sep, name, v);
        sep = ", ";
    });
    std::fprintf(out, "},\n \"tcp\": {");
    sep = "";
    for_each_tcp_counter(s.tcp, [&](const char* name, uint64_t v) {
        std::fprintf(out, "%s\"%s\": %" PRIu64, sep, name, v);
        sep = ", ";
    });
    const DeviceStats& d = s.device_stats;
    std::fprintf(out,
                 "},\n \"device_stats\": {\"rx_packets\": %" PRIu64 ", \"rx_bytes\": %" PRIu64 ", \"tx_packets\": %" PRIu64
                 ", \"tx_bytes\": %" PRIu64 ", \"rx_dropped\": %" PRIu64 ", \"tx_dropped\": %" PRIu64 "},\n",
                 d.rx_packets, d.rx_bytes, d.tx_packets, d.tx_bytes, d.rx_dropped, d.tx_dropped);
    std::fprintf(out, " \"pool_in_use\": %" PRIu64 ", \"pool_capacity\": %" PRIu64 ", \"tcp_connections\": %" PRIu64
                      ", \"tcp_time_wait\": %" PRIu64 ", \"open_sockets\": %" PRIu64 ",\n \"connections\": [",
                 s.pool_in_use, s.pool_capacity, s.tcp_connections, s.tcp_time_wait, s.open_sockets);
    for (uint32_t i = 0; i < s.connection_count && i < StatSnapshot::kMaxConnections; ++i) {
        const StatConnection& c = s.connections[i];
        std::fprintf(out,
                     "%s\n  {\"proto\": \"%s\", \"state\": \"%s\", \"local\": \"%s\", \"peer\": \"%s\", \"recv_q\": %u, "
                     "\"send_q\": %u, \"rtt_us\": %u, \"rto_ms\": %u, \"mss\": %u, \"cwnd\": %u, \"retransmits\": %u}",
                     i == 0 ? "" : ",", c.proto == kProtoTcp ? "tcp" : "udp", state_text(c).c_str(),
                     address_text(c.local_addr, c.local_port, false).c_str(),
                     address_text(c.remote_addr, c.remote_port, false).c_str(), c.rx_queue, c.tx_queue, c.rtt_us,
                     c.rto_ms, c.snd_mss, c.cwnd, c.retransmits);
    }
    std::fprintf(out, "%s], \"connections_omitted\": %u}\n", s.connection_count != 0 ? "\n " : "",
                 s.connections_omitted);
}

}  // namespace tachyon::apps
