#include "tests/interop/tcp/exchange.hpp"

#include <algorithm>
#include <cstring>

#include "lib/random.hpp"
#include "stack/socket/poller.hpp"
#include "tests/interop/tcp/sha256.hpp"

namespace tachyon::interop {

namespace {

constexpr size_t kRecvChunk = 64 * 1024;
constexpr size_t kSendChunk = 256 * 1024;

std::string progress(const ExchangeResult& r, size_t total, bool eof, bool shut) {
    return " (sent " + std::to_string(r.sent) + " of " + std::to_string(total) + ", received " +
           std::to_string(r.received) + (eof ? ", end of stream seen" : ", no end of stream") +
           (shut ? ", write side shut" : "") + ")";
}

}  // namespace

const char* order_name(Order o) {
    switch (o) {
        case Order::kBoth: return "both";
        case Order::kSendFirst: return "send-first";
        case Order::kRecvFirst: return "recv-first";
        case Order::kCloseAfterSend: return "close-after-send";
    }
    return "?";
}

std::vector<std::byte> test_data(size_t n, uint64_t seed) {
    std::vector<std::byte> out(n);
    Random rng(seed);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const uint64_t v = rng.next_u64();
        std::memcpy(out.data() + i, &v, 8);
    }
    for (; i < n; ++i) out[i] = std::byte(static_cast<uint8_t>(rng.next_u32()));
    return out;
}

ExchangeResult exchange(TachyonNode& node, Socket& s, std::span<const std::byte> data, Order order,
                        std::chrono::milliseconds timeout) {
    ExchangeResult r;
    s.setblocking(false);
    Poller poller(node.sockets(), 1);
    uint32_t interest = EPOLLIN | EPOLLRDHUP | EPOLLOUT;
    if (auto a = poller.add(s, interest, 0); !a) {
        r.error = "Poller::add: " + a.error().message();
        return r;
    }
    std::vector<std::byte> buf(kRecvChunk);
    Sha256 hash;
    bool eof = false;
    bool shut = false;
    const bool receiving = order != Order::kCloseAfterSend;
    const auto end = WallClock::now() + timeout;
    for (;;) {
        bool moved = false;
        while (receiving && !eof) {
            auto n = s.recv(buf);
            if (!n) {
                if (n.code() == EAGAIN) break;
                r.error = "recv: " + n.error().message() + progress(r, data.size(), eof, shut);
                return r;
            }
            moved = true;
            if (*n == 0) {
                eof = true;
                break;
            }
            hash.update(std::span(buf).first(*n));
            r.received += *n;
        }
        const bool may_send = order != Order::kRecvFirst || eof;
        if (may_send && r.sent < data.size()) {
            auto n = s.send(data.subspan(r.sent, std::min(kSendChunk, data.size() - r.sent)));
            if (n) {
                r.sent += *n;
                moved = moved || *n > 0;
            } else if (n.code() != EAGAIN) {
                r.error = "send: " + n.error().message() + progress(r, data.size(), eof, shut);
                return r;
            }
        }
        if (may_send && r.sent == data.size() && !shut && order != Order::kCloseAfterSend) {
            if (auto sh = s.try_shutdown(SHUT_WR); !sh) {
                r.error = "shutdown(SHUT_WR): " + sh.error().message() + progress(r, data.size(), eof, shut);
                return r;
            }
            shut = true;
            moved = true;
        }
        const bool done = order == Order::kCloseAfterSend ? r.sent == data.size() : eof && shut;
        if (done) break;
        if (WallClock::now() >= end) {
            r.error = "timed out" + progress(r, data.size(), eof, shut);
            return r;
        }
        if (!moved) {
            const uint32_t want = EPOLLIN | EPOLLRDHUP | (may_send && r.sent < data.size() ? EPOLLOUT : 0u);
            if (want != interest) {
                interest = want;
                (void)poller.modify(s, interest, 0);
            }
            PollEvent ev[1];
            (void)poller.wait(ev, Timeout{Duration::from_ms(5)});
        }
    }
    (void)poller.remove(s);
    r.recv_sha = hash.hex_digest();
    r.ok = true;
    return r;
}

std::optional<JsonLine> await_event(TachyonNode& node, ChildProcess& peer, const std::string& name,
                                    std::chrono::milliseconds timeout) {
    const auto end = WallClock::now() + timeout;
    while (WallClock::now() < end) {
        if (auto e = peer.take_event(name)) return e;
        if (peer.exit_status()) return peer.take_event(name);
        node.step();
    }
    return std::nullopt;
}

}  // namespace tachyon::interop
