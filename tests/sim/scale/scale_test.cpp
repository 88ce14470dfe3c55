// 100,000 concurrent TCP connections between two Stacks over the memory link on a manual clock
// (issue 9): all open at once, each exchanging a few bytes both ways, then closed cleanly. Memory
// is measured from the allocator (mallinfo2) and the process (RSS, /proc/self/statm) and bounded
// per connection: connection buffers are taken only while bytes are held (BufferPool), so an idle
// connection costs its table slot and nothing more, with 256 KiB send and receive buffers each.
//
// TACHYON_SCALE_CONNECTIONS overrides the count; under AddressSanitizer the default is 10,000
// (the allocator figures are then the sanitizer's and only printed, not asserted).
#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "drivers/memory/memory_link.hpp"
#include "stack/stack.hpp"
#include "stack/tcp/tcp_layer.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define TACHYON_SCALE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TACHYON_SCALE_ASAN 1
#endif
#endif
#ifndef TACHYON_SCALE_ASAN
#define TACHYON_SCALE_ASAN 0
#endif

namespace tachyon {
namespace {

constexpr Ipv4Address kClientAddr = Ipv4Address::from_octets(10, 0, 0, 1);
constexpr Ipv4Address kServerAddr = Ipv4Address::from_octets(10, 0, 0, 2);
constexpr uint16_t kFirstClientPort = 10000;
constexpr uint32_t kPortsPerServerPort = 50000;  // client ports 10000..59999 towards each server port
constexpr uint16_t kFirstServerPort = 80;
constexpr size_t kBatch = 2000;  // connections opened (and their bytes exchanged) per round

size_t connection_count() {
    if (const char* env = std::getenv("TACHYON_SCALE_CONNECTIONS")) return std::strtoul(env, nullptr, 10);
    return TACHYON_SCALE_ASAN ? 10'000 : 100'000;
}

// Bytes allocated: from the heap proper and in chunks mmap()ed on their own (the large tables).
size_t heap_in_use() {
    const struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

size_t rss_bytes() {
    FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr) return 0;
    unsigned long size = 0;
    unsigned long resident = 0;
    const int n = std::fscanf(f, "%lu %lu", &size, &resident);
    std::fclose(f);
    return n == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s)); }

class Scale : public ::testing::Test {
protected:
    void build(size_t n) {
        MemoryLinkConfig lc;
        lc.a.rx_queue_depth = 8192;
        lc.b.rx_queue_depth = 8192;
        link_ = std::make_unique<MemoryLink>(lc);
        StackConfig sc;
        sc.clock = &clock_;
        sc.pool_size = 8192;
        sc.tx_queue_len = 8192;
        sc.arp.entry_lifetime = Duration::from_secs(3600);  // one resolution for the whole run
        sc.address = Ipv4Cidr{kClientAddr, 24};
        sc.seed = 21;
        client_ = std::make_unique<Stack>(link_->a(), sc);
        sc.address = Ipv4Cidr{kServerAddr, 24};
        sc.seed = 22;
        server_ = std::make_unique<Stack>(link_->b(), sc);
        TcpConfig tc;  // default buffers: 256 KiB each way per connection
        tc.max_connections = n + kBatch;
        tc.max_listeners = n / kPortsPerServerPort + 2;
        tc.max_backlog = 2 * kBatch;
        tc.max_syn_backlog = 2 * kBatch;
        tcp_client_ = std::make_unique<TcpLayer>(*client_, tc);
        tcp_server_ = std::make_unique<TcpLayer>(*server_, tc);
        client_->set_protocol_handler(IpProtocol::kTcp, tcp_client_.get());
        server_->set_protocol_handler(IpProtocol::kTcp, tcp_server_.get());
    }

    void teardown() {
        client_->set_protocol_handler(IpProtocol::kTcp, nullptr);
        server_->set_protocol_handler(IpProtocol::kTcp, nullptr);
        tcp_client_.reset();
        tcp_server_.reset();
        client_.reset();
        server_.reset();
        link_.reset();
    }

    // Polls both stacks until neither has work.
    void run() {
        for (;;) {
            bool work = client_->poll();
            work = server_->poll() || work;
            if (!work) return;
        }
    }
    // Lets time pass (delayed ACKs, TIME-WAIT) in steps, running to quiet after each.
    void pass(Duration d, Duration step = Duration::from_ms(50)) {
        for (Duration t = Duration::zero(); t < d; t += step) {
            clock_.advance(step);
            run();
        }
    }

    TcpEndpoint client_end(size_t i) const {
        return {kClientAddr, static_cast<uint16_t>(kFirstClientPort + i % kPortsPerServerPort)};
    }
    TcpEndpoint server_end(size_t i) const {
        return {kServerAddr, static_cast<uint16_t>(kFirstServerPort + i / kPortsPerServerPort)};
    }

    std::string read(TcpLayer& tcp, TcpHandle h) {
        std::array<char, 64> buf{};
        auto r = tcp.receive(h, std::as_writable_bytes(std::span(buf)));
        return r.ok() ? std::string(buf.data(), r.value()) : std::string("<error>");
    }

    ManualClock clock_{Instant::from_ms(1)};
    std::unique_ptr<MemoryLink> link_;
    std::unique_ptr<Stack> client_;
    std::unique_ptr<Stack> server_;
    std::unique_ptr<TcpLayer> tcp_client_;
    std::unique_ptr<TcpLayer> tcp_server_;
};

TEST_F(Scale, HundredThousandConcurrentConnectionsExchangeBytesAndCloseCleanly) {
    const size_t n = connection_count();
    ASSERT_GT(n, 0u);
    std::printf("[ scale    ] %zu connections%s\n", n, TACHYON_SCALE_ASAN ? " (AddressSanitizer build)" : "");
    std::vector<TcpHandle> clients(n);
    std::vector<TcpHandle> servers(n);
    std::vector<TcpListenHandle> listeners;
    const size_t heap_start = heap_in_use();
    const size_t rss_start = rss_bytes();
    build(n);
    const size_t heap_built = heap_in_use();
    for (size_t p = 0; p * kPortsPerServerPort < n; ++p) {
        auto l = tcp_server_->listen(server_end(p * kPortsPerServerPort), 2 * kBatch);
        ASSERT_TRUE(l.ok());
        listeners.push_back(l.value());
    }

    // Open in rounds, every connection staying open; each says a few bytes both ways.
    for (size_t first = 0; first < n; first += kBatch) {
        const size_t last = std::min(n, first + kBatch);
        for (size_t i = first; i < last; ++i) {
            auto h = tcp_client_->open(client_end(i), server_end(i));
            ASSERT_TRUE(h.ok()) << "open " << i << ": " << h.error().message();
            clients[i] = h.value();
        }
        run();
        // The first round waits for ARP: the SYNs past its pending queue (16) are resent at RTO.
        if (first == 0) pass(Duration::from_secs(2), Duration::from_ms(100));
        for (TcpListenHandle l : listeners) {
            while (true) {
                auto h = tcp_server_->accept(l);
                if (!h.ok()) break;
                const auto t = tcp_server_->tuple(h.value());
                ASSERT_TRUE(t.has_value());
                const size_t i = static_cast<size_t>(t->remote_port - kFirstClientPort) +
                                 static_cast<size_t>(t->local_port - kFirstServerPort) * kPortsPerServerPort;
                ASSERT_LT(i, n);
                servers[i] = h.value();
            }
        }
        for (size_t i = first; i < last; ++i) {
            ASSERT_EQ(tcp_client_->state(clients[i]), TcpState::kEstablished) << i;
            ASSERT_EQ(tcp_server_->state(servers[i]), TcpState::kEstablished) << i;
            ASSERT_TRUE(tcp_client_->send(clients[i], bytes_of("ping" + std::to_string(i))).ok());
        }
        run();
        for (size_t i = first; i < last; ++i) {
            ASSERT_EQ(read(*tcp_server_, servers[i]), "ping" + std::to_string(i));
            ASSERT_TRUE(tcp_server_->send(servers[i], bytes_of("pong" + std::to_string(i))).ok());
        }
        run();
        for (size_t i = first; i < last; ++i) ASSERT_EQ(read(*tcp_client_, clients[i]), "pong" + std::to_string(i));
        pass(Duration::from_ms(100));  // the delayed ACKs
    }
    ASSERT_EQ(tcp_client_->connections_in_use(), n);
    ASSERT_EQ(tcp_server_->connections_in_use(), n);

    // All n open and idle: what they cost.
    const size_t heap_open = heap_in_use();
    const size_t rss_open = rss_bytes();
    const BufferPool::Stats cb = tcp_client_->buffer_stats();
    const BufferPool::Stats sb = tcp_server_->buffer_stats();
    const double per_conn = static_cast<double>(heap_open - heap_start) / static_cast<double>(2 * n);
    const double per_conn_dynamic = static_cast<double>(heap_open - heap_built) / static_cast<double>(2 * n);
    std::printf("[ scale    ] sizeof(TcpConnection) %zu bytes; table capacity %zu per stack\n",
                sizeof(TcpConnection), n + kBatch);
    std::printf("[ scale    ] heap: %zu bytes before, %zu after building both stacks, %zu with %zu connections "
                "open (%zu ends)\n", heap_start, heap_built, heap_open, n, 2 * n);
    std::printf("[ scale    ] heap per connection end: %.0f bytes in all (tables included), %.0f bytes beyond "
                "the preallocated tables\n", per_conn, per_conn_dynamic);
    std::printf("[ scale    ] RSS: %zu KiB at start, %zu KiB open: %.0f bytes per connection end\n",
                rss_start / 1024, rss_open / 1024,
                static_cast<double>(rss_open - std::min(rss_open, rss_start)) / static_cast<double>(2 * n));
    std::printf("[ scale    ] connection buffers: in use %zu + %zu bytes, cached %zu + %zu, peak %zu + %zu, "
                "heap blocks %llu + %llu\n", cb.in_use_bytes, sb.in_use_bytes, cb.cached_bytes, sb.cached_bytes,
                cb.peak_in_use_bytes, sb.peak_in_use_bytes, static_cast<unsigned long long>(cb.heap_allocs),
                static_cast<unsigned long long>(sb.heap_allocs));
    // Idle connections hold no buffer memory (the cache holds what the last round gave back).
    EXPECT_EQ(cb.in_use_bytes, 0u);
    EXPECT_EQ(sb.in_use_bytes, 0u);
    EXPECT_EQ(cb.failures + sb.failures, 0u);
    if (!TACHYON_SCALE_ASAN) {
        // The bound: a table slot plus its share of the index, far from 2 x 256 KiB of buffers.
        EXPECT_LT(per_conn, 3.0 * 1024) << "bytes per idle connection end";
        EXPECT_LT(rss_open - std::min(rss_open, rss_start), 2 * n * 3 * 1024) << "RSS per connection end";
    }

    // Close every connection: the client first (it keeps TIME-WAIT), the server on end of stream.
    for (size_t first = 0; first < n; first += kBatch) {
        const size_t last = std::min(n, first + kBatch);
        for (size_t i = first; i < last; ++i) ASSERT_TRUE(tcp_client_->close(clients[i]).ok());
        run();
        for (size_t i = first; i < last; ++i) {
            ASSERT_EQ(read(*tcp_server_, servers[i]), "") << i;  // end of stream
            ASSERT_TRUE(tcp_server_->close(servers[i]).ok());
        }
        run();
    }
    EXPECT_EQ(tcp_server_->connections_in_use(), 0u);
    // The client's orphans wait out 2MSL as compact records; their slots are free already.
    EXPECT_EQ(tcp_client_->connections_in_use(), 0u);
    EXPECT_EQ(tcp_client_->time_wait_records(), n);
    pass(Duration::from_secs(61), Duration::from_secs(1));
    EXPECT_EQ(tcp_client_->time_wait_records(), 0u);
    for (TcpListenHandle l : listeners) ASSERT_TRUE(tcp_server_->close_listener(l).ok());
    const TcpCounters& c = tcp_client_->counters();
    const TcpCounters& s = tcp_server_->counters();
    std::printf("[ scale    ] client: %llu segments out, %llu retransmitted; server: %llu out, %llu retransmitted\n",
                static_cast<unsigned long long>(c.segments_sent), static_cast<unsigned long long>(c.retransmitted_segments),
                static_cast<unsigned long long>(s.segments_sent), static_cast<unsigned long long>(s.retransmitted_segments));
    EXPECT_EQ(c.active_opens, n);
    EXPECT_EQ(s.passive_opens, n);
    EXPECT_EQ(c.table_full + s.table_full + s.syn_queue_full + s.accept_queue_full, 0u);
    EXPECT_EQ(c.time_wait_expired, n);
    EXPECT_EQ(tcp_client_->buffer_stats().in_use_bytes + tcp_server_->buffer_stats().in_use_bytes, 0u);
    EXPECT_EQ(client_->counters().pool_exhausted + server_->counters().pool_exhausted, 0u);
    EXPECT_EQ(client_->pool().in_use(), 0u);
    EXPECT_EQ(server_->pool().in_use(), 0u);
    EXPECT_EQ(link_->a().rx_queued() + link_->b().rx_queued(), 0u);
    teardown();
}

}  // namespace
}  // namespace tachyon
