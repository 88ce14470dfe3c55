// The fixture of the stack-level fuzz targets: a Stack on endpoint b of a MemoryLink, the harness
// playing the peer on endpoint a, one ManualClock. Frames go in from the peer side; every frame the
// stack sends is checked (check_sent_frame) and handed to the harness; after each step the
// counters must not have gone down and every bound must hold. Invariant violations are collected
// in a Verdict rather than asserted, so the same code serves libFuzzer (which aborts on them) and
// the GoogleTest regression test (which reports them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "drivers/memory/memory_link.hpp"
#include "lib/packet.hpp"
#include "lib/time.hpp"
#include "stack/stack.hpp"
#include "tests/fuzz/fuzz_frames.hpp"

namespace tachyon::fuzz {

// The stack under test is B of the golden frames (tests/unit/wire/golden_frames.hpp), so real
// Linux frames from A reach it unchanged.
inline constexpr Ipv4Address kStackIp = Ipv4Address::from_octets(10, 0, 0, 2);
inline constexpr Ipv4Address kPeerIp = Ipv4Address::from_octets(10, 0, 0, 1);
inline constexpr Ipv4Address kGatewayIp = Ipv4Address::from_octets(10, 0, 0, 254);
inline const EthernetAddress kStackMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
inline const EthernetAddress kPeerMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

// The first invariant that failed, with where.
class Verdict {
public:
    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    void fail(std::string what) {
        if (error_.empty()) error_ = std::move(what);
    }
    void require(bool cond, const char* what) {
        if (!cond) fail(what);
    }
    // Says where a failure happened (e.g. which record of the input), once.
    void locate(const std::string& where) {
        if (!error_.empty() && !located_) error_ = where + ": " + error_;
        located_ = !error_.empty();
    }

private:
    std::string error_;
    bool located_ = false;
};

// Remembers a set of counters and fails when one goes down.
class MonotonicCounters {
public:
    void update(const char* what, std::span<const uint64_t> now, Verdict& v);

private:
    std::vector<uint64_t> last_;
};

// Counters of a struct made only of uint64_t fields, as values.
template <typename T>
std::vector<uint64_t> counter_values(const T& counters) {
    static_assert(sizeof(T) % sizeof(uint64_t) == 0 && std::is_trivially_copyable_v<T>);
    std::vector<uint64_t> out(sizeof(T) / sizeof(uint64_t));
    std::memcpy(out.data(), &counters, sizeof(T));
    return out;
}

// TACHYON_FUZZ_TRACE set in the environment: the harnesses print their counters at the end of
// each input (for reading what a corpus file or a crash does).
bool trace_enabled();

// Clock steps an input chooses between frames: zero often, and every timer scale the stack has
// (delayed ACK, RTO, ARP retry, reassembly timeout, TIME-WAIT).
Duration clock_step(uint8_t code);

class StackWorld {
public:
    // `config` gives the bounds; clock, address, gateway and seed are set here.
    explicit StackWorld(StackConfig config, size_t peer_pool_size = 64);
    StackWorld(const StackWorld&) = delete;
    StackWorld& operator=(const StackWorld&) = delete;
    ~StackWorld();

    Stack& stack() { return *stack_; }
    ManualClock& clock() { return clock_; }
    Verdict& verdict() { return verdict_; }
    const StackConfig& config() const { return config_; }

    // Called with each well-formed frame the stack sends (after check_sent_frame).
    std::function<void(const SentFrame&)> on_sent;
    // Extra per-step invariants of the harness (e.g. TCP's counters and bounds).
    std::function<void()> on_step;
    // The peer answers the stack's ARP requests for kPeerIp, as a real host would (otherwise the
    // stack loses the peer once its cache entry expires after a long clock step).
    bool peer_answers_arp = true;

    // Puts a frame on the wire from the peer (rx_flags: the device's checksum verdicts), advances
    // the clock by `step`, and runs the stack until it is idle.
    void inject(std::span<const std::byte> frame, Duration step = Duration::zero(), uint8_t rx_flags = 0);
    // Advances the clock and runs the stack until idle.
    void advance(Duration step);
    // Polls until idle (bounded), then checks what was sent and the per-step invariants.
    void settle();
    // Jumps the clock from deadline to deadline until done() holds (at most max_jumps jumps).
    // Returns done().
    bool run_timers(const std::function<bool()>& done, int max_jumps);
    // With every socket closed by the harness: lets ARP, reassembly and `more_done` finish, then
    // requires that nothing is left queued, assembling or held and every buffer is back.
    void finish(const std::function<bool()>& more_done = nullptr);

private:
    void drain_sent();
    void check_bounds();
    void answer_arp();

    StackConfig config_;
    ManualClock clock_{Instant::from_ms(1'000)};
    std::unique_ptr<PacketPool> peer_pool_;
    std::unique_ptr<MemoryLink> link_;
    std::unique_ptr<Stack> stack_;
    Verdict verdict_;
    MonotonicCounters stack_counters_;
    MonotonicCounters device_counters_;
    bool arp_asked_ = false;  // the stack asked for kPeerIp since the last answer
};

}  // namespace tachyon::fuzz
