// The server of `tachyon perf` (and of sockperf's clients): parses the message stream of each
// connection (apps/perf_protocol.hpp), answers the messages that ask for it with the same bytes,
// and consumes the rest. Written once over either network (apps/perf_net.hpp).
//
// Back-pressure: while an answer cannot be sent whole, the connection is not read; the unparsed
// rest of what was read waits in the connection's input buffer.
#pragma once

#include <array>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "apps/conn_slots.hpp"
#include "apps/net_host.hpp"
#include "apps/perf_protocol.hpp"
#include "lib/result.hpp"

namespace tachyon::apps::perf {

struct ServerStats {
    uint64_t connections = 0;
    uint64_t messages = 0;
    uint64_t answered = 0;
    uint64_t bytes = 0;
    uint64_t protocol_errors = 0;
};

template <typename Net>
class PerfServer {
public:
    PerfServer(Net& net, bool verbose) : net_(net), verbose_(verbose) {}

    Result<void> listen(uint16_t port) {
        auto l = net_.listen(port);
        if (!l) return l.error();
        listener_ = std::move(l.value());
        return net_.watch(listener_, EPOLLIN, kListenerTag);
    }

    void run() {
        std::array<PollEvent, 64> events;
        while (!NetHost::stop_requested()) {
            const size_t n = net_.wait(events);
            for (size_t i = 0; i < n; ++i) {
                if (events[i].data == kListenerTag) {
                    accept_batch();
                } else if (conns_.find(events[i].data) != nullptr) {
                    pump(events[i].data);
                }
            }
            net_.turn(n != 0);
        }
    }

    const ServerStats& stats() const { return stats_; }

private:
    static constexpr uint64_t kListenerTag = UINT64_MAX;
    static constexpr size_t kInBuffer = 64 * 1024;

    struct Conn {
        typename Net::Sock sock;
        // Not zeroed: 64 KiB of memset per connection was a visible share of a cps run.
        std::unique_ptr<std::byte[]> in = std::make_unique_for_overwrite<std::byte[]>(kInBuffer);
        size_t in_off = 0;
        size_t in_len = 0;
        std::array<std::byte, kHeaderLen> hdr{};
        size_t hdr_got = 0;
        Header h;
        uint32_t body_got = 0;
        bool answer = false;
        std::vector<std::byte> reply;
        size_t out_off = 0;
        size_t out_len = 0;
        uint32_t interest = 0;
    };

    void accept_batch() {
        for (size_t i = 0; i < kAcceptBatch; ++i) {
            auto a = net_.accept(listener_);
            if (!a) return;
            const size_t slot = conns_.take();
            auto c = std::make_unique<Conn>();
            c->sock = std::move(a.value());
            c->interest = EPOLLIN | EPOLLRDHUP;
            if (!net_.watch(c->sock, c->interest, slot)) {
                conns_.release(slot);
                continue;
            }
            ++stats_.connections;
            if (verbose_) std::printf("perf server: connection %" PRIu64 "\n", stats_.connections);
            conns_.put(slot, std::move(c));
            pump(slot);
        }
    }

    void pump(size_t slot) {
        Conn& c = *conns_.find(slot);
        for (;;) {
            if (c.out_off < c.out_len) {
                auto r = net_.send(c.sock, std::span(c.reply).subspan(c.out_off, c.out_len - c.out_off));
                if (!r) {
                    if (r.code() == EAGAIN) return want(c, slot, EPOLLOUT);
                    return close(slot);
                }
                c.out_off += *r;
                continue;
            }
            if (c.in_off < c.in_len) {
                if (!consume(c)) return close(slot);
                continue;
            }
            auto r = net_.recv(c.sock, std::span(c.in.get(), kInBuffer));
            if (!r) {
                if (r.code() == EAGAIN) return want(c, slot, EPOLLIN | EPOLLRDHUP);
                return close(slot);
            }
            if (*r == 0) return close(slot);  // the client is done
            c.in_off = 0;
            c.in_len = *r;
            stats_.bytes += *r;
        }
    }

    // Parses buffered input until it runs out or an answer is ready; false on a protocol error.
    bool consume(Conn& c) {
        while (c.in_off < c.in_len) {
            const size_t avail = c.in_len - c.in_off;
            const std::byte* p = c.in.get() + c.in_off;
            if (c.hdr_got < kHeaderLen) {
                const size_t take = std::min(avail, kHeaderLen - c.hdr_got);
                std::memcpy(c.hdr.data() + c.hdr_got, p, take);
                c.hdr_got += take;
                c.in_off += take;
                if (c.hdr_got < kHeaderLen) return true;
                c.h = decode(c.hdr);
                if (c.h.length < kHeaderLen || c.h.length > kMaxMessage) {
                    ++stats_.protocol_errors;
                    if (verbose_) std::printf("perf server: bad message length %u\n", c.h.length);
                    return false;
                }
                c.body_got = 0;
                c.answer = (c.h.flags & kFlagClient) != 0 && (c.h.flags & kFlagPong) != 0 &&
                           (c.h.flags & kFlagWarmup) == 0;
                if (c.answer) {
                    if (c.reply.size() < c.h.length) c.reply.resize(c.h.length);
                    Header out = c.h;
                    out.flags = static_cast<uint16_t>(c.h.flags & ~kFlagClient);
                    encode(out, c.reply);
                }
            } else {
                const size_t take = std::min<size_t>(avail, c.h.length - kHeaderLen - c.body_got);
                if (c.answer) std::memcpy(c.reply.data() + kHeaderLen + c.body_got, p, take);
                c.body_got += static_cast<uint32_t>(take);
                c.in_off += take;
            }
            if (c.hdr_got == kHeaderLen && c.body_got == c.h.length - kHeaderLen) {
                ++stats_.messages;
                c.hdr_got = 0;
                if (c.answer) {
                    ++stats_.answered;
                    c.out_off = 0;
                    c.out_len = c.h.length;
                    return true;
                }
            }
        }
        return true;
    }

    void want(Conn& c, size_t slot, uint32_t events) {
        if (c.interest == events) return;
        c.interest = events;
        (void)net_.watch(c.sock, events, slot);
    }

    void close(size_t slot) {
        net_.close(conns_.find(slot)->sock, false);
        conns_.release(slot);
    }

    Net& net_;
    bool verbose_;
    typename Net::Sock listener_;
    ConnSlots<Conn> conns_;
    ServerStats stats_;
};

}  // namespace tachyon::apps::perf
