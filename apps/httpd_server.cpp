#include "apps/httpd_server.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace tachyon::apps {

struct HttpServer::Conn {
    Socket sock;
    SocketAddress peer;
    std::unique_ptr<char[]> in = std::make_unique<char[]>(kInBuffer);
    size_t in_len = 0;
    uint64_t skip = 0;  // request body bytes still to discard (we serve no method with a body)
    bool peer_fin = false;

    bool responding = false;
    HttpResponse resp;
    std::string head;
    size_t head_off = 0;
    uint64_t body_off = 0;
    std::unique_ptr<char[]> out;  // allocated with the first response
    size_t out_off = 0;
    size_t out_len = 0;
    bool keep_alive = true;
    int version_minor = 1;
    std::string log_line;

    bool lingering = false;
    Instant linger_since;
    Instant last_active;
    uint32_t interest = 0;
};

HttpServer::HttpServer(NetHost& host, const ContentRoot& root, const HttpdConfig& config)
    : host_(host), root_(root), config_(config), poller_(host.sockets()) {}

HttpServer::~HttpServer() = default;

Result<void> HttpServer::listen(uint16_t port) {
    auto l = host_.tcp_listen(port);
    if (!l) return l.error();
    listener_ = std::move(l.value());
    if (auto r = poller_.add(listener_, EPOLLIN, kListenerTag); !r) return r;
    next_sweep_ = host_.now() + Duration::from_secs(1);
    return {};
}

bool HttpServer::step() {
    bool work = false;
    auto n = poller_.wait(events_, Duration::zero());
    if (n && *n != 0) {
        work = true;
        for (size_t i = 0; i < *n; ++i) {
            if (events_[i].data == kListenerTag) {
                accept_batch();
            } else if (conns_.find(events_[i].data) != nullptr) {
                pump(events_[i].data);
            }
        }
    }
    const Instant now = host_.stack().now();
    if (now >= next_sweep_) {
        next_sweep_ = now + Duration::from_secs(1);
        sweep(now);
    }
    return work;
}

void HttpServer::accept_batch() {
    for (size_t i = 0; i < kAcceptBatch; ++i) {
        auto a = listener_.try_accept();
        if (!a) return;
        const size_t slot = conns_.take();
        auto c = std::make_unique<Conn>();
        c->sock = std::move(a->socket);
        c->sock.settimeout(Duration::zero());
        // Responses go out whole as the buffer allows; Nagle would hold a response's last
        // segment back for the ACK of the previous one (RFC 896 vs. request/response).
        (void)c->sock.try_setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
        c->peer = a->peer;
        c->last_active = host_.stack().now();
        c->interest = EPOLLIN | EPOLLRDHUP;
        if (!poller_.add(c->sock, c->interest, slot)) {
            conns_.release(slot);
            continue;
        }
        host_.track(c->sock);
        ++stats_.connections;
        conns_.put(slot, std::move(c));
        pump(slot);  // the request may be here already
    }
}

// Moves the connection as far as it goes: responses out, requests in, until it needs input
// that is not there or its output is blocked.
void HttpServer::pump(size_t slot) {
    Conn& c = *conns_.find(slot);
    c.last_active = host_.stack().now();
    for (;;) {
        switch (progress(c, slot)) {
            case Progress::kClosed:
                return;
            case Progress::kBlocked:
                return want(c, slot, EPOLLOUT);
            case Progress::kNeedInput:
                break;
        }
        if (c.peer_fin) {
            // Nothing more will come: a partial request is abandoned, a finished exchange ends.
            return close(slot, c.in_len != 0 && !c.lingering);
        }
        const size_t room = kInBuffer - c.in_len;
        if (room == 0) return close(slot, true);  // cannot happen: a head is at most kMaxHead < kInBuffer
        auto r = c.sock.recv(std::span(reinterpret_cast<std::byte*>(c.in.get()) + c.in_len, room));
        if (!r) {
            if (r.code() == EAGAIN) return want(c, slot, EPOLLIN | EPOLLRDHUP);
            return close(slot, !c.lingering);
        }
        if (*r == 0) {
            c.peer_fin = true;
        } else if (c.lingering) {
            c.in_len = 0;  // discarded: nothing after the last response is answered
        } else {
            c.in_len += *r;
        }
    }
}

HttpServer::Progress HttpServer::progress(Conn& c, size_t slot) {
    for (;;) {
        if (c.responding) {
            bool closed = false;
            if (!send_some(c, slot, closed)) return closed ? Progress::kClosed : Progress::kBlocked;
            finish_response(c);
            if (!c.keep_alive) {
                begin_linger(c);
                return Progress::kNeedInput;
            }
        }
        if (c.lingering) return Progress::kNeedInput;
        // Discard the body of the previous request, then look for the next head.
        const size_t drop = static_cast<size_t>(std::min<uint64_t>(c.skip, c.in_len));
        if (drop != 0) {
            std::memmove(c.in.get(), c.in.get() + drop, c.in_len - drop);
            c.in_len -= drop;
            c.skip -= drop;
        }
        if (c.skip != 0 || !start_request(c)) return Progress::kNeedInput;
    }
}

// Parses the next request in the input buffer and sets up its response; false when the head is
// not complete yet.
bool HttpServer::start_request(Conn& c) {
    HttpRequest req;
    const ParseStatus st = parse_request(std::string_view(c.in.get(), c.in_len), req);
    if (st == ParseStatus::kIncomplete) return false;
    ++stats_.requests;
    if (st == ParseStatus::kComplete) {
        std::memmove(c.in.get(), c.in.get() + req.head_len, c.in_len - req.head_len);
        c.in_len -= req.head_len;
        c.skip = req.content_length;
        c.resp = req.chunked ? ContentRoot::error(501) : root_.resolve(req);
        c.keep_alive = req.keep_alive && !c.resp.must_close;
        c.version_minor = req.version_minor;
        if (req.method == HttpMethod::kHead) c.resp.head_only = true;
    } else {
        c.resp = ContentRoot::error(st == ParseStatus::kTooLarge ? 431 : st == ParseStatus::kBadVersion ? 505 : 400);
        c.keep_alive = false;
        c.version_minor = 1;
        c.in_len = 0;  // the stream cannot be followed any further
    }
    c.head = response_head(c.resp, c.keep_alive, c.version_minor, date());
    c.head_off = 0;
    c.body_off = 0;
    c.responding = true;
    if (config_.access_log) {
        c.log_line = c.peer.to_string() + " " + (req.method_text.empty() ? "-" : req.method_text) + " " +
                     (req.target.empty() ? "-" : req.target) + " " + std::to_string(c.resp.status) + " " +
                     std::to_string(c.resp.head_only ? 0 : c.resp.length);
    }
    if (!c.out) c.out = std::make_unique<char[]>(kOutBuffer);
    return true;
}

// Produces more of the response into the output buffer; false when everything is produced.
bool HttpServer::fill_output(Conn& c) {
    c.out_off = 0;
    c.out_len = 0;
    if (c.head_off < c.head.size()) {
        const size_t n = std::min(kOutBuffer, c.head.size() - c.head_off);
        std::memcpy(c.out.get(), c.head.data() + c.head_off, n);
        c.head_off += n;
        c.out_len = n;
    }
    const uint64_t body_len = c.resp.head_only ? 0 : c.resp.length;
    if (c.body_off < body_len && c.out_len < kOutBuffer) {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(kOutBuffer - c.out_len, body_len - c.body_off));
        const size_t n = read_body(c.resp, c.body_off, std::span(c.out.get() + c.out_len, want));
        if (n == 0) return c.out_len != 0;  // a file that shrank: send_some closes after the head
        c.body_off += n;
        c.out_len += n;
    }
    return c.out_len != 0;
}

bool HttpServer::send_some(Conn& c, size_t slot, bool& closed) {
    const uint64_t body_len = c.resp.head_only ? 0 : c.resp.length;
    for (;;) {
        if (c.out_off == c.out_len && !fill_output(c)) {
            if (c.body_off < body_len) {  // the body source ran dry before Content-Length
                closed = true;
                close(slot, true);
                return false;
            }
            return true;
        }
        auto r = c.sock.send(std::span(reinterpret_cast<const std::byte*>(c.out.get()) + c.out_off, c.out_len - c.out_off));
        if (!r) {
            if (r.code() == EAGAIN) return false;
            closed = true;
            close(slot, true);
            return false;
        }
        c.out_off += *r;
    }
}

void HttpServer::finish_response(Conn& c) {
    c.responding = false;
    const int s = c.resp.status;
    (s < 300 ? stats_.status_2xx : s < 400 ? stats_.status_3xx : s < 500 ? stats_.status_4xx : stats_.status_5xx)++;
    if (!c.resp.head_only) stats_.body_bytes += c.resp.length;
    if (config_.access_log) {
        std::printf("%s\n", c.log_line.c_str());
        std::fflush(stdout);
    }
    c.resp = HttpResponse{};  // closes a file
    c.head.clear();
}

void HttpServer::begin_linger(Conn& c) {
    c.lingering = true;
    c.linger_since = host_.stack().now();
    c.in_len = 0;
    c.skip = 0;
    (void)c.sock.try_shutdown(SHUT_WR);
}

void HttpServer::want(Conn& c, size_t slot, uint32_t events) {
    if (c.interest == events) return;
    c.interest = events;
    (void)poller_.modify(c.sock, events, slot);
}

void HttpServer::close(size_t slot, bool aborted) {
    if (aborted) ++stats_.aborted;
    conns_.release(slot);  // the socket leaves the poller as it closes
}

void HttpServer::sweep(Instant now) {
    for (size_t slot = 0; slot < conns_.capacity(); ++slot) {
        Conn* c = conns_.find(slot);
        if (c == nullptr) continue;
        const bool lingered_out = c->lingering && now - c->linger_since > config_.linger_timeout;
        const bool idle_out = !c->lingering && now - c->last_active > config_.keepalive_timeout;
        if (lingered_out || idle_out) {
            ++stats_.timeouts;
            close(slot, c->responding);
        }
    }
}

const std::string& HttpServer::date() {
    const time_t t = time(nullptr);
    if (t != date_second_) {
        date_second_ = t;
        tm g{};
        gmtime_r(&t, &g);
        char buf[64];
        strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &g);  // RFC 9110 5.6.7 IMF-fixdate
        date_ = buf;
    }
    return date_;
}

}  // namespace tachyon::apps
