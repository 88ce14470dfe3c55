// Two stacks on a memory link in one thread, each with its SocketLayer, on one ManualClock.
// A blocking call on either side drives its own stack; the idle hook polls the other stack and,
// once both are idle, moves the clock to the earliest thing that has to happen (a timer of either
// stack, or the waiting call's deadline). So blocking calls, timeouts and retransmissions all
// run in virtual time, deterministically, without sleeps.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include "drivers/memory/memory_link.hpp"
#include "lib/time.hpp"
#include "stack/socket/socket.hpp"
#include "stack/socket/socket_layer.hpp"
#include "stack/stack.hpp"

namespace tachyon::test {

inline constexpr Ipv4Address kIpA = Ipv4Address::from_octets(10, 0, 0, 1);
inline constexpr Ipv4Address kIpB = Ipv4Address::from_octets(10, 0, 0, 2);

class SocketPair {
public:
    struct Options {
        SocketLayerConfig layer;
        uint64_t seed = 1;
        size_t pool_size = 1024;
        uint8_t ttl = 64;  // StackConfig::ttl of both stacks
    };

    SocketPair() : SocketPair(Options{}) {}
    explicit SocketPair(const Options& o) : clock_(Instant::from_ms(1'000)) {
        stack_a_ = std::make_unique<Stack>(link_.a(), stack_config(kIpA, o.seed, o));
        stack_b_ = std::make_unique<Stack>(link_.b(), stack_config(kIpB, o.seed + 1, o));
        layer_a_ = std::make_unique<SocketLayer>(*stack_a_, o.layer);
        layer_b_ = std::make_unique<SocketLayer>(*stack_b_, o.layer);
        layer_a_->set_idle_hook([this](const IdleWait& w) { on_idle(*stack_b_, w); });
        layer_b_->set_idle_hook([this](const IdleWait& w) { on_idle(*stack_a_, w); });
        settle();  // gratuitous ARP both ways
    }
    SocketPair(const SocketPair&) = delete;
    SocketPair& operator=(const SocketPair&) = delete;
    // Layers first (their sockets abort), then the link (its queued frames go back to the stacks'
    // pools), then the stacks.
    ~SocketPair() {
        layer_a_.reset();
        layer_b_.reset();
    }

    SocketLayer& a() { return *layer_a_; }
    SocketLayer& b() { return *layer_b_; }
    Stack& stack_a() { return *stack_a_; }
    Stack& stack_b() { return *stack_b_; }
    MemoryLink& link() { return link_; }
    ManualClock& clock() { return clock_; }
    Instant now() const { return clock_.now(); }

    // Polls both stacks until neither does any work; time does not move (like the kernel's
    // loopback, which finishes its processing before the sending call returns).
    void settle() {
        for (int i = 0; i < 10'000; ++i) {
            const bool wa = stack_a_->poll();
            const bool wb = stack_b_->poll();
            if (!wa && !wb) return;
        }
    }

    // Moves the clock forward by d, stopping at every timer of either stack on the way.
    void advance(Duration d) {
        const Instant end = clock_.now() + d;
        settle();
        for (int i = 0; i < 1'000'000; ++i) {
            std::optional<Instant> next = earliest(stack_a_->timers().next_deadline(), stack_b_->timers().next_deadline());
            if (!next || *next > end) break;
            if (*next > clock_.now()) clock_.set(*next);
            settle();
            if (clock_.now() >= end) break;
            if (*next <= clock_.now() && !stack_a_->poll() && !stack_b_->poll()) clock_.advance(Duration::from_us(100));
        }
        if (clock_.now() < end) clock_.set(end);
        settle();
    }

    // The pools of both stacks hold no buffer (call after every socket is closed and settle()).
    size_t buffers_in_use() const { return stack_a_->pool().in_use() + stack_b_->pool().in_use(); }
    uint64_t stalls() const { return stalls_; }

    static std::optional<Instant> earliest(std::optional<Instant> x, std::optional<Instant> y) {
        if (!x) return y;
        if (!y) return x;
        return *x < *y ? x : y;
    }

private:
    StackConfig stack_config(Ipv4Address ip, uint64_t seed, const Options& o) {
        StackConfig c;
        c.clock = &clock_;
        c.address = Ipv4Cidr{ip, 24};
        c.pool_size = o.pool_size;
        c.seed = seed;
        c.ttl = o.ttl;
        return c;
    }

    void on_idle(Stack& other, const IdleWait& w) {
        if (other.poll()) return;
        const std::optional<Instant> next = earliest(earliest(w.deadline, w.next_timer), other.timers().next_deadline());
        if (!next) {
            // A blocking call without timeout waits for something that nothing scheduled: in a
            // simulation that is a deadlock, and the test would hang.
            std::fprintf(stderr, "SocketPair: a blocking call waits and nothing is scheduled (deadlock)\n");
            std::abort();
        }
        ++stalls_;
        if (*next > clock_.now()) {
            clock_.set(*next);
        } else {
            clock_.advance(Duration::from_us(100));  // due within the current timer tick
        }
    }

    ManualClock clock_;
    std::unique_ptr<Stack> stack_a_;
    std::unique_ptr<Stack> stack_b_;
    MemoryLink link_;
    std::unique_ptr<SocketLayer> layer_a_;
    std::unique_ptr<SocketLayer> layer_b_;
    uint64_t stalls_ = 0;
};

inline std::span<const std::byte> bytes_of(std::string_view s) { return std::as_bytes(std::span(s)); }

inline std::string to_string(std::span<const std::byte> b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace tachyon::test
