// `tachyon stat` without disturbing the fast path: a running Tachyon process publishes a snapshot
// of its counters and connection table into a shared-memory file, /dev/shm/tachyon-<pid>, from
// its poll loop about every 100 ms; `tachyon stat` maps the file read-only and copies it out.
//
// Consistency is a seqlock: the writer makes the sequence odd, stores the words, makes it even
// again; the reader copies and retries while the sequence was odd or moved meanwhile. Every word
// is stored and loaded through std::atomic_ref, so the concurrent copy is defined behaviour, and
// the writer never waits for a reader (a reader cannot slow the poll loop down).
//
// The layout is this binary's StatSnapshot; the header carries a magic, a version and the size so
// that a reader of another build refuses a file it would misread.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/tcp_counter_names.hpp"
#include "lib/device.hpp"
#include "lib/result.hpp"
#include "stack/counters.hpp"
#include "stack/tcp/tcp_counters.hpp"

namespace tachyon::apps {

inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kStateListen = 0xfe;    // a listening socket
inline constexpr uint8_t kStateUnconn = 0xff;    // a UDP socket (ss: UNCONN)

struct StatConnection {
    uint8_t proto = 0;   // kProtoTcp or kProtoUdp
    uint8_t state = 0;   // TcpState, kStateListen or kStateUnconn
    uint8_t retransmits = 0;
    uint8_t pad = 0;
    uint16_t local_port = 0;
    uint16_t remote_port = 0;
    uint32_t local_addr = 0;  // host byte order
    uint32_t remote_addr = 0;
    uint32_t rx_queue = 0;  // received, not read (listener: accept queue not known: 0)
    uint32_t tx_queue = 0;  // queued or in flight, not acknowledged
    uint32_t rtt_us = 0;
    uint32_t rttvar_us = 0;
    uint32_t rto_ms = 0;
    uint32_t snd_mss = 0;
    uint32_t snd_wnd = 0;
    uint32_t rcv_wnd = 0;
    uint32_t cwnd = 0;
    uint32_t pad2 = 0;
};

struct StatSnapshot {
    static constexpr size_t kMaxConnections = 512;

    int32_t pid = 0;
    uint32_t interval_ms = 0;
    char tool[16] = {};     // the subcommand: "httpd", "echo server", ...
    char device[96] = {};   // the device's name
    uint32_t address = 0;   // host byte order
    uint8_t prefix_len = 0;
    uint8_t mac[6] = {};
    uint8_t pad = 0;
    int64_t started_unix_ns = 0;
    int64_t taken_unix_ns = 0;
    uint64_t snapshots = 0;  // published so far, this one included

    StackCounters stack;
    TcpCounters tcp;
    DeviceStats device_stats;
    uint64_t pool_in_use = 0;
    uint64_t pool_capacity = 0;
    uint64_t tcp_connections = 0;  // TCP layer slots in use (TIME-WAIT only while the user holds it)
    uint64_t tcp_time_wait = 0;    // orphans' TIME-WAIT records
    uint64_t open_sockets = 0;

    uint32_t connection_count = 0;
    uint32_t connections_omitted = 0;  // beyond kMaxConnections
    StatConnection connections[kMaxConnections];
};

// The writer: owned by the publishing process, which removes the file when it is destroyed.
class StatPublisher {
public:
    // Creates /dev/shm/tachyon-<pid> (dir overridable for tests); errno with a message on failure.
    static Result<std::unique_ptr<StatPublisher>> create(const std::string& dir = "/dev/shm");
    StatPublisher(const StatPublisher&) = delete;
    StatPublisher& operator=(const StatPublisher&) = delete;
    ~StatPublisher();

    void publish(const StatSnapshot& s);
    const std::string& path() const { return path_; }

private:
    StatPublisher(std::string path, void* map, size_t len) : path_(std::move(path)), map_(map), len_(len) {}
    std::string path_;
    void* map_;
    size_t len_;
};

// The live publishers in `dir`: (pid, path) of files whose process still exists.
struct PublishedProcess {
    pid_t pid;
    std::string path;
};
std::vector<PublishedProcess> list_published(const std::string& dir = "/dev/shm");
std::string published_path(pid_t pid, const std::string& dir = "/dev/shm");

// Reads a consistent snapshot from a published file. Errors: ENOENT (no such process publishes),
// EPROTO (another build's layout), EAGAIN (the writer never let a copy through).
Result<StatSnapshot> read_published(const std::string& path);

// netstat -s-like counters (non-zero ones unless `all`) and an ss-like connection table.
void print_counters(std::FILE* out, const StatSnapshot& s, bool all);
void print_connections(std::FILE* out, const StatSnapshot& s);
// One JSON object with everything.
void print_json(std::FILE* out, const StatSnapshot& s);

}  // namespace tachyon::apps
