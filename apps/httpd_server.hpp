// The HTTP/1.1 server of `tachyon httpd`: many connections on one thread through the Poller.
//
// Each connection answers its requests strictly in order (RFC 9112 9.3.2, pipelining): while a
// response is being sent, further requests wait in the input buffer, and while the response
// cannot be sent (the TCP send buffer is full) the connection is not read either, so a client
// that does not read cannot make the server buffer without bound. Bodies are streamed from their
// source through a fixed output buffer per connection. Persistent connections follow RFC 9112
// 9.3 (1.1 by default, 1.0 with keep-alive); after the last response the server half-closes and
// reads until the client's FIN (a "lingering close", so that a pipelined request the server will
// not answer cannot turn the close into a reset that destroys the response in flight).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "apps/conn_slots.hpp"
#include "apps/http_content.hpp"
#include "apps/http_request.hpp"
#include "apps/net_host.hpp"
#include "stack/socket/poller.hpp"

namespace tachyon::apps {

struct HttpdConfig {
    Duration keepalive_timeout = Duration::from_secs(30);  // idle persistent connection
    Duration linger_timeout = Duration::from_secs(2);      // after the last response
    bool access_log = false;
};

struct HttpdStats {
    uint64_t connections = 0;
    uint64_t requests = 0;
    uint64_t status_2xx = 0;
    uint64_t status_3xx = 0;
    uint64_t status_4xx = 0;
    uint64_t status_5xx = 0;
    uint64_t body_bytes = 0;
    uint64_t timeouts = 0;
    uint64_t aborted = 0;  // closed by an error or the peer before the response was out
};

class HttpServer {
public:
    HttpServer(NetHost& host, const ContentRoot& root, const HttpdConfig& config);
    ~HttpServer();

    Result<void> listen(uint16_t port);
    // One turn: handles what the poller reports and, once a second, the timeouts. Returns whether
    // anything happened.
    bool step();
    const HttpdStats& stats() const { return stats_; }
    size_t open_connections() const { return conns_.open(); }

private:
    static constexpr size_t kInBuffer = 16 * 1024;  // > kMaxHead: a whole head always fits
    static constexpr size_t kOutBuffer = 32 * 1024;
    static constexpr uint64_t kListenerTag = UINT64_MAX;

    struct Conn;
    enum class Progress { kNeedInput, kBlocked, kClosed };

    void accept_batch();
    void pump(size_t slot);
    Progress progress(Conn& c, size_t slot);
    bool start_request(Conn& c);
    bool send_some(Conn& c, size_t slot, bool& closed);
    bool fill_output(Conn& c);
    void finish_response(Conn& c);
    void begin_linger(Conn& c);
    void want(Conn& c, size_t slot, uint32_t events);
    void close(size_t slot, bool aborted);
    void sweep(Instant now);
    const std::string& date();

    NetHost& host_;
    const ContentRoot& root_;
    HttpdConfig config_;
    Poller poller_;
    Socket listener_;
    ConnSlots<Conn> conns_;
    std::array<PollEvent, 64> events_;
    Instant next_sweep_;
    HttpdStats stats_;
    int64_t date_second_ = -1;
    std::string date_;
};

}  // namespace tachyon::apps
